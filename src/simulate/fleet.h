// A fleet of vehicles on journeys between real UK cities. Each vehicle keeps
// its make, model, year and fuel type; its GPS stream follows the same track
// as its vehicle stream; it drives at urban speeds near cities and motorway
// speeds between them, stops on arrival, then sets off again. Weather comes
// from one coherent WeatherModel, traffic records from fixed camera sites,
// and incidents go Active, then Resolved under the same incident_id.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "simulate/geography.h"
#include "simulate/random.h"
#include "simulate/step_records.h"
#include "simulate/weather_model.h"

namespace smartcity::simulate {

struct VehicleModel {
  std::string_view make;
  std::string_view model;
  std::string_view fuel_type;
  std::string_view vehicle_type;  // private, taxi, van, bus, lorry
  double top_speed_kmh;
};

class Fleet final : public Journey {
 public:
  // Below this distance from a city, vehicles drive at urban speeds.
  static constexpr double kUrbanRadiusKm = 8.0;

  Fleet(int vehicles, std::uint64_t seed, UnixMicros start);
  ~Fleet() override;

  // Steps the vehicles in turn, one step each per round; never ends.
  bool next_step(StepRecords& out) override;

 private:
  struct Vehicle;
  void start_journey(Vehicle& vehicle);
  void fill_incident(Vehicle& vehicle, events::EventRecord& emergency);

  Random random_;
  WeatherModel weather_;
  std::vector<std::unique_ptr<Vehicle>> vehicles_;
  std::size_t turn_ = 0;
  std::string uuid_;
  std::string text_;
};

}  // namespace smartcity::simulate
