// A local copy of the committed part of a lake that does not live on local
// disk (S3), so that readers which need files (DuckDB for query and serve,
// the crawler) read it as they read a local lake. DuckDB's own S3 extension
// is not available to us; this replaces it.
//
// sync() brings the copy up to date from the commit log: new commit records
// and checkpoints, then every committed data file not yet present (several
// at once), then the stream's status file; data files that no commit names
// any more are removed. Only committed files are ever copied, so readers of
// the cache see exactly what readers of the lake see.
//
// Several processes may share one cache folder: sync() holds an flock on
// it while it works, and every file appears under its final name only once
// complete.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "lake/lake_storage.h"

namespace smartcity::lake {

struct LakeCacheSync {
  std::uint64_t commits_fetched = 0;
  std::uint64_t files_fetched = 0;
  std::uint64_t bytes_fetched = 0;
  std::uint64_t files_removed = 0;
  std::uint64_t cached_bytes = 0;  // committed data held after the sync
};

class LakeCache {
 public:
  // `remote` must outlive this. The cache refuses (StorageError) to hold
  // more than `max_bytes` of data files rather than evict files a running
  // query may need.
  LakeCache(LakeStorage& remote, std::filesystem::path folder, std::uint64_t max_bytes);

  // Throws StorageError when the lake cannot be read or the cache folder
  // written, or the committed data outgrows max_bytes.
  LakeCacheSync sync();

  const std::filesystem::path& folder() const { return folder_; }

 private:
  // Copies the status files (status_files.h) as they are now; a writer's
  // file that is gone remotely (it stopped) goes here too.
  void sync_status_files();

  LakeStorage* remote_;
  std::filesystem::path folder_;
  std::uint64_t max_bytes_;
};

// The default cache folder of a lake location:
// $SMARTCITY_CACHE_DIR, else $XDG_CACHE_HOME/smartcity, else ~/.cache/smartcity,
// then "s3/<bucket>/<prefix>".
std::filesystem::path default_cache_folder(const std::string& location);

// Default bound of a cache: $SMARTCITY_CACHE_MAX_GB gibibytes, else 64 GiB.
std::uint64_t default_cache_max_bytes();

// For readers: `location` itself when it is a local folder; for an s3://
// lake, syncs its cache (default folder and bound) and returns the cache
// folder, logging what it fetched.
std::string readable_lake_folder(const std::string& location);

}  // namespace smartcity::lake
