#include "base/parallel_for.h"

#include <algorithm>
#include <atomic>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

namespace smartcity {

void parallel_for(std::size_t count, std::size_t workers,
                  const std::function<void(std::size_t index, std::size_t worker)>& task) {
  const std::size_t threads = std::min(std::max<std::size_t>(workers, 1), count);
  if (threads == 0) return;
  std::atomic<std::size_t> next{0};
  std::mutex failure_mutex;
  std::exception_ptr first_failure;
  auto work = [&](std::size_t worker) {
    try {
      for (std::size_t i = next++; i < count; i = next++)
        task(i, worker);
    } catch (...) {
      next = count;
      const std::lock_guard<std::mutex> lock(failure_mutex);
      if (!first_failure) first_failure = std::current_exception();
    }
  };
  std::vector<std::thread> helpers;
  for (std::size_t t = 1; t < threads; ++t)
    helpers.emplace_back(work, t);
  work(0);
  for (std::thread& helper : helpers)
    helper.join();
  if (first_failure) std::rethrow_exception(first_failure);
}

}  // namespace smartcity
