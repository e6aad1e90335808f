#include "base/shutdown_signal.h"

#include <unistd.h>

#include <atomic>
#include <csignal>
#include <thread>

namespace smartcity {
namespace {

std::atomic<int> g_signals{0};
std::atomic<bool> g_requested{false};

void on_signal(int) {
  if (g_signals.fetch_add(1) >= 1) {
    static constexpr char kMessage[] = "\nsmartcity: second interrupt, exiting now\n";
    [[maybe_unused]] auto ignored = ::write(STDERR_FILENO, kMessage, sizeof kMessage - 1);
    ::_exit(130);
  }
  g_requested.store(true);
}

}  // namespace

void ShutdownSignal::install() {
  struct sigaction action {};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

bool ShutdownSignal::requested() {
  return g_requested.load(std::memory_order_relaxed);
}

void ShutdownSignal::request() {
  g_requested.store(true);
}

bool ShutdownSignal::wait_for(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!requested()) {
    const auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    std::this_thread::sleep_for(
        std::min<std::chrono::nanoseconds>(deadline - now, std::chrono::milliseconds(50)));
  }
  return true;
}

}  // namespace smartcity
