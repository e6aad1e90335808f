// One value of the decoder's fast path into its column, with every check the
// full parser makes (type, range, enum spelling, timestamp grammar), for the
// two ways the fast path reads records: member by member (RecordDecoder) and
// by a compiled layout (CompiledLayout). Each function appends exactly one
// value and returns true, or appends nothing and returns false (the record is
// then declined and read again by the full parser, which explains why).
//
// Number tokens come from FlatJsonScanner, which has checked JSON's grammar
// (no exponent) and summed the digits into Digits. Doubles are rounded
// correctly, as simdjson does, so both paths store the same bits.
//
// Header-only so that both readers' loops inline these.
#pragma once

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <string_view>

#include "base/clock.h"
#include "events/schema.h"
#include "events/timestamp.h"
#include "lake/column_batch.h"
#include "stream/flat_json_scanner.h"

namespace smartcity::stream {

// An integer written as text (the original producer's "year": "2020").
inline bool parse_integer_text(std::string_view text, std::int64_t& out) {
  if (text.empty()) return false;
  // Up to 18 plain digits summed in place: from_chars gives the same value
  // for them, at five times the instructions.
  if (text.size() <= 18) {
    std::uint64_t value = 0;  // unsigned: text that is not digits wraps harmlessly
    bool digits = true;
    for (const char c : text) {
      const auto digit = static_cast<unsigned>(static_cast<unsigned char>(c) - '0');
      digits &= digit <= 9;
      value = value * 10 + digit;
    }
    if (digits) {
      out = static_cast<std::int64_t>(value);
      return true;
    }
  }
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && ptr == text.data() + text.size();
}

// The correctly rounded double of d / 10^k for the 17 to 19 digit numbers
// Python writes for coordinates and speeds (its repr gives up to 17
// significant digits), or nullopt. On x86 a long double has a 64-bit
// significand, so d (< 2^64) and 10^k (k <= 19) are exact and their quotient
// is rounded once, to within half a unit of its last bit. Rounding that to a
// double's 53 bits gives the correctly rounded double unless the quotient
// lies on a point halfway between two doubles (its 11 dropped bits 0x400: the
// true value may be either side); that case and its two neighbours are left
// to from_chars.
inline std::optional<double> extended_quotient(const FlatJsonScanner::Digits& digits) {
  if constexpr (std::numeric_limits<long double>::digits != 64) {
    return std::nullopt;
  } else {
    static constexpr long double kPowersOfTen[] = {1e0L,  1e1L,  1e2L,  1e3L,  1e4L,  1e5L,  1e6L,
                                                   1e7L,  1e8L,  1e9L,  1e10L, 1e11L, 1e12L, 1e13L,
                                                   1e14L, 1e15L, 1e16L, 1e17L, 1e18L, 1e19L};
    if (digits.count > 19 || digits.fraction > 19 || digits.value == 0) return std::nullopt;
    const long double quotient =
        static_cast<long double>(digits.value) / kPowersOfTen[digits.fraction];
    std::uint64_t significand;
    std::memcpy(&significand, &quotient, sizeof significand);
    const std::uint64_t dropped = significand & 0x7ff;
    if (dropped >= 0x3ff && dropped <= 0x401) return std::nullopt;
    const double value = static_cast<double>(quotient);
    // A double this small is subnormal (fewer than 53 bits): not a number a
    // city field holds, and from_chars judges it.
    if (!(value >= std::numeric_limits<double>::min())) return std::nullopt;
    return value;
  }
}

// A number token as a double. Most city numbers are short decimals: digits d
// with k of them after the point. When d < 2^53 and k <= 22, d and 10^k are
// exact doubles, so the one correctly rounded division d / 10^k is the
// correctly rounded value (Clinger's fast path); 17 to 19 digits take the
// extended quotient; anything else goes through from_chars.
inline bool fast_double(std::string_view token, const FlatJsonScanner::Digits& digits,
                        double& out) {
  static constexpr double kPowersOfTen[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                            1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                            1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
  constexpr std::uint64_t kExactLimit = std::uint64_t{1} << 53;
  // 16 digits never wrap (10^16 < 2^64).
  if (digits.count <= 16 && digits.value < kExactLimit && digits.fraction <= 22) {
    const double value = static_cast<double>(digits.value) / kPowersOfTen[digits.fraction];
    out = digits.negative ? -value : value;
    return true;
  }
  if (const std::optional<double> value = extended_quotient(digits)) {
    out = digits.negative ? -*value : *value;
    return true;
  }
  const auto [stop, ec] = std::from_chars(token.data(), token.data() + token.size(), out);
  return ec == std::errc() && stop == token.data() + token.size();
}

// An integer token: no fraction, at most 18 digits (never wraps an int64).
// "-0" is the full parser's to judge.
inline bool fast_integer(const FlatJsonScanner::Digits& digits, std::int64_t& out) {
  if (digits.fraction != 0 || digits.count > 18 || (digits.negative && digits.value == 0)) {
    return false;
  }
  const auto value = static_cast<std::int64_t>(digits.value);
  out = digits.negative ? -value : value;
  return true;
}

inline bool in_range(const events::FieldSpec& field, double value) {
  return std::isfinite(value) && value >= field.minimum && value <= field.maximum;
}

// An integer that passed its field's checks, into its column's width.
inline void append_integer(const events::FieldSpec& field, std::int64_t number,
                           lake::Column& column) {
  if (field.type == events::FieldType::kInt32) {
    column.append_int32(static_cast<std::int32_t>(number));
  } else {
    column.append_int64(number);
  }
}

// A string or blob field's text; an enum field's in its canonical spelling.
inline bool append_fast_text(const events::FieldSpec& field, std::string_view text,
                             lake::Column& column) {
  if (field.allowed != nullptr) {
    const std::optional<std::string_view> canonical = field.allowed->canonicalize(text);
    if (!canonical) return false;
    text = *canonical;
  }
  column.append_bytes(text);
  return true;
}

inline bool append_fast_double(const events::FieldSpec& field, std::string_view token,
                               const FlatJsonScanner::Digits& digits, lake::Column& column) {
  double number = 0;
  if (!fast_double(token, digits, number) || !in_range(field, number)) return false;
  column.append_double(number);
  return true;
}

// An integer field's value, checked against its width and range.
inline bool append_fast_integer(const events::FieldSpec& field, std::int64_t number,
                                lake::Column& column) {
  if (field.type == events::FieldType::kInt32 &&
      (number < std::numeric_limits<std::int32_t>::min() ||
       number > std::numeric_limits<std::int32_t>::max())) {
    return false;
  }
  const auto as_double = static_cast<double>(number);
  if (as_double < field.minimum || as_double > field.maximum) return false;
  append_integer(field, number, column);
  return true;
}

inline bool append_fast_integer_token(const events::FieldSpec& field,
                                      const FlatJsonScanner::Digits& digits, lake::Column& column) {
  std::int64_t number = 0;
  return fast_integer(digits, number) && append_fast_integer(field, number, column);
}

inline bool append_fast_integer_text(const events::FieldSpec& field, std::string_view text,
                                     lake::Column& column) {
  std::int64_t number = 0;
  return parse_integer_text(text, number) && append_fast_integer(field, number, column);
}

// A timestamp read from text or epoch milliseconds; also the record's event
// time when `event_time` is given.
inline void append_time(UnixMicros time, lake::Column& column, UnixMicros* event_time) {
  column.append_int64(time.value);
  if (event_time != nullptr) *event_time = time;
}

inline bool append_fast_timestamp_text(std::string_view text, events::TimestampParser& parser,
                                       lake::Column& column, UnixMicros* event_time) {
  UnixMicros time;
  if (!parser.parse(text, time)) return false;
  append_time(time, column, event_time);
  return true;
}

inline bool append_fast_timestamp_millis(const FlatJsonScanner::Digits& digits,
                                         lake::Column& column, UnixMicros* event_time) {
  std::int64_t millis = 0;
  if (!fast_integer(digits, millis)) return false;
  const std::optional<UnixMicros> time = events::from_epoch_millis(millis);
  if (!time) return false;
  append_time(*time, column, event_time);
  return true;
}

// The original producer's location, [latitude, longitude], into two columns;
// both or neither are appended.
inline bool append_fast_pair(const events::FieldSpec& latitude_field,
                             const events::FieldSpec& longitude_field, std::string_view first,
                             const FlatJsonScanner::Digits& first_digits, std::string_view second,
                             const FlatJsonScanner::Digits& second_digits, lake::Column& latitude,
                             lake::Column& longitude) {
  double values[2] = {0, 0};
  if (!fast_double(first, first_digits, values[0]) ||
      !fast_double(second, second_digits, values[1]) || !in_range(latitude_field, values[0]) ||
      !in_range(longitude_field, values[1])) {
    return false;
  }
  latitude.append_double(values[0]);
  longitude.append_double(values[1]);
  return true;
}

}  // namespace smartcity::stream
