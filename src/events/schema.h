// The event contract: the five record types, defined once. The simulator, the
// stream decoder, the Parquet writer, the catalog, the DDL export and the
// dashboard all read these tables; adding a field is a change here and nowhere
// else.
//
// Canonical wire format: one JSON object per Kafka record with the snake_case
// `name`s below, `latitude`/`longitude` as numbers and `timestamp` as ISO-8601
// UTC with a `Z`. The original Python producer's format ("seed" wire format) is
// accepted too: camelCase `seed_name`s, `location` as `[lat, lon]`, zone-less
// ISO timestamps (read as UTC), `year` as a string, and the enum spellings in
// `EnumSpec::aliases`.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <string_view>

namespace smartcity::events {

enum class EventKind : std::uint8_t { kVehicle, kGps, kTraffic, kWeather, kEmergency };
inline constexpr std::size_t kEventKindCount = 5;

// Column types. kTimestamp is microseconds since the Unix epoch, UTC
// (Parquet TIMESTAMP(isAdjustedToUTC=true, MICROS)).
enum class FieldType : std::uint8_t { kString, kInt32, kInt64, kDouble, kTimestamp, kBlob };

// A string field restricted to a set of values.
struct EnumAlias {
  std::string_view spelling;   // as some producer writes it, e.g. "Rain"
  std::string_view canonical;  // as the lake stores it, e.g. "Rainy"
};
struct EnumSpec {
  std::span<const std::string_view> values;  // canonical values, in display order
  std::span<const EnumAlias> aliases;        // other accepted spellings
  // The canonical value for `spelling` (itself or through an alias), or nullopt.
  std::optional<std::string_view> canonicalize(std::string_view spelling) const;
};

// Where a field sits in the original producer's `location: [lat, lon]` pair.
enum class LocationPart : std::int8_t { kNone = -1, kLatitude = 0, kLongitude = 1 };

struct FieldSpec {
  std::string_view name;  // canonical snake_case key and lake column name
  FieldType type;
  std::string_view seed_name;  // key the original producer used
  std::string_view unit;       // "km/h", "°C", "mm", "%", "" when none
  // Required fields must be present and valid, or the record is a dead letter.
  // Optional ones are stored as null when absent (the original GPS records, for
  // example, carry no location).
  bool required = false;
  const EnumSpec* allowed = nullptr;  // non-null: value must be one of these
  LocationPart location_part = LocationPart::kNone;
  std::string_view description = "";
  // Numeric fields outside [minimum, maximum] are refused (a dead letter).
  // Only physical limits live here (a latitude of 123 is not a place);
  // unusual-but-possible values are data, not errors.
  double minimum = -std::numeric_limits<double>::infinity();
  double maximum = std::numeric_limits<double>::infinity();
  // The original producer wrote this integer as a JSON string ("2024").
  bool seed_as_string = false;
};

struct EventSpec {
  EventKind kind;
  std::string_view topic;  // Kafka topic, e.g. "vehicle_data"
  std::string_view table;  // lake table, e.g. "vehicle"
  std::span<const FieldSpec> fields;
  // Index into `fields`, or -1.
  int field_index(std::string_view canonical_name) const;
};

// All five, in EventKind order.
std::span<const EventSpec> all_events();
const EventSpec& spec(EventKind kind);
std::optional<EventKind> kind_for_topic(std::string_view topic);
std::optional<EventKind> kind_for_table(std::string_view table);

// A record larger than this is refused whole (a dead letter), whatever it holds:
// no field of a city event needs a megabyte, and one huge record must not
// balloon a batch.
inline constexpr std::size_t kMaxRecordBytes = 1024 * 1024;

// The largest number of fields any event has, for fixed-size row buffers.
inline constexpr std::size_t kMaxFields = 12;

// Columns every lake table carries after the event's own fields: where the
// record came from (Kafka topic, partition, offset) and when it was written.
struct LineageColumn {
  std::string_view name;
  FieldType type;
};
std::span<const LineageColumn> lineage_columns();

// The dead_letters table: lineage columns, then these.
std::span<const LineageColumn> dead_letter_columns();
inline constexpr std::string_view kDeadLetterTable = "dead_letters";

// Hive partition columns, derived from event time; stored in the path only.
inline constexpr std::string_view kDatePartition = "date";
inline constexpr std::string_view kHourPartition = "hour";

// Canonical enum sets, for the simulator and dashboard.
const EnumSpec& weather_conditions();
const EnumSpec& incident_types();
const EnumSpec& incident_statuses();

std::string_view type_name(FieldType type);  // "STRING", "INT32", ...

}  // namespace smartcity::events
