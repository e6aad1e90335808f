// LakeCache against a local lake standing in for the remote one: the cache
// only needs the LakeStorage interface, and the fault-injecting storage
// stands between them to fail reads.
#include "lake/lake_cache.h"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <optional>

#include "base/errors.h"
#include "lake/commit_log.h"
#include "lake/faulty_lake_storage.h"
#include "lake/local_lake_storage.h"
#include "lake/status_files.h"
#include "unit/lake/scratch_folder.h"

namespace smartcity::lake {
namespace {

using smartcity::testing::ScratchFolder;

std::string file_path(int n) {
  return "vehicle/date=2026-11-25/hour=03/f" + std::to_string(n) + ".parquet";
}

// Commits data file `n` (with `bytes` of contents) to the lake in `storage`.
void commit_file(LocalLakeStorage& storage, std::uint64_t sequence, int n, std::size_t bytes) {
  std::filesystem::create_directories(storage.root() / "vehicle/date=2026-11-25/hour=03");
  std::ofstream(storage.root() / file_path(n)) << std::string(bytes, 'x');
  CommitRecord record;
  record.sequence = sequence;
  record.writer_id = "w";
  record.files.push_back({"vehicle", file_path(n), 1, bytes});
  record.offsets.push_back(
      {TopicPartition{"vehicle_data", Partition{0}}, Offset{static_cast<std::int64_t>(n)}});
  ASSERT_TRUE(CommitLog(storage).try_append(record));
}

TEST(LakeCache, CopiesCommittedFilesOnlyAndThenOnlyWhatIsNew) {
  ScratchFolder remote_folder;
  ScratchFolder cache_folder;
  LocalLakeStorage remote(remote_folder.path());
  commit_file(remote, 1, 1, 100);
  commit_file(remote, 2, 2, 200);
  // Staged, never committed: readers must not see it.
  std::ofstream(remote.root() / "vehicle/date=2026-11-25/hour=03/.f3.parquet~w.tmp") << "zzz";

  LakeCache cache(remote, cache_folder.path(), 1 << 20);
  const LakeCacheSync first = cache.sync();
  EXPECT_EQ(first.commits_fetched, 2u);
  EXPECT_EQ(first.files_fetched, 2u);
  EXPECT_EQ(first.bytes_fetched, 300u);
  EXPECT_TRUE(std::filesystem::exists(cache_folder.path() / file_path(1)));
  EXPECT_TRUE(std::filesystem::exists(cache_folder.path() / file_path(2)));
  EXPECT_FALSE(std::filesystem::exists(cache_folder.path() /
                                       "vehicle/date=2026-11-25/hour=03/.f3.parquet~w.tmp"));

  commit_file(remote, 3, 4, 50);
  const LakeCacheSync second = cache.sync();
  EXPECT_EQ(second.commits_fetched, 1u);
  EXPECT_EQ(second.files_fetched, 1u);
  EXPECT_EQ(second.cached_bytes, 350u);

  const LakeCacheSync idle = cache.sync();
  EXPECT_EQ(idle.commits_fetched + idle.files_fetched, 0u);
}

TEST(LakeCache, ACommittedFileNotYetPublishedIsFetchedByTheNextSync) {
  ScratchFolder remote_folder;
  ScratchFolder cache_folder;
  LocalLakeStorage remote(remote_folder.path());
  commit_file(remote, 1, 1, 10);
  // Its writer has created the record but not yet renamed the file into place.
  std::filesystem::rename(remote.root() / file_path(1), remote.root() / "parked");
  LakeCache cache(remote, cache_folder.path(), 1 << 20);
  EXPECT_EQ(cache.sync().bytes_fetched, 0u);
  std::filesystem::rename(remote.root() / "parked", remote.root() / file_path(1));
  EXPECT_EQ(cache.sync().bytes_fetched, 10u);
  EXPECT_TRUE(std::filesystem::exists(cache_folder.path() / file_path(1)));
}

TEST(LakeCache, MirrorsTheStatusFilesOfRunningWritersOnly) {
  ScratchFolder remote_folder;
  ScratchFolder cache_folder;
  LocalLakeStorage remote(remote_folder.path());
  commit_file(remote, 1, 1, 10);
  remote.replace(std::string(kStatusPath), "latest");
  remote.replace(writer_status_path("a"), "a running");
  remote.replace(writer_status_path("b"), "b running");
  LakeCache cache(remote, cache_folder.path(), 1 << 20);
  cache.sync();
  const auto cached = [&](const std::string& path) -> std::optional<std::string> {
    std::ifstream in(cache_folder.path() / path);
    if (!in) return std::nullopt;
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  EXPECT_EQ(cached(std::string(kStatusPath)), "latest");
  EXPECT_EQ(cached(writer_status_path("a")), "a running");
  EXPECT_EQ(cached(writer_status_path("b")), "b running");
  // Writer a stops (its file goes), b reports again.
  remote.remove(writer_status_path("a"));
  remote.replace(writer_status_path("b"), "b later");
  cache.sync();
  EXPECT_EQ(cached(writer_status_path("a")), std::nullopt);
  EXPECT_EQ(cached(writer_status_path("b")), "b later");
}

TEST(LakeCache, RemovesFilesNoCommitNames) {
  ScratchFolder remote_folder;
  ScratchFolder cache_folder;
  LocalLakeStorage remote(remote_folder.path());
  commit_file(remote, 1, 1, 10);
  std::filesystem::create_directories(cache_folder.path() / "vehicle");
  std::ofstream(cache_folder.path() / "vehicle/stale.parquet") << "old";
  const LakeCacheSync synced = LakeCache(remote, cache_folder.path(), 1 << 20).sync();
  EXPECT_EQ(synced.files_removed, 1u);
  EXPECT_FALSE(std::filesystem::exists(cache_folder.path() / "vehicle/stale.parquet"));
}

TEST(LakeCache, RefusesToOutgrowItsBound) {
  ScratchFolder remote_folder;
  ScratchFolder cache_folder;
  LocalLakeStorage remote(remote_folder.path());
  commit_file(remote, 1, 1, 2000);
  try {
    LakeCache(remote, cache_folder.path(), 1000).sync();
    FAIL() << "a cache over its bound was accepted";
  } catch (const StorageError& e) {
    EXPECT_NE(std::string(e.what()).find("SMARTCITY_CACHE_MAX_GB"), std::string::npos);
  }
}

TEST(LakeCache, AFailingLakeIsAStorageErrorAndTheNextSyncRecovers) {
  ScratchFolder remote_folder;
  ScratchFolder cache_folder;
  LocalLakeStorage remote(remote_folder.path());
  for (int n = 1; n <= 5; ++n)
    commit_file(remote, static_cast<std::uint64_t>(n), n, 10);
  for (std::uint64_t budget = 0; budget < 12; ++budget) {
    FaultyLakeStorage faulty(remote, budget);
    LakeCache cache(faulty, cache_folder.path(), 1 << 20);
    try {
      cache.sync();
    } catch (const StorageError&) {
      continue;  // expected for small budgets; what was fetched stays
    }
  }
  FaultyLakeStorage healthy(remote, 1'000'000);
  LakeCache(healthy, cache_folder.path(), 1 << 20).sync();
  for (int n = 1; n <= 5; ++n)
    EXPECT_TRUE(std::filesystem::exists(cache_folder.path() / file_path(n))) << n;
}

}  // namespace
}  // namespace smartcity::lake
