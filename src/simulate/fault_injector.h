// Realistic bad records, mixed into a simulation with `--faults RATE` so the
// rest of the pipeline is tested against them. Every kind is really bad: the
// stream must turn each into a dead letter with a reason.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "events/event_record.h"
#include "events/wire_format.h"
#include "simulate/random.h"

namespace smartcity::simulate {

enum class FaultKind {
  kTruncatedJson,     // the payload cut short
  kWrongType,         // a number sent as text
  kMissingField,      // a required field absent (or null)
  kUnknownCondition,  // an enum value nobody defined ('Foggy', 'Flood')
  kOutOfRange,        // latitude 123.4
  kOversized,         // over events::kMaxRecordBytes
  kInvalidUtf8,       // bytes that are not UTF-8 inside a string
};
inline constexpr int kFaultKinds = 7;

// "truncated-json", "wrong-type", ...
std::string_view fault_name(FaultKind kind);

class FaultInjector {
 public:
  // `rate` in [0, 1]: the probability that a record is replaced.
  FaultInjector(double rate, std::uint64_t seed);

  // Decides whether this record becomes a fault; if so rewrites `payload`
  // (already the record encoded in `format`) and returns the kind.
  std::optional<FaultKind> maybe_corrupt(const events::EventRecord& record,
                                         events::WireFormat format, std::string& payload);

  // Rewrites `payload` into a bad record of `kind` (for tests).
  void corrupt(FaultKind kind, const events::EventRecord& record, events::WireFormat format,
               std::string& payload);

 private:
  double rate_;
  Random random_;
  events::EventRecord scratch_{events::EventKind::kVehicle};
};

}  // namespace smartcity::simulate
