// A POSIX file descriptor closed on scope exit, and writing a whole buffer to
// one: what the local lake and the Parquet writer both write files with.
#pragma once

#include <filesystem>
#include <string_view>

namespace smartcity::lake {

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  ~FileDescriptor();

  int get() const { return fd_; }
  // Closes now; throws StorageError naming `path` if close reports an error
  // (a write the kernel could not finish).
  void close(const std::filesystem::path& path);

 private:
  int fd_;
};

// Writes all of `bytes` to `fd` (retrying short and interrupted writes);
// throws StorageError naming `path`.
void write_all(const FileDescriptor& fd, std::string_view bytes, const std::filesystem::path& path);

}  // namespace smartcity::lake
