// Parquet's bit packing: values at a fixed width, lowest bits first, each
// byte filled from its lowest bit (the RLE/bit-packing hybrid's packed runs,
// DELTA_BINARY_PACKED's miniblocks).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <type_traits>

namespace smartcity::lake {

// Appends `count` values at `width` bits each (0 to the bits of Value):
// values[i], then zeros past values.size(). Whole bytes come out when
// count * width is a multiple of 8, as the callers' groups of 8 and 32 are.
template <typename Value>
void append_bit_packed(std::span<const Value> values, std::size_t count, int width,
                       std::string& out) {
  static_assert(std::is_unsigned_v<Value> && sizeof(Value) <= 8);
  // Up to 7 pending bits plus one whole value.
  using Buffer = std::conditional_t<sizeof(Value) <= 4, std::uint64_t, unsigned __int128>;
  Buffer buffer = 0;
  int bits = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const Value value = i < values.size() ? values[i] : 0;
    buffer |= static_cast<Buffer>(value) << bits;
    bits += width;
    while (bits >= 8) {
      out.push_back(static_cast<char>(static_cast<std::uint8_t>(buffer)));
      buffer >>= 8;
      bits -= 8;
    }
  }
}

}  // namespace smartcity::lake
