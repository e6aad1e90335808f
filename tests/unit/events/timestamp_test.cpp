#include "events/timestamp.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>

namespace smartcity::events {
namespace {

constexpr std::int64_t kSecond = 1'000'000;
// 2024-04-05T12:34:56Z
constexpr std::int64_t kSample = 1712320496LL * kSecond;

TEST(Timestamp, FormatsBothStyles) {
  EXPECT_EQ(format_timestamp(UnixMicros{kSample + 123456}, TimestampStyle::kUtcZulu),
            "2024-04-05T12:34:56.123456Z");
  EXPECT_EQ(format_timestamp(UnixMicros{kSample + 123456}, TimestampStyle::kPythonNaive),
            "2024-04-05T12:34:56.123456");
  // Python's isoformat() omits a zero fraction.
  EXPECT_EQ(format_timestamp(UnixMicros{kSample}, TimestampStyle::kPythonNaive),
            "2024-04-05T12:34:56");
  EXPECT_EQ(format_timestamp(UnixMicros{kSample}, TimestampStyle::kUtcZulu),
            "2024-04-05T12:34:56.000000Z");
  EXPECT_EQ(format_timestamp(UnixMicros{0}, TimestampStyle::kUtcZulu),
            "1970-01-01T00:00:00.000000Z");
}

TEST(Timestamp, ParsesZoneLessAsUtcAndHonoursOffsets) {
  EXPECT_EQ(parse_timestamp("2024-04-05T12:34:56")->value, kSample);
  EXPECT_EQ(parse_timestamp("2024-04-05T12:34:56Z")->value, kSample);
  EXPECT_EQ(parse_timestamp("2024-04-05 12:34:56.5")->value, kSample + 500000);
  EXPECT_EQ(parse_timestamp("2024-04-05T14:34:56+02:00")->value, kSample);
  EXPECT_EQ(parse_timestamp("2024-04-05T07:04:56-0530")->value, kSample);
  EXPECT_EQ(parse_timestamp("2024-04-05T12:34:56.123456789Z")->value, kSample + 123456);
}

TEST(Timestamp, RoundTripsAcrossYears) {
  const std::int64_t samples[] = {0, kSample, 951782400 * kSecond /* 2000-02-29 */,
                                  -86400 * kSecond, 4102444799 * kSecond + 999999};
  for (std::int64_t t : samples) {
    for (auto style : {TimestampStyle::kUtcZulu, TimestampStyle::kPythonNaive}) {
      const auto parsed = parse_timestamp(format_timestamp(UnixMicros{t}, style));
      ASSERT_TRUE(parsed.has_value());
      EXPECT_EQ(parsed->value, t);
    }
  }
}

TEST(Timestamp, RejectsMalformedText) {
  for (const char* bad :
       {"", "2024-04-05", "2024-13-01T00:00:00", "2023-02-29T00:00:00", "2024-04-05T24:00:00",
        "2024-04-05T12:34:56.", "2024-04-05T12:34:56 ", "2024-04-05T12:34:56+25:00", "yesterday",
        "2024/04/05T12:34:56", "2024-04-0xT12:34:56", "+024-04-05T12:34:56", "2024-04-05T12:34::6",
        "0000-01-01T00:00:00", "2024-04-05T12:34:5"}) {
    EXPECT_FALSE(parse_timestamp(bad).has_value()) << bad;
  }
}

// The remembered minute must never change an answer: every text near a
// valid one (each byte replaced, the text cut short or lengthened), read
// right after the valid one, gives what parse_timestamp gives.
TEST(TimestampParser, AgreesWithParseTimestampAfterEveryEarlierText) {
  TimestampParser parser;
  std::size_t compared = 0;
  std::size_t valid = 0;
  for (const std::string original :
       {"2024-04-05T12:34:56", "2024-04-05T12:34:56.123456Z", "2024-02-29 23:59:59.5+05:30",
        "2024-04-05T12:34:56-0130", "1970-01-01T00:00:00"}) {
    auto compare = [&](const std::string& text) {
      ASSERT_EQ(parser.parse(original), parse_timestamp(original)) << original;
      ASSERT_EQ(parser.parse(text), parse_timestamp(text)) << text << " after " << original;
      ++compared;
      if (parse_timestamp(text)) ++valid;
    };
    for (std::size_t at = 0; at < original.size(); ++at) {
      for (const char probe : std::string_view("0159:-+TZ. x")) {
        std::string text = original;
        text[at] = probe;
        compare(text);
      }
      compare(original.substr(0, at));
      compare(original + original.substr(at));
    }
  }
  EXPECT_GT(compared, 1'000u);
  EXPECT_GT(valid, 100u);  // many of the changed texts are still times
}

// The seconds and fraction as the producers write them (":SS.ffffff", then
// nothing or "Z") are read by a shortcut. Every byte of that part changed to
// anything must give what an independent reading of the shape gives, and
// what it refuses must be refused, but for the two other spellings a single
// changed byte can make.
TEST(Timestamp, SecondsShortcutAgreesWithItsShapeByteForByte) {
  const std::string base = "2024-04-05T12:34:56.123456";
  const std::string replacements = "0123456789:.Zz+-a/ ";
  const auto reference = [](const std::string& text) -> std::optional<std::int64_t> {
    // Only "2024-04-05T12:34" followed by exactly the shape.
    const std::size_t n = text.size();
    if ((n != 26 && n != 27) || (n == 27 && text[26] != 'Z' && text[26] != 'z')) return {};
    if (text.compare(0, 16, "2024-04-05T12:34") != 0 || text[16] != ':' || text[19] != '.') {
      return {};
    }
    std::int64_t second = 0, micros = 0;
    for (const int i : {17, 18}) {
      if (text[i] < '0' || text[i] > '9') return {};
      second = second * 10 + (text[i] - '0');
    }
    for (int i = 20; i < 26; ++i) {
      if (text[i] < '0' || text[i] > '9') return {};
      micros = micros * 10 + (text[i] - '0');
    }
    if (second > 59) return {};
    return (kSample - 56 * kSecond) + second * kSecond + micros;
  };
  int shortcut_cases = 0;
  for (const std::string& start : {base, base + "Z"}) {
    for (std::size_t i = 16; i < start.size(); ++i) {
      for (const char c : replacements) {
        std::string text = start;
        text[i] = c;
        const std::optional<UnixMicros> parsed = parse_timestamp(text);
        if (const std::optional<std::int64_t> expected = reference(text)) {
          ++shortcut_cases;
          ASSERT_TRUE(parsed.has_value()) << text;
          EXPECT_EQ(parsed->value, *expected) << text;
        } else if (parsed) {
          // The two other valid spellings a changed byte makes: the last
          // fraction digit become the zone (five digits), or the zone a
          // seventh digit (truncated).
          const bool five = text.size() == 26 && (c == 'Z' || c == 'z') && i == 25;
          const bool seven = text.size() == 27 && c >= '0' && c <= '9' && i == 26;
          ASSERT_TRUE(five || seven) << text;
          EXPECT_EQ(parsed->value, kSample + (five ? 123450 : 123456)) << text;
        }
      }
    }
  }
  EXPECT_GT(shortcut_cases, 100);
  EXPECT_FALSE(parse_timestamp("2024-04-05T12:34:60.000000"));
  EXPECT_FALSE(parse_timestamp("2024-04-05T12:34:5a.000000Z"));
  EXPECT_FALSE(parse_timestamp("2024-04-05T12:34:56.00000aZ"));
  EXPECT_EQ(parse_timestamp("2024-04-05T12:34:59.999999z")->value, kSample + 3 * kSecond + 999999);
}

TEST(Timestamp, EpochMillis) {
  EXPECT_EQ(from_epoch_millis(1712320496000)->value, kSample);
  EXPECT_FALSE(from_epoch_millis(-1).has_value());
}

TEST(Timestamp, DateHourForPartitions) {
  const DateHour dh = date_hour(UnixMicros{kSample});
  EXPECT_EQ(dh, (DateHour{2024, 4, 5, 12}));
  EXPECT_EQ(date_hour(UnixMicros{-1}), (DateHour{1969, 12, 31, 23}));
}

}  // namespace
}  // namespace smartcity::events
