#include "stream/lake_committer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <future>

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

TEST(LakeCommitter, AHandedOverRangeCommitsOnAnotherThreadWhileTheNextOneFills) {
  testing::ScratchFolder folder;
  lake::LocalLakeStorage storage(folder.path());
  ManualClock clock(UnixMicros{1712321940000000});
  LakeCommitter committer(storage, recover_lake(storage), clock, 2);
  PartitionBuffer buffer({"vehicle_data", Partition{1}}, EventKind::kVehicle, Offset{0});
  fill(buffer, 0, 10);
  std::unique_ptr<PartitionBuffer> held = buffer.hand_over();
  EXPECT_TRUE(buffer.empty());
  EXPECT_EQ(buffer.first(), Offset{10});
  EXPECT_EQ(buffer.rows().rows() + buffer.dead_letters().rows(), 0u);
  EXPECT_EQ(held->first(), Offset{0});
  EXPECT_EQ(held->next(), Offset{10});
  EXPECT_EQ(held->records(), 10u);

  // As the stream does it: the held range commits on its own thread while
  // the live buffer takes the next records.
  std::future<CommitSummary> first =
      std::async(std::launch::async, [&] { return committer.commit({held.get()}); });
  fill(buffer, 10, 5);
  EXPECT_EQ(first.get().rows + 1, 10u);  // one of the ten is a dead letter
  const CommitSummary second = committer.commit({&buffer});
  EXPECT_EQ(second.rows + second.dead_letters, 5u);

  const lake::LakeCommitState state = lake::CommitLog(storage).load();
  EXPECT_EQ(state.offsets.at({"vehicle_data", Partition{1}}), Offset{15});
  std::vector<std::string> names;
  for (const std::string& file : visible_files(folder.path()))
    names.push_back(fs::path(file).filename().string());
  EXPECT_EQ(std::count(names.begin(), names.end(),
                       "vehicle_data-p1-o00000000000000000010-00000000000000000014.parquet"),
            2);  // hour 13 and a dead letter (offset 10)
  EXPECT_EQ(std::count(names.begin(), names.end(),
                       "vehicle_data-p1-o00000000000000000000-00000000000000000009.parquet"),
            3);
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

// Whether a failed commit's record was created is unknown to the committer
// (the failure may come after it), so committing the same buffers again
// could commit them twice: it refuses until a new committer has recovered.
TEST(LakeCommitter, RefusesToCommitAgainAfterAFailedCommit) {
  testing::ScratchFolder folder;
  lake::LocalLakeStorage inner(folder.path());
  lake::FaultyLakeStorage storage(inner, 1'000'000);
  ManualClock clock(UnixMicros{1712321940000000});
  LakeCommitter committer(storage, recover_lake(storage), clock, 1);
  PartitionBuffer buffer({"vehicle_data", Partition{0}}, EventKind::kVehicle, Offset{0});
  fill(buffer, 0, 10);
  // Fail on the first publish: the commit record exists by then.
  storage.before_next("publish", [&] { storage.set_budget(0); });
  EXPECT_THROW(committer.commit({&buffer}), StorageError);
  storage.set_budget(1'000'000);
  EXPECT_THROW(committer.commit({&buffer}), StorageError);
  EXPECT_EQ(lake::CommitLog(inner).load().last_sequence, 1u) << "nothing committed twice";

  // The writer still counts as alive (a lease not yet expired after kill -9):
  // its committed files are published all the same.
  const lake::LakeCommitState state = recover_lake(inner, [](const std::string&) { return true; });
  EXPECT_EQ(state.offsets.at({"vehicle_data", Partition{0}}), Offset{10});
  EXPECT_EQ(visible_files(folder.path()).size(), 3u);
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

// Many writers, one lake. Each LakeCommitter below is one writer process.
const WriterIsAlive kNobodyAlive = [](const std::string&) { return false; };
LakeCommitter writer(lake::LakeStorage& storage, const Clock& clock, std::string id) {
  return LakeCommitter(storage, lake::CommitLog(storage).load(), clock, 1, std::move(id));
}

// A lake one writer reaches through `storage` (where a test can put another
// writer's step between two of its own) and others through `inner`.
struct SharedLake {
  testing::ScratchFolder folder;
  lake::LocalLakeStorage inner{folder.path()};
  lake::FaultyLakeStorage storage{inner, 1'000'000};
  ManualClock clock{UnixMicros{1712321940000000}};
  TopicPartition p0{"vehicle_data", Partition{0}};
  TopicPartition p1{"vehicle_data", Partition{1}};
};

TEST(LakeCommitter, WritersOfDifferentPartitionsRetryPastEachOthersCommits) {
  SharedLake shared;
  auto& [folder, inner, storage, clock, p0, p1] = shared;
  LakeCommitter a = writer(storage, clock, "a");
  LakeCommitter b = writer(inner, clock, "b");
  a.claim({p0}, "group", kNobodyAlive);
  b.claim({p1}, "group", kNobodyAlive);  // sequence 1 is a's: b catches up and takes 2
  PartitionBuffer buffer_a(p0, EventKind::kVehicle, Offset{0});
  PartitionBuffer buffer_b(p1, EventKind::kVehicle, Offset{0});
  fill(buffer_a, 0, 10);
  fill(buffer_b, 0, 20);
  // b commits while a is between encoding its files and creating its record.
  CommitSummary second;
  storage.before_next("create_if_absent", [&] { second = b.commit({&buffer_b}); });
  const CommitSummary first = a.commit({&buffer_a});
  EXPECT_EQ(second.sequence, 3u);
  EXPECT_EQ(first.sequence, 4u);
  EXPECT_EQ(first.conflicts, 1u);
  EXPECT_TRUE(first.fenced.empty());
  EXPECT_TRUE(second.fenced.empty());
  const lake::LakeCommitState state = lake::CommitLog(inner).load();
  EXPECT_EQ(state.last_sequence, 4u);
  EXPECT_EQ(state.offsets.at(p0), Offset{10});
  EXPECT_EQ(state.offsets.at(p1), Offset{20});
  EXPECT_EQ(state.owners.at(p0), (lake::PartitionOwner{"a", "group", 1}));
  EXPECT_EQ(state.owners.at(p1), (lake::PartitionOwner{"b", "group", 1}));
  EXPECT_EQ(a.state(), state);
}

TEST(LakeCommitter, AZombieCannotCommitAPartitionClaimedByAnother) {
  SharedLake shared;
  auto& [folder, storage, unused, clock, p0, p1] = shared;
  LakeCommitter zombie = writer(storage, clock, "zombie");
  zombie.claim({p0}, "group", kNobodyAlive);
  PartitionBuffer stale(p0, EventKind::kVehicle, Offset{0});
  fill(stale, 0, 10);

  // While the zombie is stalled, its partition moves to a new owner, which
  // reads from the lake's offset (0) and commits.
  LakeCommitter owner = writer(storage, clock, "owner");
  owner.claim({p0}, "group", kNobodyAlive);
  EXPECT_EQ(owner.state().offsets.count(p0), 0u);
  PartitionBuffer fresh(p0, EventKind::kVehicle, Offset{0});
  fill(fresh, 0, 12);
  ASSERT_GT(owner.commit({&fresh}).sequence, 0u);
  const auto files_before = visible_files(folder.path());

  const CommitSummary refused = zombie.commit({&stale});
  EXPECT_EQ(refused.sequence, 0u);
  EXPECT_EQ(refused.fenced, std::vector<TopicPartition>{p0});
  EXPECT_EQ(refused.fenced_records, 10u);
  EXPECT_TRUE(stale.empty());
  EXPECT_EQ(visible_files(folder.path()), files_before);
  EXPECT_TRUE(storage.list_staged_leftovers().empty());
  const lake::LakeCommitState state = lake::CommitLog(storage).load();
  EXPECT_EQ(state.offsets.at(p0), Offset{12});
  EXPECT_EQ(state.owners.at(p0).writer_id, "owner");
}

TEST(LakeCommitter, AClaimBetweenEncodingAndCommittingFencesTheZombie) {
  // The zombie has caught up and encoded its files when the new owner's claim
  // lands: its commit record must still not be created.
  SharedLake shared;
  auto& [folder, inner, storage, clock, p0, p1] = shared;
  LakeCommitter zombie = writer(storage, clock, "zombie");
  zombie.claim({p0, p1}, "group", kNobodyAlive);
  PartitionBuffer stale0(p0, EventKind::kVehicle, Offset{0});
  PartitionBuffer kept1(p1, EventKind::kVehicle, Offset{0});
  fill(stale0, 0, 10);
  fill(kept1, 0, 5);
  LakeCommitter owner = writer(inner, clock, "owner");
  storage.before_next("create_if_absent", [&] { owner.claim({p0}, "group", kNobodyAlive); });

  const CommitSummary summary = zombie.commit({&stale0, &kept1});
  EXPECT_EQ(summary.conflicts, 1u);
  EXPECT_EQ(summary.fenced, std::vector<TopicPartition>{p0});
  ASSERT_GT(summary.sequence, 0u);  // p1 is still the zombie's, and committed
  const lake::LakeCommitState state = lake::CommitLog(inner).load();
  EXPECT_EQ(state.offsets.count(p0), 0u);
  EXPECT_EQ(state.offsets.at(p1), Offset{5});
  for (const std::string& file : visible_files(folder.path()))
    EXPECT_EQ(file.find("-p0-"), std::string::npos) << file;
  EXPECT_TRUE(inner.list_staged_leftovers().empty());
}

TEST(LakeCommitter, ALiveWriterOfAnotherGroupKeepsItsPartitions) {
  SharedLake shared;
  auto& [folder, storage, unused, clock, p0, p1] = shared;
  LakeCommitter first = writer(storage, clock, "first");
  first.claim({p0}, "city", kNobodyAlive);
  LakeCommitter intruder = writer(storage, clock, "intruder");
  const WriterIsAlive first_alive = [](const std::string& id) { return id == "first"; };
  try {
    intruder.claim({p0}, "other", first_alive);
    FAIL() << "a second group took a live writer's partition";
  } catch (const UsageError& e) {
    EXPECT_NE(std::string(e.what()).find("--group city"), std::string::npos) << e.what();
  }
  EXPECT_EQ(lake::CommitLog(storage).load().owners.at(p0).writer_id, "first");
  // The same group shares; and once the first writer is gone, anyone may.
  intruder.claim({p0}, "city", first_alive);
  LakeCommitter later = writer(storage, clock, "later");
  later.claim({p0}, "renamed", kNobodyAlive);
  EXPECT_EQ(lake::CommitLog(storage).load().owners.at(p0),
            (lake::PartitionOwner{"later", "renamed", 3}));
}

TEST(RecoverLake, LeavesTheStagedFilesOfLiveWritersAlone) {
  testing::ScratchFolder folder;
  lake::LocalLakeStorage storage(folder.path());
  const std::string path = "vehicle/date=2024-04-05/hour=12/a.parquet";
  std::ofstream(storage.staging_path(path, "live")) << "x";
  std::ofstream(storage.staging_path(path, "dead")) << "x";
  recover_lake(storage, [](const std::string& id) { return id == "live"; });
  const auto leftovers = storage.list_staged_leftovers();
  ASSERT_EQ(leftovers.size(), 1u);
  EXPECT_EQ(leftovers[0].writer_id, "live");
}

TEST(RecoverLake, RemovesUncommittedAndPublishesCommittedLeftovers) {
  testing::ScratchFolder folder;
  lake::LocalLakeStorage storage(folder.path());
  const std::string committed = "vehicle/date=2024-04-05/hour=12/a.parquet";
  const std::string uncommitted = "vehicle/date=2024-04-05/hour=12/b.parquet";
  for (const std::string& path : {committed, uncommitted}) {
    std::ofstream(storage.staging_path(path, "dead-writer")) << "x";
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

namespace smartcity::stream {
namespace {

TEST(DataFilePath, NamesItsPartition) {
  const std::string path = data_file_path("vehicle", {"vehicle_data", Partition{12}},
                                          lake::HourKey{}, Offset{5}, Offset{9});
  const auto partition = partition_of_data_file(path);
  ASSERT_TRUE(partition.has_value());
  EXPECT_EQ(*partition, (TopicPartition{"vehicle_data", Partition{12}}));
  EXPECT_FALSE(partition_of_data_file("vehicle/date=2026-11-25/hour=03/x.parquet").has_value());
}

// With leases (liveness only inferred), a "dead" writer that still owns the
// partition may be a stalled one about to commit: its staged file stays until
// a newer claim fences it. With certain liveness it goes at once.
TEST(LakeCommitter, RecoveryKeepsAStalledOwnersFilesUntilAClaimFencesIt) {
  for (const bool certain : {false, true}) {
    SharedLake lake;
    lake.storage.set_liveness_certain(certain);
    LakeCommitter a = writer(lake.storage, lake.clock, "writer-a");
    a.claim({lake.p0}, "group", kNobodyAlive);
    const std::string final_path =
        data_file_path("vehicle", lake.p0, lake::HourKey{}, Offset{0}, Offset{10});
    const auto staged = lake.storage.staging_path(final_path, "writer-a");
    std::ofstream(staged) << "rows";

    recover_lake(lake.storage, kNobodyAlive);
    EXPECT_EQ(std::filesystem::exists(staged), !certain) << "certain liveness: " << certain;

    LakeCommitter b = writer(lake.storage, lake.clock, "writer-b");
    b.claim({lake.p0}, "group", kNobodyAlive);
    recover_lake(lake.storage, kNobodyAlive);
    EXPECT_FALSE(std::filesystem::exists(staged)) << "fenced by writer-b's claim";
  }
}

}  // namespace
}  // namespace smartcity::stream
