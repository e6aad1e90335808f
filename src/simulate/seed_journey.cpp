#include "simulate/seed_journey.h"

#include <array>

namespace smartcity::simulate {
namespace {

constexpr std::array<std::string_view, 4> kOriginalConditions{"Sunny", "Cloudy", "Rainy", "Snowy"};
constexpr std::array<std::string_view, 5> kOriginalIncidents{"Accident", "Fire", "Medical",
                                                             "Police", "None"};
constexpr std::array<std::string_view, 2> kOriginalStatuses{"Active", "Resolved"};

}  // namespace

SeedJourney::SeedJourney(std::uint64_t seed, UnixMicros start)
    : random_(seed), position_(london().location), time_(start) {}

bool SeedJourney::next_step(StepRecords& out) {
  if (steps_ >= kSteps) return false;
  ++steps_;
  using events::EventKind;
  const GeoPoint from = london().location;
  const GeoPoint to = birmingham().location;
  position_.latitude += (to.latitude - from.latitude) / kSteps + random_.uniform(-0.0005, 0.0005);
  position_.longitude +=
      (to.longitude - from.longitude) / kSteps + random_.uniform(-0.0005, 0.0005);
  time_.value += random_.integer(30, 60) * 1'000'000;
  out.device_id = kDeviceId;

  auto common = [&](EventKind kind, bool with_location) -> events::EventRecord& {
    events::EventRecord& record = out[kind];
    random_.uuid4(uuid_);
    record.set_string("id", uuid_);
    record.set_string("device_id", kDeviceId);
    record.set_timestamp("timestamp", time_);
    if (with_location) {
      record.set_double("latitude", position_.latitude);
      record.set_double("longitude", position_.longitude);
    } else {
      record.set_null("latitude");
      record.set_null("longitude");
    }
    return record;
  };

  events::EventRecord& vehicle = common(EventKind::kVehicle, true);
  vehicle.set_double("speed", random_.uniform(10, 40));
  vehicle.set_string("direction", "North-East");
  vehicle.set_string("make", "BMW");
  vehicle.set_string("model", "C500");
  vehicle.set_integer("year", 2024);
  vehicle.set_string("fuel_type", "Hybrid");

  // The original GPS records carry no location.
  events::EventRecord& gps = common(EventKind::kGps, false);
  gps.set_double("speed", random_.uniform(0, 40));
  gps.set_string("direction", "North-East");
  gps.set_string("vehicle_type", "private");

  events::EventRecord& traffic = common(EventKind::kTraffic, true);
  traffic.set_string("camera_id", "Nikon-Cam123");
  traffic.set_string("snapshot", "Base64EncodedString");

  events::EventRecord& weather = common(EventKind::kWeather, true);
  weather.set_double("temperature", random_.uniform(-5, 26));
  weather.set_string("weather_condition",
                     random_.choose(std::span<const std::string_view>(kOriginalConditions)));
  weather.set_double("precipitation", random_.uniform(0, 25));
  weather.set_double("wind_speed", random_.uniform(0, 100));
  weather.set_integer("humidity", random_.integer(0, 100));
  weather.set_double("air_quality_index", random_.uniform(0, 500));

  events::EventRecord& emergency = common(EventKind::kEmergency, true);
  random_.uuid4(uuid_);
  emergency.set_string("incident_id", uuid_);
  emergency.set_string("type",
                       random_.choose(std::span<const std::string_view>(kOriginalIncidents)));
  emergency.set_string("status",
                       random_.choose(std::span<const std::string_view>(kOriginalStatuses)));
  emergency.set_string("description", "Description of the incident");
  return true;
}

}  // namespace smartcity::simulate
