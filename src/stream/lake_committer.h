// Turns what the stream holds into one commit: writes a Parquet file per
// (partition, table, hour) under hidden names on a few worker threads, syncs
// them, creates the next commit record naming the files and the offsets they
// cover, then publishes the files under their final names.
//
// A crash at any point leaves either no commit (the hidden files are removed
// on the next start and the records are read again) or a commit whose files
// are published on the next start. That is the exactly-once argument.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "lake/commit_log.h"
#include "lake/lake_storage.h"
#include "stream/partition_buffer.h"

namespace smartcity::stream {

struct CommitSummary {
  std::uint64_t sequence = 0;
  std::size_t files = 0;
  std::size_t rows = 0;
  std::size_t dead_letters = 0;
  std::uint64_t bytes = 0;
};

// The final, deterministic name of the file holding the records [first, next)
// of `partition` for `table` in the hour `hour`:
// "<table>/date=…/hour=…/<topic>-p<partition>-o<first>-<last>.parquet".
std::string data_file_path(std::string_view table, const TopicPartition& partition,
                           lake::HourKey hour, Offset first, Offset next);

// Recovers the lake after a crash: publishes the staged files a commit names
// and removes the ones none does. Returns the commit state it loaded.
lake::LakeCommitState recover_lake(lake::LakeStorage& storage);

class LakeCommitter {
 public:
  // `storage` must outlive the committer. `state` is the loaded commit state;
  // the committer keeps all of it current, its file set included (the same
  // size load() reads at every start), because every lake::kCheckpointEvery-th
  // commit it writes a checkpoint of it. `writer_threads` files are encoded at
  // once.
  LakeCommitter(lake::LakeStorage& storage, lake::LakeCommitState state, const Clock& clock,
                unsigned writer_threads);
  ~LakeCommitter();

  // Commits every non-empty buffer in `buffers` as one commit, then clears
  // them. Returns what was committed (sequence 0 if there was nothing).
  // Throws StorageError if a file cannot be written or the commit record
  // cannot be created; the buffers are then left as they were.
  CommitSummary commit(const std::vector<PartitionBuffer*>& buffers);

  const lake::LakeCommitState& state() const { return state_; }

 private:
  class FileWriterPool;

  // Best effort: a failed checkpoint is logged, the commit stands.
  void write_checkpoint();

  lake::LakeStorage* storage_;
  lake::CommitLog log_;
  lake::LakeCommitState state_;
  const Clock* clock_;
  std::unique_ptr<FileWriterPool> writers_;
  std::string writer_id_;
  std::string host_;
};

}  // namespace smartcity::stream
