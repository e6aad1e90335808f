// Reads one flat JSON object member by member, in place: the decoder's fast
// path for the records every producer of city events writes (a single object
// of strings, numbers, nulls and the original producer's [lat, lon] pair).
//
// It accepts only what it can read exactly and declines everything else:
// escapes in strings or keys, control characters, nested objects or arrays
// other than a pair of numbers, true/false, numbers with an exponent or of
// more than kMaxNumberBytes, and any malformed text. A declined record is
// read again by the full parser (simdjson), which gives the dead letter its
// reason, so the fast path never has to explain a refusal and never accepts
// text the full parser would refuse.
//
// What it needs: text that is valid UTF-8 (the caller checks that first).
// What it promises: string members are the exact bytes between the quotes
// (with no escapes, so already unescaped); number tokens follow JSON's
// grammar. The views point into the scanned text; the scanner owns nothing.
// Header-only so that the decoder's loop inlines it.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

namespace smartcity::stream {

// The first byte of [at, end) that is '"', '\\' or a control character (below
// 0x20), or `end`: where a string without escapes stops. Out of line, in a
// file compiled for the build's SIMD level (32 bytes a step with AVX2).
const char* find_json_string_stop(const char* at, const char* end);

class FlatJsonScanner {
 public:
  // Longer number tokens are declined: no city field needs them, and the
  // full parser then decides what a 400-digit number means.
  static constexpr std::size_t kMaxNumberBytes = 24;

  enum class ValueKind : std::uint8_t { kString, kNumber, kNull, kNumberPair };

  // A number token's digits without its point: the token is
  // (negative ? -1 : 1) * value / 10^fraction, when count <= 19.
  struct Digits {
    std::uint64_t value = 0;
    std::uint16_t count = 0;     // digits in all, leading zeros included
    std::uint16_t fraction = 0;  // digits after the point
    bool negative = false;
  };

  struct Member {
    std::string_view key;
    ValueKind kind = ValueKind::kNull;
    std::string_view text;    // string contents, number token, first number of a pair
    std::string_view second;  // the pair's second number token
    std::string_view raw;     // the whole value as written: quotes, brackets and all
    Digits digits;            // of `text`, when it is a number
    Digits second_digits;     // of `second`
  };

  enum class Step : std::uint8_t { kMember, kEnd, kDecline };

  explicit FlatJsonScanner(std::string_view json)
      : at_(json.data()), end_(json.data() + json.size()) {}

  // The next member, kEnd after the closing brace (when only white space
  // follows it), or kDecline. After kEnd or kDecline, it keeps answering so.
  Step next(Member& member) {
    if (state_ == State::kDone) return Step::kEnd;
    if (state_ == State::kDeclined) return Step::kDecline;
    // A local cursor: stores into `member` could alias at_ as far as the
    // compiler knows, and it would reload it after each one.
    Cursor c{at_, end_};
    c.skip_space();
    if (state_ == State::kStart) {
      if (!c.take('{')) return decline();
      c.skip_space();
      if (c.take('}')) return finish(c);
      state_ = State::kInObject;
    } else {
      if (c.take('}')) return finish(c);
      if (!c.take(',')) return decline();
      c.skip_space();
    }
    if (!c.read_string(member.key)) return decline();
    c.skip_space();
    if (!c.take(':')) return decline();
    c.skip_space();
    if (!c.read_value(member)) return decline();
    c.skip_space();
    at_ = c.at;
    return Step::kMember;
  }

  // A position in the text and the reads next() is made of, each with the
  // grammar next() accepts: for CompiledLayout, which reads the values of
  // records shaped like one this scanner read whole, and for IndexedRecord,
  // which reads numbers the same way faster. A failed read may leave `at`
  // anywhere.
  struct Cursor {
    const char* at;
    const char* end;

    bool take(char c) {
      if (at == end || *at != c) return false;
      ++at;
      return true;
    }

    // JSON's four white-space characters are all at or below ' ', so most
    // bytes leave after one comparison.
    void skip_space() {
      while (at != end && static_cast<unsigned char>(*at) <= ' ' &&
             (*at == ' ' || *at == '\n' || *at == '\t' || *at == '\r'))
        ++at;
    }

    static bool is_digit(char c) { return static_cast<unsigned char>(c - '0') <= 9; }

    // Digits eight bytes at a time (coordinates and speeds carry 15 to 17).
    // In (word - '0') a byte below '0' borrows into its high bit, and in
    // (word + 0x46) a byte above '9' carries into it ('9' + 0x46 = 0x7f);
    // a borrow or carry only reaches bytes above the one that caused it, so
    // the lowest flagged byte is the first that is not a digit.
    static unsigned leading_digits(std::uint64_t word) {
      const std::uint64_t not_digit =
          ((word - 0x3030303030303030ULL) | (word + 0x4646464646464646ULL)) & 0x8080808080808080ULL;
      return static_cast<unsigned>(std::countr_zero(not_digit)) >> 3;  // 8 when all are
    }

    // The value of the first `n` (1..8) digits of `word`, first digit most
    // significant: moved to the top bytes (zeros below are leading zeros),
    // adjacent digits are joined into pairs, pairs into fours, fours into
    // the eight.
    static std::uint64_t digits_value(std::uint64_t word, unsigned n) {
      word = (word - 0x3030303030303030ULL) << (8 * (8 - n));
      word = (word * 10 + (word >> 8)) & 0x00ff00ff00ff00ffULL;      // pairs
      word = (word * 100 + (word >> 16)) & 0x0000ffff0000ffffULL;    // fours
      return (word * 10000 + (word >> 32)) & 0x00000000ffffffffULL;  // eight
    }

    // Reads a run of digits into `value` (wrapping past 19 digits, which
    // the caller tells from `count`).
    void read_digits(std::uint64_t& value, std::uint32_t& count) {
      static constexpr std::uint64_t kScale[] = {1,       10,        100,        1'000,      10'000,
                                                 100'000, 1'000'000, 10'000'000, 100'000'000};
      if constexpr (std::endian::native == std::endian::little) {
        while (end - at >= 8) {
          std::uint64_t word;
          std::memcpy(&word, at, sizeof word);
          const unsigned n = leading_digits(word);
          if (n == 0) return;
          value = value * kScale[n] + digits_value(word, n);
          count += n;
          at += n;
          if (n < 8) return;
        }
      }
      while (at != end && is_digit(*at)) {
        value = value * 10 + static_cast<std::uint64_t>(*at - '0');
        ++count;
        ++at;
      }
    }

    // A string without escapes or control characters; `out` is its contents.
    bool read_string(std::string_view& out) {
      return read_string(out,
                         [this](const char* from) { return find_json_string_stop(from, end); });
    }
    // The same, where `find_stop(p)` answers as find_json_string_stop(p, end).
    template <typename FindStop>
    bool read_string(std::string_view& out, FindStop find_stop) {
      if (!take('"')) return false;
      const char* stop = find_stop(at);
      if (stop == end || *stop != '"') return false;
      out = std::string_view(at, static_cast<std::size_t>(stop - at));
      at = stop + 1;
      return true;
    }

    // -?(0|[1-9][0-9]*)(\.[0-9]+)? : JSON's number grammar without exponents.
    bool read_number(std::string_view& out, Digits& digits) {
      const char* start = at;
      digits.negative = take('-');
      digits.value = 0;
      std::uint32_t count = 0;
      if (at == end) return false;
      // The digits are summed as they are read (wrapping past 19 digits,
      // which Digits::count tells), so the caller need not read them again.
      if (*at == '0') {
        ++at;
        count = 1;
      } else if (is_digit(*at)) {
        read_digits(digits.value, count);
      } else {
        return false;
      }
      std::uint32_t fraction = 0;
      if (take('.')) {
        if (at == end || !is_digit(*at)) return false;
        read_digits(digits.value, fraction);
      }
      const auto size = static_cast<std::size_t>(at - start);
      if (size > kMaxNumberBytes) return false;
      // What follows is checked by the caller's structure, except these,
      // which would continue the number.
      if (at != end && (*at == 'e' || *at == 'E' || *at == '.' || is_digit(*at))) return false;
      digits.count = static_cast<std::uint16_t>(count + fraction);
      digits.fraction = static_cast<std::uint16_t>(fraction);
      out = std::string_view(start, size);
      return true;
    }

    bool read_null() {
      if (end - at < 4 || std::memcmp(at, "null", 4) != 0) return false;
      at += 4;
      return true;
    }

    // [number, number] into member's text and second (and their digits).
    bool read_number_pair(Member& member) {
      return read_number_pair(member.text, member.digits, member.second, member.second_digits,
                              [](Cursor& cursor, std::string_view& out, Digits& digits) {
                                return cursor.read_number(out, digits);
                              });
    }
    // The same into the two numbers' tokens and digits, where
    // `read(cursor, out, digits)` reads as read_number does. Not into a
    // Member: the compiled layout's loop would zero one (a `rep stos`) for
    // every pair it reads.
    template <typename ReadNumber>
    bool read_number_pair(std::string_view& first, Digits& first_digits, std::string_view& second,
                          Digits& second_digits, ReadNumber read) {
      if (!take('[')) return false;
      skip_space();
      if (!read(*this, first, first_digits)) return false;
      skip_space();
      if (!take(',')) return false;
      skip_space();
      if (!read(*this, second, second_digits)) return false;
      skip_space();
      return take(']');
    }

    bool read_value(Member& member) {
      const char* start = at;
      if (!read_value_token(member)) return false;
      member.raw = std::string_view(start, static_cast<std::size_t>(at - start));
      return true;
    }

    bool read_value_token(Member& member) {
      if (at == end) return false;
      switch (*at) {
        case '"':
          member.kind = ValueKind::kString;
          return read_string(member.text);
        case 'n':
          member.kind = ValueKind::kNull;
          member.text = {};
          return read_null();
        case '[':
          member.kind = ValueKind::kNumberPair;
          return read_number_pair(member);
        default:
          member.kind = ValueKind::kNumber;
          return read_number(member.text, member.digits);
      }
    }
  };

 private:
  enum class State : std::uint8_t { kStart, kInObject, kDone, kDeclined };

  Step decline() {
    state_ = State::kDeclined;
    return Step::kDecline;
  }

  Step finish(Cursor c) {
    c.skip_space();
    if (c.at != c.end) return decline();
    at_ = c.at;
    state_ = State::kDone;
    return Step::kEnd;
  }

  const char* at_;
  const char* end_;
  State state_ = State::kStart;
};

}  // namespace smartcity::stream
