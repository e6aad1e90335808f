// One record, indexed in place by a single SIMD pass before the fast path
// reads it: for every byte, whether a string without escapes would stop
// there ('"', '\\' or a control character), and whether the whole record is
// ASCII (then it needs no UTF-8 validation). The compiled layout then finds
// the end of each string with a bit scan instead of scanning it again.
//
// The record is not copied: a copy costs little to make, but reading it
// back right after writing it stalls on the stores (measured: string
// copies out of a fresh copy made the decoder slower than no index at all).
//
// What it promises: string_stop(p) is what find_json_string_stop(p, end)
// returns; read_number reads exactly what FlatJsonScanner::Cursor::read_number
// reads, with the same Digits, or declines where it declines. Reads only
// inside the record. The record's bytes must outlive the index's use; the
// index owns only its bits. Thread-safety: none.
#pragma once

#include <bit>
#include <cstdint>
#include <string_view>
#include <vector>

#include "stream/flat_json_scanner.h"

namespace smartcity::stream {

class IndexedRecord {
 public:
  // Indexes `payload` (a view kept until the next call).
  void assign(std::string_view payload);

  std::string_view text() const { return text_; }
  bool ascii() const { return ascii_; }

  // The first byte at or after `at` (inside the text, or its end) that is
  // '"', '\\' or below 0x20; the text's end if there is none before it.
  const char* string_stop(const char* at) const {
    auto offset = static_cast<std::size_t>(at - text_.data());
    std::size_t word = offset >> 6;
    std::uint64_t bits = stops_[word] >> (offset & 63);
    // Every position from the text's end on is marked, so the loop ends
    // there at last.
    while (bits == 0) {
      offset = ++word << 6;
      bits = stops_[word];
    }
    return text_.data() + offset + std::countr_zero(bits);
  }

  // A number token at `cursor` (which must lie in text()), as
  // Cursor::read_number reads it: 32 bytes classified at once and the digits
  // summed eight at a time with no test for the end, when 32 bytes of the
  // record follow the cursor; otherwise by Cursor::read_number.
  bool read_number(FlatJsonScanner::Cursor& cursor, std::string_view& out,
                   FlatJsonScanner::Digits& digits) const;

 private:
  // The value of `count` (1..19) digits from `digits`, reading whole words
  // up to 8 bytes past the last digit.
  static std::uint64_t digits_value(const char* digits, unsigned count);

  std::string_view text_;
  bool ascii_ = false;
  // Bit i of word w: byte 64w + i of the text is a string stop; bits from the
  // text's end on are all set.
  std::vector<std::uint64_t> stops_;
};

}  // namespace smartcity::stream
