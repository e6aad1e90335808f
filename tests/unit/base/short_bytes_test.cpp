#include "base/short_bytes.h"

#include <gtest/gtest.h>

#include <memory>
#include <random>
#include <string>

namespace smartcity {
namespace {

// Exact-size heap copies, so that AddressSanitizer sees any read past a range.
std::unique_ptr<char[]> exact_copy(const std::string& bytes) {
  auto copy = std::make_unique<char[]>(bytes.size() + (bytes.empty() ? 1 : 0));
  bytes.copy(copy.get(), bytes.size());
  return copy;
}

bool same_words(const std::string& a, const std::string& b) {
  const auto a_copy = exact_copy(a);
  const auto b_copy = exact_copy(b);
  const ShortBytesWords x = short_bytes_words(a_copy.get(), a.size());
  const ShortBytesWords y = short_bytes_words(b_copy.get(), b.size());
  return x.head == y.head && x.tail == y.tail;
}

bool same_bytes(const std::string& a, const std::string& b) {
  const auto a_copy = exact_copy(a);
  const auto b_copy = exact_copy(b);
  return same_short_bytes(a_copy.get(), b_copy.get(), a.size());
}

TEST(ShortBytesTest, EveryByteChangesTheWordsAndTheComparison) {
  std::mt19937 random(5);
  for (std::size_t size = 0; size <= 40; ++size) {
    for (int trial = 0; trial < 20; ++trial) {
      std::string bytes(size, '\0');
      for (char& c : bytes)
        c = static_cast<char>(random());
      EXPECT_TRUE(same_bytes(bytes, bytes));
      if (size <= 16) {
        EXPECT_TRUE(same_words(bytes, bytes));
      }
      for (std::size_t at = 0; at < size; ++at) {
        std::string changed = bytes;
        changed[at] = static_cast<char>(changed[at] ^ (1 << (random() % 8)));
        EXPECT_FALSE(same_bytes(bytes, changed)) << "size " << size << " byte " << at;
        if (size <= 16) {
          EXPECT_FALSE(same_words(bytes, changed)) << "size " << size << " byte " << at;
        }
      }
    }
  }
}

}  // namespace
}  // namespace smartcity
