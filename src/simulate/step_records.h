// What one simulation step emits: one record on each of the five topics, all
// about the same vehicle at the same moment, keyed by its device id.
#pragma once

#include <array>
#include <string>

#include "events/event_record.h"

namespace smartcity::simulate {

struct StepRecords {
  std::string device_id;  // the Kafka key of all five
  std::array<events::EventRecord, events::kEventKindCount> records{
      events::EventRecord(events::EventKind::kVehicle),
      events::EventRecord(events::EventKind::kGps),
      events::EventRecord(events::EventKind::kTraffic),
      events::EventRecord(events::EventKind::kWeather),
      events::EventRecord(events::EventKind::kEmergency)};

  events::EventRecord& operator[](events::EventKind kind) {
    return records[static_cast<std::size_t>(kind)];
  }
};

// A source of steps: the seed scenario or a fleet.
class Journey {
 public:
  virtual ~Journey() = default;
  // Fills `out` with the next step; false when the journey is over.
  virtual bool next_step(StepRecords& out) = 0;
};

}  // namespace smartcity::simulate
