// One stream writer per lake, until the scale-out work replaces this with
// per-partition fencing. The lock is an flock() on _smartcity/writer.lock: the
// kernel drops it when the process dies, however it dies, so a restart right
// after kill -9 never waits for a stale lock.
#pragma once

#include <filesystem>

namespace smartcity::lake {

class WriterLock {
 public:
  // Takes the lock for the local lake folder `root`. Throws StorageError
  // naming the holder's pid if another process holds it.
  explicit WriterLock(const std::filesystem::path& root);
  WriterLock(const WriterLock&) = delete;
  WriterLock& operator=(const WriterLock&) = delete;
  ~WriterLock();

 private:
  int fd_ = -1;
};

}  // namespace smartcity::lake
