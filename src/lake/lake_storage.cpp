#include "lake/lake_storage.h"

#include "base/errors.h"
#include "lake/local_lake_storage.h"
#include "lake/s3_lake_storage.h"

namespace smartcity::lake {

bool is_remote_lake(const std::string& location) {
  if (location.starts_with("s3://")) return true;
  if (location.find("://") != std::string::npos) {
    throw UsageError("--lake " + location + ": only local folders and s3:// URLs are supported");
  }
  return false;
}

std::unique_ptr<LakeStorage> open_lake_storage(const std::string& location,
                                               const LakeStorageOptions& options) {
  if (location.empty()) throw UsageError("--lake: a lake folder or s3:// URL is required");
  if (is_remote_lake(location)) {
    S3RetryPolicy retry;
    retry.give_up_after = options.retry_for;
    return std::make_unique<S3LakeStorage>(load_s3_settings(location, process_environment()),
                                           retry);
  }
  return std::make_unique<LocalLakeStorage>(std::filesystem::path(location));
}

}  // namespace smartcity::lake
