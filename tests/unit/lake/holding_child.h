// A child process that takes something only a process can hold (an flock)
// and waits to be killed: for testing what happens to it after SIGKILL,
// which no destructor sees.
#pragma once

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <stdexcept>

namespace smartcity::testing {

class HoldingChild {
 public:
  // Forks; the child runs `hold`, keeps what it made and waits. Returns once
  // `hold` has returned in the child.
  template <typename Hold>
  explicit HoldingChild(Hold hold) {
    int ready[2];
    if (::pipe(ready) != 0) throw std::runtime_error("pipe");
    pid_ = ::fork();
    if (pid_ < 0) throw std::runtime_error("fork");
    if (pid_ == 0) {
      [[maybe_unused]] auto held = hold();
      [[maybe_unused]] auto n = ::write(ready[1], "x", 1);
      ::pause();
      ::_exit(0);
    }
    char byte;
    const bool started = ::read(ready[0], &byte, 1) == 1;
    ::close(ready[0]);
    ::close(ready[1]);
    if (!started) throw std::runtime_error("the child did not start");
  }
  HoldingChild(const HoldingChild&) = delete;
  HoldingChild& operator=(const HoldingChild&) = delete;
  ~HoldingChild() { kill(); }

  // SIGKILL, and waits for it to be gone.
  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
};

}  // namespace smartcity::testing
