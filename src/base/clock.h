// The clock seam. Code that stamps rows (_ingested_at), decides when to roll a
// file or measures freshness asks a Clock, so tests can drive time by hand.
#pragma once

#include <chrono>
#include <cstdint>

namespace smartcity {

// Microseconds since the Unix epoch, UTC: the unit of every timestamp column.
struct UnixMicros {
  std::int64_t value = 0;
  auto operator<=>(const UnixMicros&) const = default;
};

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time, for stamping data.
  virtual UnixMicros now() const = 0;
  // Monotonic time, for intervals and deadlines.
  virtual std::chrono::steady_clock::time_point steady_now() const = 0;
};

class SystemClock final : public Clock {
 public:
  UnixMicros now() const override;
  std::chrono::steady_clock::time_point steady_now() const override;
};

// The process-wide real clock; never null, never destroyed.
const Clock& system_clock();

// A clock that only moves when told to, for tests.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(UnixMicros start) : now_(start) {}
  UnixMicros now() const override { return now_; }
  std::chrono::steady_clock::time_point steady_now() const override {
    return std::chrono::steady_clock::time_point(std::chrono::microseconds(now_.value));
  }
  void advance(std::chrono::microseconds by) { now_.value += by.count(); }

 private:
  UnixMicros now_;
};

}  // namespace smartcity
