#include "events/wire_format.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

namespace smartcity::events {
namespace {

EventRecord sample_weather() {
  EventRecord record(EventKind::kWeather);
  record.set_string("id", "w-1");
  record.set_string("device_id", "Vehicle-é");
  record.set_timestamp("timestamp", UnixMicros{1712320496000000});
  record.set_double("latitude", 51.5);
  record.set_double("longitude", -0.12);
  record.set_double("temperature", 3.0);
  record.set_string("weather_condition", "Rainy");
  record.set_double("precipitation", 2.25);
  record.set_double("wind_speed", 1e-05);
  record.set_integer("humidity", 80);
  record.set_double("air_quality_index", 42.1);
  return record;
}

TEST(WireFormat, SeedIsWhatPythonJsonDumpsWrote) {
  std::string out;
  append_json(sample_weather(), WireFormat::kSeed, out);
  // json.dumps({...}) of the original's dict, ensure_ascii on, repr floats.
  EXPECT_EQ(
      out,
      R"({"id": "w-1", "deviceId": "Vehicle-\u00e9", "location": [51.5, -0.12], )"
      R"("timestamp": "2024-04-05T12:34:56", "temperature": 3.0, "weatherCondition": "Rain", )"
      R"("precipitation": 2.25, "windSpeed": 1e-05, "humidity": 80, "airQualityIndex": 42.1})");
}

TEST(WireFormat, CanonicalIsSnakeCaseWithUtcTimes) {
  std::string out;
  append_json(sample_weather(), WireFormat::kCanonical, out);
  const auto value = nlohmann::json::parse(out);
  EXPECT_EQ(value["device_id"], "Vehicle-é");
  EXPECT_EQ(value["timestamp"], "2024-04-05T12:34:56.000000Z");
  EXPECT_EQ(value["weather_condition"], "Rainy");
  EXPECT_EQ(value["latitude"], 51.5);
  EXPECT_EQ(value["humidity"], 80);
  EXPECT_FALSE(value.contains("location"));
}

TEST(WireFormat, BothFormatsCarryTheSameValues) {
  std::string seed, canonical;
  append_json(sample_weather(), WireFormat::kSeed, seed);
  append_json(sample_weather(), WireFormat::kCanonical, canonical);
  const auto s = nlohmann::json::parse(seed);
  const auto c = nlohmann::json::parse(canonical);
  EXPECT_EQ(s["location"][0], c["latitude"]);
  EXPECT_EQ(s["location"][1], c["longitude"]);
  EXPECT_EQ(s["airQualityIndex"], c["air_quality_index"]);
  EXPECT_EQ(s["windSpeed"], c["wind_speed"]);
}

TEST(WireFormat, YearIsAStringOnlyInTheSeedFormat) {
  EventRecord vehicle(EventKind::kVehicle);
  vehicle.set_integer("year", 2024);
  std::string seed, canonical;
  append_json(vehicle, WireFormat::kSeed, seed);
  append_json(vehicle, WireFormat::kCanonical, canonical);
  EXPECT_NE(seed.find(R"("year": "2024")"), std::string::npos) << seed;
  EXPECT_NE(canonical.find(R"("year":2024)"), std::string::npos) << canonical;
}

TEST(WireFormat, StringsAreEscaped) {
  std::string out;
  append_json_string("a\"b\\c\n\x01", false, out);
  EXPECT_EQ(out, R"("a\"b\\c\n\u0001")");
  EXPECT_EQ(nlohmann::json::parse(out), "a\"b\\c\n\x01");
}

TEST(WireFormat, PythonFloatRepr) {
  const std::pair<double, const char*> cases[] = {
      {40.0, "40.0"}, {0.1, "0.1"}, {1e16, "1e+16"}, {123456.789, "123456.789"}, {-0.5, "-0.5"}};
  for (const auto& [value, text] : cases) {
    std::string out;
    append_python_float(value, out);
    EXPECT_EQ(out, text);
  }
}

}  // namespace
}  // namespace smartcity::events
