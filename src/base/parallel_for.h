// Running independent tasks on a few threads: Parquet files of one commit,
// parts of one upload, files of one cache sync.
#pragma once

#include <cstddef>
#include <functional>

namespace smartcity {

// Runs task(index, worker) for every index in [0, count) on up to `workers`
// threads, the caller's among them; `worker` (in [0, workers)) names the
// thread, for state a thread must not share. After a task throws no new task
// starts, and the first failure is rethrown once every thread has stopped.
void parallel_for(std::size_t count, std::size_t workers,
                  const std::function<void(std::size_t index, std::size_t worker)>& task);

}  // namespace smartcity
