// Parquet's DELTA_BINARY_PACKED encoding of 64-bit integers, for the lake's
// offsets and timestamps: the first value, then blocks of 128 differences
// between neighbours, each block less its smallest difference and bit-packed
// in four miniblocks of 32 at the narrowest width that holds them. Offsets
// that count up by one take no bits at all; event times a few bytes instead
// of eight, so zstd has a fraction of the bytes to compress.
//
// Differences wrap around in two's complement, as the format requires, so
// every int64 sequence encodes (readers add them back the same way).
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace smartcity::lake {

// Appends the encoding of `values` (no nulls: definition levels say where
// those are) to `out`.
void append_delta_binary_packed(std::span<const std::int64_t> values, std::string& out);

}  // namespace smartcity::lake
