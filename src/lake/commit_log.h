// The lake's commit log: an append-only sequence of commit records under
// _smartcity/commits/, the single source of truth for which files are visible
// and which Kafka offsets they cover (see README.md for the format). Kafka's
// own committed offsets are never trusted on restart; these are.
//
// Checkpoints keep start-up bounded as the log grows: after every
// kCheckpointEvery-th commit the writer stores the folded state up to it under
// _smartcity/checkpoints/. A checkpoint only summarises commits that exist, so
// losing or damaging one costs time (load() falls back to an older one or to
// the full log), never data.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/topic_partition.h"
#include "lake/lake_storage.h"

namespace smartcity::lake {

struct CommittedFile {
  std::string table;
  std::string path;  // relative to the lake root, final (visible) name
  std::uint64_t rows = 0;
  std::uint64_t bytes = 0;
  bool operator==(const CommittedFile&) const = default;
};

struct CommittedOffset {
  TopicPartition partition;
  Offset next;  // the next offset to read: everything before it is in the lake
  bool operator==(const CommittedOffset&) const = default;
};

// A writer taking a partition over: from this commit on, only `epoch`'s
// owner (the record's writer) may commit the partition's offsets. Epochs of a
// partition only grow, so a writer that lost a partition while it held a
// batch (a zombie) is refused at its next commit.
struct PartitionClaim {
  TopicPartition partition;
  std::uint64_t epoch = 0;
  bool operator==(const PartitionClaim&) const = default;
};

struct PartitionOwner {
  std::string writer_id;
  std::string group;  // the writer's Kafka consumer group
  std::uint64_t epoch = 0;
  bool operator==(const PartitionOwner&) const = default;
};

struct CommitRecord {
  std::uint64_t sequence = 0;
  UnixMicros committed_at;
  std::string writer_id;
  std::string writer_host;
  std::int64_t writer_pid = 0;
  std::string writer_group;  // Kafka consumer group; empty if never given
  std::vector<CommittedFile> files;
  std::vector<CommittedOffset> offsets;
  std::vector<PartitionClaim> claims;
  bool operator==(const CommitRecord&) const = default;
};

inline constexpr std::string_view kCommitFolder = "_smartcity/commits";
inline constexpr std::string_view kCheckpointFolder = "_smartcity/checkpoints";
// Start-up reads at most this many commit records after the newest checkpoint.
inline constexpr std::uint64_t kCheckpointEvery = 100;

// "_smartcity/commits/00000000000000000042.json"
std::string commit_record_path(std::uint64_t sequence);
// The sequence number of a commit file name ("00000000000000000042.json"),
// or 0 if the name is not one.
std::uint64_t parse_commit_file_name(std::string_view name);

std::string encode_commit_record(const CommitRecord& record);
// Throws StorageError naming `source` if the text is not a valid record.
CommitRecord decode_commit_record(std::string_view text, const std::string& source);

// The state of the lake folded from its commit log.
struct LakeCommitState {
  std::uint64_t last_sequence = 0;  // 0: no commit yet
  UnixMicros last_commit_at;
  std::map<TopicPartition, Offset> offsets;         // next offset per partition
  std::set<std::string> files;                      // every committed file path
  std::map<TopicPartition, PartitionOwner> owners;  // latest claim per partition
  bool operator==(const LakeCommitState&) const = default;
};

// Folds `record` into `state`; record.sequence must be state.last_sequence + 1
// or later (CHECKed).
void fold_commit(LakeCommitState& state, const CommitRecord& record);

// "_smartcity/checkpoints/00000000000000000100.json"
std::string checkpoint_path(std::uint64_t sequence);
std::string encode_checkpoint(const LakeCommitState& state);
// Throws StorageError naming `source` if the text is not a valid checkpoint.
LakeCommitState decode_checkpoint(std::string_view text, const std::string& source);

class CommitLog {
 public:
  // `storage` must outlive the log.
  explicit CommitLog(LakeStorage& storage) : storage_(&storage) {}

  // The fold of every commit record in sequence order: the newest readable
  // checkpoint, then the records after it. Throws StorageError if a record is
  // unreadable (the lake needs a person then); a damaged checkpoint is only
  // skipped, with a warning.
  LakeCommitState load() const;

  // Creates the commit record `record.sequence`, only if absent. Returns false
  // (writing nothing) when that sequence exists already: another writer
  // committed first, and the caller must catch up before trying again.
  bool try_append(const CommitRecord& record);

  // Folds into `state` the commits after state.last_sequence, reading
  // sequence numbers upwards until one is absent: what other writers
  // committed since. Reads only the new records, however long the log.
  void catch_up(LakeCommitState& state) const;

  // Stores `state` (the fold of commits 1..state.last_sequence) as the
  // checkpoint of state.last_sequence, unless one exists already.
  void write_checkpoint(const LakeCommitState& state);

 private:
  LakeStorage* storage_;
};

}  // namespace smartcity::lake
