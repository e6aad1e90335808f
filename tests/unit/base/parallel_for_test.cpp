#include "base/parallel_for.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

namespace smartcity {
namespace {

TEST(ParallelFor, RunsEveryTaskOnceOnAtMostTheWorkersGiven) {
  std::vector<std::atomic<int>> runs(1000);
  std::atomic<std::size_t> highest_worker{0};
  parallel_for(runs.size(), 4, [&](std::size_t i, std::size_t worker) {
    ++runs[i];
    std::size_t seen = highest_worker.load();
    while (worker > seen && !highest_worker.compare_exchange_weak(seen, worker)) {
    }
  });
  for (const auto& count : runs)
    EXPECT_EQ(count.load(), 1);
  EXPECT_LT(highest_worker.load(), 4u);
}

TEST(ParallelFor, NothingToDoRunsNothing) {
  int calls = 0;
  parallel_for(0, 4, [&](std::size_t, std::size_t) { ++calls; });
  EXPECT_EQ(calls, 0);
}

TEST(ParallelFor, AFailureStopsNewTasksAndIsRethrown) {
  // Tasks take a millisecond so that the other worker cannot finish them all
  // while the failing one unwinds: a process's first throw can take
  // milliseconds (under AddressSanitizer, more), and 2 workers without the
  // stop would need 5 s for these 10,000.
  std::atomic<int> started{0};
  EXPECT_THROW(parallel_for(10'000, 2,
                            [&](std::size_t i, std::size_t) {
                              ++started;
                              if (i == 10) throw std::runtime_error("task 10 failed");
                              std::this_thread::sleep_for(std::chrono::milliseconds(1));
                            }),
               std::runtime_error);
  EXPECT_LT(started.load(), 1'000);
}

TEST(ParallelFor, OnlyTheFirstFailureIsRethrown) {
  try {
    parallel_for(2, 2, [&](std::size_t i, std::size_t) {
      if (i == 1) std::this_thread::sleep_for(std::chrono::milliseconds(200));
      throw std::runtime_error("task " + std::to_string(i));
    });
    FAIL() << "parallel_for returned although every task threw";
  } catch (const std::runtime_error& failure) {
    EXPECT_STREQ(failure.what(), "task 0");
  }
}

}  // namespace
}  // namespace smartcity
