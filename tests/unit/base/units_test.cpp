#include "base/units.h"

#include <gtest/gtest.h>

#include "base/errors.h"

namespace smartcity {
namespace {

TEST(ParseByteSize, AcceptsPlainBytesAndBinaryUnits) {
  EXPECT_EQ(parse_byte_size("1048576", "--roll-bytes"), 1048576u);
  EXPECT_EQ(parse_byte_size("512KiB", "--roll-bytes"), 512u * 1024);
  EXPECT_EQ(parse_byte_size("128MiB", "--roll-bytes"), 128u * 1024 * 1024);
  EXPECT_EQ(parse_byte_size("1GiB", "--roll-bytes"), 1024ull * 1024 * 1024);
  EXPECT_EQ(parse_byte_size("1.5MiB", "--roll-bytes"), 1572864u);
}

TEST(ParseByteSize, RejectsNonsenseNamingTheFlag) {
  for (const char* bad : {"", "abc", "12XB", "-5MiB", "0", "MiB"}) {
    try {
      parse_byte_size(bad, "--roll-bytes");
      ADD_FAILURE() << "accepted '" << bad << "'";
    } catch (const UsageError& e) {
      EXPECT_NE(std::string(e.what()).find("--roll-bytes"), std::string::npos) << e.what();
    }
  }
}

TEST(ParseDuration, AcceptsCommonSpellings) {
  using std::chrono::milliseconds;
  EXPECT_EQ(parse_duration("500ms", "--roll-interval"), milliseconds(500));
  EXPECT_EQ(parse_duration("5s", "--roll-interval"), milliseconds(5000));
  EXPECT_EQ(parse_duration("2m", "--roll-interval"), milliseconds(120000));
  EXPECT_EQ(parse_duration("1h", "--roll-interval"), milliseconds(3600000));
  EXPECT_EQ(parse_duration("7", "--roll-interval"), milliseconds(7000));
  EXPECT_EQ(parse_duration("0.25s", "--roll-interval"), milliseconds(250));
}

TEST(ParseDuration, RejectsUnknownUnits) {
  EXPECT_THROW(parse_duration("5 parsecs", "--duration"), UsageError);
  EXPECT_THROW(parse_duration("-1s", "--duration"), UsageError);
  EXPECT_THROW(parse_duration("", "--duration"), UsageError);
}

TEST(FormatByteSize, UsesBinaryUnits) {
  EXPECT_EQ(format_byte_size(512), "512 B");
  EXPECT_EQ(format_byte_size(128u * 1024 * 1024), "128.0 MiB");
}

}  // namespace
}  // namespace smartcity
