#include "simulate/simulation.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "events/timestamp.h"
#include "simulate/fleet.h"
#include "simulate/geography.h"
#include "simulate/seed_journey.h"
#include "simulate/weather_model.h"

namespace smartcity::simulate {
namespace {

using nlohmann::json;

constexpr UnixMicros kStart{1712318400000000};  // 2024-04-05T12:00:00Z

std::vector<SimulatedRecord> run(SimulationOptions options, std::size_t limit) {
  Simulation simulation(options);
  std::vector<SimulatedRecord> records;
  SimulatedRecord record;
  while (records.size() < limit && simulation.next(record))
    records.push_back(record);
  return records;
}

TEST(Simulation, SameSeedSameBytesOtherSeedOtherBytes) {
  for (int vehicles : {0, 20}) {
    SimulationOptions options{vehicles, 7, kStart, events::WireFormat::kCanonical, 0.02};
    const auto first = run(options, 3000);
    const auto second = run(options, 3000);
    ASSERT_EQ(first.size(), second.size());
    for (std::size_t i = 0; i < first.size(); ++i) {
      ASSERT_EQ(first[i].payload, second[i].payload) << i;
      ASSERT_EQ(first[i].key, second[i].key);
    }
    options.seed = 8;
    const auto other = run(options, 3000);
    EXPECT_NE(first[0].payload, other[0].payload);
  }
}

TEST(SeedScenario, FiveHundredRecordsLondonToBirminghamAsTheOriginalWroteThem) {
  const auto records = run({0, 1, kStart, events::WireFormat::kSeed, 0}, 10'000);
  ASSERT_EQ(records.size(), 500u);
  std::map<std::string_view, int> per_topic;
  std::int64_t previous = kStart.value;
  json last_vehicle;
  for (std::size_t i = 0; i < records.size(); ++i) {
    const SimulatedRecord& record = records[i];
    ++per_topic[record.topic];
    EXPECT_EQ(record.key, SeedJourney::kDeviceId);
    const json value = json::parse(record.payload);
    EXPECT_EQ(value["deviceId"], SeedJourney::kDeviceId);
    const std::string timestamp = value["timestamp"];
    EXPECT_EQ(timestamp.find('Z'), std::string::npos) << "the original had no zone";
    const std::int64_t t = events::parse_timestamp(timestamp)->value;
    if (record.kind == events::EventKind::kVehicle) {
      const std::int64_t step = t - previous;
      EXPECT_GE(step, 30'000'000);
      EXPECT_LE(step, 60'000'000);
      previous = t;
      EXPECT_TRUE(value["year"].is_string());
      EXPECT_TRUE(value["location"].is_array());
      last_vehicle = value;
    } else {
      EXPECT_EQ(t, previous) << "all five records of a step share its time";
    }
    if (record.kind == events::EventKind::kGps) {
      EXPECT_FALSE(value.contains("location"));
    }
    if (record.kind == events::EventKind::kWeather) {
      const std::string condition = value["weatherCondition"];
      EXPECT_TRUE(condition == "Sunny" || condition == "Cloudy" || condition == "Rain" ||
                  condition == "Snow")
          << condition;
    }
  }
  for (const auto& [topic, count] : per_topic)
    EXPECT_EQ(count, 100) << topic;
  EXPECT_EQ(records[0].payload.substr(0, 8), R"({"id": ")");
  EXPECT_NE(records[0].payload.find(R"("fuelType": "Hybrid"})"), std::string::npos);
  // 100 steps of a hundredth of the way: it ends at Birmingham.
  const GeoPoint end{last_vehicle["location"][0], last_vehicle["location"][1]};
  EXPECT_LT(distance_km(end, birmingham().location), 5.0);
}

TEST(Fleet, RecordsAreRealisticAndConsistent) {
  const auto records = run({30, 3, kStart, events::WireFormat::kCanonical, 0}, 60'000);
  std::map<std::string, json> attributes;
  std::map<std::string, std::pair<double, double>> camera_places;
  std::map<std::string, std::string> incident_status;  // last status per incident
  std::map<std::string, std::pair<double, double>> last_vehicle_position;
  int rainy_or_snowy = 0, snowy = 0;
  for (const SimulatedRecord& record : records) {
    const json value = json::parse(record.payload);
    const std::string device = value["device_id"];
    EXPECT_EQ(device, record.key);
    switch (record.kind) {
      case events::EventKind::kVehicle: {
        const json identity = {value["make"], value["model"], value["year"], value["fuel_type"]};
        auto [it, inserted] = attributes.emplace(device, identity);
        EXPECT_EQ(it->second, identity) << device << " changed its make/model/year/fuel";
        const double speed = value["speed"];
        EXPECT_GE(speed, 0);
        EXPECT_LE(speed, 121);
        EXPECT_TRUE(value["year"].is_number_integer());
        last_vehicle_position[device] = {value["latitude"], value["longitude"]};
        break;
      }
      case events::EventKind::kGps:
        EXPECT_EQ(std::make_pair(double(value["latitude"]), double(value["longitude"])),
                  last_vehicle_position[device])
            << "GPS must follow the vehicle's own track";
        break;
      case events::EventKind::kTraffic: {
        const std::pair<double, double> place{value["latitude"], value["longitude"]};
        auto [it, inserted] = camera_places.emplace(value["camera_id"], place);
        EXPECT_EQ(it->second, place) << "camera " << value["camera_id"] << " moved";
        break;
      }
      case events::EventKind::kWeather: {
        const std::string condition = value["weather_condition"];
        const double precipitation = value["precipitation"];
        const double temperature = value["temperature"];
        const int humidity = value["humidity"];
        const double aqi = value["air_quality_index"];
        if (condition == "Rainy" || condition == "Snowy") {
          ++rainy_or_snowy;
          EXPECT_GT(precipitation, 0);
        } else {
          EXPECT_EQ(precipitation, 0) << condition;
        }
        if (condition == "Snowy") {
          ++snowy;
          EXPECT_LE(temperature, WeatherModel::kSnowBelowC + 0.05);
        }
        EXPECT_GE(humidity, 0);
        EXPECT_LE(humidity, 100);
        EXPECT_GE(aqi, 0);
        EXPECT_LE(aqi, 500);
        EXPECT_GT(temperature, -20);
        EXPECT_LT(temperature, 30);
        break;
      }
      case events::EventKind::kEmergency: {
        const std::string type = value["type"];
        const std::string status = value["status"];
        if (type == "None") break;
        const std::string id = value["incident_id"];
        const auto it = incident_status.find(id);
        if (it == incident_status.end()) {
          EXPECT_EQ(status, "Active") << "an incident starts Active";
        } else {
          EXPECT_NE(it->second, "Resolved") << "nothing follows Resolved";
        }
        incident_status[id] = status;
        break;
      }
    }
  }
  EXPECT_EQ(attributes.size(), 30u);
  EXPECT_GT(rainy_or_snowy, 0) << "no rain in 12,000 weather records";
  int resolved = 0;
  for (const auto& [id, status] : incident_status)
    resolved += status == "Resolved";
  EXPECT_GT(resolved, 10);
}

TEST(Fleet, WeatherIsSmoothInSpaceAndTime) {
  WeatherModel model(5);
  const GeoPoint here{52.0, -1.0};
  const GeoPoint nearby{52.01, -1.01};
  for (int minute = 0; minute < 600; minute += 7) {
    const UnixMicros t{kStart.value + minute * 60'000'000LL};
    const UnixMicros later{t.value + 60'000'000};
    EXPECT_NEAR(model.at(here, t).temperature_c, model.at(nearby, t).temperature_c, 0.5);
    EXPECT_NEAR(model.at(here, t).temperature_c, model.at(here, later).temperature_c, 0.5);
  }
}

TEST(Faults, EveryKindAppearsAtTheRequestedRate) {
  const auto records = run({10, 4, kStart, events::WireFormat::kSeed, 0.1}, 20'000);
  std::map<FaultKind, int> kinds;
  int faults = 0;
  for (const SimulatedRecord& record : records) {
    if (!record.fault) {
      EXPECT_TRUE(json::accept(record.payload));
      continue;
    }
    ++faults;
    ++kinds[*record.fault];
  }
  EXPECT_NEAR(faults, 2000, 200);
  EXPECT_EQ(kinds.size(), static_cast<std::size_t>(kFaultKinds));
}

TEST(Faults, EachKindIsReallyBad) {
  FaultInjector injector(0, 1);
  for (int k = 0; k < kFaultKinds; ++k) {
    for (events::WireFormat format : {events::WireFormat::kSeed, events::WireFormat::kCanonical}) {
      Simulation again(SimulationOptions{5, 9, kStart, format, 0});
      SimulatedRecord clean;
      again.next(clean);
      std::string payload = clean.payload;
      // The same fleet's first step holds the values behind `clean`.
      StepRecords step;
      Fleet fleet(5, 9, kStart);
      fleet.next_step(step);
      injector.corrupt(static_cast<FaultKind>(k), step[events::EventKind::kVehicle], format,
                       payload);
      EXPECT_NE(payload, clean.payload) << fault_name(static_cast<FaultKind>(k));
      const auto kind = static_cast<FaultKind>(k);
      if (kind == FaultKind::kTruncatedJson || kind == FaultKind::kInvalidUtf8) {
        EXPECT_FALSE(json::accept(payload)) << fault_name(kind);
      }
      if (kind == FaultKind::kOversized) {
        EXPECT_GT(payload.size(), events::kMaxRecordBytes);
      }
    }
  }
}

}  // namespace
}  // namespace smartcity::simulate
