// Ctrl-C and SIGTERM handling. Long-running verbs poll `requested()` in their
// loops and wind down cleanly (flush, commit, print a summary) instead of dying
// mid-write. A second Ctrl-C exits at once, for a user who means it.
#pragma once

#include <chrono>

namespace smartcity {

class ShutdownSignal {
 public:
  // Installs SIGINT/SIGTERM handlers. Safe to call more than once.
  static void install();
  // True once a signal arrived or request() was called.
  static bool requested();
  // Asks every loop to stop, as a signal would (for --duration and tests).
  static void request();
  // Sleeps up to `timeout`, returning early (true) if shutdown was requested.
  static bool wait_for(std::chrono::milliseconds timeout);
};

}  // namespace smartcity
