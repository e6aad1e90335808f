#include "app/simulation_runner.h"

#include <spdlog/spdlog.h>

#include <thread>

namespace smartcity::app {

RunTotals run_simulation(simulate::Simulation& simulation, RecordSink& sink,
                         const RunLimits& limits, const std::function<bool()>& stop) {
  using std::chrono::steady_clock;
  RunTotals totals;
  simulate::SimulatedRecord record;
  const auto started = steady_clock::now();
  auto last_progress = started;
  std::uint64_t records_at_last_progress = 0;
  while (true) {
    if (stop()) {
      totals.stopped = true;
      break;
    }
    if (limits.count > 0 && totals.records >= limits.count) break;
    if (limits.duration.count() > 0 && steady_clock::now() - started >= limits.duration) break;
    if (!simulation.next(record)) break;
    if (record.fault) ++totals.faults;
    sink.write(record);
    ++totals.records;
    if (limits.rate > 0) {
      const auto due = started + std::chrono::duration_cast<steady_clock::duration>(
                                     std::chrono::duration<double>(totals.records / limits.rate));
      while (steady_clock::now() < due && !stop()) {
        sink.idle();
        std::this_thread::sleep_until(
            std::min(due, steady_clock::now() + std::chrono::milliseconds(20)));
      }
    } else if (totals.records % 1024 == 0) {
      sink.idle();
    }
    const auto now = steady_clock::now();
    if (now - last_progress >= limits.progress_every) {
      const double seconds = std::chrono::duration<double>(now - last_progress).count();
      spdlog::info("simulate: {} records ({:.0f}/s){}", totals.records,
                   static_cast<double>(totals.records - records_at_last_progress) / seconds,
                   sink.progress());
      last_progress = now;
      records_at_last_progress = totals.records;
    }
  }
  totals.seconds = std::chrono::duration<double>(steady_clock::now() - started).count();
  return totals;
}

}  // namespace smartcity::app
