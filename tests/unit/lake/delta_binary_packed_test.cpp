#include "lake/delta_binary_packed.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

namespace smartcity::lake {
namespace {

std::string encoded(const std::vector<std::int64_t>& values) {
  std::string out;
  append_delta_binary_packed(values, out);
  return out;
}

std::string bytes(std::initializer_list<unsigned> list) {
  std::string out;
  for (const unsigned b : list)
    out.push_back(static_cast<char>(b));
  return out;
}

// Worked out by hand from the format's description: header (block size 128,
// 4 miniblocks, value count, first value zigzagged), then per block the
// smallest difference zigzagged, four widths, and the used miniblocks.
TEST(DeltaBinaryPacked, CountingUpByOneTakesNoBits) {
  EXPECT_EQ(encoded({1, 2, 3, 4, 5}), bytes({0x80, 0x01, 0x04, 0x05, 0x02,  // header
                                             0x02, 0, 0, 0, 0}));           // +1 each, 0 bits
}

TEST(DeltaBinaryPacked, DifferencesLessTheSmallestAreBitPackedLowBitsFirst) {
  // Differences -2 -2 -2 1 1 1 1; less -2: 0 0 0 3 3 3 3 (then zeros to 32) at 2 bits.
  EXPECT_EQ(encoded({7, 5, 3, 1, 2, 3, 4, 5}),
            bytes({0x80, 0x01, 0x04, 0x08, 0x0e,     // header, first value 7
                   0x03, 2, 0, 0, 0,                 // smallest -2; widths
                   0xc0, 0x3f, 0, 0, 0, 0, 0, 0}));  // 32 values of 2 bits
}

TEST(DeltaBinaryPacked, DifferencesWrapAround) {
  // max then min: the difference wraps to +1.
  EXPECT_EQ(
      encoded({std::numeric_limits<std::int64_t>::max(), std::numeric_limits<std::int64_t>::min()}),
      bytes({0x80, 0x01, 0x04, 0x02, 0xfe, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01,
             0x02, 0, 0, 0, 0}));
}

TEST(DeltaBinaryPacked, BlocksOf128AndOnlyTheMiniblocksUsed) {
  // 1 + 128 + 33 values: one full block, then one of 33 differences, which
  // uses two miniblocks (the second padded to 32 values).
  std::vector<std::int64_t> values;
  for (int i = 0; i < 162; ++i)
    values.push_back(i * 3 + (i % 2));  // differences 4 and 2: less 2, 2 and 0, 2 bits
  const std::string out = encoded(values);
  const std::size_t header = 2 + 1 + 2 + 1;  // 128, 4, 162 (two bytes), 0
  const std::size_t full_block = 1 + 4 + 4 * 8;
  const std::size_t last_block = 1 + 4 + 2 * 8;
  ASSERT_EQ(out.size(), header + full_block + last_block);
  EXPECT_EQ(out.substr(header + full_block, 5), bytes({0x04, 2, 2, 0, 0}));  // smallest +2
}

TEST(DeltaBinaryPacked, EmptyAndSingleValues) {
  EXPECT_EQ(encoded({}), bytes({0x80, 0x01, 0x04, 0x00, 0x00}));
  EXPECT_EQ(encoded({-3}), bytes({0x80, 0x01, 0x04, 0x01, 0x05}));
}

}  // namespace
}  // namespace smartcity::lake
