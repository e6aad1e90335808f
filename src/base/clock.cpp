#include "base/clock.h"

namespace smartcity {

UnixMicros SystemClock::now() const {
  using namespace std::chrono;
  return UnixMicros{duration_cast<microseconds>(system_clock::now().time_since_epoch()).count()};
}

std::chrono::steady_clock::time_point SystemClock::steady_now() const {
  return std::chrono::steady_clock::now();
}

const Clock& system_clock() {
  static const SystemClock kClock;
  return kClock;
}

}  // namespace smartcity
