#include "lake/writer_presence.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <random>

#include "base/errors.h"

namespace smartcity::lake {
namespace {

std::filesystem::path presence_path(const std::filesystem::path& root,
                                    const std::string& writer_id) {
  return root / "_smartcity" / "writers" / (writer_id + ".lock");
}

}  // namespace

std::string new_writer_id() {
  std::random_device entropy;
  char id[33];
  std::snprintf(id, sizeof id, "%08x%08x%08x%08x", entropy(), entropy(), entropy(), entropy());
  return id;
}

WriterPresence::WriterPresence(const std::filesystem::path& root, std::string writer_id)
    : path_(presence_path(root, writer_id)), writer_id_(std::move(writer_id)) {
  std::error_code ec;
  std::filesystem::create_directories(path_.parent_path(), ec);
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd_ < 0) throw StorageError(errno_message("cannot create " + path_.string()));
  if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
    const int lock_errno = errno;
    ::close(fd_);
    fd_ = -1;
    errno = lock_errno;
    throw StorageError(errno_message("cannot lock " + path_.string()));
  }
  // The pid is for people looking at the folder; the lock is what counts.
  const std::string pid = std::to_string(::getpid()) + "\n";
  [[maybe_unused]] const ssize_t written = ::pwrite(fd_, pid.data(), pid.size(), 0);
}

WriterPresence::~WriterPresence() {
  if (fd_ < 0) return;
  ::unlink(path_.c_str());
  ::close(fd_);  // releases the flock
}

bool writer_is_alive(const std::filesystem::path& root, const std::string& writer_id) {
  if (writer_id.empty()) return false;
  const std::filesystem::path path = presence_path(root, writer_id);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;  // never registered here, or gone with a clean exit
  const bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);
  if (!held) {
    // Dead: its lock file is only litter now.
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
  return held;
}

}  // namespace smartcity::lake
