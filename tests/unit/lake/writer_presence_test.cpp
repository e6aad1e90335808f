#include "lake/writer_presence.h"

#include <gtest/gtest.h>

#include <memory>

#include "unit/lake/holding_child.h"
#include "unit/lake/scratch_folder.h"

namespace smartcity::lake {
namespace {

TEST(WriterPresence, AliveWhileHeldGoneAfter) {
  testing::ScratchFolder folder;
  const std::string id = new_writer_id();
  EXPECT_EQ(id.size(), 32u);
  EXPECT_NE(id, new_writer_id());
  EXPECT_FALSE(writer_is_alive(folder.path(), id));
  {
    WriterPresence presence(folder.path(), id);
    EXPECT_TRUE(writer_is_alive(folder.path(), id));
    // Two writers in one lake are both alive.
    WriterPresence other(folder.path(), new_writer_id());
    EXPECT_TRUE(writer_is_alive(folder.path(), other.writer_id()));
  }
  EXPECT_FALSE(writer_is_alive(folder.path(), id));
  EXPECT_FALSE(writer_is_alive(folder.path(), ""));
}

TEST(WriterPresence, AWriterKilledBySigkillIsNotAlive) {
  testing::ScratchFolder folder;
  const std::string id = new_writer_id();
  testing::HoldingChild child([&] { return std::make_unique<WriterPresence>(folder.path(), id); });
  EXPECT_TRUE(writer_is_alive(folder.path(), id));
  child.kill();
  // Its lock file is still there (nobody removed it), but nobody holds it.
  EXPECT_FALSE(writer_is_alive(folder.path(), id));
}

}  // namespace
}  // namespace smartcity::lake
