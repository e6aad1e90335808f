#include "simulate/simulation.h"

#include "simulate/fleet.h"
#include "simulate/seed_journey.h"

namespace smartcity::simulate {

Simulation::Simulation(const SimulationOptions& options)
    : options_(options), faults_(options.fault_rate, options.seed) {
  if (options.vehicles > 0) {
    journey_ = std::make_unique<Fleet>(options.vehicles, options.seed, options.start);
  } else {
    journey_ = std::make_unique<SeedJourney>(options.seed, options.start);
  }
}

Simulation::~Simulation() = default;

bool Simulation::next(SimulatedRecord& out) {
  if (next_in_step_ == events::kEventKindCount) {
    if (!journey_->next_step(step_)) return false;
    next_in_step_ = 0;
  }
  const events::EventRecord& record = step_.records[next_in_step_++];
  out.kind = record.kind();
  out.topic = record.spec().topic;
  out.key = step_.device_id;
  out.payload.clear();
  events::append_json(record, options_.wire, out.payload);
  out.fault = faults_.maybe_corrupt(record, options_.wire, out.payload);
  return true;
}

}  // namespace smartcity::simulate
