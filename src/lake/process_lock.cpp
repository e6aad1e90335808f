#include "lake/process_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>

#include "base/errors.h"

namespace smartcity::lake {

ProcessLock::ProcessLock(const std::filesystem::path& path) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw StorageError(errno_message("cannot create " + path.string()));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int lock_errno = errno;
    ::close(fd_);
    fd_ = -1;
    errno = lock_errno;
    throw StorageError(errno_message("cannot lock " + path.string()));
  }
}

ProcessLock::~ProcessLock() {
  if (fd_ >= 0) ::close(fd_);
}

bool process_lock_is_held(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);  // drops the shared lock if it took one
  return held;
}

}  // namespace smartcity::lake
