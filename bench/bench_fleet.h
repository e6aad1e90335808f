// The simulated fleet the C++ benchmarks read: 100 vehicles, seed 1, from
// 2025-11-24T16:00:00Z, so that every benchmark and every run sees the same
// records byte for byte.
#pragma once

#include "events/schema.h"
#include "simulate/simulation.h"

namespace smartcity {

inline simulate::SimulationOptions bench_fleet(events::WireFormat wire) {
  simulate::SimulationOptions options;
  options.vehicles = 100;
  options.seed = 1;
  options.start = UnixMicros{1764000000000000};
  options.wire = wire;
  return options;
}

}  // namespace smartcity
