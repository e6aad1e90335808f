#include "stream/indexed_record.h"

#include <cstring>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include "stream/json_string_stops.h"

namespace smartcity::stream {
namespace {

#if defined(__AVX2__)
// The stops of the 64 bytes at `block`; ORs them into `high_bits` too.
std::uint64_t stop_mask(const char* block, __m256i& high_bits) {
  const __m256i low = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block));
  const __m256i high = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(block + 32));
  high_bits = _mm256_or_si256(high_bits, _mm256_or_si256(low, high));
  return std::uint64_t{json_string_stop_mask(low)} | std::uint64_t{json_string_stop_mask(high)}
                                                         << 32;
}
#endif

constexpr std::uint64_t kPowersOfTen[] = {1ULL,
                                          10ULL,
                                          100ULL,
                                          1'000ULL,
                                          10'000ULL,
                                          100'000ULL,
                                          1'000'000ULL,
                                          10'000'000ULL,
                                          100'000'000ULL,
                                          1'000'000'000ULL,
                                          10'000'000'000ULL,
                                          100'000'000'000ULL,
                                          1'000'000'000'000ULL,
                                          10'000'000'000'000ULL,
                                          100'000'000'000'000ULL,
                                          1'000'000'000'000'000ULL,
                                          10'000'000'000'000'000ULL,
                                          100'000'000'000'000'000ULL,
                                          1'000'000'000'000'000'000ULL,
                                          10'000'000'000'000'000'000ULL};

}  // namespace

void IndexedRecord::assign(std::string_view payload) {
  text_ = payload;
  const std::size_t size = payload.size();
  // One word more than the text needs, so that its end is always marked.
  const std::size_t whole = size / 64;
  const std::size_t rest = size % 64;
  stops_.resize(whole + 1);
  constexpr std::uint64_t kAll = ~std::uint64_t{0};
#if defined(__AVX2__)
  __m256i high_bits = _mm256_setzero_si256();
  for (std::size_t block = 0; block < whole; ++block)
    stops_[block] = stop_mask(payload.data() + block * 64, high_bits);
  if (rest == 0) {
    stops_[whole] = kAll;
  } else if (whole != 0) {
    // The last 64 bytes of the record, which end exactly at its end: the
    // partial block's bytes are their top `rest`.
    const std::uint64_t tail = stop_mask(payload.data() + size - 64, high_bits);
    stops_[whole] = (tail >> (64 - rest)) | (kAll << rest);
  } else {
    // Shorter than a block (the record may end at a page's end): by bytes.
    std::uint64_t bits = kAll << rest;
    unsigned char any = 0;
    for (std::size_t i = 0; i < rest; ++i) {
      const auto c = static_cast<unsigned char>(payload[i]);
      any |= c;
      if (is_json_string_stop(c)) bits |= std::uint64_t{1} << i;
    }
    stops_[0] = bits;
    high_bits = _mm256_set1_epi8(static_cast<char>(any));
  }
  ascii_ = _mm256_movemask_epi8(high_bits) == 0;
  // Leave no dirty upper halves behind for code compiled without AVX.
  _mm256_zeroupper();
#else
  // Without AVX2 (SMARTCITY_SIMD=none or westmere): byte by byte, exact.
  unsigned char any = 0;
  for (std::size_t block = 0; block <= whole; ++block) {
    const std::size_t bytes = block < whole ? 64 : rest;
    std::uint64_t bits = bytes == 64 ? 0 : kAll << bytes;
    for (std::size_t i = 0; i < bytes; ++i) {
      const auto c = static_cast<unsigned char>(payload[block * 64 + i]);
      any |= c;
      if (is_json_string_stop(c)) bits |= std::uint64_t{1} << i;
    }
    stops_[block] = bits;
  }
  ascii_ = (any & 0x80) == 0;
#endif
}

#if defined(__AVX2__)
namespace {

// Byte n + i is the pshufb index that moves byte i of 16 digits to byte
// i + 16 - n (0x80 clears): loaded from kRightAlign + n, it right-aligns the
// first n bytes over leading zeros.
alignas(64) constexpr std::int8_t kRightAlign[32] = {
    -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128, -128,
    0,    1,    2,    3,    4,    5,    6,    7,    8,    9,    10,   11,   12,   13,   14,   15};

// The value of the `n` (9..16) digits at `digits`, reading the 16 bytes from
// there (those past the digits are cleared): pairs, fours and eights joined
// by multiply-adds on all sixteen bytes at once.
// Coordinates carry 15 or 16 digits after the point; two words' SWAR sums
// cost the decoder 64 more instructions a seed record (2.4%).
[[gnu::always_inline]] inline std::uint64_t sixteen_digits_value(const char* digits, unsigned n) {
  const __m128i bytes =
      _mm_sub_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(digits)), _mm_set1_epi8('0'));
  const __m128i aligned =
      _mm_shuffle_epi8(bytes, _mm_loadu_si128(reinterpret_cast<const __m128i*>(kRightAlign + n)));
  const __m128i pairs = _mm_maddubs_epi16(aligned, _mm_set1_epi16(0x010a));   // d0*10 + d1
  const __m128i fours = _mm_madd_epi16(pairs, _mm_set1_epi32(0x00010064));    // p0*100 + p1
  const __m128i packed = _mm_packus_epi32(fours, fours);                      // fours as u16
  const __m128i eights = _mm_madd_epi16(packed, _mm_set1_epi32(0x00012710));  // f0*10000 + f1
  const auto high = static_cast<std::uint32_t>(_mm_cvtsi128_si32(eights));
  const auto low = static_cast<std::uint32_t>(_mm_extract_epi32(eights, 1));
  return std::uint64_t{high} * 100'000'000 + low;
}

}  // namespace

[[gnu::always_inline]] inline std::uint64_t IndexedRecord::digits_value(const char* digits,
                                                                        unsigned count) {
  using Cursor = FlatJsonScanner::Cursor;
  std::uint64_t head;
  if (count <= 8) {
    std::memcpy(&head, digits, sizeof head);
    return Cursor::digits_value(head, count);
  }
  if (count <= 16) return sixteen_digits_value(digits, count);
  std::memcpy(&head, digits, sizeof head);
  return Cursor::digits_value(head, count - 16) * 10'000'000'000'000'000ULL +
         sixteen_digits_value(digits + count - 16, 16);
}

#endif

bool IndexedRecord::read_number(FlatJsonScanner::Cursor& cursor, std::string_view& out,
                                FlatJsonScanner::Digits& digits) const {
#if defined(__AVX2__)
  const char* start = cursor.at;
  // The sign, then the 32 bytes classified below.
  if (cursor.end - start < 33) return cursor.read_number(out, digits);
  const bool negative = *start == '-';
  const char* p = start + (negative ? 1 : 0);
  // Which of the 32 bytes from p are digits: (byte - '0') <= 9, unsigned.
  // Two 16-byte compares, not one of 32: GCC 12 leaves this function by a
  // path without vzeroupper after 256-bit code, and every SSE instruction
  // compiled for plain x86-64 that runs next would pay for the dirty upper
  // halves (measured: the decoder 1.5x slower).
  const auto digit_bits = [](const char* from) {
    const __m128i shifted =
        _mm_sub_epi8(_mm_loadu_si128(reinterpret_cast<const __m128i*>(from)), _mm_set1_epi8('0'));
    return static_cast<std::uint32_t>(
        _mm_movemask_epi8(_mm_cmpeq_epi8(_mm_min_epu8(shifted, _mm_set1_epi8(9)), shifted)));
  };
  // Bits above the 32 are not digits, so every run ends inside the 64.
  const std::uint64_t not_digit = ~std::uint64_t{digit_bits(p) | digit_bits(p + 16) << 16};
  const auto integer_digits = static_cast<unsigned>(std::countr_zero(not_digit));
  // No digit, or a leading zero followed by more digits; or a run too long
  // for a token (and the byte after it may lie past the record).
  if (integer_digits == 0 || (*p == '0' && integer_digits > 1) ||
      integer_digits > FlatJsonScanner::kMaxNumberBytes) {
    return false;
  }
  unsigned fraction_digits = 0;
  unsigned length = integer_digits;
  if (p[integer_digits] == '.') {
    fraction_digits = static_cast<unsigned>(std::countr_zero(not_digit >> (integer_digits + 1)));
    if (fraction_digits == 0) return false;
    length = integer_digits + 1 + fraction_digits;
  }
  const std::size_t size = (negative ? 1 : 0) + length;
  // A run reaching the end of the 32 bytes is longer than this anyway.
  if (size > FlatJsonScanner::kMaxNumberBytes) return false;
  const char next = p[length];
  if (next == 'e' || next == 'E' || next == '.') return false;
  const unsigned count = integer_digits + fraction_digits;
  // Past 19 digits the sum wraps; Cursor's reading says how.
  if (count > 19) return cursor.read_number(out, digits);
  std::uint64_t value = digits_value(p, integer_digits);
  if (fraction_digits != 0) {
    value = value * kPowersOfTen[fraction_digits] +
            digits_value(p + integer_digits + 1, fraction_digits);
  }
  digits.negative = negative;
  digits.value = value;
  digits.count = static_cast<std::uint16_t>(count);
  digits.fraction = static_cast<std::uint16_t>(fraction_digits);
  out = std::string_view(start, size);
  cursor.at = start + size;
  return true;
#else
  (void)kPowersOfTen;
  return cursor.read_number(out, digits);
#endif
}

}  // namespace smartcity::stream
