#include "events/timestamp.h"

#include <cstdint>
#include <cstring>

#include "base/short_bytes.h"

namespace smartcity::events {
namespace {

constexpr std::int64_t kMicrosPerSecond = 1'000'000;
constexpr std::int64_t kSecondsPerDay = 86'400;

// Howard Hinnant's days-from-civil: proleptic Gregorian, valid for all years here.
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Civil {
  std::int64_t year;
  unsigned month;
  unsigned day;
};

constexpr Civil civil_from_days(std::int64_t z) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {y + (m <= 2), m, d};
}

constexpr bool is_leap(std::int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

constexpr unsigned days_in_month(std::int64_t y, unsigned m) {
  constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : kDays[m - 1];
}

// Floor division, so times before 1970 split into date and time correctly.
constexpr std::int64_t floor_div(std::int64_t a, std::int64_t b) {
  return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

void append_digits(std::string& out, std::int64_t value, int width) {
  char buffer[20];
  for (int i = width - 1; i >= 0; --i) {
    buffer[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  out.append(buffer, static_cast<std::size_t>(width));
}

// Reads exactly `n` digits at text[pos], advancing pos.
bool read_digits(std::string_view text, std::size_t& pos, int n, int& value) {
  if (pos + static_cast<std::size_t>(n) > text.size()) return false;
  value = 0;
  for (int i = 0; i < n; ++i) {
    const char c = text[pos + static_cast<std::size_t>(i)];
    if (c < '0' || c > '9') return false;
    value = value * 10 + (c - '0');
  }
  pos += static_cast<std::size_t>(n);
  return true;
}

}  // namespace

void append_timestamp(UnixMicros t, TimestampStyle style, std::string& out) {
  const std::int64_t seconds = floor_div(t.value, kMicrosPerSecond);
  const std::int64_t micros = t.value - seconds * kMicrosPerSecond;
  const std::int64_t days = floor_div(seconds, kSecondsPerDay);
  const std::int64_t second_of_day = seconds - days * kSecondsPerDay;
  const Civil civil = civil_from_days(days);
  append_digits(out, civil.year, 4);
  out.push_back('-');
  append_digits(out, civil.month, 2);
  out.push_back('-');
  append_digits(out, civil.day, 2);
  out.push_back('T');
  append_digits(out, second_of_day / 3600, 2);
  out.push_back(':');
  append_digits(out, second_of_day / 60 % 60, 2);
  out.push_back(':');
  append_digits(out, second_of_day % 60, 2);
  if (style == TimestampStyle::kUtcZulu || micros != 0) {
    out.push_back('.');
    append_digits(out, micros, 6);
  }
  if (style == TimestampStyle::kUtcZulu) out.push_back('Z');
}

std::string format_timestamp(UnixMicros t, TimestampStyle style) {
  std::string out;
  out.reserve(32);
  append_timestamp(t, style, out);
  return out;
}

namespace {

// The parsers below answer with a bool and `out`, not an optional: GCC 12
// returns an optional<int64_t> by storing its flag as one byte and loading it
// back as eight, a load the store cannot forward, and the stall was 15% of
// the decoder's time.

// "YYYY-MM-DD[T ]HH:MM", the first kMinuteLength bytes: seconds since the
// epoch at that minute into `out`, or false. Fixed places: one length check,
// then every byte by index (the stream parses one of these per event).
bool parse_minute(std::string_view text, std::int64_t& out) {
  if (text.size() < kMinuteLength || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != ' ') || text[13] != ':') {
    return false;
  }
  bool all_digits = true;
  const auto at = [&](std::size_t i) {
    const auto digit = static_cast<unsigned>(static_cast<unsigned char>(text[i]) - '0');
    all_digits &= digit <= 9;
    return static_cast<int>(digit);
  };
  const int year = at(0) * 1000 + at(1) * 100 + at(2) * 10 + at(3);
  const int month = at(5) * 10 + at(6);
  const int day = at(8) * 10 + at(9);
  const int hour = at(11) * 10 + at(12);
  const int minute = at(14) * 10 + at(15);
  if (!all_digits || year < 1 || month < 1 || month > 12 || day < 1 ||
      static_cast<unsigned>(day) > days_in_month(year, static_cast<unsigned>(month)) || hour > 23 ||
      minute > 59) {
    return false;
  }
  const std::int64_t days =
      days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  out = days * kSecondsPerDay + hour * 3600 + minute * 60;
  return true;
}

// ":SS.ffffff" with nothing or "Z" after it, the two spellings producers
// write (the seed's isoformat() and the canonical format): eight digits
// checked and summed at once into `micros`, or false for any other shape.
bool parse_six_digit_seconds(std::string_view text, std::int64_t& micros) {
  constexpr std::size_t kLength = kMinuteLength + 10;  // ":SS.ffffff"
  if (!(text.size() == kLength ||
        (text.size() == kLength + 1 && (text[kLength] == 'Z' || text[kLength] == 'z')))) {
    return false;
  }
  const char* at = text.data() + kMinuteLength;
  if (at[0] != ':' || at[3] != '.') return false;
  const auto digit = [at](int i) { return static_cast<unsigned>(at[i] - '0'); };
  const unsigned s1 = digit(1), s2 = digit(2), f1 = digit(4), f2 = digit(5), f3 = digit(6),
                 f4 = digit(7), f5 = digit(8), f6 = digit(9);
  // Unsigned: a byte below '0' wraps above 9 too.
  if ((s1 > 5) | (s2 > 9) | (f1 > 9) | (f2 > 9) | (f3 > 9) | (f4 > 9) | (f5 > 9) | (f6 > 9)) {
    return false;
  }
  const std::int64_t fraction =
      ((((f1 * 10 + f2) * 10 + f3) * 10 + f4) * 10 + f5) * std::int64_t{10} + f6;
  micros = (s1 * 10 + s2) * kMicrosPerSecond + fraction;
  return true;
}

// ":SS[.fraction][Z|±HH:MM|±HHMM]" from text[kMinuteLength] to the end:
// microseconds after the minute, the zone's offset taken off, into `out`.
bool parse_after_minute(std::string_view text, std::int64_t& out) {
  if (parse_six_digit_seconds(text, out)) return true;
  std::size_t pos = kMinuteLength;
  int second = 0;
  if (pos >= text.size() || text[pos] != ':') return false;
  ++pos;
  if (!read_digits(text, pos, 2, second) || second > 59) return false;
  std::int64_t micros = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 6) micros = micros * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return false;
    for (int i = digits; i < 6; ++i)
      micros *= 10;
  }
  std::int64_t offset_seconds = 0;
  if (pos < text.size()) {
    const char zone = text[pos];
    if (zone == 'Z' || zone == 'z') {
      ++pos;
    } else if (zone == '+' || zone == '-') {
      ++pos;
      int zone_hours = 0, zone_minutes = 0;
      if (!read_digits(text, pos, 2, zone_hours)) return false;
      if (pos < text.size() && text[pos] == ':') ++pos;
      if (!read_digits(text, pos, 2, zone_minutes)) return false;
      if (zone_hours > 23 || zone_minutes > 59) return false;
      offset_seconds = (zone_hours * 3600 + zone_minutes * 60) * (zone == '+' ? 1 : -1);
    } else {
      return false;
    }
  }
  if (pos != text.size()) return false;
  out = (second - offset_seconds) * kMicrosPerSecond + micros;
  return true;
}

}  // namespace

std::optional<UnixMicros> parse_timestamp(std::string_view text) {
  std::int64_t minute = 0;
  std::int64_t rest = 0;
  if (!parse_minute(text, minute) || !parse_after_minute(text, rest)) return std::nullopt;
  return UnixMicros{minute * kMicrosPerSecond + rest};
}

bool TimestampParser::parse(std::string_view text, UnixMicros& out) {
  // Producers interleave vehicles whose clocks differ by a minute or two, so
  // the hour repeats far more often than the minute.
  std::int64_t minute_seconds = 0;
  if (has_hour_ && text.size() >= kMinuteLength &&
      same_short_bytes(text.data(), hour_text_.data(), kHourLength)) {
    const auto tens = static_cast<unsigned>(static_cast<unsigned char>(text[14]) - '0');
    const auto ones = static_cast<unsigned>(static_cast<unsigned char>(text[15]) - '0');
    if (text[13] != ':' || tens > 5 || ones > 9) return false;
    minute_seconds = hour_seconds_ + (tens * 10 + ones) * 60;
  } else {
    if (!parse_minute(text, minute_seconds)) return false;
    std::memcpy(hour_text_.data(), text.data(), kHourLength);
    hour_seconds_ = minute_seconds - ((text[14] - '0') * 10 + (text[15] - '0')) * 60;
    has_hour_ = true;
  }
  std::int64_t rest = 0;
  if (!parse_after_minute(text, rest)) return false;
  out = UnixMicros{minute_seconds * kMicrosPerSecond + rest};
  return true;
}

std::optional<UnixMicros> TimestampParser::parse(std::string_view text) {
  UnixMicros time;
  if (!parse(text, time)) return std::nullopt;
  return time;
}

std::optional<UnixMicros> from_epoch_millis(std::int64_t millis) {
  constexpr std::int64_t kMaxMillis = 253'402'300'799'999;  // 9999-12-31T23:59:59.999Z
  if (millis < 0 || millis > kMaxMillis) return std::nullopt;
  return UnixMicros{millis * 1000};
}

DateHour date_hour(UnixMicros t) {
  const std::int64_t seconds = floor_div(t.value, kMicrosPerSecond);
  const std::int64_t days = floor_div(seconds, kSecondsPerDay);
  const Civil civil = civil_from_days(days);
  const auto hour = static_cast<unsigned>((seconds - days * kSecondsPerDay) / 3600);
  return {static_cast<int>(civil.year), civil.month, civil.day, hour};
}

}  // namespace smartcity::events
