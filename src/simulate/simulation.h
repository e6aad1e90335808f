// The simulation a `smartcity simulate` run produces: the seed scenario or a
// fleet, encoded in a wire format, with faults mixed in, one Kafka record at
// a time. Deterministic: the same options give the same records, byte for
// byte.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>

#include "base/clock.h"
#include "events/wire_format.h"
#include "simulate/fault_injector.h"
#include "simulate/step_records.h"

namespace smartcity::simulate {

struct SimulationOptions {
  int vehicles = 0;  // 0: the seed scenario (one vehicle, 100 steps, 500 records)
  std::uint64_t seed = 42;
  UnixMicros start;
  events::WireFormat wire = events::WireFormat::kCanonical;
  double fault_rate = 0;
};

struct SimulatedRecord {
  events::EventKind kind = events::EventKind::kVehicle;
  std::string_view topic;
  std::string key;
  std::string payload;
  std::optional<FaultKind> fault;
};

class Simulation {
 public:
  explicit Simulation(const SimulationOptions& options);
  ~Simulation();

  // Fills `out` with the next record; false when the scenario is over (the
  // seed scenario ends; a fleet never does).
  bool next(SimulatedRecord& out);

 private:
  SimulationOptions options_;
  std::unique_ptr<Journey> journey_;
  FaultInjector faults_;
  StepRecords step_;
  std::size_t next_in_step_ = events::kEventKindCount;
};

}  // namespace smartcity::simulate
