// The seed project's scenario, as its main.py produced it: one vehicle,
// "Vehicle-CodeWithYu-123", driving from London to Birmingham in 100 steps
// of 1/100 of the way plus a little jitter, 30 to 60 s apart, with the
// original's random values (including its incoherent weather).
#pragma once

#include <cstdint>

#include "base/clock.h"
#include "simulate/geography.h"
#include "simulate/random.h"
#include "simulate/step_records.h"

namespace smartcity::simulate {

class SeedJourney final : public Journey {
 public:
  static constexpr int kSteps = 100;
  static constexpr std::string_view kDeviceId = "Vehicle-CodeWithYu-123";

  SeedJourney(std::uint64_t seed, UnixMicros start);
  bool next_step(StepRecords& out) override;

 private:
  Random random_;
  GeoPoint position_;
  UnixMicros time_;
  int steps_ = 0;
  std::string uuid_;
};

}  // namespace smartcity::simulate
