// Which stream writers of a local lake are alive. Many `stream` processes may
// write one lake (they split the Kafka partitions between them); each holds an
// flock() on _smartcity/writers/<writer id>.lock for its whole life. The
// kernel drops the lock when the process dies, however it dies, so a writer
// is alive exactly while its lock is held. Recovery touches only the staged
// files of writers that are not alive, so a starting writer never removes the
// files another live writer is about to commit.
#pragma once

#include <filesystem>
#include <memory>
#include <string>

#include "lake/lake_storage.h"
#include "lake/process_lock.h"

namespace smartcity::lake {

// A fresh random writer id: 32 hex digits.
std::string new_writer_id();

class WriterPresence final : public WriterLease {
 public:
  // Marks `writer_id` alive in the local lake folder `root` until destroyed.
  // Throws StorageError if the lock file cannot be created or locked.
  WriterPresence(const std::filesystem::path& root, std::string writer_id);
  WriterPresence(const WriterPresence&) = delete;
  WriterPresence& operator=(const WriterPresence&) = delete;
  // Releases the lock and removes its file.
  ~WriterPresence() override;

  const std::string& writer_id() const { return writer_id_; }

 private:
  std::filesystem::path path_;
  std::string writer_id_;
  std::unique_ptr<ProcessLock> lock_;
};

// True while some process holds `writer_id`'s presence in `root`. An empty id
// (files staged before names carried their writer) is never alive.
bool writer_is_alive(const std::filesystem::path& root, const std::string& writer_id);

}  // namespace smartcity::lake
