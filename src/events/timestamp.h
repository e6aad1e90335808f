// Event-time text, as the wire formats spell it. All timestamps inside
// smartcity are UnixMicros (microseconds since the epoch, UTC).
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"

namespace smartcity::events {

// How a timestamp is written on the wire.
enum class TimestampStyle {
  kUtcZulu,      // canonical: 2024-04-05T12:34:56.123456Z (always six digits)
  kPythonNaive,  // the original producer's datetime.isoformat(): no zone, and
                 // the fraction only when it is non-zero, as Python does
};

// Appends `t` formatted in `style` to `out`. Years 0001-9999 only.
void append_timestamp(UnixMicros t, TimestampStyle style, std::string& out);
std::string format_timestamp(UnixMicros t, TimestampStyle style);

// Parses ISO-8601 "YYYY-MM-DD[T ]HH:MM:SS[.fraction][Z|±HH:MM|±HHMM]". Without
// a zone the time is read as UTC (what the original producer meant). Digits
// past microseconds are truncated. Returns nullopt for anything else,
// including out-of-range fields (month 13, second 61...).
std::optional<UnixMicros> parse_timestamp(std::string_view text);

// The length of "YYYY-MM-DDTHH:MM", a timestamp's date, hour and minute.
inline constexpr std::size_t kMinuteLength = 16;

// parse_timestamp, remembering the date and hour of the last text it read:
// events arrive in about time order, so most share them, and only the
// minute, seconds, fraction and zone are read again. Same results as
// parse_timestamp for every text. One per thread (it is not thread-safe).
class TimestampParser {
 public:
  std::optional<UnixMicros> parse(std::string_view text);
  // The same as a bool and `out` (left alone when false), for the decoder's
  // loop: GCC returns an optional through the stack in a way that stalls.
  bool parse(std::string_view text, UnixMicros& out);

 private:
  static constexpr std::size_t kHourLength = 13;  // "YYYY-MM-DDTHH"

  std::array<char, kHourLength> hour_text_{};  // of the last text read whole
  bool has_hour_ = false;
  std::int64_t hour_seconds_ = 0;  // its seconds since the epoch
};

// Epoch milliseconds, as some producers send; nullopt outside years 1970-9999.
std::optional<UnixMicros> from_epoch_millis(std::int64_t millis);

// The civil date and hour of `t` in UTC, for Hive partition folders.
struct DateHour {
  int year;
  unsigned month;
  unsigned day;
  unsigned hour;
  auto operator<=>(const DateHour&) const = default;
};
DateHour date_hour(UnixMicros t);

}  // namespace smartcity::events
