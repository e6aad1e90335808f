#include "stream/fast_field_values.h"

#include <gtest/gtest.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

namespace smartcity::stream {
namespace {

// The digits of `token` as FlatJsonScanner sums them.
FlatJsonScanner::Digits digits_of(const std::string& token) {
  const std::string json = "{\"n\":" + token + "}";
  FlatJsonScanner scanner(json);
  FlatJsonScanner::Member member;
  EXPECT_EQ(scanner.next(member), FlatJsonScanner::Step::kMember) << token;
  return member.digits;
}

// Whether fast_double reads `token` bit for bit as from_chars does
// (correctly rounded).
::testing::AssertionResult reads_as_from_chars(const std::string& token) {
  double expected = 0;
  const auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), expected);
  if (ec != std::errc() || end != token.data() + token.size()) {
    return ::testing::AssertionFailure() << "from_chars refuses " << token;
  }
  double value = 0;
  if (!fast_double(token, digits_of(token), value)) {
    return ::testing::AssertionFailure() << "fast_double refuses " << token;
  }
  if (std::bit_cast<std::uint64_t>(value) != std::bit_cast<std::uint64_t>(expected)) {
    return ::testing::AssertionFailure() << token << ": " << value << " instead of " << expected;
  }
  return ::testing::AssertionSuccess();
}

// The numbers Python's repr writes for coordinates and speeds have 15 to 17
// significant digits, and other producers write up to 19: every one must
// come out bit for bit as from_chars (correctly rounded) reads it.
TEST(FastDouble, RoundsLongDecimalsExactlyAsFromChars) {
  std::mt19937_64 random(7);
  std::size_t extended = 0;
  for (int i = 0; i < 300'000; ++i) {
    const int count = 15 + static_cast<int>(random() % 5);  // 15..19 digits
    std::string digits;
    for (int d = 0; d < count; ++d)
      digits.push_back(static_cast<char>('0' + random() % 10));
    if (digits[0] == '0') digits[0] = '1';
    const int point = 1 + static_cast<int>(random() % static_cast<unsigned>(count - 1));
    std::string token = digits.substr(0, static_cast<std::size_t>(point)) + "." +
                        digits.substr(static_cast<std::size_t>(point));
    if (random() % 2 == 0) token.insert(0, "-");
    ASSERT_TRUE(reads_as_from_chars(token));
    if (extended_quotient(digits_of(token))) ++extended;
  }
  // Most took the extended quotient rather than from_chars.
  if constexpr (std::numeric_limits<long double>::digits == 64) {
    EXPECT_GT(extended, 200'000u);
  }
}

// Decimals at or next to a point halfway between two doubles are where a
// second rounding could go wrong.
TEST(FastDouble, HalfwayCasesAreCorrectlyRounded) {
  std::mt19937_64 random(11);
  for (int i = 0; i < 20'000; ++i) {
    // A double in [1, 2^10) and the next one up, and their midpoint written
    // with 17 to 19 significant digits (the last of them rounded).
    const double low = std::ldexp(1.0 + static_cast<double>(random() % (1ull << 52)) * 0x1p-52,
                                  static_cast<int>(random() % 10));
    const double high = std::nextafter(low, 2 * low);
    const long double middle = (static_cast<long double>(low) + high) / 2;
    char text[64];
    for (const int digits : {17, 18, 19}) {
      std::snprintf(text, sizeof text, "%.*Lg", digits, middle);
      std::string token(text);
      if (token.find('.') == std::string::npos || token.find('e') != std::string::npos) continue;
      ASSERT_TRUE(reads_as_from_chars(token));
    }
  }
}

TEST(FastDouble, ShortDecimalsAndIntegersAreExact) {
  for (const std::string token : {"0", "-0", "0.5", "52.4889018418086", "-1.8936", "73"}) {
    EXPECT_TRUE(reads_as_from_chars(token));
  }
}

// parse_integer_text sums short runs of digits itself: whatever the text, it
// must say what from_chars over the whole text says.
TEST(ParseIntegerText, ReadsAsFromCharsOverTheWholeText) {
  std::vector<std::string> texts = {"2020",
                                    "0",
                                    "00",
                                    "0020",
                                    "7",
                                    "-7",
                                    "-0",
                                    "+1",
                                    " 1",
                                    "1 ",
                                    "20x0",
                                    "",
                                    "999999999999999999",
                                    "1000000000000000000",
                                    "9223372036854775807",
                                    "9223372036854775808",
                                    "/",
                                    ":",
                                    "\xff"
                                    "1",
                                    std::string("1\0", 2)};
  std::mt19937 random(5);
  const std::string alphabet = "0123456789-+ .x/:";
  for (int i = 0; i < 20000; ++i) {
    std::string text;
    const auto size = random() % 22;
    for (std::size_t c = 0; c < size; ++c) {
      text.push_back(random() % 4 == 0 ? alphabet[random() % alphabet.size()]
                                       : static_cast<char>('0' + random() % 10));
    }
    texts.push_back(text);
  }
  for (const std::string& text : texts) {
    std::int64_t expected = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), expected);
    const bool expected_ok = !text.empty() && ec == std::errc() && end == text.data() + text.size();
    std::int64_t got = -12345;
    ASSERT_EQ(parse_integer_text(text, got), expected_ok) << "'" << text << "'";
    if (expected_ok) {
      EXPECT_EQ(got, expected) << "'" << text << "'";
    }
  }
}

}  // namespace
}  // namespace smartcity::stream
