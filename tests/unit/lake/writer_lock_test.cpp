#include "lake/writer_lock.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/errors.h"
#include "unit/lake/scratch_folder.h"

namespace smartcity::lake {
namespace {

TEST(WriterLock, SecondWriterIsRefusedWithTheHoldersPid) {
  testing::ScratchFolder folder;
  WriterLock first(folder.path());
  try {
    WriterLock second(folder.path());
    FAIL() << "two writers held the lock";
  } catch (const StorageError& e) {
    EXPECT_NE(std::string(e.what()).find(std::to_string(::getpid())), std::string::npos)
        << e.what();
  }
}

TEST(WriterLock, ReleasedOnDestructionAndWhenTheHolderIsKilled) {
  testing::ScratchFolder folder;
  { WriterLock first(folder.path()); }
  EXPECT_NO_THROW(WriterLock again(folder.path()));

  // A child takes the lock and dies by SIGKILL: the lock must die with it.
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    WriterLock held(folder.path());
    [[maybe_unused]] auto n = ::write(ready[1], "x", 1);
    ::pause();
    ::_exit(0);
  }
  char byte;
  ASSERT_EQ(::read(ready[0], &byte, 1), 1);
  EXPECT_THROW(WriterLock busy(folder.path()), StorageError);
  ::kill(child, SIGKILL);
  ::waitpid(child, nullptr, 0);
  EXPECT_NO_THROW(WriterLock after_kill(folder.path()));
  ::close(ready[0]);
  ::close(ready[1]);
}

}  // namespace
}  // namespace smartcity::lake
