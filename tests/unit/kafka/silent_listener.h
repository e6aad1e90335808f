// A loopback port that never answers a connect, as a broker host that is down
// or cut off does (it drops the packets rather than refusing them): a socket
// listening with a backlog of 0 whose one queued connection is never
// accepted, so Linux drops every later SYN and the connects wait.
#pragma once

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace smartcity::kafka {

class SilentListener {
 public:
  SilentListener() {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof address;
    if (listener_ < 0 || ::bind(listener_, reinterpret_cast<sockaddr*>(&address), size) != 0 ||
        ::listen(listener_, 0) != 0 ||
        ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
      throw std::runtime_error("SilentListener: cannot listen on loopback");
    }
    port_ = ntohs(address.sin_port);
    // The one connection the queue holds: filled, it drops the rest.
    filler_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (filler_ < 0 || ::connect(filler_, reinterpret_cast<sockaddr*>(&address), size) != 0) {
      throw std::runtime_error("SilentListener: cannot fill the accept queue");
    }
  }
  ~SilentListener() {
    ::close(filler_);
    ::close(listener_);
  }
  SilentListener(const SilentListener&) = delete;
  SilentListener& operator=(const SilentListener&) = delete;

  int port() const { return port_; }

 private:
  int listener_ = -1;
  int filler_ = -1;
  int port_ = 0;
};

}  // namespace smartcity::kafka
