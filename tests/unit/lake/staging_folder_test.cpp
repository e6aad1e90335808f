#include "lake/staging_folder.h"

#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <memory>

#include "unit/lake/holding_child.h"
#include "unit/lake/scratch_folder.h"

namespace smartcity::lake {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPrefix = "smartcity-s3-staging-";

void age(const fs::path& path, std::chrono::minutes by) {
  fs::last_write_time(path, fs::file_time_type::clock::now() - by);
}

TEST(StagingFolder, IsPrivateAndRemovedWithWhatItHolds) {
  testing::ScratchFolder parent;
  fs::path path;
  {
    StagingFolder folder(parent.path(), kPrefix);
    path = folder.path();
    EXPECT_EQ(path.parent_path(), parent.path());
    EXPECT_TRUE(path.filename().string().starts_with(kPrefix));
    fs::create_directories(path / "vehicle" / "date=2024-04-05");
    std::ofstream(path / "vehicle" / "date=2024-04-05" / "file.parquet") << "rows";
    StagingFolder other(parent.path(), kPrefix);
    EXPECT_NE(other.path(), path);
  }
  EXPECT_FALSE(fs::exists(path));
}

// A process killed with SIGKILL cannot remove its folder; the next one
// made does, and leaves the folders of live owners (even old ones) alone.
TEST(StagingFolder, TheFolderOfAKilledProcessIsRemovedByTheNextOne) {
  testing::ScratchFolder parent;
  testing::HoldingChild child([&] {
    auto held = std::make_unique<StagingFolder>(parent.path(), kPrefix);
    std::ofstream(held->path() / "staged.parquet") << "rows";
    return held;
  });
  StagingFolder live(parent.path(), kPrefix);
  std::vector<fs::path> before;
  for (const auto& entry : fs::directory_iterator(parent.path()))
    before.push_back(entry.path());
  ASSERT_EQ(before.size(), 2u);
  const fs::path killed = before[0] == live.path() ? before[1] : before[0];
  age(killed, std::chrono::minutes(5));
  age(live.path(), std::chrono::minutes(5));

  // While the child lives, its folder stays.
  { StagingFolder next(parent.path(), kPrefix); }
  EXPECT_TRUE(fs::exists(killed / "staged.parquet"));

  child.kill();
  { StagingFolder next(parent.path(), kPrefix); }
  EXPECT_FALSE(fs::exists(killed));
  EXPECT_TRUE(fs::exists(live.path()));  // locked by this process: alive
}

TEST(StagingFolder, AFolderBeingSetUpOrOfAnOlderVersionIsKeptForAWhile) {
  testing::ScratchFolder parent;
  // No lock file: a process that has only just made it, or a version before
  // the lock; removed only once it is a day old.
  const fs::path young = parent.path() / (std::string(kPrefix) + "young1");
  const fs::path old = parent.path() / (std::string(kPrefix) + "old123");
  const fs::path unlocked = parent.path() / (std::string(kPrefix) + "unlck1");
  const fs::path other = parent.path() / "someone-elses-folder";
  for (const fs::path& path : {young, old, unlocked, other})
    fs::create_directories(path);
  std::ofstream(unlocked / ".owner.lock") << "";  // a lock file no one holds
  age(young, std::chrono::minutes(30));
  age(old, std::chrono::minutes(25 * 60));
  age(other, std::chrono::minutes(25 * 60));
  { StagingFolder next(parent.path(), kPrefix); }
  EXPECT_TRUE(fs::exists(young));
  EXPECT_FALSE(fs::exists(old));
  EXPECT_TRUE(fs::exists(unlocked));  // its owner may be about to lock it
  EXPECT_TRUE(fs::exists(other));     // not ours
  age(unlocked, std::chrono::minutes(2));
  { StagingFolder next(parent.path(), kPrefix); }
  EXPECT_FALSE(fs::exists(unlocked));
}

}  // namespace
}  // namespace smartcity::lake
