#include "stream/flat_json_scanner.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace smartcity::stream {
namespace {

using Kind = FlatJsonScanner::ValueKind;
using Step = FlatJsonScanner::Step;

// Every member of `json` (views into it), or `declined`.
struct Scan {
  std::vector<FlatJsonScanner::Member> members;
  bool declined = false;
};

Scan scan(std::string_view json) {
  Scan result;
  FlatJsonScanner scanner(json);
  FlatJsonScanner::Member member;
  for (;;) {
    const Step step = scanner.next(member);
    if (step == Step::kEnd) return result;
    if (step == Step::kDecline) {
      result.declined = true;
      // It keeps its answer.
      EXPECT_EQ(scanner.next(member), Step::kDecline);
      return result;
    }
    result.members.push_back(member);
  }
}

TEST(FlatJsonScanner, ReadsStringsNumbersNullsAndPairsInPlace) {
  const std::string json =
      R"( { "id" : "a-1", "n":-12.50,"z":0, "none": null, "location": [ 51.5 , -0.1 ],)"
      R"("long":"0123456789abcdefghij\u00e9"} )";
  // \u00e9 above is an escape: declined. Without it, the same text reads.
  EXPECT_TRUE(scan(json).declined);
  std::string plain = json;
  plain.replace(plain.find("\\u00e9"), 6, "\xc3\xa9");
  const Scan result = scan(plain);
  ASSERT_FALSE(result.declined);
  ASSERT_EQ(result.members.size(), 6u);
  EXPECT_EQ(result.members[0].key, "id");
  EXPECT_EQ(result.members[0].kind, Kind::kString);
  EXPECT_EQ(result.members[0].text, "a-1");
  EXPECT_EQ(result.members[1].kind, Kind::kNumber);
  EXPECT_EQ(result.members[1].text, "-12.50");
  EXPECT_EQ(result.members[2].text, "0");
  EXPECT_EQ(result.members[3].kind, Kind::kNull);
  EXPECT_EQ(result.members[4].kind, Kind::kNumberPair);
  EXPECT_EQ(result.members[4].text, "51.5");
  EXPECT_EQ(result.members[4].second, "-0.1");
  EXPECT_EQ(result.members[5].text, "0123456789abcdefghij\xc3\xa9");
  // The views point into the text scanned, not into a copy.
  EXPECT_GE(result.members[0].text.data(), plain.data());
  EXPECT_LT(result.members[0].text.data(), plain.data() + plain.size());
}

TEST(FlatJsonScanner, AnEmptyObjectHasNoMembers) {
  const Scan result = scan(" {} ");
  EXPECT_FALSE(result.declined);
  EXPECT_TRUE(result.members.empty());
}

TEST(FlatJsonScanner, DeclinesWhatOnlyTheFullParserMayJudge) {
  for (std::string_view json : {
           R"({"a":"x\"y"})",                     // escape in a string
           R"({"a\n":1})",                        // escape in a key
           "{\"a\":\"x\ty\"}",                    // raw control character
           R"({"a":true})",                       // literals other than null
           R"({"a":{"b":1}})",                    // nesting
           R"({"a":[1,2,3]})",                    // not a pair
           R"({"a":["1",2]})",                    // a pair of non-numbers
           R"({"a":1e5})",                        // exponent
           R"({"a":01})",                         // leading zero
           R"({"a":-})",                          // sign alone
           R"({"a":+1})",                         // plus sign
           R"({"a":1.})",                         // fraction without digits
           R"({"a":.5})",                         // fraction without integer part
           R"({"a":1234567890123456789012345})",  // over kMaxNumberBytes
           R"({"a":nul})",                        // short literal
           R"({"a":nullx})",                      // literal run on
           R"({"a":1,})",                         // trailing comma
           R"({"a" 1})",                          // missing colon
           R"({"a":1 "b":2})",                    // missing comma
           R"({"a":1}x)",                         // content after the object
           R"({"a":1}{})",                        // a second object
           R"([1,2])",                            // not an object
           R"({"a":"unterminated)",               // cut off
           R"({"a":1)",                           // cut off
           "",                                    // nothing
       }) {
    EXPECT_TRUE(scan(json).declined) << json;
  }
}

TEST(FlatJsonScanner, FindsTheClosingQuoteAtEveryPositionOfAWord) {
  // The search goes 32, 16 and 8 bytes a step, then one; put the quote, a
  // backslash and a control character at every offset around those steps.
  for (std::size_t length = 0; length < 100; ++length) {
    const std::string text(length, 'x');
    const std::string json = "{\"k\":\"" + text + "\"}";  // the members point into it
    const Scan good = scan(json);
    ASSERT_FALSE(good.declined) << length;
    ASSERT_EQ(good.members.size(), 1u);
    EXPECT_EQ(good.members[0].text, text);
    for (char bad : {'\\', '\x1f', '\0'}) {
      std::string with_bad = text;
      with_bad.push_back(bad);
      with_bad += "yy";
      EXPECT_TRUE(scan("{\"k\":\"" + with_bad + "\"}").declined) << length << " " << int(bad);
    }
  }
  // Bytes at and above 0x80 and 0x20 itself are ordinary string bytes.
  const std::string high_json = "{\"k\":\"\xe2\x82\xac \x7f\xff\"}";
  const Scan high = scan(high_json);
  ASSERT_FALSE(high.declined);
  EXPECT_EQ(high.members[0].text, "\xe2\x82\xac \x7f\xff");
}

}  // namespace
}  // namespace smartcity::stream
