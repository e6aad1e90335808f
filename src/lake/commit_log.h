// The lake's commit log: an append-only sequence of commit records under
// _smartcity/commits/, the single source of truth for which files are visible
// and which Kafka offsets they cover (see README.md for the format). Kafka's
// own committed offsets are never trusted on restart; these are.
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

struct CommitRecord {
  std::uint64_t sequence = 0;
  UnixMicros committed_at;
  std::string writer_id;
  std::string writer_host;
  std::int64_t writer_pid = 0;
  std::vector<CommittedFile> files;
  std::vector<CommittedOffset> offsets;
  bool operator==(const CommitRecord&) const = default;
};

inline constexpr std::string_view kCommitFolder = "_smartcity/commits";

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
  std::map<TopicPartition, Offset> offsets;  // next offset per partition
  std::set<std::string> files;               // every committed file path
};

class CommitLog {
 public:
  // `storage` must outlive the log.
  explicit CommitLog(LakeStorage& storage) : storage_(&storage) {}

  // Reads every commit record in sequence order and folds them. Throws
  // StorageError if a record is unreadable (the lake needs a person then).
  LakeCommitState load() const;

  // Creates the commit record `record.sequence`, only if absent. Returns false
  // (writing nothing) when that sequence exists already: another writer
  // committed first, and the caller must reload before trying again.
  bool try_append(const CommitRecord& record);

 private:
  LakeStorage* storage_;
};

}  // namespace smartcity::lake
