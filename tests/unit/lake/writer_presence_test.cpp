#include "lake/writer_presence.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

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
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    WriterPresence held(folder.path(), id);
    [[maybe_unused]] auto n = ::write(ready[1], "x", 1);
    ::pause();
    ::_exit(0);
  }
  char byte;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  EXPECT_TRUE(writer_is_alive(folder.path(), id));
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  // Its lock file is still there (nobody removed it), but nobody holds it.
  EXPECT_FALSE(writer_is_alive(folder.path(), id));
  ::close(ready[0]);
  ::close(ready[1]);
}

}  // namespace
}  // namespace smartcity::lake
