// Two loopback ports that never answer, as the brokers that hold up a client
// longest:
// - SilentListener never answers a connect, as a broker host that is down or
//   cut off does (it drops the packets rather than refusing them): a socket
//   listening with a backlog of 0 whose one queued connection is never
//   accepted, so Linux drops every later SYN and the connects wait.
// - MuteListener accepts connects (the kernel does, from its queue) and never
//   reads or answers a request, as a broker whose process is stopped or hung.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace smartcity::kafka {

// A socket listening on a free loopback port with `backlog`, that accepts
// nothing: the kernel completes up to that many connects on its own.
class LoopbackListener {
 public:
  explicit LoopbackListener(int backlog) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    address_.sin_family = AF_INET;
    address_.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address_;
    if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&address_), size) != 0 ||
        ::listen(listener_, backlog) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address_), &size) != 0) {
      throw std::runtime_error("cannot listen on loopback");
    }
  }
  ~LoopbackListener() { ::close(listener_); }
  LoopbackListener(const LoopbackListener&) = delete;
  LoopbackListener& operator=(const LoopbackListener&) = delete;

  int port() const { return ntohs(address_.sin_port); }

 protected:
  sockaddr_in address_{};

 private:
  int listener_ = -1;
};

class SilentListener : public LoopbackListener {
 public:
  SilentListener() : LoopbackListener(0) {
    // The one connection the queue holds: filled, it drops the rest.
    filler_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (filler_ < 0 ||
        ::connect(filler_, reinterpret_cast<sockaddr*>(&address_), sizeof address_) != 0) {
      throw std::runtime_error("SilentListener: cannot fill the accept queue");
    }
  }
  ~SilentListener() { ::close(filler_); }

 private:
  int filler_ = -1;
};

class MuteListener : public LoopbackListener {
 public:
  MuteListener() : LoopbackListener(64) {}
};

}  // namespace smartcity::kafka
