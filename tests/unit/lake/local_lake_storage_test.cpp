#include "lake/local_lake_storage.h"

#include <gtest/gtest.h>

#include <fstream>

#include "base/errors.h"
#include "lake/faulty_lake_storage.h"
#include "unit/lake/scratch_folder.h"

namespace smartcity::lake {
namespace {

void write_file(const std::filesystem::path& path, const std::string& contents) {
  std::ofstream(path, std::ios::binary) << contents;
}

TEST(LocalLakeStorage, StagedFilesAreHiddenUntilPublished) {
  testing::ScratchFolder folder;
  LocalLakeStorage storage(folder.path());
  const std::string final_path = "vehicle/date=2024-04-05/hour=12/a.parquet";
  const auto staged = storage.staging_path(final_path, "w1");
  EXPECT_EQ(staged.filename().string(), ".a.parquet~w1.tmp");
  // Another writer staging the same final path gets a file of its own.
  EXPECT_NE(storage.staging_path(final_path, "w2"), staged);
  EXPECT_EQ(staged.parent_path(), folder.path() / "vehicle/date=2024-04-05/hour=12");
  write_file(staged, "data");
  storage.sync_staged(staged);
  EXPECT_FALSE(storage.exists(final_path));
  const auto leftovers = storage.list_staged_leftovers();
  ASSERT_EQ(leftovers.size(), 1u);
  EXPECT_EQ(leftovers[0].final_path, final_path);
  EXPECT_EQ(leftovers[0].staged, staged);
  EXPECT_EQ(leftovers[0].writer_id, "w1");
  storage.publish(staged, final_path);
  EXPECT_EQ(storage.read(final_path), "data");
  EXPECT_TRUE(storage.list_staged_leftovers().empty());
  // Publishing again (a recovery replaying it) is a no-op.
  EXPECT_NO_THROW(storage.publish(staged, final_path));
}

TEST(LocalLakeStorage, StagedNamesCarryTheirWriter) {
  const StagedName named = parse_staged_name(".x-p0-o1-2.parquet~abc123.tmp");
  EXPECT_EQ(named.final_name, "x-p0-o1-2.parquet");
  EXPECT_EQ(named.writer_id, "abc123");
  // Staged before names carried the writer: no writer, same final name.
  const StagedName legacy = parse_staged_name(".x-p0-o1-2.parquet.tmp");
  EXPECT_EQ(legacy.final_name, "x-p0-o1-2.parquet");
  EXPECT_EQ(legacy.writer_id, "");
}

TEST(LocalLakeStorage, ReplaceAndReadAndList) {
  testing::ScratchFolder folder;
  LocalLakeStorage storage(folder.path());
  EXPECT_FALSE(storage.read("_smartcity/status.json").has_value());
  storage.replace("_smartcity/status.json", "one");
  storage.replace("_smartcity/status.json", "two");
  EXPECT_EQ(storage.read("_smartcity/status.json"), "two");
  EXPECT_EQ(storage.list("_smartcity"), std::vector<std::string>{"status.json"});
  EXPECT_TRUE(storage.list("missing").empty());
  storage.remove("_smartcity/status.json");
  storage.remove("_smartcity/status.json");
  EXPECT_FALSE(storage.exists("_smartcity/status.json"));
}

TEST(LocalLakeStorage, BookkeepingTemporariesAreNotDataLeftovers) {
  testing::ScratchFolder folder;
  LocalLakeStorage storage(folder.path());
  std::filesystem::create_directories(folder.path() / "_smartcity/commits");
  write_file(folder.path() / "_smartcity/commits/.x.json.1-0.tmp", "partial");
  EXPECT_TRUE(storage.list_staged_leftovers().empty());
}

TEST(LocalLakeStorage, UnusableRootIsAStorageError) {
  testing::ScratchFolder folder;
  write_file(folder.path() / "file", "x");
  EXPECT_THROW(LocalLakeStorage(folder.path() / "file"), StorageError);
}

TEST(FaultyLakeStorage, FailsAfterItsBudget) {
  testing::ScratchFolder folder;
  LocalLakeStorage inner(folder.path());
  FaultyLakeStorage storage(inner, 2);
  storage.replace("a", "1");
  storage.replace("b", "2");
  EXPECT_THROW(storage.replace("c", "3"), StorageError);
  EXPECT_FALSE(inner.exists("c"));
  storage.set_budget(100);
  EXPECT_NO_THROW(storage.replace("c", "3"));
  EXPECT_EQ(storage.operations(), 4u);
}

}  // namespace
}  // namespace smartcity::lake

namespace smartcity::lake {
namespace {

TEST(OpenLakeStorage, S3IsRemoteFoldersAreLocalOtherSchemesAreRefused) {
  EXPECT_TRUE(is_remote_lake("s3://city-lake/events"));
  EXPECT_FALSE(is_remote_lake("/data/lake"));
  EXPECT_FALSE(is_remote_lake("lake"));
  EXPECT_THROW(is_remote_lake("gs://city-lake/events"), UsageError);
  EXPECT_THROW(open_lake_storage("gs://city-lake/events"), UsageError);
  EXPECT_THROW(open_lake_storage(""), UsageError);
}

}  // namespace
}  // namespace smartcity::lake
