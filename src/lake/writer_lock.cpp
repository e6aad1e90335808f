#include "lake/writer_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "base/errors.h"

namespace smartcity::lake {

WriterLock::WriterLock(const std::filesystem::path& root) {
  const std::filesystem::path folder = root / "_smartcity";
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  const std::filesystem::path path = folder / "writer.lock";
  fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw StorageError(errno_message("cannot open " + path.string()));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int lock_errno = errno;
    char holder[32] = {};
    [[maybe_unused]] ssize_t n = ::pread(fd_, holder, sizeof holder - 1, 0);
    ::close(fd_);
    fd_ = -1;
    if (lock_errno == EWOULDBLOCK) {
      throw StorageError("another smartcity stream (pid " + std::string(holder) +
                         ") is writing to the lake " + root.string() +
                         "; stop it first, or give this one a different --lake");
    }
    errno = lock_errno;
    throw StorageError(errno_message("cannot lock " + path.string()));
  }
  const std::string pid = std::to_string(::getpid());
  if (::ftruncate(fd_, 0) != 0 || ::pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
    // The pid is only for the message above; the lock itself holds.
  }
}

WriterLock::~WriterLock() {
  if (fd_ >= 0) ::close(fd_);  // releases the flock
}

}  // namespace smartcity::lake
