#include "lake/delta_binary_packed.h"

#include <algorithm>
#include <bit>

#include "lake/bit_packing.h"
#include "lake/thrift_compact_writer.h"

namespace smartcity::lake {
namespace {

constexpr std::size_t kBlockValues = 128;
constexpr std::size_t kMiniblocks = 4;
constexpr std::size_t kMiniblockValues = kBlockValues / kMiniblocks;

std::uint64_t zigzag(std::int64_t value) {
  return (static_cast<std::uint64_t>(value) << 1) ^ static_cast<std::uint64_t>(value >> 63);
}

}  // namespace

void append_delta_binary_packed(std::span<const std::int64_t> values, std::string& out) {
  append_varint(out, kBlockValues);
  append_varint(out, kMiniblocks);
  append_varint(out, values.size());
  append_varint(out, zigzag(values.empty() ? 0 : values[0]));
  std::uint64_t deltas[kBlockValues];
  for (std::size_t begin = 1; begin < values.size(); begin += kBlockValues) {
    const std::size_t count = std::min(kBlockValues, values.size() - begin);
    std::int64_t min_delta = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const auto delta =
          static_cast<std::int64_t>(static_cast<std::uint64_t>(values[begin + i]) -
                                    static_cast<std::uint64_t>(values[begin + i - 1]));
      deltas[i] = static_cast<std::uint64_t>(delta);
      min_delta = i == 0 ? delta : std::min(min_delta, delta);
    }
    // The last block's missing values pack as zeros.
    for (std::size_t i = 0; i < kBlockValues; ++i)
      deltas[i] = i < count ? deltas[i] - static_cast<std::uint64_t>(min_delta) : 0;
    append_varint(out, zigzag(min_delta));
    int widths[kMiniblocks] = {};
    for (std::size_t m = 0; m < kMiniblocks; ++m) {
      std::uint64_t any = 0;
      for (std::size_t i = m * kMiniblockValues; i < (m + 1) * kMiniblockValues; ++i)
        any |= deltas[i];
      widths[m] = std::bit_width(any);
      out.push_back(static_cast<char>(widths[m]));
    }
    // Miniblocks past the last value are not written (their widths are 0).
    const std::size_t used = (count + kMiniblockValues - 1) / kMiniblockValues;
    for (std::size_t m = 0; m < used; ++m) {
      append_bit_packed(
          std::span<const std::uint64_t>(deltas + m * kMiniblockValues, kMiniblockValues),
          kMiniblockValues, widths[m], out);
    }
  }
}

}  // namespace smartcity::lake
