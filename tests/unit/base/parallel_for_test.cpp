#include "base/parallel_for.h"

#include <gtest/gtest.h>

#include <atomic>
#include <stdexcept>
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
  std::atomic<int> started{0};
  EXPECT_THROW(parallel_for(10'000, 2,
                            [&](std::size_t i, std::size_t) {
                              ++started;
                              if (i == 10) throw std::runtime_error("task 10 failed");
                            }),
               std::runtime_error);
  EXPECT_LT(started.load(), 10'000);
}

}  // namespace
}  // namespace smartcity
