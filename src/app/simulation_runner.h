// Drives a Simulation into a sink (Kafka or a file) at a given pace, with
// progress lines, until its limits are reached or it is asked to stop. Used
// by `simulate` and by `demo`.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "simulate/simulation.h"

namespace smartcity::app {

class RecordSink {
 public:
  virtual ~RecordSink() = default;
  virtual void write(const simulate::SimulatedRecord& record) = 0;
  // Called while waiting and every few thousand records (delivery reports).
  virtual void idle() {}
  // ", 1234 delivered" or "" for progress lines.
  virtual std::string progress() const { return ""; }
};

struct RunLimits {
  std::uint64_t count = 0;                // 0: no limit
  std::chrono::milliseconds duration{0};  // 0: no limit
  double rate = 0;                        // records/s; 0: as fast as possible
  std::chrono::seconds progress_every{5};
};

struct RunTotals {
  std::uint64_t records = 0;
  std::uint64_t faults = 0;
  double seconds = 0;
  bool stopped = false;  // `stop` said so before the limits were reached
};

// Runs until the simulation ends, a limit is reached, or `stop()` is true.
RunTotals run_simulation(simulate::Simulation& simulation, RecordSink& sink,
                         const RunLimits& limits, const std::function<bool()>& stop);

}  // namespace smartcity::app
