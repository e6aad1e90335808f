#include "lake/s3_settings.h"

#include <cstdlib>
#include <fstream>
#include <map>

#include "base/errors.h"

namespace smartcity::lake {
namespace {

std::string trim(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return "";
  const auto last = text.find_last_not_of(" \t\r");
  return std::string(text.substr(first, last - first + 1));
}

// The key = value pairs of section `section` of an INI file as the AWS tools
// write them; empty when the file or the section is missing.
std::map<std::string, std::string> read_ini_section(const std::string& path,
                                                    const std::string& section) {
  std::map<std::string, std::string> values;
  std::ifstream in(path);
  if (!in) return values;
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    const std::string text = trim(line);
    if (text.empty() || text[0] == '#' || text[0] == ';') continue;
    if (text.front() == '[' && text.back() == ']') {
      inside = trim(std::string_view(text).substr(1, text.size() - 2)) == section;
      continue;
    }
    if (!inside) continue;
    const auto equals = text.find('=');
    if (equals == std::string::npos) continue;
    values[trim(std::string_view(text).substr(0, equals))] =
        trim(std::string_view(text).substr(equals + 1));
  }
  if (in.bad()) throw IoError("cannot read " + path);
  return values;
}

bool valid_bucket_name(const std::string& bucket) {
  if (bucket.size() < 3 || bucket.size() > 63) return false;
  for (char c : bucket) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
  }
  return true;
}

}  // namespace

S3Location parse_s3_location(const std::string& url) {
  constexpr std::string_view kScheme = "s3://";
  if (!url.starts_with(kScheme)) throw UsageError(url + " is not an s3:// URL");
  const std::string rest = url.substr(kScheme.size());
  const auto slash = rest.find('/');
  S3Location location;
  location.bucket = rest.substr(0, slash);
  if (!valid_bucket_name(location.bucket)) {
    throw UsageError("--lake " + url +
                     ": expected s3://BUCKET/PREFIX with a bucket name of 3-63 lower-case "
                     "letters, digits, '-' or '.'");
  }
  if (slash != std::string::npos) {
    std::string prefix = rest.substr(slash + 1);
    while (!prefix.empty() && prefix.back() == '/')
      prefix.pop_back();
    location.prefix = prefix;
  }
  return location;
}

std::string S3Settings::describe() const {
  std::string text = "s3://" + location.bucket;
  if (!location.prefix.empty()) text += "/" + location.prefix;
  if (!endpoint_url.empty()) text += " at " + endpoint_url;
  return text;
}

EnvironmentLookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (value == nullptr || *value == '\0') return std::nullopt;
    return std::string(value);
  };
}

S3Settings load_s3_settings(const std::string& url, const EnvironmentLookup& environment) {
  S3Settings settings;
  settings.location = parse_s3_location(url);

  const std::string home = environment("HOME").value_or("");
  const std::string profile = environment("AWS_PROFILE").value_or("default");
  const std::string credentials_file =
      environment("AWS_SHARED_CREDENTIALS_FILE").value_or(home + "/.aws/credentials");
  const std::string config_file = environment("AWS_CONFIG_FILE").value_or(home + "/.aws/config");
  const auto credentials = read_ini_section(credentials_file, profile);
  const auto config =
      read_ini_section(config_file, profile == "default" ? "default" : "profile " + profile);
  auto from_files = [&](const std::string& key) -> std::optional<std::string> {
    if (auto it = credentials.find(key); it != credentials.end()) return it->second;
    if (auto it = config.find(key); it != config.end()) return it->second;
    return std::nullopt;
  };
  auto setting = [&](const std::string& variable, const std::string& key) {
    if (auto value = environment(variable)) return *value;
    return from_files(key).value_or("");
  };

  settings.access_key_id = setting("AWS_ACCESS_KEY_ID", "aws_access_key_id");
  settings.secret_access_key = setting("AWS_SECRET_ACCESS_KEY", "aws_secret_access_key");
  settings.session_token = setting("AWS_SESSION_TOKEN", "aws_session_token");
  if (auto region = environment("AWS_REGION")) {
    settings.region = *region;
  } else if (auto default_region = environment("AWS_DEFAULT_REGION")) {
    settings.region = *default_region;
  } else if (auto file_region = from_files("region")) {
    settings.region = *file_region;
  }
  settings.endpoint_url = setting("AWS_ENDPOINT_URL", "endpoint_url");
  while (!settings.endpoint_url.empty() && settings.endpoint_url.back() == '/')
    settings.endpoint_url.pop_back();

  if (settings.access_key_id.empty() || settings.secret_access_key.empty()) {
    throw UsageError("no AWS credentials for " + url +
                     ": set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE with " +
                     credentials_file);
  }
  return settings;
}

}  // namespace smartcity::lake
