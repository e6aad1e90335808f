#include "lake/local_lake_storage.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>

#include "base/check.h"
#include "base/errors.h"
#include "lake/file_descriptor.h"
#include "lake/writer_presence.h"

namespace smartcity::lake {
namespace fs = std::filesystem;
namespace {

constexpr std::string_view kStagedSuffix = ".tmp";
// Between the final name and the writer id in a staged name; final names
// (table files) never contain it.
constexpr char kWriterSeparator = '~';

void fsync_path(const fs::path& path, bool directory) {
  FileDescriptor fd(
      ::open(path.c_str(), (directory ? O_RDONLY | O_DIRECTORY : O_RDONLY) | O_CLOEXEC));
  if (fd.get() < 0) throw StorageError(errno_message("cannot open " + path.string() + " to sync"));
  if (::fsync(fd.get()) != 0) throw StorageError(errno_message("cannot sync " + path.string()));
}

void create_parent(const fs::path& path) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec) {
    throw StorageError("cannot create folder " + path.parent_path().string() + ": " + ec.message());
  }
}

// Writes `contents` to a new file at `path` and fsyncs it.
void write_durably(const fs::path& path, const std::string& contents) {
  create_parent(path);
  FileDescriptor fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (fd.get() < 0) throw StorageError(errno_message("cannot create " + path.string()));
  write_all(fd, contents, path);
  if (::fsync(fd.get()) != 0) throw StorageError(errno_message("cannot sync " + path.string()));
}

// A name for a private temporary next to `path`, unique within this process.
fs::path private_temporary(const fs::path& path) {
  static std::atomic<std::uint64_t> counter{0};
  return path.parent_path() / ("." + path.filename().string() + "." + std::to_string(::getpid()) +
                               "-" + std::to_string(counter.fetch_add(1)) + ".tmp");
}

}  // namespace

std::string staged_name(const std::string& final_name, const std::string& writer_id) {
  SMARTCITY_CHECK(writer_id.find(kWriterSeparator) == std::string::npos,
                  "a writer id must not contain the staged-name separator");
  return "." + final_name + kWriterSeparator + writer_id + std::string(kStagedSuffix);
}

bool is_staged_name(const std::string& name) {
  return name.size() > 1 + kStagedSuffix.size() && name.front() == '.' &&
         name.ends_with(kStagedSuffix);
}

LocalLakeStorage::LocalLakeStorage(fs::path root) : root_(std::move(root)) {
  std::error_code ec;
  fs::create_directories(root_, ec);
  if (ec || !fs::is_directory(root_)) {
    throw StorageError("cannot use " + root_.string() +
                       " as a lake folder: " + (ec ? ec.message() : "not a folder"));
  }
}

fs::path LocalLakeStorage::staging_path(const std::string& final_path,
                                        const std::string& writer_id) {
  const fs::path final_absolute = absolute(final_path);
  create_parent(final_absolute);
  return final_absolute.parent_path() / staged_name(final_absolute.filename().string(), writer_id);
}

void LocalLakeStorage::sync_staged(const fs::path& staged) {
  fsync_path(staged, false);
}

void LocalLakeStorage::publish(const fs::path& staged, const std::string& final_path) {
  const fs::path target = absolute(final_path);
  if (::rename(staged.c_str(), target.c_str()) != 0) {
    if (errno == ENOENT && fs::exists(target)) return;  // published before a crash
    throw StorageError(
        errno_message("cannot rename " + staged.string() + " to " + target.string()));
  }
  fsync_path(target.parent_path(), true);
}

void LocalLakeStorage::discard(const fs::path& staged) {
  std::error_code ec;
  fs::remove(staged, ec);
  if (ec) throw StorageError("cannot remove " + staged.string() + ": " + ec.message());
}

bool LocalLakeStorage::create_if_absent(const std::string& path, const std::string& contents) {
  const fs::path target = absolute(path);
  if (fs::exists(target)) return false;
  const fs::path temporary = private_temporary(target);
  write_durably(temporary, contents);
  // link() fails with EEXIST when another writer got there first: unlike
  // rename(), it never replaces, which is what makes a commit exclusive.
  const int rc = ::link(temporary.c_str(), target.c_str());
  const int link_errno = errno;
  ::unlink(temporary.c_str());
  if (rc != 0) {
    if (link_errno == EEXIST) return false;
    errno = link_errno;
    throw StorageError(errno_message("cannot create " + target.string()));
  }
  fsync_path(target.parent_path(), true);
  return true;
}

void LocalLakeStorage::replace(const std::string& path, const std::string& contents) {
  const fs::path target = absolute(path);
  const fs::path temporary = private_temporary(target);
  write_durably(temporary, contents);
  if (::rename(temporary.c_str(), target.c_str()) != 0) {
    const int rename_errno = errno;
    ::unlink(temporary.c_str());
    errno = rename_errno;
    throw StorageError(errno_message("cannot replace " + target.string()));
  }
}

std::optional<std::string> LocalLakeStorage::read(const std::string& path) {
  // Decide "absent" from open()'s own errno: asking exists() afterwards races
  // with another writer creating the file in between (many writers, one log).
  const fs::path target = absolute(path);
  FileDescriptor fd(::open(target.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    if (errno == ENOENT) return std::nullopt;
    throw StorageError(errno_message("cannot read " + target.string()));
  }
  std::string contents;
  char buffer[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd.get(), buffer, sizeof buffer);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw StorageError(errno_message("cannot read " + target.string()));
    }
    if (n == 0) break;
    contents.append(buffer, static_cast<std::size_t>(n));
  }
  return contents;
}

bool LocalLakeStorage::exists(const std::string& path) {
  return fs::exists(absolute(path));
}

std::vector<std::string> LocalLakeStorage::list(const std::string& folder) {
  std::vector<std::string> names;
  std::error_code ec;
  fs::directory_iterator it(absolute(folder), ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) return names;
    throw StorageError("cannot list " + absolute(folder).string() + ": " + ec.message());
  }
  for (const fs::directory_entry& entry : it)
    names.push_back(entry.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

void LocalLakeStorage::remove(const std::string& path) {
  std::error_code ec;
  fs::remove(absolute(path), ec);
  if (ec) throw StorageError("cannot remove " + absolute(path).string() + ": " + ec.message());
}

StagedName parse_staged_name(const std::string& staged) {
  const std::string inner = staged.substr(1, staged.size() - 1 - kStagedSuffix.size());
  const std::size_t separator = inner.rfind(kWriterSeparator);
  if (separator == std::string::npos) return {inner, ""};
  return {inner.substr(0, separator), inner.substr(separator + 1)};
}

std::vector<LakeStorage::StagedLeftover> LocalLakeStorage::list_staged_leftovers() {
  std::vector<StagedLeftover> leftovers;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(root_, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    // The lake's own bookkeeping folder holds no data files.
    if (it.depth() == 0 && name == "_smartcity") {
      it.disable_recursion_pending();
      continue;
    }
    if (it->is_regular_file() && is_staged_name(name)) {
      StagedName parsed = parse_staged_name(name);
      const fs::path final_path = fs::relative(it->path().parent_path(), root_) / parsed.final_name;
      leftovers.push_back({it->path(), final_path.generic_string(), std::move(parsed.writer_id)});
    }
  }
  if (ec) throw StorageError("cannot scan " + root_.string() + ": " + ec.message());
  std::sort(leftovers.begin(), leftovers.end(),
            [](const StagedLeftover& a, const StagedLeftover& b) { return a.staged < b.staged; });
  return leftovers;
}

std::unique_ptr<WriterLease> LocalLakeStorage::register_writer(const std::string& writer_id) {
  return std::make_unique<WriterPresence>(root_, writer_id);
}

bool LocalLakeStorage::writer_is_alive(const std::string& writer_id) {
  return lake::writer_is_alive(root_, writer_id);
}

std::string LocalLakeStorage::describe() const {
  return root_.string();
}

std::optional<fs::path> LocalLakeStorage::local_path(const std::string& path) const {
  return absolute(path);
}

}  // namespace smartcity::lake
