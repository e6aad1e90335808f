#include "lake/commit_log.h"

#include <gtest/gtest.h>

#include <thread>

#include "base/errors.h"
#include "lake/local_lake_storage.h"
#include "unit/lake/scratch_folder.h"

namespace smartcity::lake {
namespace {

CommitRecord sample_record(std::uint64_t sequence, std::int64_t next_offset) {
  CommitRecord record;
  record.sequence = sequence;
  record.committed_at = UnixMicros{1712320496000000 + static_cast<std::int64_t>(sequence)};
  record.writer_id = "writer-a";
  record.writer_host = "host";
  record.writer_pid = 42;
  record.files.push_back(
      {"vehicle", "vehicle/date=2024-04-05/hour=12/f" + std::to_string(sequence) + ".parquet", 10,
       1000});
  record.offsets.push_back({TopicPartition{"vehicle_data", Partition{0}}, Offset{next_offset}});
  record.offsets.push_back({TopicPartition{"gps_data", Partition{2}}, Offset{next_offset * 2}});
  return record;
}

TEST(CommitLog, RecordRoundTripsThroughJson) {
  const CommitRecord record = sample_record(7, 100);
  EXPECT_EQ(decode_commit_record(encode_commit_record(record), "x"), record);
}

TEST(CommitLog, DamagedRecordIsAStorageErrorNamingTheFile) {
  try {
    decode_commit_record("{\"version\": 1, \"sequence\": ", "commits/1.json");
    FAIL() << "accepted a truncated record";
  } catch (const StorageError& e) {
    EXPECT_NE(std::string(e.what()).find("commits/1.json"), std::string::npos);
  }
}

TEST(CommitLog, FileNamesSortBySequence) {
  EXPECT_EQ(commit_record_path(42), "_smartcity/commits/00000000000000000042.json");
  EXPECT_EQ(parse_commit_file_name("00000000000000000042.json"), 42u);
  EXPECT_EQ(parse_commit_file_name(".00000000000000000042.json.123-0.tmp"), 0u);
  EXPECT_EQ(parse_commit_file_name("42.json"), 0u);
}

TEST(CommitLog, LoadFoldsOffsetsAndFiles) {
  testing::ScratchFolder folder;
  LocalLakeStorage storage(folder.path());
  CommitLog log(storage);
  EXPECT_EQ(log.load().last_sequence, 0u);
  ASSERT_TRUE(log.try_append(sample_record(1, 100)));
  ASSERT_TRUE(log.try_append(sample_record(2, 250)));
  const LakeCommitState state = log.load();
  EXPECT_EQ(state.last_sequence, 2u);
  EXPECT_EQ(state.files.size(), 2u);
  EXPECT_EQ(state.offsets.at(TopicPartition{"vehicle_data", Partition{0}}), Offset{250});
  EXPECT_EQ(state.offsets.at(TopicPartition{"gps_data", Partition{2}}), Offset{500});
}

// The fold of commits 1..last, written to `log`, with checkpoints after every
// kCheckpointEvery-th.
LakeCommitState write_log_with_checkpoints(CommitLog& log, std::uint64_t last) {
  LakeCommitState state;
  for (std::uint64_t sequence = 1; sequence <= last; ++sequence) {
    const CommitRecord record = sample_record(sequence, static_cast<std::int64_t>(sequence) * 10);
    EXPECT_TRUE(log.try_append(record));
    fold_commit(state, record);
    if (sequence % kCheckpointEvery == 0) log.write_checkpoint(state);
  }
  return state;
}

TEST(CommitLog, CheckpointRoundTripsThroughJson) {
  LakeCommitState state;
  fold_commit(state, sample_record(1, 100));
  fold_commit(state, sample_record(2, 250));
  EXPECT_EQ(decode_checkpoint(encode_checkpoint(state), "x"), state);
  EXPECT_EQ(checkpoint_path(200), "_smartcity/checkpoints/00000000000000000200.json");
}

TEST(CommitLog, LoadStartsFromTheNewestCheckpoint) {
  testing::ScratchFolder folder;
  LocalLakeStorage storage(folder.path());
  CommitLog log(storage);
  const LakeCommitState full = write_log_with_checkpoints(log, 2 * kCheckpointEvery + 50);
  EXPECT_EQ(log.load(), full);
  // Remove every record the newest checkpoint covers: load() must not need them.
  for (std::uint64_t sequence = 1; sequence <= 2 * kCheckpointEvery; ++sequence)
    storage.remove(commit_record_path(sequence));
  EXPECT_EQ(log.load(), full);
}

TEST(CommitLog, ADamagedCheckpointFallsBackToAnOlderOne) {
  testing::ScratchFolder folder;
  LocalLakeStorage storage(folder.path());
  CommitLog log(storage);
  const LakeCommitState full = write_log_with_checkpoints(log, 2 * kCheckpointEvery + 5);
  storage.replace(checkpoint_path(2 * kCheckpointEvery), "{\"version\": 1, \"seq");
  EXPECT_EQ(log.load(), full);
  // And with no readable checkpoint at all, the whole log.
  storage.replace(checkpoint_path(kCheckpointEvery), "");
  EXPECT_EQ(log.load(), full);
}

TEST(CommitLog, ACheckpointIsWrittenOnce) {
  testing::ScratchFolder folder;
  LocalLakeStorage storage(folder.path());
  CommitLog log(storage);
  const LakeCommitState full = write_log_with_checkpoints(log, kCheckpointEvery);
  LakeCommitState other = full;
  other.files.insert("vehicle/not-committed.parquet");
  log.write_checkpoint(other);
  EXPECT_EQ(log.load(), full);
}

TEST(CommitLog, ASequenceCanBeCreatedOnlyOnce) {
  testing::ScratchFolder folder;
  LocalLakeStorage storage(folder.path());
  CommitLog log(storage);
  ASSERT_TRUE(log.try_append(sample_record(1, 100)));
  EXPECT_FALSE(log.try_append(sample_record(1, 999)));
  EXPECT_EQ(log.load().offsets.at(TopicPartition{"vehicle_data", Partition{0}}), Offset{100});
}

TEST(CommitLog, WritersCatchingUpWhileOthersAppendSeeEveryRecordOnce) {
  // Reading the next sequence number races its creation by another writer:
  // a read must give "absent" or the whole record, never an error.
  testing::ScratchFolder folder;
  LocalLakeStorage storage(folder.path());
  constexpr int kWriters = 4;
  constexpr int kCommitsEach = 40;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&] {
      try {
        CommitLog log(storage);
        LakeCommitState state;
        for (int won = 0; won < kCommitsEach;) {
          log.catch_up(state);
          CommitRecord record = sample_record(state.last_sequence + 1, 1);
          if (log.try_append(record)) ++won;
        }
      } catch (const StorageError&) {
        ++failures;
      }
    });
  }
  for (std::thread& thread : threads)
    thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(CommitLog(storage).load().last_sequence, std::uint64_t{kWriters * kCommitsEach});
}

TEST(CommitLog, ConcurrentWritersNeverBothWinASequence) {
  testing::ScratchFolder folder;
  LocalLakeStorage storage(folder.path());
  constexpr int kWriters = 8;
  std::atomic<int> winners{0};
  std::vector<std::thread> threads;
  for (int i = 0; i < kWriters; ++i) {
    threads.emplace_back([&, i] {
      CommitLog log(storage);
      if (log.try_append(sample_record(1, 100 + i))) ++winners;
    });
  }
  for (std::thread& thread : threads)
    thread.join();
  EXPECT_EQ(winners.load(), 1);
  // No writer's private temporary is left behind.
  EXPECT_EQ(storage.list(std::string(kCommitFolder)).size(), 1u);
}

}  // namespace
}  // namespace smartcity::lake
