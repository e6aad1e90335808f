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
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace smartcity::stream {

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

 private:
  friend class FlatJsonLayout;
  enum class State : std::uint8_t { kStart, kInObject, kDone, kDeclined };

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

    // Eight digits at once (coordinates and speeds carry 15 to 17): whether
    // the eight bytes at `p` are all '0'..'9' ...
    static bool eight_digits_at(const char* p) {
      std::uint64_t word;
      std::memcpy(&word, p, sizeof word);
      // Below '0' borrows into the high bit of (word - '0'); above '9'
      // carries into it in (word + 0x46), since '9' + 0x46 = 0x7f.
      return (((word - 0x3030303030303030ULL) | (word + 0x4646464646464646ULL)) &
              0x8080808080808080ULL) == 0;
    }

    // ... and their value, first digit most significant: adjacent digits
    // are joined into pairs, pairs into fours, fours into the eight.
    static std::uint64_t eight_digits_value(const char* p) {
      std::uint64_t word;
      std::memcpy(&word, p, sizeof word);
      word -= 0x3030303030303030ULL;
      word = (word * 10 + (word >> 8)) & 0x00ff00ff00ff00ffULL;      // pairs
      word = (word * 100 + (word >> 16)) & 0x0000ffff0000ffffULL;    // fours
      return (word * 10000 + (word >> 32)) & 0x00000000ffffffffULL;  // eight
    }

    // Reads a run of digits into `value` (wrapping past 19 digits, which
    // the caller tells from `count`).
    void read_digits(std::uint64_t& value, std::uint32_t& count) {
      if constexpr (std::endian::native == std::endian::little) {
        while (end - at >= 8 && eight_digits_at(at)) {
          value = value * 100'000'000 + eight_digits_value(at);
          count += 8;
          at += 8;
        }
      }
      while (at != end && is_digit(*at)) {
        value = value * 10 + static_cast<std::uint64_t>(*at - '0');
        ++count;
        ++at;
      }
    }

    // The first byte from `at` on that is '"', '\\' or a control character,
    // eight bytes at a time. In each mask only bytes above a true match can be
    // false matches (a borrow), so the lowest set bit of the three is a true one.
    const char* find_string_stop() const {
      const char* p = at;
      if constexpr (std::endian::native == std::endian::little) {
        constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
        constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
        while (end - p >= 8) {
          std::uint64_t word;
          std::memcpy(&word, p, sizeof word);
          const std::uint64_t quote = word ^ (kOnes * '"');
          const std::uint64_t backslash = word ^ (kOnes * '\\');
          const std::uint64_t stops = ((quote - kOnes) & ~quote) |
                                      ((backslash - kOnes) & ~backslash) |
                                      ((word - kOnes * 0x20) & ~word);
          if (const std::uint64_t found = stops & kHigh; found != 0) {
            return p + (std::countr_zero(found) >> 3);
          }
          p += 8;
        }
      }
      while (p != end && *p != '"' && *p != '\\' && static_cast<unsigned char>(*p) >= 0x20)
        ++p;
      return p;
    }

    // A string without escapes or control characters; `out` is its contents.
    bool read_string(std::string_view& out) {
      if (!take('"')) return false;
      const char* stop = find_string_stop();
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
          if (end - at < 4 || std::memcmp(at, "null", 4) != 0) return false;
          at += 4;
          member.kind = ValueKind::kNull;
          member.text = {};
          return true;
        case '[':
          ++at;
          skip_space();
          if (!read_number(member.text, member.digits)) return false;
          skip_space();
          if (!take(',')) return false;
          skip_space();
          if (!read_number(member.second, member.second_digits)) return false;
          skip_space();
          if (!take(']')) return false;
          member.kind = ValueKind::kNumberPair;
          return true;
        default:
          member.kind = ValueKind::kNumber;
          return read_number(member.text, member.digits);
      }
    }
  };

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

// The shape of the last record read whole: the exact bytes around its values
// and each value's kind. A producer writes every record of a kind the same
// way, so the next one usually differs only inside its values; reading it is
// then comparing the bytes between values and reading the values, with no
// keys to scan and no white space to skip. A record that differs anywhere
// else is declined (and read by FlatJsonScanner). The bytes compared come
// from a record FlatJsonScanner accepted, and each value is read by the same
// code, so a record read this way is one the scanner would accept too.
class FlatJsonLayout {
 public:
  using Member = FlatJsonScanner::Member;

  bool learned() const { return learned_; }
  std::size_t size() const { return kinds_.size(); }

  // Learns the layout of `json`, read whole by FlatJsonScanner into
  // `members` (in order; their views point into `json`).
  void learn(std::string_view json, std::span<const Member> members) {
    literals_.clear();
    literal_ends_.clear();
    kinds_.clear();
    key_offsets_.clear();
    const char* previous = json.data();
    for (const Member& member : members) {
      key_offsets_.push_back(
          {static_cast<std::uint32_t>(literals_.size() +
                                      static_cast<std::size_t>(member.key.data() - previous)),
           static_cast<std::uint32_t>(member.key.size())});
      literals_.append(previous, member.raw.data());
      literal_ends_.push_back(static_cast<std::uint32_t>(literals_.size()));
      kinds_.push_back(member.kind);
      previous = member.raw.data() + member.raw.size();
    }
    literals_.append(previous, json.data() + json.size());
    literal_ends_.push_back(static_cast<std::uint32_t>(literals_.size()));
    learned_ = true;
  }

  // Reads `json` if it has the learned layout: members[i] gets value i and
  // its key (a view into this layout, valid until the next learn()).
  // `members` must have size() elements. False: declined.
  bool read(std::string_view json, std::span<Member> members) const {
    FlatJsonScanner::Cursor c{json.data(), json.data() + json.size()};
    std::uint32_t literal_begin = 0;
    for (std::size_t i = 0; i < kinds_.size(); ++i) {
      if (!match(c, literal_begin, literal_ends_[i])) return false;
      literal_begin = literal_ends_[i];
      Member& member = members[i];
      if (!c.read_value(member) || member.kind != kinds_[i]) return false;
      member.key = std::string_view(literals_).substr(key_offsets_[i].offset, key_offsets_[i].size);
    }
    // The last literal (the closing brace and any white space) ends the text.
    return static_cast<std::size_t>(c.end - c.at) == literals_.size() - literal_begin &&
           match(c, literal_begin, static_cast<std::uint32_t>(literals_.size()));
  }

 private:
  struct KeyOffset {
    std::uint32_t offset;
    std::uint32_t size;
  };

  bool match(FlatJsonScanner::Cursor& c, std::uint32_t begin, std::uint32_t end) const {
    const std::size_t size = end - begin;
    if (static_cast<std::size_t>(c.end - c.at) < size ||
        !same_bytes(c.at, literals_.data() + begin, size)) {
      return false;
    }
    c.at += size;
    return true;
  }

  // Most literals (`, "deviceId": `) are 8 to 16 bytes: two overlapping
  // eight-byte comparisons instead of a call to memcmp.
  static bool same_bytes(const char* a, const char* b, std::size_t size) {
    if (size < 8 || size > 16) return std::memcmp(a, b, size) == 0;
    std::uint64_t a_head, b_head, a_tail, b_tail;
    std::memcpy(&a_head, a, 8);
    std::memcpy(&b_head, b, 8);
    std::memcpy(&a_tail, a + size - 8, 8);
    std::memcpy(&b_tail, b + size - 8, 8);
    return ((a_head ^ b_head) | (a_tail ^ b_tail)) == 0;
  }

  bool learned_ = false;
  std::string literals_;                     // the bytes before each value, and after the last
  std::vector<std::uint32_t> literal_ends_;  // size() + 1 ends into literals_
  std::vector<FlatJsonScanner::ValueKind> kinds_;
  std::vector<KeyOffset> key_offsets_;  // each member's key, inside literals_
};

}  // namespace smartcity::stream
