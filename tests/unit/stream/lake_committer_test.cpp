#include "stream/lake_committer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>

#include "base/errors.h"
#include "lake/faulty_lake_storage.h"
#include "lake/local_lake_storage.h"
#include "stream/record_decoder.h"
#include "unit/lake/scratch_folder.h"

namespace smartcity::stream {
namespace {

namespace fs = std::filesystem;
using events::EventKind;

// 2024-04-05T12:59:00Z plus i minutes: rows spread over two hour folders.
std::string vehicle_json(int i) {
  const int minute = 59 + i;
  char text[400];
  std::snprintf(text, sizeof text,
                R"({"id":"id-%d","device_id":"V","timestamp":"2024-04-05T%02d:%02d:00Z",)"
                R"("latitude":51.5,"longitude":-0.1,"speed":%d.5,"direction":"N","make":"BMW",)"
                R"("model":"C500","year":2024,"fuel_type":"Hybrid"})",
                i, 12 + minute / 60, minute % 60, i);
  return text;
}

void fill(PartitionBuffer& buffer, int from, int count) {
  RecordDecoder decoder;
  for (int i = from; i < from + count; ++i) {
    const std::string payload = i % 7 == 3 ? "{broken" : vehicle_json(i);
    RecordMetadata metadata{buffer.partition().topic,
                            buffer.partition().partition,
                            Offset{i},
                            UnixMicros{1712321940000000},
                            "V",
                            UnixMicros{1}};
    decoder.decode(buffer.kind(), payload, metadata, buffer.rows(), buffer.dead_letters());
    buffer.record_consumed(Offset{i});
  }
}

std::vector<std::string> visible_files(const fs::path& root) {
  std::vector<std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && name.ends_with(".parquet") && name[0] != '.') {
      files.push_back(fs::relative(entry.path(), root).string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(LakeCommitter, CommitsFilesPerHourAndTableWithDeterministicNames) {
  testing::ScratchFolder folder;
  lake::LocalLakeStorage storage(folder.path());
  ManualClock clock(UnixMicros{1712321940000000});
  LakeCommitter committer(storage, recover_lake(storage), clock, 2);
  PartitionBuffer buffer({"vehicle_data", Partition{1}}, EventKind::kVehicle, Offset{0});
  fill(buffer, 0, 10);
  const CommitSummary summary = committer.commit({&buffer});
  EXPECT_EQ(summary.sequence, 1u);
  EXPECT_EQ(summary.rows + summary.dead_letters, 10u);
  EXPECT_EQ(summary.dead_letters, 1u);
  EXPECT_TRUE(buffer.empty());
  EXPECT_EQ(buffer.next(), Offset{10});
  EXPECT_EQ(visible_files(folder.path()),
            (std::vector<std::string>{
                "dead_letters/date=2024-04-05/hour=12/"
                "vehicle_data-p1-o00000000000000000000-00000000000000000009.parquet",
                "vehicle/date=2024-04-05/hour=12/"
                "vehicle_data-p1-o00000000000000000000-00000000000000000009.parquet",
                "vehicle/date=2024-04-05/hour=13/"
                "vehicle_data-p1-o00000000000000000000-00000000000000000009.parquet"}));
  const lake::LakeCommitState state = lake::CommitLog(storage).load();
  EXPECT_EQ(state.offsets.at({"vehicle_data", Partition{1}}), Offset{10});
  EXPECT_EQ(state.files.size(), 3u);
  // Nothing held: no commit.
  EXPECT_EQ(committer.commit({&buffer}).sequence, 0u);
}

TEST(LakeCommitter, WritesACheckpointEveryKCheckpointEveryCommits) {
  testing::ScratchFolder folder;
  lake::LocalLakeStorage storage(folder.path());
  lake::CommitLog log(storage);
  // Commits 1..kCheckpointEvery-1 written directly; the committer makes the next.
  for (std::uint64_t sequence = 1; sequence < lake::kCheckpointEvery; ++sequence) {
    lake::CommitRecord record;
    record.sequence = sequence;
    record.files.push_back({"vehicle", "vehicle/old-" + std::to_string(sequence) + ".parquet"});
    record.offsets.push_back({{"vehicle_data", Partition{0}}, Offset{0}});
    ASSERT_TRUE(log.try_append(record));
  }
  ManualClock clock(UnixMicros{1712321940000000});
  LakeCommitter committer(storage, recover_lake(storage), clock, 1);
  PartitionBuffer buffer({"vehicle_data", Partition{1}}, EventKind::kVehicle, Offset{0});
  fill(buffer, 0, 10);
  ASSERT_EQ(committer.commit({&buffer}).sequence, lake::kCheckpointEvery);

  const auto text = storage.read(lake::checkpoint_path(lake::kCheckpointEvery));
  ASSERT_TRUE(text.has_value());
  const lake::LakeCommitState checkpoint = lake::decode_checkpoint(*text, "checkpoint");
  EXPECT_EQ(checkpoint, committer.state());
  EXPECT_EQ(checkpoint.files.size(), lake::kCheckpointEvery - 1 + 3);
  EXPECT_EQ(checkpoint.offsets.at({"vehicle_data", Partition{1}}), Offset{10});
  EXPECT_EQ(log.load(), checkpoint);
}

// Fails the storage at every operation of a commit in turn, as a crash or a
// full disk would, then recovers as a restart does: the lake holds either
// the whole commit or nothing of it, never a partial file, and a retry
// after recovery commits every record exactly once.
TEST(LakeCommitter, FailureAtEveryStepLeavesAllOrNothing) {
  for (std::uint64_t budget = 0;; ++budget) {
    testing::ScratchFolder folder;
    lake::LocalLakeStorage inner(folder.path());
    lake::FaultyLakeStorage storage(inner, 1'000'000);
    ManualClock clock(UnixMicros{1712321940000000});
    LakeCommitter committer(storage, recover_lake(storage), clock, 2);
    PartitionBuffer buffer({"vehicle_data", Partition{0}}, EventKind::kVehicle, Offset{0});
    fill(buffer, 0, 10);
    storage.set_budget(budget);
    bool failed = false;
    try {
      committer.commit({&buffer});
    } catch (const StorageError&) {
      failed = true;
    }
    if (!failed) {
      EXPECT_GT(budget, 3u) << "a commit needs more than three storage operations";
      break;  // the budget now covers a whole commit: every failure point was tried
    }
    EXPECT_FALSE(buffer.empty()) << "a failed commit must keep what it holds";

    // Restart: recovery on the real storage, then commit again.
    const lake::LakeCommitState state = recover_lake(inner);
    const std::vector<std::string> after_recovery = visible_files(folder.path());
    EXPECT_TRUE(inner.list_staged_leftovers().empty()) << "budget " << budget;
    if (state.last_sequence == 0) {
      EXPECT_TRUE(after_recovery.empty()) << "budget " << budget << ": files without a commit";
      LakeCommitter retry(inner, state, clock, 1);
      PartitionBuffer again({"vehicle_data", Partition{0}}, EventKind::kVehicle, Offset{0});
      fill(again, 0, 10);
      retry.commit({&again});
    } else {
      // The commit record was created before the failure: recovery published
      // every file it names.
      EXPECT_EQ(state.offsets.at({"vehicle_data", Partition{0}}), Offset{10});
      EXPECT_EQ(after_recovery.size(), state.files.size()) << "budget " << budget;
    }
    const lake::LakeCommitState final_state = lake::CommitLog(inner).load();
    EXPECT_EQ(final_state.last_sequence, 1u) << "budget " << budget;
    EXPECT_EQ(visible_files(folder.path()).size(), 3u) << "budget " << budget;
  }
}

TEST(RecoverLake, RemovesUncommittedAndPublishesCommittedLeftovers) {
  testing::ScratchFolder folder;
  lake::LocalLakeStorage storage(folder.path());
  const std::string committed = "vehicle/date=2024-04-05/hour=12/a.parquet";
  const std::string uncommitted = "vehicle/date=2024-04-05/hour=12/b.parquet";
  for (const std::string& path : {committed, uncommitted}) {
    std::ofstream(storage.staging_path(path)) << "x";
  }
  lake::CommitRecord record;
  record.sequence = 1;
  record.files.push_back({"vehicle", committed, 1, 1});
  ASSERT_TRUE(lake::CommitLog(storage).try_append(record));
  recover_lake(storage);
  EXPECT_TRUE(storage.exists(committed));
  EXPECT_FALSE(storage.exists(uncommitted));
  EXPECT_TRUE(storage.list_staged_leftovers().empty());
}

}  // namespace
}  // namespace smartcity::stream
