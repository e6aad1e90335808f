// A private local folder for files on their way to an object store: the S3
// lake writes each Parquet file here before uploading it. Removed, with all
// it holds, when destroyed; a folder whose process was killed first (SIGKILL,
// OOM, power) would stay behind for ever, with the files it held, so each new
// one removes the folders of processes that are gone.
//
// How "gone" is known: the owner holds a ProcessLock on `.owner.lock` inside
// its folder for its whole life, and the kernel drops it when the process
// dies, however it dies. A folder is removed when its lock can be taken and
// it is older than a minute (so a folder being set up by a starting process,
// which has not locked it yet, is left alone), or when it has no lock file
// and is older than a day (folders of versions before this one).
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "lake/process_lock.h"

namespace smartcity::lake {

class StagingFolder {
 public:
  // Creates `<parent>/<prefix>XXXXXX` (random) and locks it, after removing
  // the folders of `<parent>/<prefix>*` whose owners are gone. Throws
  // StorageError if the folder cannot be created or locked.
  StagingFolder(const std::filesystem::path& parent, const std::string& prefix);
  StagingFolder(const StagingFolder&) = delete;
  StagingFolder& operator=(const StagingFolder&) = delete;
  ~StagingFolder();

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  std::unique_ptr<ProcessLock> lock_;  // on path_/.owner.lock
};

}  // namespace smartcity::lake
