#include "lake/file_descriptor.h"

#include <unistd.h>

#include <cerrno>

#include "base/errors.h"

namespace smartcity::lake {

FileDescriptor::~FileDescriptor() {
  if (fd_ >= 0) ::close(fd_);
}

void FileDescriptor::close(const std::filesystem::path& path) {
  const int fd = fd_;
  fd_ = -1;
  if (fd >= 0 && ::close(fd) != 0)
    throw StorageError(errno_message("cannot close " + path.string()));
}

void write_all(const FileDescriptor& fd, std::string_view bytes,
               const std::filesystem::path& path) {
  std::size_t written = 0;
  while (written < bytes.size()) {
    const ssize_t n = ::write(fd.get(), bytes.data() + written, bytes.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw StorageError(errno_message("cannot write " + path.string()));
    }
    written += static_cast<std::size_t>(n);
  }
}

}  // namespace smartcity::lake
