// A lock file that says "this process is alive": held with flock() for the
// life of a ProcessLock, and dropped by the kernel when the process dies,
// however it dies. Writer presence and the S3 staging folders both rest on it.
#pragma once

#include <filesystem>

namespace smartcity::lake {

class ProcessLock {
 public:
  // Creates `path` if needed (its folder must exist) and locks it. Throws
  // StorageError if it cannot, also when another process holds it.
  explicit ProcessLock(const std::filesystem::path& path);
  ProcessLock(const ProcessLock&) = delete;
  ProcessLock& operator=(const ProcessLock&) = delete;
  ~ProcessLock();  // releases the lock; the file stays

  int fd() const { return fd_; }

 private:
  int fd_ = -1;
};

// True while some process (this one included) holds a ProcessLock on `path`;
// false if it is not held or does not exist.
bool process_lock_is_held(const std::filesystem::path& path);

}  // namespace smartcity::lake
