#include "simulate/fleet.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>

namespace smartcity::simulate {
namespace {

constexpr std::array<VehicleModel, 10> kModels{{
    {"BMW", "320d", "Diesel", "private", 120},
    {"Toyota", "Prius", "Hybrid", "taxi", 110},
    {"Tesla", "Model 3", "Electric", "private", 120},
    {"Ford", "Transit", "Diesel", "van", 105},
    {"Volkswagen", "Golf", "Petrol", "private", 115},
    {"Nissan", "Leaf", "Electric", "private", 110},
    {"Alexander Dennis", "Enviro400", "Diesel", "bus", 88},
    {"Volvo", "FH16", "Diesel", "lorry", 90},
    {"Kia", "Niro", "Hybrid", "private", 112},
    {"Vauxhall", "Corsa", "Petrol", "private", 112},
}};

constexpr std::array<std::string_view, 4> kIncidentTypes{"Accident", "Fire", "Medical", "Police"};
constexpr double kIncidentChancePerStep = 0.01;

const City& city_near(GeoPoint point) {
  const City* best = &uk_cities().front();
  for (const City& city : uk_cities()) {
    if (distance_km(point, city.location) < distance_km(point, best->location)) best = &city;
  }
  return *best;
}

}  // namespace

struct Fleet::Vehicle {
  std::string device_id;
  const VehicleModel* model = nullptr;
  int year = 0;
  const City* origin = nullptr;
  const City* destination = nullptr;
  double progress_km = 0;  // along the current journey
  double journey_km = 0;
  GeoPoint position{};
  double speed_kmh = 0;
  UnixMicros time;
  int parked_steps = 0;  // steps left standing at a destination
  // The incident this vehicle is reporting, if any.
  std::string incident_id;
  std::string_view incident_type;
  int incident_steps_left = 0;
};

Fleet::Fleet(int vehicles, std::uint64_t seed, UnixMicros start) : random_(seed), weather_(seed) {
  for (int i = 0; i < vehicles; ++i) {
    auto vehicle = std::make_unique<Vehicle>();
    char id[32];
    std::snprintf(id, sizeof id, "Vehicle-%04d", i + 1);
    vehicle->device_id = id;
    vehicle->model = &random_.choose(std::span<const VehicleModel>(kModels));
    vehicle->year = static_cast<int>(random_.integer(2012, 2025));
    vehicle->origin = &random_.choose(uk_cities());
    vehicle->position = vehicle->origin->location;
    // Vehicles set off within the first minute, not all at once.
    vehicle->time = UnixMicros{start.value + random_.integer(0, 59'999'999)};
    start_journey(*vehicle);
    vehicles_.push_back(std::move(vehicle));
  }
}

Fleet::~Fleet() = default;

void Fleet::start_journey(Vehicle& vehicle) {
  do {
    vehicle.destination = &random_.choose(uk_cities());
  } while (vehicle.destination == vehicle.origin);
  vehicle.progress_km = 0;
  vehicle.journey_km = distance_km(vehicle.origin->location, vehicle.destination->location);
}

void Fleet::fill_incident(Vehicle& vehicle, events::EventRecord& emergency) {
  if (vehicle.incident_id.empty() && random_.chance(kIncidentChancePerStep)) {
    random_.uuid4(vehicle.incident_id);
    vehicle.incident_type = random_.choose(std::span<const std::string_view>(kIncidentTypes));
    vehicle.incident_steps_left = static_cast<int>(random_.integer(3, 15));
  }
  if (vehicle.incident_id.empty()) {
    // Nothing to report: the original's "None" type, with a record id of its own.
    random_.uuid4(uuid_);
    emergency.set_string("incident_id", uuid_);
    emergency.set_string("type", "None");
    emergency.set_string("status", "Resolved");
    emergency.set_string("description", "No incident");
    return;
  }
  emergency.set_string("incident_id", vehicle.incident_id);
  emergency.set_string("type", vehicle.incident_type);
  const bool resolved = --vehicle.incident_steps_left <= 0;
  emergency.set_string("status", resolved ? "Resolved" : "Active");
  text_.assign(vehicle.incident_type);
  text_ += resolved ? " cleared near " : " reported near ";
  text_ += city_near(vehicle.position).name;
  emergency.set_string("description", text_);
  if (resolved) vehicle.incident_id.clear();
}

bool Fleet::next_step(StepRecords& out) {
  if (vehicles_.empty()) return false;
  Vehicle& vehicle = *vehicles_[turn_];
  turn_ = (turn_ + 1) % vehicles_.size();
  using events::EventKind;

  const double seconds = static_cast<double>(random_.integer(30, 60));
  vehicle.time.value += static_cast<std::int64_t>(seconds * 1e6);
  const GeoPoint before = vehicle.position;
  if (vehicle.parked_steps > 0) {
    vehicle.speed_kmh = 0;
    if (--vehicle.parked_steps == 0) {
      vehicle.origin = vehicle.destination;
      start_journey(vehicle);
    }
  } else {
    const double to_go = vehicle.journey_km - vehicle.progress_km;
    const bool urban = vehicle.progress_km < kUrbanRadiusKm || to_go < kUrbanRadiusKm;
    const double top = vehicle.model->top_speed_kmh;
    vehicle.speed_kmh = urban ? random_.uniform(15, 50) : random_.uniform(0.75 * top, top);
    const double step_km = vehicle.speed_kmh * seconds / 3600.0;
    if (step_km >= to_go) {
      vehicle.progress_km = vehicle.journey_km;
      vehicle.parked_steps = static_cast<int>(random_.integer(2, 6));
    } else {
      vehicle.progress_km += step_km;
    }
    vehicle.position = interpolate(vehicle.origin->location, vehicle.destination->location,
                                   vehicle.progress_km / vehicle.journey_km);
  }
  const std::string_view direction = compass_direction(bearing_degrees(
      before, vehicle.parked_steps > 0 ? vehicle.destination->location : vehicle.position));
  out.device_id = vehicle.device_id;

  auto common = [&](EventKind kind, GeoPoint where) -> events::EventRecord& {
    events::EventRecord& record = out[kind];
    random_.uuid4(uuid_);
    record.set_string("id", uuid_);
    record.set_string("device_id", vehicle.device_id);
    record.set_timestamp("timestamp", vehicle.time);
    record.set_double("latitude", where.latitude);
    record.set_double("longitude", where.longitude);
    return record;
  };

  events::EventRecord& car = common(EventKind::kVehicle, vehicle.position);
  car.set_double("speed", vehicle.speed_kmh);
  car.set_string("direction", direction);
  car.set_string("make", vehicle.model->make);
  car.set_string("model", vehicle.model->model);
  car.set_integer("year", vehicle.year);
  car.set_string("fuel_type", vehicle.model->fuel_type);

  events::EventRecord& gps = common(EventKind::kGps, vehicle.position);
  gps.set_double("speed", vehicle.speed_kmh);
  gps.set_string("direction", direction);
  gps.set_string("vehicle_type", vehicle.model->vehicle_type);

  const CameraSite& camera = nearest_camera(vehicle.position);
  events::EventRecord& traffic = common(EventKind::kTraffic, camera.location);
  traffic.set_string("camera_id", camera.id);
  text_ = "snapshot:";
  text_ += camera.id;
  traffic.set_string("snapshot", text_);

  const WeatherReading reading = weather_.at(vehicle.position, vehicle.time);
  events::EventRecord& weather = common(EventKind::kWeather, vehicle.position);
  weather.set_double("temperature", std::round(reading.temperature_c * 10) / 10);
  weather.set_string("weather_condition", reading.condition);
  weather.set_double("precipitation", reading.precipitation_mm);
  weather.set_double("wind_speed", std::round(reading.wind_speed_kmh * 10) / 10);
  weather.set_integer("humidity", reading.humidity_percent);
  weather.set_double("air_quality_index", std::round(reading.air_quality_index * 10) / 10);

  events::EventRecord& emergency = common(EventKind::kEmergency, vehicle.position);
  fill_incident(vehicle, emergency);
  return true;
}

}  // namespace smartcity::simulate
