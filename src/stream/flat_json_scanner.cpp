#include "stream/flat_json_scanner.h"

#if defined(__AVX2__) || defined(__SSE4_2__)
#include <immintrin.h>
#endif

#include "stream/json_string_stops.h"

namespace smartcity::stream {

const char* find_json_string_stop(const char* at, const char* end) {
  const char* p = at;
#if defined(__AVX2__)
  while (end - p >= 32) {
    const __m256i bytes = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    if (const std::uint32_t mask = json_string_stop_mask(bytes); mask != 0) {
      return p + std::countr_zero(mask);
    }
    p += 32;
  }
#endif
#if defined(__AVX2__) || defined(__SSE4_2__)
  {
    const __m128i quote = _mm_set1_epi8('"');
    const __m128i backslash = _mm_set1_epi8('\\');
    const __m128i control = _mm_set1_epi8(0x1f);
    while (end - p >= 16) {
      const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      const __m128i stops =
          _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(bytes, quote), _mm_cmpeq_epi8(bytes, backslash)),
                       _mm_cmpeq_epi8(_mm_min_epu8(bytes, control), bytes));
      if (const auto mask = static_cast<std::uint32_t>(_mm_movemask_epi8(stops)); mask != 0) {
        return p + std::countr_zero(mask);
      }
      p += 16;
    }
  }
#endif
  if constexpr (std::endian::native == std::endian::little) {
    // Eight bytes at a time. In each mask only bytes above a true match can
    // be false matches (a borrow), so the lowest set bit of the three is a
    // true one.
    constexpr std::uint64_t kOnes = 0x0101010101010101ULL;
    constexpr std::uint64_t kHigh = 0x8080808080808080ULL;
    while (end - p >= 8) {
      std::uint64_t word;
      std::memcpy(&word, p, sizeof word);
      const std::uint64_t quote = word ^ (kOnes * '"');
      const std::uint64_t backslash = word ^ (kOnes * '\\');
      const std::uint64_t stops = ((quote - kOnes) & ~quote) | ((backslash - kOnes) & ~backslash) |
                                  ((word - kOnes * 0x20) & ~word);
      if (const std::uint64_t found = stops & kHigh; found != 0) {
        return p + (std::countr_zero(found) >> 3);
      }
      p += 8;
    }
  }
  while (p != end && !is_json_string_stop(static_cast<unsigned char>(*p)))
    ++p;
  return p;
}

}  // namespace smartcity::stream
