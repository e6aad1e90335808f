// Which bytes end a JSON string without escapes: '"', '\\' or a control
// character (below 0x20). One definition for find_json_string_stop and
// IndexedRecord, which must agree byte for byte.
//
// The 256-bit form exists only where the including file is compiled for AVX2;
// include this from the files compiled for the decoder's SIMD level
// (flat_json_scanner.cpp, indexed_record.cpp), not from headers.
#pragma once

#include <cstdint>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

namespace smartcity::stream {

inline bool is_json_string_stop(unsigned char c) {
  return c == '"' || c == '\\' || c < 0x20;
}

#if defined(__AVX2__)
// Bit i set when byte i of `bytes` is a stop: it equals '"' or '\\', or
// min(byte, 0x1f) is the byte itself (unsigned: it is below 0x20).
inline std::uint32_t json_string_stop_mask(__m256i bytes) {
  const __m256i stops =
      _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(bytes, _mm256_set1_epi8('"')),
                                      _mm256_cmpeq_epi8(bytes, _mm256_set1_epi8('\\'))),
                      _mm256_cmpeq_epi8(_mm256_min_epu8(bytes, _mm256_set1_epi8(0x1f)), bytes));
  return static_cast<std::uint32_t>(_mm256_movemask_epi8(stops));
}
#endif

}  // namespace smartcity::stream
