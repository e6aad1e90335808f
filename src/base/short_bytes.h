// Equality and the words of short byte ranges (JSON literals between values,
// a timestamp's date and hour, dictionary keys) without a call to memcmp:
// two overlapping loads of the widest word that fits cover each range, so a
// size known at the call folds to a few instructions. Reads only the ranges.
#pragma once

#include <cstdint>
#include <cstring>

namespace smartcity {

namespace short_bytes_detail {
// The first and the last sizeof(Word) bytes; requires size >= sizeof(Word).
template <typename Word>
[[gnu::always_inline]] inline bool same_ends(const char* a, const char* b, std::size_t size) {
  Word a_head, b_head, a_tail, b_tail;
  std::memcpy(&a_head, a, sizeof(Word));
  std::memcpy(&b_head, b, sizeof(Word));
  std::memcpy(&a_tail, a + size - sizeof(Word), sizeof(Word));
  std::memcpy(&b_tail, b + size - sizeof(Word), sizeof(Word));
  return ((a_head ^ b_head) | (a_tail ^ b_tail)) == 0;
}
}  // namespace short_bytes_detail

// Whether the `size` bytes at `a` and `b` are the same; ranges over 32 bytes
// go to memcmp.
[[gnu::always_inline]] inline bool same_short_bytes(const char* a, const char* b,
                                                    std::size_t size) {
  using short_bytes_detail::same_ends;
  if (size >= 8) {
    if (size <= 16) return same_ends<std::uint64_t>(a, b, size);
    if (size <= 32) {
      return same_ends<std::uint64_t>(a, b, 16) &&
             same_ends<std::uint64_t>(a + size - 16, b + size - 16, 16);
    }
    return std::memcmp(a, b, size) == 0;
  }
  if (size >= 4) return same_ends<std::uint32_t>(a, b, size);
  for (std::size_t i = 0; i < size; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

// Two words that hold every byte of the `size` (at most 16) bytes at `at`:
// for a given size, equal words mean equal bytes. For hashing short keys
// without reading them byte by byte.
struct ShortBytesWords {
  std::uint64_t head = 0;
  std::uint64_t tail = 0;
};
[[gnu::always_inline]] inline ShortBytesWords short_bytes_words(const char* at, std::size_t size) {
  ShortBytesWords words;
  if (size >= 8) {
    std::memcpy(&words.head, at, 8);
    std::memcpy(&words.tail, at + size - 8, 8);
  } else if (size >= 4) {
    std::uint32_t head, tail;
    std::memcpy(&head, at, 4);
    std::memcpy(&tail, at + size - 4, 4);
    words = {head, tail};
  } else if (size != 0) {
    words.head = static_cast<unsigned char>(at[0]) |
                 std::uint64_t{static_cast<unsigned char>(at[size / 2])} << 8 |
                 std::uint64_t{static_cast<unsigned char>(at[size - 1])} << 16;
  }
  return words;
}

}  // namespace smartcity
