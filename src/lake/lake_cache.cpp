#include "lake/lake_cache.h"

#include <fcntl.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <vector>

#include "base/errors.h"
#include "base/parallel_for.h"
#include "lake/commit_log.h"
#include "lake/local_lake_storage.h"
#include "lake/s3_settings.h"
#include "lake/status_files.h"

namespace smartcity::lake {
namespace fs = std::filesystem;
namespace {

constexpr unsigned kParallelFetches = 4;

// Holds an exclusive flock on a file for the life of the object.
class FolderLock {
 public:
  explicit FolderLock(const fs::path& file)
      : fd_(::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644)) {
    if (fd_ < 0) throw StorageError(errno_message("cannot create " + file.string()));
    if (::flock(fd_, LOCK_EX) != 0) {
      ::close(fd_);
      throw StorageError(errno_message("cannot lock " + file.string()));
    }
  }
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;
  ~FolderLock() { ::close(fd_); }

 private:
  int fd_;
};

// Writes `contents` to `path` through a temporary, so readers never see a
// partial file. No fsync: a cache lost in a crash is fetched again.
void write_cached(const fs::path& path, const std::string& contents) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  const fs::path temporary = path.string() + ".part";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(contents.data(), static_cast<std::streamsize>(contents.size()));
    if (!out) throw StorageError("cannot write " + temporary.string());
  }
  fs::rename(temporary, path, ec);
  if (ec) throw StorageError("cannot rename " + temporary.string() + ": " + ec.message());
}

// Fetches each of `paths` from `remote` into `folder`, several at once.
// Returns the files and bytes fetched; rethrows the first failure. A committed file not
// yet under its final name (its writer is between the commit record and the
// copy) is skipped, as every reader of a lake skips it: the next sync gets it.
struct Fetched {
  std::uint64_t files = 0;
  std::uint64_t bytes = 0;
};
Fetched fetch_all(LakeStorage& remote, const fs::path& folder,
                  const std::vector<std::string>& paths) {
  std::atomic<std::uint64_t> files{0};
  std::atomic<std::uint64_t> bytes{0};
  parallel_for(paths.size(), kParallelFetches, [&](std::size_t i, std::size_t) {
    const std::optional<std::string> contents = remote.read(paths[i]);
    if (!contents) return;
    write_cached(folder / paths[i], *contents);
    ++files;
    bytes += contents->size();
  });
  return {files.load(), bytes.load()};
}

// The lowest commit sequence missing from the local copy (1 for an empty
// one). An interrupted parallel fetch can leave gaps; they are filled first.
std::uint64_t first_missing_commit(LocalLakeStorage& local) {
  std::uint64_t first_missing = 1;
  for (const std::string& name : local.list(std::string(kCommitFolder))) {
    if (parse_commit_file_name(name) == first_missing) ++first_missing;
  }
  return first_missing;
}

}  // namespace

LakeCache::LakeCache(LakeStorage& remote, fs::path folder, std::uint64_t max_bytes)
    : remote_(&remote), folder_(std::move(folder)), max_bytes_(max_bytes) {}

LakeCacheSync LakeCache::sync() {
  LakeCacheSync report;
  LocalLakeStorage local(folder_);
  FolderLock lock(folder_ / ".smartcity-cache.lock");
  // A lake without commits yet is an empty lake, as a new local one is.
  std::error_code created;
  fs::create_directories(folder_ / kCommitFolder, created);

  // Commit records: a fresh cache lists the log once; after that, missing
  // records are read upwards by sequence until one is absent, one request
  // per new commit, however long the log.
  std::vector<std::string> missing;
  const std::uint64_t first_missing = first_missing_commit(local);
  if (first_missing == 1) {
    for (const std::string_view folder : {kCommitFolder, kCheckpointFolder}) {
      for (const std::string& name : remote_->list(std::string(folder)))
        missing.push_back(std::string(folder) + "/" + name);
    }
    report.commits_fetched = fetch_all(*remote_, folder_, missing).files;
  } else {
    for (std::uint64_t sequence = first_missing;; ++sequence) {
      const std::string path = commit_record_path(sequence);
      if (fs::exists(folder_ / path)) continue;
      const std::optional<std::string> record = remote_->read(path);
      if (!record) break;
      write_cached(folder_ / path, *record);
      ++report.commits_fetched;
    }
  }

  const LakeCommitState state = CommitLog(local).load();
  std::vector<std::string> files_to_fetch;
  for (const std::string& path : state.files) {
    if (!fs::exists(folder_ / path)) files_to_fetch.push_back(path);
  }
  const Fetched fetched = fetch_all(*remote_, folder_, files_to_fetch);
  report.files_fetched = fetched.files;
  report.bytes_fetched = fetched.bytes;

  sync_status_files();

  // Files no commit names (left from a lake that was replaced under the same
  // URL) and interrupted downloads go; everything named stays.
  std::error_code ec;
  for (fs::recursive_directory_iterator it(folder_, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string relative = it->path().lexically_relative(folder_).generic_string();
    if (it.depth() == 0 &&
        (relative == "_smartcity" || it->path().filename().string().starts_with("."))) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (!it->is_regular_file()) continue;
    if (state.files.contains(relative)) {
      report.cached_bytes += it->file_size();
      continue;
    }
    std::error_code remove_ec;
    fs::remove(it->path(), remove_ec);
    if (!remove_ec) ++report.files_removed;
  }
  if (report.cached_bytes > max_bytes_) {
    throw StorageError("the committed data of " + remote_->describe() + " takes " +
                       std::to_string(report.cached_bytes >> 20) + " MiB, more than the " +
                       std::to_string(max_bytes_ >> 20) + " MiB its cache " + folder_.string() +
                       " may hold; raise SMARTCITY_CACHE_MAX_GB");
  }
  return report;
}

void LakeCache::sync_status_files() {
  if (const std::optional<std::string> status = remote_->read(std::string(kStatusPath))) {
    write_cached(folder_ / kStatusPath, *status);
  }
  const std::string writers(kWriterStatusFolder);
  std::vector<std::string> live;
  for (const std::string& name : remote_->list(writers)) {
    if (!name.ends_with(".json")) continue;
    if (const std::optional<std::string> status = remote_->read(writers + "/" + name)) {
      write_cached(folder_ / writers / name, *status);
      live.push_back(name);
    }
  }
  std::error_code ec;
  for (fs::directory_iterator it(folder_ / writers, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (std::find(live.begin(), live.end(), name) == live.end()) fs::remove(it->path(), ec);
  }
}

fs::path default_cache_folder(const std::string& location) {
  const S3Location s3 = parse_s3_location(location);
  fs::path base;
  if (const char* dir = std::getenv("SMARTCITY_CACHE_DIR"); dir != nullptr && *dir != '\0') {
    base = dir;
  } else if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0') {
    base = fs::path(xdg) / "smartcity";
  } else {
    const char* home = std::getenv("HOME");
    base = fs::path(home != nullptr ? home : "/tmp") / ".cache" / "smartcity";
  }
  fs::path folder = base / "s3" / s3.bucket;
  if (!s3.prefix.empty()) folder /= s3.prefix;
  return folder;
}

std::uint64_t default_cache_max_bytes() {
  if (const char* gb = std::getenv("SMARTCITY_CACHE_MAX_GB"); gb != nullptr && *gb != '\0') {
    char* end = nullptr;
    const double value = std::strtod(gb, &end);
    if (end == gb || *end != '\0' || value <= 0) {
      throw UsageError("SMARTCITY_CACHE_MAX_GB=" + std::string(gb) +
                       ": expected a positive number");
    }
    return static_cast<std::uint64_t>(value * static_cast<double>(1ull << 30));
  }
  return 64ull << 30;
}

std::string readable_lake_folder(const std::string& location) {
  if (!is_remote_lake(location)) return location;
  const std::unique_ptr<LakeStorage> remote = open_lake_storage(location);
  LakeCache cache(*remote, default_cache_folder(location), default_cache_max_bytes());
  const LakeCacheSync synced = cache.sync();
  spdlog::info("{}: cached in {} ({} new commit(s), {} file(s) and {:.1f} MiB fetched)", location,
               cache.folder().string(), synced.commits_fetched, synced.files_fetched,
               static_cast<double>(synced.bytes_fetched) / (1 << 20));
  return cache.folder().string();
}

}  // namespace smartcity::lake
