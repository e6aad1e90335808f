#include "lake/staging_folder.h"

#include <stdlib.h>

#include <chrono>
#include <string>

#include <spdlog/spdlog.h>

#include "base/errors.h"
#include "lake/process_lock.h"

namespace smartcity::lake {
namespace fs = std::filesystem;
namespace {

constexpr const char* kLockName = ".owner.lock";
constexpr std::chrono::minutes kSettingUp{1};
constexpr std::chrono::hours kUnlockedKept{24};

bool older_than(const fs::path& path, fs::file_time_type::duration age) {
  std::error_code ec;
  const fs::file_time_type modified = fs::last_write_time(path, ec);
  return !ec && fs::file_time_type::clock::now() - modified > age;
}

void remove_abandoned(const fs::path& parent, const std::string& prefix) {
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(parent, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(prefix) || !entry.is_directory(ec)) continue;
    const fs::path lock = entry.path() / kLockName;
    if (process_lock_is_held(lock)) continue;
    const bool has_lock = fs::exists(lock, ec);
    if (!older_than(entry.path(), has_lock ? fs::file_time_type::duration(kSettingUp)
                                           : fs::file_time_type::duration(kUnlockedKept))) {
      continue;
    }
    std::error_code removed;
    fs::remove_all(entry.path(), removed);
    if (removed) {
      spdlog::warn("could not remove the abandoned staging folder {}: {}", entry.path().string(),
                   removed.message());
    } else {
      spdlog::info("removed the staging folder of a process that is gone: {}",
                   entry.path().string());
    }
  }
}

}  // namespace

StagingFolder::StagingFolder(const fs::path& parent, const std::string& prefix) {
  remove_abandoned(parent, prefix);
  std::string pattern = (parent / (prefix + "XXXXXX")).string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    throw StorageError(errno_message("cannot create a staging folder " + pattern));
  }
  path_ = pattern;
  try {
    lock_ = std::make_unique<ProcessLock>(path_ / kLockName);
  } catch (const StorageError&) {
    std::error_code ec;
    fs::remove_all(path_, ec);
    throw;
  }
}

StagingFolder::~StagingFolder() {
  // Removed while still locked, so no other process takes it for abandoned.
  std::error_code ec;
  fs::remove_all(path_, ec);
}

}  // namespace smartcity::lake
