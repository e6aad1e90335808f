#include "lake/s3_settings.h"

#include <gtest/gtest.h>

#include <fstream>
#include <map>

#include "base/errors.h"
#include "unit/lake/scratch_folder.h"

namespace smartcity::lake {
namespace {

using smartcity::testing::ScratchFolder;

EnvironmentLookup environment_of(std::map<std::string, std::string> variables) {
  return [variables](const std::string& name) -> std::optional<std::string> {
    const auto it = variables.find(name);
    if (it == variables.end()) return std::nullopt;
    return it->second;
  };
}

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

TEST(S3Location, SplitsBucketAndPrefix) {
  EXPECT_EQ(parse_s3_location("s3://city-lake").bucket, "city-lake");
  EXPECT_EQ(parse_s3_location("s3://city-lake").prefix, "");
  const S3Location location = parse_s3_location("s3://city-lake/raw/events/");
  EXPECT_EQ(location.bucket, "city-lake");
  EXPECT_EQ(location.prefix, "raw/events");
}

TEST(S3Location, BadBucketsAreUsageErrors) {
  EXPECT_THROW(parse_s3_location("s3://"), UsageError);
  EXPECT_THROW(parse_s3_location("s3://Upper/x"), UsageError);
  EXPECT_THROW(parse_s3_location("s3://ab"), UsageError);
  EXPECT_THROW(parse_s3_location("/local/folder"), UsageError);
}

TEST(S3Settings, EnvironmentVariablesAsTheAwsToolsReadThem) {
  const S3Settings settings = load_s3_settings(
      "s3://lake/p", environment_of({{"AWS_ACCESS_KEY_ID", "AKID"},
                                     {"AWS_SECRET_ACCESS_KEY", "SECRET"},
                                     {"AWS_SESSION_TOKEN", "TOKEN"},
                                     {"AWS_DEFAULT_REGION", "eu-west-1"},
                                     {"AWS_ENDPOINT_URL", "http://127.0.0.1:9000/"},
                                     {"HOME", "/nonexistent"}}));
  EXPECT_EQ(settings.access_key_id, "AKID");
  EXPECT_EQ(settings.secret_access_key, "SECRET");
  EXPECT_EQ(settings.session_token, "TOKEN");
  EXPECT_EQ(settings.region, "eu-west-1");
  EXPECT_EQ(settings.endpoint_url, "http://127.0.0.1:9000");
}

TEST(S3Settings, AwsRegionWinsOverAwsDefaultRegion) {
  const S3Settings settings =
      load_s3_settings("s3://lake", environment_of({{"AWS_ACCESS_KEY_ID", "A"},
                                                    {"AWS_SECRET_ACCESS_KEY", "S"},
                                                    {"AWS_REGION", "ap-south-1"},
                                                    {"AWS_DEFAULT_REGION", "eu-west-1"},
                                                    {"HOME", "/nonexistent"}}));
  EXPECT_EQ(settings.region, "ap-south-1");
}

TEST(S3Settings, ProfileFromCredentialsAndConfigFiles) {
  ScratchFolder home;
  write_file(home.path() / ".aws" / "credentials",
             "[default]\naws_access_key_id = DEFAULTKEY\naws_secret_access_key = DEFAULTSECRET\n"
             "\n[ci]\naws_access_key_id = CIKEY\naws_secret_access_key = CISECRET\n");
  write_file(home.path() / ".aws" / "config",
             "[default]\nregion = us-west-2\n\n[profile ci]\nregion = eu-north-1\n"
             "endpoint_url = http://127.0.0.1:9999\n");
  const S3Settings ci = load_s3_settings(
      "s3://lake", environment_of({{"HOME", home.path().string()}, {"AWS_PROFILE", "ci"}}));
  EXPECT_EQ(ci.access_key_id, "CIKEY");
  EXPECT_EQ(ci.secret_access_key, "CISECRET");
  EXPECT_EQ(ci.region, "eu-north-1");
  EXPECT_EQ(ci.endpoint_url, "http://127.0.0.1:9999");

  const S3Settings fallback =
      load_s3_settings("s3://lake", environment_of({{"HOME", home.path().string()}}));
  EXPECT_EQ(fallback.access_key_id, "DEFAULTKEY");
  EXPECT_EQ(fallback.region, "us-west-2");
  EXPECT_EQ(fallback.endpoint_url, "");

  // The environment wins over the files.
  const S3Settings mixed =
      load_s3_settings("s3://lake", environment_of({{"HOME", home.path().string()},
                                                    {"AWS_ACCESS_KEY_ID", "ENVKEY"},
                                                    {"AWS_SECRET_ACCESS_KEY", "ENVSECRET"}}));
  EXPECT_EQ(mixed.access_key_id, "ENVKEY");
  EXPECT_EQ(mixed.region, "us-west-2");
}

TEST(S3Settings, NoCredentialsIsAUsageErrorNamingWhereToPutThem) {
  try {
    load_s3_settings("s3://lake", environment_of({{"HOME", "/nonexistent"}}));
    FAIL() << "expected UsageError";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("AWS_ACCESS_KEY_ID"), std::string::npos) << e.what();
  }
}

TEST(S3Settings, DescribeNeverShowsSecrets) {
  const S3Settings settings =
      load_s3_settings("s3://lake/p", environment_of({{"AWS_ACCESS_KEY_ID", "AKIDVISIBLE"},
                                                      {"AWS_SECRET_ACCESS_KEY", "TOPSECRET"},
                                                      {"AWS_SESSION_TOKEN", "TOKENSECRET"},
                                                      {"AWS_ENDPOINT_URL", "http://127.0.0.1:9000"},
                                                      {"HOME", "/nonexistent"}}));
  const std::string text = settings.describe();
  EXPECT_EQ(text, "s3://lake/p at http://127.0.0.1:9000");
  EXPECT_EQ(text.find("SECRET"), std::string::npos);
}

}  // namespace
}  // namespace smartcity::lake
