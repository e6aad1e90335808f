#include "lake/writer_presence.h"

#include <unistd.h>

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
  lock_ = std::make_unique<ProcessLock>(path_);
  // The pid is for people looking at the folder; the lock is what counts.
  const std::string pid = std::to_string(::getpid()) + "\n";
  [[maybe_unused]] const ssize_t written = ::pwrite(lock_->fd(), pid.data(), pid.size(), 0);
}

WriterPresence::~WriterPresence() {
  ::unlink(path_.c_str());
  // lock_ goes next, releasing the flock.
}

bool writer_is_alive(const std::filesystem::path& root, const std::string& writer_id) {
  if (writer_id.empty()) return false;
  const std::filesystem::path path = presence_path(root, writer_id);
  const bool held = process_lock_is_held(path);
  if (!held) {
    // Dead, or never registered here: a lock file left is only litter now.
    std::error_code ec;
    std::filesystem::remove(path, ec);
  }
  return held;
}

}  // namespace smartcity::lake
