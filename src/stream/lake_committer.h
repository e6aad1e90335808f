// Turns what the stream holds into one commit: writes a Parquet file per
// (partition, table, hour) under hidden names on a few worker threads, syncs
// them, creates the next commit record naming the files and the offsets they
// cover, then publishes the files under their final names.
//
// A crash at any point leaves either no commit (the hidden files are removed
// on the next start and the records are read again) or a commit whose files
// are published on the next start. That is the exactly-once argument.
//
// Many writers, one lake: commit records are created only if absent, so the
// log is one total order whatever the number of writers. A writer takes its
// partitions over with a claim record (a new owner epoch per partition) and
// reads the lake's offsets as of that claim. Before each commit it catches up
// with the log and drops every partition whose latest claim is not its own:
// a writer that lost a partition while holding a batch (a zombie) can never
// commit it, because the check and the creation of the next sequence number
// see the same log; if another writer creates that number first, the check
// runs again.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "lake/commit_log.h"
#include "lake/lake_storage.h"
#include "lake/writer_presence.h"
#include "stream/partition_buffer.h"

namespace smartcity::stream {

struct CommitSummary {
  std::uint64_t sequence = 0;
  std::size_t files = 0;
  std::size_t rows = 0;
  std::size_t dead_letters = 0;
  std::uint64_t bytes = 0;
  // Partitions another writer claimed since this one did: nothing of theirs
  // was committed, their buffers were cleared without committing, and the
  // caller must stop reading them (their new owner reads them again).
  std::vector<TopicPartition> fenced;
  std::uint64_t fenced_records = 0;
  // How often the next sequence number was taken by another writer first.
  std::size_t conflicts = 0;
};

// The final, deterministic name of the file holding the records [first, next)
// of `partition` for `table` in the hour `hour`:
// "<table>/date=…/hour=…/<topic>-p<partition>-o<first>-<last>.parquet".
std::string data_file_path(std::string_view table, const TopicPartition& partition,
                           lake::HourKey hour, Offset first, Offset next);

// The topic partition of a data file path (see data_file_path), or nullopt
// if the name is not one.
std::optional<TopicPartition> partition_of_data_file(std::string_view path);

// Which writers are alive; recovery leaves their staged files alone.
using WriterIsAlive = std::function<bool(const std::string& writer_id)>;

// Recovers the lake after a crash: publishes the staged files a commit names
// (unless the final file exists), whoever staged them; of the other staged
// files whose writer is not alive, removes the rest, except, where liveness is only inferred from
// leases, the files of a writer that still owns their partition. Returns the commit state it
// loaded.
lake::LakeCommitState recover_lake(
    lake::LakeStorage& storage,
    const WriterIsAlive& writer_is_alive = [](const std::string&) { return false; });

class LakeCommitter {
 public:
  // `storage` must outlive the committer. `state` is the loaded commit state;
  // the committer keeps all of it current, its file set included (the same
  // size load() reads at every start), because every lake::kCheckpointEvery-th
  // commit it writes a checkpoint of it. `writer_threads` files are encoded at
  // once.
  LakeCommitter(lake::LakeStorage& storage, lake::LakeCommitState state, const Clock& clock,
                unsigned writer_threads, std::string writer_id = lake::new_writer_id());
  ~LakeCommitter();

  // Takes `partitions` over for this writer, a member of consumer group
  // `group`: appends a claim record giving each a new owner epoch (retrying
  // on conflict). Afterwards state().offsets holds where each partition's
  // committed records end, as of the claim; commits by earlier owners after
  // it are refused. Throws UsageError, claiming nothing, if a partition's
  // owner is a live writer of another group (two groups would each read
  // every record: one lake takes one group); StorageError on I/O failure.
  void claim(const std::vector<TopicPartition>& partitions, const std::string& group,
             const WriterIsAlive& writer_is_alive);

  // Commits every non-empty buffer in `buffers` as one commit, then clears
  // them. Buffers of partitions this writer no longer owns are cleared
  // without committing and reported in `fenced`. Returns what was committed
  // (sequence 0 if there was nothing). Throws StorageError if a file cannot
  // be written or the commit record cannot be created; the buffers are then
  // left as they were. After such a failure the committer refuses every
  // further commit (StorageError): whether the record was created is not
  // known, so only recovery by a new committer (recover_lake) can tell what
  // stands without committing anything twice.
  CommitSummary commit(const std::vector<PartitionBuffer*>& buffers);

  const std::string& writer_id() const { return writer_id_; }

  const lake::LakeCommitState& state() const { return state_; }

  // Folds into state() what other writers committed since this one last
  // looked (reads only the new commit records).
  void catch_up() { log_.catch_up(state_); }

 private:
  class FileWriterPool;

  // Best effort: a failed checkpoint is logged, the commit stands.
  void write_checkpoint();
  // A record with the next sequence number and this writer's identity.
  lake::CommitRecord next_record() const;
  // Folds a record this writer just created into state_, checkpointing on cue.
  void append(const lake::CommitRecord& record);
  // True if this writer's claim on `partition` is the latest, or nobody ever
  // claimed it (a lake written by one writer that never claims).
  bool owns(const TopicPartition& partition) const;
  CommitSummary try_commit(const std::vector<PartitionBuffer*>& buffers);

  lake::LakeStorage* storage_;
  lake::CommitLog log_;
  lake::LakeCommitState state_;
  const Clock* clock_;
  std::unique_ptr<FileWriterPool> writers_;
  std::string writer_id_;
  std::string host_;
  std::map<TopicPartition, std::uint64_t> claimed_;  // epoch of each claim of ours
  bool failed_ = false;                              // a commit failed: see commit()
};

}  // namespace smartcity::stream
