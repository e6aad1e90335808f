#include "lake/staging_folder.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <string>

#include <spdlog/spdlog.h>

#include "base/errors.h"

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

// Whether the owner of `folder` is gone: its lock file can be locked (and
// is unlocked again at once), or there is none.
bool owner_is_gone(const fs::path& folder, bool& has_lock) {
  const int fd = ::open((folder / kLockName).c_str(), O_RDWR | O_CLOEXEC);
  has_lock = fd >= 0;
  if (fd < 0) return true;
  const bool free = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
  ::close(fd);  // drops the lock if we took it
  return free;
}

void remove_abandoned(const fs::path& parent, const std::string& prefix) {
  std::error_code ec;
  for (const fs::directory_entry& entry : fs::directory_iterator(parent, ec)) {
    const std::string name = entry.path().filename().string();
    if (!name.starts_with(prefix) || !entry.is_directory(ec)) continue;
    bool has_lock = false;
    if (!owner_is_gone(entry.path(), has_lock)) continue;
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
  lock_fd_ = ::open((path_ / kLockName).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (lock_fd_ < 0 || ::flock(lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    const std::string reason = errno_message("cannot lock the staging folder " + path_.string());
    if (lock_fd_ >= 0) ::close(lock_fd_);
    std::error_code ec;
    fs::remove_all(path_, ec);
    throw StorageError(reason);
  }
}

StagingFolder::~StagingFolder() {
  std::error_code ec;
  fs::remove_all(path_, ec);
  ::close(lock_fd_);
}

}  // namespace smartcity::lake
