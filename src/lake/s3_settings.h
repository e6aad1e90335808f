// Where an S3 lake lives and how to sign requests to it: the bucket and prefix
// of an `s3://bucket/prefix` URL, plus credentials, region and endpoint read
// the way the AWS command-line tools read them, so a user's existing set-up
// works unchanged:
//
//   AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
//   AWS_REGION, then AWS_DEFAULT_REGION
//   AWS_PROFILE (default "default") selecting a section of
//     AWS_SHARED_CREDENTIALS_FILE (default ~/.aws/credentials) and
//     AWS_CONFIG_FILE (default ~/.aws/config, sections "[profile NAME]")
//   AWS_ENDPOINT_URL (or the profile's endpoint_url) for S3-compatible stores,
//     which are addressed path-style (http://host:port/bucket/key).
//
// Environment variables win over the files, as they do for the AWS CLI.
// Secrets are kept here only to sign requests: describe() never shows them.
#pragma once

#include <functional>
#include <optional>
#include <string>

namespace smartcity::lake {

struct S3Location {
  std::string bucket;
  std::string prefix;  // "" or "a/b" (no leading or trailing '/')
};

// Parses "s3://bucket" or "s3://bucket/prefix/". Throws UsageError for a URL
// without a bucket or with characters S3 does not allow in bucket names.
S3Location parse_s3_location(const std::string& url);

struct S3Settings {
  S3Location location;
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty unless temporary credentials are used
  std::string region = "us-east-1";
  // "https://s3.<region>.amazonaws.com" style virtual hosts when empty;
  // otherwise an S3-compatible endpoint ("http://127.0.0.1:9000"), path-style.
  std::string endpoint_url;

  // "s3://bucket/prefix at ENDPOINT", without any secret.
  std::string describe() const;
};

// Reads one environment variable; nullopt when unset. A seam so tests can
// hand in an environment without touching the process's own.
using EnvironmentLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvironmentLookup process_environment();

// Settings for the lake at `url` (an s3:// URL). Throws UsageError when no
// credentials are found anywhere, naming the places looked at, and IoError
// when a credentials file exists but cannot be read.
S3Settings load_s3_settings(const std::string& url, const EnvironmentLookup& environment);

}  // namespace smartcity::lake
