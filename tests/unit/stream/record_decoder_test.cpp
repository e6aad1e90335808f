#include "stream/record_decoder.h"

#include <gtest/gtest.h>

#include "events/timestamp.h"
#include "lake/table_schema.h"

namespace smartcity::stream {
namespace {

using events::EventKind;

constexpr std::int64_t kSample = 1712320496LL * 1'000'000;  // 2024-04-05T12:34:56Z

class RecordDecoderTest : public ::testing::Test {
 protected:
  DecodeOutcome decode(EventKind kind, std::string_view payload) {
    rows_ = std::make_unique<lake::ColumnBatch>(lake::table_schema(kind));
    RecordMetadata metadata{events::spec(kind).topic, Partition{2}, Offset{41},
                            UnixMicros{kSample + 7},  "Vehicle-1",  UnixMicros{kSample + 99}};
    return decoder_.decode(kind, payload, metadata, *rows_, dead_);
  }

  const lake::Column& column(EventKind kind, std::string_view name) {
    const int index = lake::column_index(lake::table_schema(kind), name);
    EXPECT_GE(index, 0) << name;
    return rows_->column(static_cast<std::size_t>(index));
  }

  void expect_dead(EventKind kind, std::string_view payload, std::string_view reason_part) {
    const std::size_t before = dead_.rows();
    EXPECT_EQ(decode(kind, payload), DecodeOutcome::kDeadLetter) << payload;
    EXPECT_EQ(rows_->rows(), 0u);
    for (std::size_t c = 0; c < rows_->schema().columns.size(); ++c) {
      EXPECT_EQ(rows_->column(c).size(), 0u) << "half a row left in column " << c;
    }
    ASSERT_EQ(dead_.rows(), before + 1);
    EXPECT_EQ(dead_.column(6).bytes_at(before), payload);  // raw, byte for byte
    EXPECT_NE(std::string(dead_.column(7).bytes_at(before)).find(reason_part), std::string::npos)
        << "reason: " << dead_.column(7).bytes_at(before) << "\nexpected: " << reason_part;
  }

  RecordDecoder decoder_;
  std::unique_ptr<lake::ColumnBatch> rows_;
  lake::ColumnBatch dead_{lake::dead_letter_schema()};
};

constexpr std::string_view kCanonicalVehicle =
    R"({"id":"a1","device_id":"Vehicle-1","timestamp":"2024-04-05T12:34:56.000000Z",)"
    R"("latitude":51.5,"longitude":-0.12,"speed":33.5,"direction":"North-East","make":"BMW",)"
    R"("model":"C500","year":2024,"fuel_type":"Hybrid"})";

// What the original producer's json.dumps wrote.
constexpr std::string_view kSeedVehicle =
    R"({"id": "a1", "deviceId": "Vehicle-1", "timestamp": "2024-04-05T12:34:56", )"
    R"("location": [51.5, -0.12], "speed": 33.5, "direction": "North-East", "make": "BMW", )"
    R"("model": "C500", "year": "2024", "fuelType": "Hybrid"})";

TEST_F(RecordDecoderTest, CanonicalAndSeedFormatsGiveTheSameRow) {
  for (std::string_view payload : {kCanonicalVehicle, kSeedVehicle}) {
    ASSERT_EQ(decode(EventKind::kVehicle, payload), DecodeOutcome::kRow) << decoder_.last_reason();
    ASSERT_EQ(rows_->rows(), 1u);
    EXPECT_EQ(column(EventKind::kVehicle, "id").bytes_at(0), "a1");
    EXPECT_EQ(column(EventKind::kVehicle, "device_id").bytes_at(0), "Vehicle-1");
    EXPECT_EQ(column(EventKind::kVehicle, "timestamp").int64_at(0), kSample);
    EXPECT_DOUBLE_EQ(column(EventKind::kVehicle, "latitude").double_at(0), 51.5);
    EXPECT_DOUBLE_EQ(column(EventKind::kVehicle, "longitude").double_at(0), -0.12);
    EXPECT_DOUBLE_EQ(column(EventKind::kVehicle, "speed").double_at(0), 33.5);
    EXPECT_EQ(column(EventKind::kVehicle, "year").int32_at(0), 2024);
    EXPECT_EQ(column(EventKind::kVehicle, "fuel_type").bytes_at(0), "Hybrid");
    EXPECT_EQ(column(EventKind::kVehicle, "_topic").bytes_at(0), "vehicle_data");
    EXPECT_EQ(column(EventKind::kVehicle, "_partition").int32_at(0), 2);
    EXPECT_EQ(column(EventKind::kVehicle, "_offset").int64_at(0), 41);
    EXPECT_EQ(column(EventKind::kVehicle, "_ingested_at").int64_at(0), kSample + 99);
    EXPECT_EQ(rows_->hour_keys()[0], lake::hour_key(UnixMicros{kSample}));
  }
  EXPECT_EQ(dead_.rows(), 0u);
}

// Found by the fuzzer holding the two paths against each other: simdjson 3.0
// read 0.95000000000000000000 as 0.0277. Both paths must round as from_chars.
TEST_F(RecordDecoderTest, NumbersOfManyDigitsAreReadExactlyOnBothPaths) {
  std::string payload(kSeedVehicle);
  payload.replace(payload.find("[51.5, -0.12]"), 13, "[51.5, -0.145323917666867686797]");
  payload.replace(payload.find("33.5"), 4, "0.95000000000000000000");
  for (DecodePath path : {DecodePath::kFastWhereItCan, DecodePath::kFullParserOnly}) {
    decoder_ = RecordDecoder(path);
    ASSERT_EQ(decode(EventKind::kVehicle, payload), DecodeOutcome::kRow) << decoder_.last_reason();
    EXPECT_EQ(column(EventKind::kVehicle, "speed").double_at(0), 0.95);
    EXPECT_EQ(column(EventKind::kVehicle, "longitude").double_at(0), -0.1453239176668677);
  }
  // The same numbers inside a record only the full parser reads (an escape).
  std::string escaped = payload;
  escaped.replace(escaped.find("\"BMW\""), 5, "\"B\\u004dW\"");
  ASSERT_EQ(decode(EventKind::kVehicle, escaped), DecodeOutcome::kRow) << decoder_.last_reason();
  EXPECT_EQ(column(EventKind::kVehicle, "speed").double_at(0), 0.95);
  EXPECT_EQ(column(EventKind::kVehicle, "make").bytes_at(0), "BMW");
}

TEST_F(RecordDecoderTest, KeyOrderDoesNotMatterAndUnknownKeysAreIgnored) {
  ASSERT_EQ(
      decode(EventKind::kVehicle,
             R"({"fuel_type":"Petrol","year":1999,"model":"Golf","make":"VW","extra":{"a":[1,2]},)"
             R"("direction":"S","speed":0,"longitude":1,"latitude":2,"timestamp":1712320496000,)"
             R"("device_id":"d","id":"i"})"),
      DecodeOutcome::kRow)
      << decoder_.last_reason();
  EXPECT_EQ(column(EventKind::kVehicle, "timestamp").int64_at(0), kSample);  // epoch millis
  EXPECT_EQ(column(EventKind::kVehicle, "make").bytes_at(0), "VW");
  EXPECT_DOUBLE_EQ(column(EventKind::kVehicle, "latitude").double_at(0), 2);
}

TEST_F(RecordDecoderTest, SeedGpsWithoutLocationStoresNulls) {
  ASSERT_EQ(decode(EventKind::kGps,
                   R"({"id": "g", "deviceId": "d", "timestamp": "2024-04-05T12:34:56.5", )"
                   R"("speed": 12.0, "direction": "North-East", "vehicleType": "private"})"),
            DecodeOutcome::kRow)
      << decoder_.last_reason();
  EXPECT_FALSE(column(EventKind::kGps, "latitude").is_valid(0));
  EXPECT_FALSE(column(EventKind::kGps, "longitude").is_valid(0));
  EXPECT_EQ(column(EventKind::kGps, "timestamp").int64_at(0), kSample + 500000);
  EXPECT_EQ(column(EventKind::kGps, "vehicle_type").bytes_at(0), "private");
}

TEST_F(RecordDecoderTest, OriginalWeatherSpellingsAreStoredCanonically) {
  for (auto [spelling, canonical] :
       {std::pair{"Rain", "Rainy"}, std::pair{"Snow", "Snowy"}, std::pair{"Sunny", "Sunny"}}) {
    const std::string payload =
        std::string(R"({"id": "w", "deviceId": "d", "location": [52.1, -1.2], )"
                    R"("timestamp": "2024-04-05T14:34:56+02:00", "temperature": -3.5, )"
                    R"("weatherCondition": ")") +
        spelling +
        R"(", "precipitation": 2.5, "windSpeed": 10, "humidity": 80, "airQualityIndex": 42.1})";
    ASSERT_EQ(decode(EventKind::kWeather, payload), DecodeOutcome::kRow) << decoder_.last_reason();
    EXPECT_EQ(column(EventKind::kWeather, "weather_condition").bytes_at(0), canonical);
    EXPECT_EQ(column(EventKind::kWeather, "timestamp").int64_at(0), kSample);
    EXPECT_EQ(column(EventKind::kWeather, "humidity").int32_at(0), 80);
  }
}

TEST_F(RecordDecoderTest, EmergencyAndTrafficDecode) {
  ASSERT_EQ(
      decode(EventKind::kEmergency,
             R"({"id": "e", "deviceId": "d", "incidentId": "inc-1", "type": "Fire", )"
             R"("timestamp": "2024-04-05T12:34:56", "location": [51, 0], "status": "Active", )"
             R"("description": "Description of the incident"})"),
      DecodeOutcome::kRow)
      << decoder_.last_reason();
  EXPECT_EQ(column(EventKind::kEmergency, "incident_id").bytes_at(0), "inc-1");
  EXPECT_EQ(column(EventKind::kEmergency, "status").bytes_at(0), "Active");
  ASSERT_EQ(
      decode(EventKind::kTraffic,
             R"({"id": "t", "deviceId": "d", "cameraId": "Nikon-Cam123", "location": [51, 0], )"
             R"("timestamp": "2024-04-05T12:34:56", "snapshot": "Base64EncodedString"})"),
      DecodeOutcome::kRow)
      << decoder_.last_reason();
  EXPECT_EQ(column(EventKind::kTraffic, "camera_id").bytes_at(0), "Nikon-Cam123");
}

TEST_F(RecordDecoderTest, EveryKindOfBadRecordIsADeadLetterWithAReason) {
  const std::string truncated(kSeedVehicle.substr(0, 70));
  expect_dead(EventKind::kVehicle, truncated, "invalid JSON");
  expect_dead(EventKind::kVehicle, "", "payload is empty");
  expect_dead(EventKind::kVehicle, "[1, 2]", "not a JSON object");
  expect_dead(EventKind::kVehicle, std::string(kCanonicalVehicle) + " {}", "after the top-level");
  std::string speed_as_text(kCanonicalVehicle);
  speed_as_text.replace(speed_as_text.find("33.5"), 4, "\"fast\"");
  expect_dead(EventKind::kVehicle, speed_as_text,
              R"(field 'speed': expected a number, got string "fast")");
  std::string no_device(kSeedVehicle);
  no_device.replace(no_device.find(R"("deviceId": "Vehicle-1", )"), 25, "");
  expect_dead(EventKind::kVehicle, no_device, "missing required field 'device_id' (or 'deviceId')");
  std::string bad_year(kSeedVehicle);
  bad_year.replace(bad_year.find("\"2024\""), 6, "\"20x4\"");
  expect_dead(EventKind::kVehicle, bad_year, R"(field 'year': "20x4" is not an integer)");
  std::string fractional_year(kCanonicalVehicle);
  fractional_year.replace(fractional_year.find("\"year\":2024"), 11, "\"year\":2024.5");
  expect_dead(EventKind::kVehicle, fractional_year, "field 'year': expected an integer");
  std::string far(kSeedVehicle);
  far.replace(far.find("51.5"), 4, "123.4");
  expect_dead(EventKind::kVehicle, far, "latitude 123.4 is outside -90..90");
  std::string bad_time(kCanonicalVehicle);
  bad_time.replace(bad_time.find("2024-04-05T12"), 13, "2024-13-05T12");
  expect_dead(EventKind::kVehicle, bad_time, "is not an ISO-8601 time");
  std::string null_make(kCanonicalVehicle);
  null_make.replace(null_make.find("\"BMW\""), 5, "null");
  expect_dead(EventKind::kVehicle, null_make, "field 'make' is null");
  std::string twice(kCanonicalVehicle);
  twice.insert(1, R"("make":"Audi",)");
  expect_dead(EventKind::kVehicle, twice, "field 'make' is given twice");
  std::string both_locations(kSeedVehicle);
  both_locations.insert(1, R"("latitude": 1, )");
  expect_dead(EventKind::kVehicle, both_locations, "given twice");
  expect_dead(EventKind::kVehicle, std::string("{\"id\": \"\xff\xfe\"}"), "not valid UTF-8");
  expect_dead(EventKind::kVehicle, R"({"id": "bad \x escape"})", "field 'id': invalid JSON string");
  expect_dead(EventKind::kVehicle, std::string(events::kMaxRecordBytes + 1, ' '),
              "over the 1.0 MiB limit");
}

TEST_F(RecordDecoderTest, EnumAndLocationShapesAreChecked) {
  const std::string weather =
      R"({"id": "w", "deviceId": "d", "location": [52.1, -1.2], "timestamp": "2024-04-05T12:34:56", )"
      R"("temperature": 1, "weatherCondition": "Foggy", "precipitation": 0, "windSpeed": 1, )"
      R"("humidity": 80, "airQualityIndex": 1})";
  expect_dead(EventKind::kWeather, weather, "'Foggy' is not one of Sunny, Cloudy, Rainy, Snowy");
  std::string wet = weather;
  wet.replace(wet.find("Foggy"), 5, "Rainy");
  wet.replace(wet.find("\"humidity\": 80"), 14, "\"humidity\": 180");
  expect_dead(EventKind::kWeather, wet, "field 'humidity': 180 is outside 0..100");
  std::string one_coordinate = weather;
  one_coordinate.replace(one_coordinate.find("[52.1, -1.2]"), 12, "[52.1]");
  expect_dead(EventKind::kWeather, one_coordinate, "expected [latitude, longitude]");
  std::string text_location = weather;
  text_location.replace(text_location.find("[52.1, -1.2]"), 12, "\"(52.1, -1.2)\"");
  expect_dead(EventKind::kWeather, text_location, "expected [latitude, longitude], got string");
}

TEST_F(RecordDecoderTest, DeadLetterKeepsLineageKeyAndKafkaTime) {
  expect_dead(EventKind::kVehicle, "nope", "invalid JSON");
  EXPECT_EQ(dead_.column(0).bytes_at(0), "vehicle_data");
  EXPECT_EQ(dead_.column(1).int32_at(0), 2);
  EXPECT_EQ(dead_.column(2).int64_at(0), 41);
  EXPECT_EQ(dead_.column(3).int64_at(0), kSample + 99);
  EXPECT_EQ(dead_.column(4).int64_at(0), kSample + 7);
  EXPECT_EQ(dead_.column(5).bytes_at(0), "Vehicle-1");
  EXPECT_EQ(dead_.hour_keys()[0], lake::hour_key(UnixMicros{kSample + 7}));
}

TEST_F(RecordDecoderTest, DecodingGoesOnAfterABadRecord) {
  lake::ColumnBatch rows(lake::table_schema(EventKind::kVehicle));
  RecordMetadata metadata{"vehicle_data", Partition{0}, Offset{0}, std::nullopt, "", UnixMicros{1}};
  for (int i = 0; i < 100; ++i) {
    metadata.offset = Offset{i};
    const std::string payload =
        i % 3 == 0 ? std::string(kSeedVehicle.substr(0, 40)) : std::string(kCanonicalVehicle);
    decoder_.decode(EventKind::kVehicle, payload, metadata, rows, dead_);
  }
  EXPECT_EQ(rows.rows(), 66u);
  EXPECT_EQ(dead_.rows(), 34u);
  // No Kafka timestamp: a dead letter is filed under its ingestion hour.
  EXPECT_EQ(dead_.hour_keys()[0], lake::hour_key(UnixMicros{1}));
  EXPECT_FALSE(dead_.column(4).is_valid(0));
}

// The fast path against the full parser, on the records above and on every
// one-byte change of them that matters to a JSON reader: each byte replaced
// by, and each gap given, one of the characters below, and every prefix.
// Both must give the same outcome, the same row bit for bit, the same reason.
TEST(RecordDecoderPaths, FastPathAndFullParserAgreeOnEveryNearbyRecord) {
  const std::pair<EventKind, std::string_view> originals[] = {
      {EventKind::kVehicle, kCanonicalVehicle},
      {EventKind::kVehicle, kSeedVehicle},
      {EventKind::kGps, R"({"id": "g", "deviceId": "d", "timestamp": "2024-04-05T12:34:56.5", )"
                        R"("speed": 12.0, "direction": "North-East", "vehicleType": "private"})"},
      {EventKind::kWeather,
       R"({"id": "w", "deviceId": "d", "location": [52.1, -1.2], "timestamp": 1712320496000, )"
       R"("temperature": -3.5, "weatherCondition": "Rain", "precipitation": 2.5, )"
       R"("windSpeed": 10, "humidity": 80, "airQualityIndex": 42.1})"},
      {EventKind::kEmergency,
       R"({"id":"e","device_id":"d","incident_id":"i","type":"Fire","timestamp":)"
       R"("2024-04-05T12:34:56+02:00","latitude":-0,"longitude":0.5,"status":"Active",)"
       R"("description":null,"extra":[1,2]})"},
  };
  constexpr std::string_view kProbes = "\"\\,:{}[] \t0-1.eE+nx\x01\xc3";
  RecordDecoder fast;
  RecordDecoder full(DecodePath::kFullParserOnly);
  lake::ColumnBatch fast_dead(lake::dead_letter_schema());
  lake::ColumnBatch full_dead(lake::dead_letter_schema());
  std::size_t compared = 0;
  std::size_t rows = 0;
  auto compare = [&](EventKind kind, const std::string& payload) {
    lake::ColumnBatch fast_rows(lake::table_schema(kind));
    lake::ColumnBatch full_rows(lake::table_schema(kind));
    const RecordMetadata metadata{
        events::spec(kind).topic, Partition{0}, Offset{1}, std::nullopt, "k", UnixMicros{5}};
    const DecodeOutcome a = fast.decode(kind, payload, metadata, fast_rows, fast_dead);
    const DecodeOutcome b = full.decode(kind, payload, metadata, full_rows, full_dead);
    ++compared;
    ASSERT_EQ(a, b) << payload;
    if (a == DecodeOutcome::kRow) {
      ++rows;
      ASSERT_TRUE(lake::same_row(fast_rows, 0, full_rows, 0)) << payload;
    } else {
      ASSERT_EQ(fast.last_reason(), full.last_reason()) << payload;
    }
    fast_dead.clear();
    full_dead.clear();
  };
  for (const auto& [kind, original] : originals) {
    compare(kind, std::string(original));
    for (std::size_t at = 0; at <= original.size(); ++at) {
      compare(kind, std::string(original.substr(0, at)));
      for (char probe : kProbes) {
        std::string inserted(original);
        inserted.insert(at, 1, probe);
        compare(kind, inserted);
        if (at == original.size()) continue;
        std::string replaced(original);
        replaced[at] = probe;
        compare(kind, replaced);
      }
    }
  }
  EXPECT_GT(compared, 10'000u);
  // Not a comparison of two refusals: many changes keep the record readable
  // (white space, digits), and most of those rows came the fast way.
  EXPECT_GT(rows, 1'000u);
  EXPECT_GT(fast.fast_path_rows(), rows / 2);
  EXPECT_EQ(full.fast_path_rows(), 0u);
}

// One decoder and the batches it fills, for vehicle records.
struct VehicleRecords {
  DecodeOutcome decode(std::string_view payload) {
    const RecordMetadata metadata{"vehicle_data", Partition{0}, Offset{1},
                                  std::nullopt,   "",           UnixMicros{5}};
    return decoder.decode(EventKind::kVehicle, payload, metadata, rows, dead);
  }
  RecordDecoder decoder;
  lake::ColumnBatch rows{lake::table_schema(EventKind::kVehicle)};
  lake::ColumnBatch dead{lake::dead_letter_schema()};
};

// Found by the fuzzer: a record the fast path declines half-way must not
// change what the learned layout maps its values to.
TEST(RecordDecoderPaths, ARecordDeclinedHalfWayLeavesTheLearnedLayoutAlone) {
  VehicleRecords records;
  RecordDecoder& decoder = records.decoder;
  lake::ColumnBatch& rows = records.rows;
  ASSERT_EQ(records.decode(kCanonicalVehicle), DecodeOutcome::kRow);
  // Same keys, id and device_id swapped, cut off after them: declined by
  // both paths, a dead letter.
  EXPECT_EQ(records.decode(R"({"device_id":"x","id":"y","timestamp":)"),
            DecodeOutcome::kDeadLetter);
  std::string next(kCanonicalVehicle);
  next.replace(next.find("\"a1\""), 4, "\"a2\"");
  ASSERT_EQ(records.decode(next), DecodeOutcome::kRow);
  ASSERT_EQ(rows.rows(), 2u);
  EXPECT_EQ(rows.column(0).bytes_at(1), "a2");
  EXPECT_EQ(rows.column(1).bytes_at(1), "Vehicle-1");
  EXPECT_EQ(decoder.fast_path_rows(), 2u);
}

constexpr std::string_view kSeedWeather =
    R"({"id": "w", "deviceId": "d", "location": [52.1, -1.2], )"
    R"("timestamp": "2024-04-05T14:34:56", "temperature": -3.5, "weatherCondition": "Rain", )"
    R"("precipitation": 2.5, "windSpeed": 10, "humidity": 80, "airQualityIndex": 42.1})";

// A record with the learned layout is read by the compiled layout, which
// must make every check of the other paths: each variant changes one value
// of a seed record (or its kind), and the fast decoder, which has just read
// the unchanged record, must agree with the full parser.
TEST(RecordDecoderPaths, ACompiledLayoutChecksEveryValueAsTheFullParserDoes) {
  enum class Expect { kLayoutRow, kOtherRow, kDeadLetter };
  struct Variant {
    EventKind kind;
    std::string_view from;
    std::string_view to;
    Expect expect;
  };
  constexpr EventKind kVehicle = EventKind::kVehicle;
  constexpr EventKind kWeather = EventKind::kWeather;
  const Variant variants[] = {
      {kVehicle, R"("a1")", R"("b2-an-id-longer-than-32-bytes-0123456789abcdef")",
       Expect::kLayoutRow},
      {kVehicle, "51.5", "-51.12345678901234567", Expect::kLayoutRow},    // 19 digits
      {kVehicle, "51.5", "-51.1234567890123456789", Expect::kLayoutRow},  // 21: from_chars
      {kVehicle, "51.5", "91.0", Expect::kDeadLetter},                    // latitude range
      {kVehicle, "-0.12", "-180.5", Expect::kDeadLetter},                 // longitude range
      {kVehicle, "33.5", "-0", Expect::kLayoutRow},
      {kVehicle, "33.5", "1.5e3", Expect::kOtherRow},   // an exponent: the full parser's
      {kVehicle, "33.5", "null", Expect::kDeadLetter},  // speed is required
      {kVehicle, "33.5", R"("33.5")", Expect::kDeadLetter},
      {kVehicle, R"("North-East")", R"("South")", Expect::kLayoutRow},
      {kVehicle, R"("2024")", R"("20x4")", Expect::kDeadLetter},
      {kVehicle, R"("2024")", R"("99999999999")", Expect::kDeadLetter},  // over int32
      {kVehicle, R"("2024")", "2024", Expect::kOtherRow},                // another layout
      {kVehicle, R"("2024-04-05T12:34:56")", R"("2024-13-05T12:34:56")", Expect::kDeadLetter},
      {kVehicle, R"("2024-04-05T12:34:56")", R"("2024-04-05T12:34:56.25+01:00")",
       Expect::kLayoutRow},
      {kVehicle, R"("2024-04-05T12:34:56")", "1712320496000", Expect::kOtherRow},
      {kVehicle, R"("BMW")", R"("B\u004dW")", Expect::kOtherRow},     // an escape
      {kVehicle, R"("BMW")", "\"B\xc3\x28W\"", Expect::kDeadLetter},  // not UTF-8
      {kVehicle, R"("BMW")", "\"B\xc3\xa9W\"", Expect::kLayoutRow},   // UTF-8
      {kVehicle, R"("a1")", "null", Expect::kDeadLetter},             // id is required
      {kVehicle, R"("Hybrid"})", R"("Hybrid"} x)", Expect::kDeadLetter},
      {kVehicle, R"("Hybrid"})", R"("Hybrid", "extra": [1, 2]})", Expect::kOtherRow},
      {kWeather, R"("Rain")", R"("Snow")", Expect::kLayoutRow},  // an alias
      {kWeather, R"("Rain")", R"("Cloudy")", Expect::kLayoutRow},
      {kWeather, R"("Rain")", R"("Hail")", Expect::kDeadLetter},
      {kWeather, "[52.1, -1.2]", "[52.1,-1.2]", Expect::kLayoutRow},  // space inside a value
      {kWeather, "[52.1, -1.2]", "[52.1, -1.2, 3]", Expect::kDeadLetter},
      {kWeather, "80", "80.5", Expect::kDeadLetter},  // humidity is an integer
      {kWeather, "80", "101", Expect::kDeadLetter},   // and a percentage
  };
  RecordDecoder fast;
  RecordDecoder full(DecodePath::kFullParserOnly);
  lake::ColumnBatch fast_dead(lake::dead_letter_schema());
  lake::ColumnBatch full_dead(lake::dead_letter_schema());
  for (const Variant& variant : variants) {
    const std::string_view original = variant.kind == kVehicle ? kSeedVehicle : kSeedWeather;
    std::string payload(original);
    const std::size_t at = payload.find(variant.from);
    ASSERT_NE(at, std::string::npos) << variant.from;
    payload.replace(at, variant.from.size(), variant.to);
    const RecordMetadata metadata{events::spec(variant.kind).topic,
                                  Partition{0},
                                  Offset{1},
                                  std::nullopt,
                                  "k",
                                  UnixMicros{5}};
    lake::ColumnBatch fast_rows(lake::table_schema(variant.kind));
    lake::ColumnBatch full_rows(lake::table_schema(variant.kind));
    ASSERT_EQ(fast.decode(variant.kind, original, metadata, fast_rows, fast_dead),
              DecodeOutcome::kRow);  // learns (or keeps) the original's layout
    fast_rows.clear();
    const std::size_t layout_rows = fast.layout_rows();
    const DecodeOutcome a = fast.decode(variant.kind, payload, metadata, fast_rows, fast_dead);
    const DecodeOutcome b = full.decode(variant.kind, payload, metadata, full_rows, full_dead);
    ASSERT_EQ(a, b) << payload;
    if (a == DecodeOutcome::kRow) {
      EXPECT_TRUE(lake::same_row(fast_rows, 0, full_rows, 0)) << payload;
    } else {
      EXPECT_EQ(fast.last_reason(), full.last_reason()) << payload;
    }
    const Expect got = a == DecodeOutcome::kDeadLetter    ? Expect::kDeadLetter
                       : fast.layout_rows() > layout_rows ? Expect::kLayoutRow
                                                          : Expect::kOtherRow;
    EXPECT_EQ(got, variant.expect) << payload << "\nreason: " << fast.last_reason();
  }
}

TEST(RecordDecoderPaths, ProducersRecordsTakeTheFastPath) {
  VehicleRecords records;
  RecordDecoder& decoder = records.decoder;
  lake::ColumnBatch& rows = records.rows;
  for (std::string_view payload : {kCanonicalVehicle, kSeedVehicle}) {
    ASSERT_EQ(records.decode(payload), DecodeOutcome::kRow);
  }
  EXPECT_EQ(decoder.fast_path_rows(), 2u);
  // An escape is the full parser's: same row, the slow way.
  ASSERT_EQ(records.decode(R"({"id":"a\u0031","device_id":"V","timestamp":1712320496000,)"
                           R"("latitude":1,"longitude":2,"speed":3,"direction":"N","make":"M",)"
                           R"("model":"X","year":"2024","fuel_type":"Hybrid"})"),
            DecodeOutcome::kRow);
  EXPECT_EQ(decoder.fast_path_rows(), 2u);
  EXPECT_EQ(rows.column(0).bytes_at(2), "a1");
}

}  // namespace
}  // namespace smartcity::stream
