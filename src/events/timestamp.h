// Event-time text, as the wire formats spell it. All timestamps inside
// smartcity are UnixMicros (microseconds since the epoch, UTC).
#pragma once

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
