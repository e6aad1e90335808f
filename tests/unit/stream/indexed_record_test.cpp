#include "stream/indexed_record.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace smartcity::stream {
namespace {

using Cursor = FlatJsonScanner::Cursor;

// The bytes that matter to strings and numbers, and some that do not.
constexpr char kAlphabet[] = {'"', '\\', '\n', '\t', 0x01, 0x1f, ' ',    'a',    'Z',    '0',   '9',
                              '.', '-',  'e',  ',',  ']',  '}',  '\x7f', '\x80', '\xc3', '\xff'};

TEST(IndexedRecord, StringStopsAreFindJsonStringStopsAtEveryPositionAndLength) {
  std::mt19937 random(7);
  std::uniform_int_distribution<std::size_t> pick(0, sizeof kAlphabet - 1);
  std::uniform_int_distribution<int> stop_rate(0, 40);
  IndexedRecord record;
  // Every length around the 64-byte blocks, and stops from dense to none.
  for (std::size_t size = 0; size <= 200; ++size) {
    for (int trial = 0; trial < 4; ++trial) {
      const int rate = stop_rate(random);
      std::string text;
      for (std::size_t i = 0; i < size; ++i) {
        const char c = kAlphabet[pick(random)];
        const bool stop = c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20;
        text.push_back(stop && static_cast<int>(random() % 41) > rate ? 'x' : c);
      }
      // A copy on the heap of exactly its size, so that ASan sees any read
      // past its end.
      const std::vector<char> exact(text.begin(), text.end());
      const std::string_view view(exact.data(), exact.size());
      record.assign(view);
      bool ascii = true;
      for (const char c : text)
        ascii &= static_cast<unsigned char>(c) < 0x80;
      ASSERT_EQ(record.ascii(), ascii) << "size " << size;
      const char* end = view.data() + view.size();
      for (const char* at = view.data(); at <= end; ++at) {
        ASSERT_EQ(record.string_stop(at), find_json_string_stop(at, end))
            << "size " << size << ", position " << (at - view.data());
      }
    }
  }
}

// What Cursor::read_number and IndexedRecord::read_number make of `token`
// followed by `after`, with `before` in front (the record's start).
void expect_same_number(const std::string& before, const std::string& token,
                        const std::string& after, IndexedRecord& record) {
  const std::string text = before + token + after;
  const std::vector<char> exact(text.begin(), text.end());
  const std::string_view view(exact.data(), exact.size());
  record.assign(view);
  Cursor plain{view.data() + before.size(), view.data() + view.size()};
  Cursor indexed = plain;
  std::string_view plain_out, indexed_out;
  FlatJsonScanner::Digits plain_digits, indexed_digits;
  const bool plain_ok = plain.read_number(plain_out, plain_digits);
  const bool indexed_ok = record.read_number(indexed, indexed_out, indexed_digits);
  const std::string context = "'" + token + "' then '" + after + "'";
  ASSERT_EQ(indexed_ok, plain_ok) << context;
  if (!plain_ok) return;
  EXPECT_EQ(indexed_out.data(), plain_out.data()) << context;
  EXPECT_EQ(indexed_out.size(), plain_out.size()) << context;
  EXPECT_EQ(indexed.at, plain.at) << context;
  EXPECT_EQ(indexed_digits.negative, plain_digits.negative) << context;
  EXPECT_EQ(indexed_digits.count, plain_digits.count) << context;
  EXPECT_EQ(indexed_digits.fraction, plain_digits.fraction) << context;
  // Past 19 digits the value has wrapped and no reader uses it.
  if (plain_digits.count <= 19) {
    EXPECT_EQ(indexed_digits.value, plain_digits.value) << context;
  }
}

TEST(IndexedRecord, NumbersReadAsCursorReadsThemWhateverFollows) {
  std::vector<std::string> tokens = {"0",
                                     "-0",
                                     "7",
                                     "-7",
                                     "0.5",
                                     "-0.25",
                                     "52.489723203060834",
                                     "-1.8946070605189678",
                                     "49.64057098714845",
                                     "1764000000000",
                                     "01",
                                     "-01",
                                     "00",
                                     "1.",
                                     "-",
                                     ".5",
                                     "+1",
                                     "1.2.3",
                                     "1e5",
                                     "1E5",
                                     "2.5e-3",
                                     "-.5",
                                     "123456789012345678",
                                     "1234567890123456789",
                                     "12345678901234567890",
                                     "9.999999999999999999",
                                     "0.0000000000000000001",
                                     "123456789012345678901234",
                                     "1234567890123456789012345",
                                     "-12345678901234567890123",
                                     "x",
                                     "",
                                     "-x",
                                     "0x10"};
  // Runs as long as the 32 bytes classified at once, and longer, ending the
  // record (its last byte is the end of a heap block, for ASan).
  for (std::size_t digits = 20; digits <= 40; ++digits) {
    tokens.push_back(std::string(digits, '7'));
    tokens.push_back("-" + std::string(digits, '7'));
    tokens.push_back("1." + std::string(digits, '7'));
  }
  // Random tokens: signs, 1-26 digits, points anywhere, so every split of the
  // 19 digits a sum can hold, and the 24-byte limit, is met.
  std::mt19937 random(11);
  for (int i = 0; i < 3000; ++i) {
    std::string token = random() % 3 == 0 ? "-" : "";
    const auto digits = 1 + random() % 26;
    const auto point = random() % (digits + 2);
    for (std::size_t d = 0; d < digits; ++d) {
      if (d == point && d != 0) token.push_back('.');
      token.push_back(static_cast<char>('0' + random() % 10));
    }
    tokens.push_back(token);
  }
  const std::vector<std::string> followers = {
      "", ",", "]", "}", " ", ".", "e", "E", "5", "x", ", \"k\": 1}", std::string(40, ' ') + "}"};
  IndexedRecord record;
  for (const std::string& token : tokens) {
    for (const std::string& after : followers) {
      // Far from the end (the 32-byte window) and close to it (the fallback).
      expect_same_number("{\"n\": ", token, after, record);
      expect_same_number("", token, after + std::string(40, ' '), record);
    }
  }
}

}  // namespace
}  // namespace smartcity::stream
