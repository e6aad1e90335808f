#include "events/schema.h"

#include <array>

#include "base/check.h"

namespace smartcity::events {
namespace {

using enum FieldType;

constexpr std::array<std::string_view, 4> kWeatherValues{"Sunny", "Cloudy", "Rainy", "Snowy"};
// The original producer chose from ['Sunny', 'Cloudy', 'Rain', 'Snow'].
constexpr std::array<EnumAlias, 2> kWeatherAliases{{{"Rain", "Rainy"}, {"Snow", "Snowy"}}};
constexpr EnumSpec kWeather{kWeatherValues, kWeatherAliases};

constexpr std::array<std::string_view, 5> kIncidentValues{"Accident", "Fire", "Medical", "Police",
                                                          "None"};
constexpr EnumSpec kIncident{kIncidentValues, {}};

constexpr std::array<std::string_view, 2> kStatusValues{"Active", "Resolved"};
constexpr EnumSpec kStatus{kStatusValues, {}};

constexpr FieldSpec kIdField{.name = "id",
                             .type = kString,
                             .seed_name = "id",
                             .unit = "",
                             .required = true,
                             .description = "unique id of this record (UUID)"};
constexpr FieldSpec kDeviceIdField{.name = "device_id",
                                   .type = kString,
                                   .seed_name = "deviceId",
                                   .unit = "",
                                   .required = true,
                                   .description = "vehicle or sensor that sent it"};
constexpr FieldSpec kTimestampField{.name = "timestamp",
                                    .type = FieldType::kTimestamp,
                                    .seed_name = "timestamp",
                                    .unit = "UTC",
                                    .required = true,
                                    .description = "event time"};
constexpr FieldSpec kLatitudeField{.name = "latitude",
                                   .type = kDouble,
                                   .seed_name = "location",
                                   .unit = "degrees",
                                   .required = true,
                                   .location_part = LocationPart::kLatitude,
                                   .description = "WGS84 latitude",
                                   .minimum = -90,
                                   .maximum = 90};
constexpr FieldSpec kLongitudeField{.name = "longitude",
                                    .type = kDouble,
                                    .seed_name = "location",
                                    .unit = "degrees",
                                    .required = true,
                                    .location_part = LocationPart::kLongitude,
                                    .description = "WGS84 longitude",
                                    .minimum = -180,
                                    .maximum = 180};
// The original GPS records carry no location: optional there.
constexpr FieldSpec kOptionalLatitudeField = [] {
  FieldSpec field = kLatitudeField;
  field.required = false;
  return field;
}();
constexpr FieldSpec kOptionalLongitudeField = [] {
  FieldSpec field = kLongitudeField;
  field.required = false;
  return field;
}();

constexpr std::array<FieldSpec, 11> kVehicleFields{{
    kIdField,
    kDeviceIdField,
    kTimestampField,
    kLatitudeField,
    kLongitudeField,
    {"speed", kDouble, "speed", "km/h", true},
    {"direction", kString, "direction", "", true},
    {"make", kString, "make", "", true},
    {"model", kString, "model", "", true},
    {.name = "year",
     .type = kInt32,
     .seed_name = "year",
     .unit = "",
     .required = true,
     .description = "model year",
     .seed_as_string = true},
    {"fuel_type", kString, "fuelType", "", true},
}};

constexpr std::array<FieldSpec, 8> kGpsFields{{
    kIdField,
    kDeviceIdField,
    kTimestampField,
    kOptionalLatitudeField,
    kOptionalLongitudeField,
    {"speed", kDouble, "speed", "km/h", true},
    {"direction", kString, "direction", "", true},
    {"vehicle_type", kString, "vehicleType", "", true},
}};

// Field order is the original producer's key order, so the seed wire format
// comes out byte-identical to what its json.dumps wrote.
constexpr std::array<FieldSpec, 7> kTrafficFields{{
    kIdField,
    kDeviceIdField,
    {"camera_id", kString, "cameraId", "", true},
    kLatitudeField,
    kLongitudeField,
    kTimestampField,
    {"snapshot", kString, "snapshot", "", true},
}};

constexpr std::array<FieldSpec, 11> kWeatherFields{{
    kIdField,
    kDeviceIdField,
    kLatitudeField,
    kLongitudeField,
    kTimestampField,
    {"temperature", kDouble, "temperature", "°C", true},
    {"weather_condition", kString, "weatherCondition", "", true, &kWeather},
    {"precipitation", kDouble, "precipitation", "mm", true},
    {"wind_speed", kDouble, "windSpeed", "km/h", true},
    {.name = "humidity",
     .type = kInt32,
     .seed_name = "humidity",
     .unit = "%",
     .required = true,
     .description = "relative humidity",
     .minimum = 0,
     .maximum = 100},
    {"air_quality_index", kDouble, "airQualityIndex", "AQI", true},
}};

constexpr std::array<FieldSpec, 9> kEmergencyFields{{
    kIdField,
    kDeviceIdField,
    {"incident_id", kString, "incidentId", "", true},
    {"type", kString, "type", "", true, &kIncident},
    kTimestampField,
    kLatitudeField,
    kLongitudeField,
    {"status", kString, "status", "", true, &kStatus},
    {"description", kString, "description", "", true},
}};

constexpr std::array<EventSpec, kEventKindCount> kEvents{{
    {EventKind::kVehicle, "vehicle_data", "vehicle", kVehicleFields},
    {EventKind::kGps, "gps_data", "gps", kGpsFields},
    {EventKind::kTraffic, "traffic_data", "traffic", kTrafficFields},
    {EventKind::kWeather, "weather_data", "weather", kWeatherFields},
    {EventKind::kEmergency, "emergency_data", "emergency", kEmergencyFields},
}};

constexpr std::array<LineageColumn, 4> kLineage{{
    {"_topic", kString},
    {"_partition", kInt32},
    {"_offset", kInt64},
    {"_ingested_at", FieldType::kTimestamp},
}};

constexpr std::array<LineageColumn, 4> kDeadLetterExtra{{
    {"kafka_timestamp", FieldType::kTimestamp},
    {"key", kString},
    {"raw", kBlob},
    {"reason", kString},
}};

}  // namespace

std::optional<std::string_view> EnumSpec::canonicalize(std::string_view spelling) const {
  for (std::string_view value : values) {
    if (value == spelling) return value;
  }
  for (const EnumAlias& alias : aliases) {
    if (alias.spelling == spelling) return alias.canonical;
  }
  return std::nullopt;
}

int EventSpec::field_index(std::string_view canonical_name) const {
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name == canonical_name) return static_cast<int>(i);
  }
  return -1;
}

std::span<const EventSpec> all_events() {
  return kEvents;
}

const EventSpec& spec(EventKind kind) {
  const auto index = static_cast<std::size_t>(kind);
  SMARTCITY_CHECK(index < kEvents.size(), "unknown EventKind");
  return kEvents[index];
}

std::optional<EventKind> kind_for_topic(std::string_view topic) {
  for (const EventSpec& event : kEvents) {
    if (event.topic == topic) return event.kind;
  }
  return std::nullopt;
}

std::optional<EventKind> kind_for_table(std::string_view table) {
  for (const EventSpec& event : kEvents) {
    if (event.table == table) return event.kind;
  }
  return std::nullopt;
}

std::span<const LineageColumn> lineage_columns() {
  return kLineage;
}
std::span<const LineageColumn> dead_letter_columns() {
  return kDeadLetterExtra;
}

const EnumSpec& weather_conditions() {
  return kWeather;
}
const EnumSpec& incident_types() {
  return kIncident;
}
const EnumSpec& incident_statuses() {
  return kStatus;
}

std::string_view type_name(FieldType type) {
  switch (type) {
    case kString:
      return "STRING";
    case kInt32:
      return "INT32";
    case kInt64:
      return "INT64";
    case kDouble:
      return "DOUBLE";
    case FieldType::kTimestamp:
      return "TIMESTAMP";
    case kBlob:
      return "BLOB";
  }
  SMARTCITY_CHECK(false, "unknown FieldType");
}

}  // namespace smartcity::events
