#include "kafka/kafka_fetch_connection.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

#include "base/check.h"
#include "base/errors.h"
#include "kafka/kafka_wire_format.h"

namespace smartcity::kafka {
namespace {

constexpr std::int16_t kApiFetch = 1;
constexpr std::int16_t kApiVersions = 18;
constexpr std::int16_t kFetchVersion = 11;
constexpr std::string_view kClientId = "smartcity";
// Larger than any Fetch response we ask for; a length above it means the
// stream is not Kafka's (or is corrupt).
constexpr std::int32_t kLargestResponse = 1 << 30;

struct AddressInfoDeleter {
  void operator()(addrinfo* info) const { freeaddrinfo(info); }
};

void set_timeout(int socket, int option, std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  setsockopt(socket, SOL_SOCKET, option, &tv, sizeof tv);
}

}  // namespace

KafkaFetchConnector::KafkaFetchConnector(const std::string& host, int port,
                                         std::chrono::milliseconds timeout)
    : address_(host + ":" + std::to_string(port)),
      timeout_(timeout),
      deadline_(std::chrono::steady_clock::now() + timeout) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* raw = nullptr;
  const int found = getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &raw);
  if (found != 0) {
    throw KafkaError("cannot resolve Kafka broker " + address_ + ": " + gai_strerror(found));
  }
  std::unique_ptr<addrinfo, AddressInfoDeleter> resolved(raw);
  for (const addrinfo* a = resolved.get(); a != nullptr; a = a->ai_next) {
    const auto* bytes = reinterpret_cast<const char*>(a->ai_addr);
    addresses_.push_back(
        {a->ai_family, a->ai_socktype, a->ai_protocol, {bytes, bytes + a->ai_addrlen}});
  }
  start_next();
}

KafkaFetchConnector::~KafkaFetchConnector() {
  if (socket_ >= 0) ::close(socket_);
}

void KafkaFetchConnector::start_next() {
  while (next_ < addresses_.size()) {
    const Address& a = addresses_[next_++];
    const int s = ::socket(a.family, a.socket_type | SOCK_CLOEXEC | SOCK_NONBLOCK, a.protocol);
    if (s < 0) {
      last_error_ = std::strerror(errno);
      continue;
    }
    const auto* address = reinterpret_cast<const sockaddr*>(a.bytes.data());
    // On loopback a connect is done at once; elsewhere it goes on after
    // EINPROGRESS, and take_socket() learns how it ended.
    if (::connect(s, address, static_cast<socklen_t>(a.bytes.size())) == 0 ||
        errno == EINPROGRESS) {
      socket_ = s;
      return;
    }
    last_error_ = std::strerror(errno);
    ::close(s);
  }
}

int KafkaFetchConnector::take_socket(std::chrono::milliseconds wait) {
  while (true) {
    if (socket_ < 0) {
      throw KafkaError("cannot connect to Kafka broker " + address_ + " (" + last_error_ +
                       "); is a broker running?");
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline_ - std::chrono::steady_clock::now());
    pollfd writable{socket_, POLLOUT, 0};
    const int ready = ::poll(&writable, 1,
                             static_cast<int>(std::clamp<std::int64_t>(std::min(wait, left).count(),
                                                                       0, std::int64_t{1} << 30)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready == 0) {
      if (left.count() > 0) return -1;
      throw KafkaError("cannot connect to Kafka broker " + address_ + " (no answer within " +
                       std::to_string(timeout_.count()) + " ms); is the host reachable?");
    }
    int error = 0;
    socklen_t size = sizeof error;
    if (ready < 0 || getsockopt(socket_, SOL_SOCKET, SO_ERROR, &error, &size) != 0) error = errno;
    if (error == 0) {
      const int s = socket_;
      socket_ = -1;
      // Requests and responses wait with their own timeouts (SO_RCVTIMEO),
      // on a blocking socket.
      fcntl(s, F_SETFL, fcntl(s, F_GETFL) & ~O_NONBLOCK);
      set_timeout(s, SO_SNDTIMEO, timeout_);
      return s;
    }
    last_error_ = std::strerror(error);
    ::close(socket_);
    socket_ = -1;
    start_next();
  }
}

std::unique_ptr<KafkaFetchConnection> KafkaFetchConnector::finish(std::chrono::milliseconds wait) {
  const auto until = std::chrono::steady_clock::now() + wait;
  if (!unanswered_) {
    const int s = take_socket(wait);
    if (s < 0) return nullptr;
    unanswered_ = std::make_unique<KafkaFetchConnection>(KafkaFetchConnection::ConnectedSocket(s),
                                                         address_, timeout_);
  }
  // What is left of `wait`, and of the timeout: a broker whose process is
  // stopped has its connects accepted by the kernel, and never answers.
  const auto now = std::chrono::steady_clock::now();
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::min(until, deadline_) - now);
  KafkaFetchConnection* const connection = unanswered_.get();
  if (!KafkaFetchConnection::first_answering({&connection, 1},
                                             std::max(left, std::chrono::milliseconds(0)))) {
    if (now < deadline_) return nullptr;
    throw KafkaError("Kafka broker " + address_ +
                     " accepted the connection but did not answer within " +
                     std::to_string(timeout_.count()) + " ms; is its process running?");
  }
  unanswered_->check_api_versions();
  return std::move(unanswered_);
}

KafkaFetchConnection::KafkaFetchConnection(const std::string& host, int port,
                                           std::chrono::milliseconds timeout)
    : timeout_(timeout) {
  KafkaFetchConnector connector(host, port, timeout);
  address_ = connector.address();
  // take_socket() throws once the timeout has passed, so this ends.
  while ((socket_ = connector.take_socket(timeout)) < 0) {
  }
  send_api_versions();
  check_api_versions();
}

KafkaFetchConnection::KafkaFetchConnection(ConnectedSocket socket, std::string address,
                                           std::chrono::milliseconds timeout)
    : address_(std::move(address)), socket_(socket.fd_), timeout_(timeout) {
  try {
    send_api_versions();
  } catch (...) {
    // The destructor does not run for a constructor that throws.
    ::close(socket_);
    throw;
  }
}

void KafkaFetchConnection::send_api_versions() {
  const int one = 1;
  setsockopt(socket_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  send_request(kApiVersions, 0, std::string(), std::chrono::milliseconds(0));
}

void KafkaFetchConnection::check_api_versions() {
  WireReader versions(receive_response());
  const std::int16_t error = versions.int16();
  bool serves_fetch = false;
  for (std::int32_t n = versions.int32(); n > 0 && !versions.failed(); --n) {
    const std::int16_t key = versions.int16();
    const std::int16_t lowest = versions.int16();
    const std::int16_t highest = versions.int16();
    if (key == kApiFetch) serves_fetch = lowest <= kFetchVersion && kFetchVersion <= highest;
  }
  if (error != 0 || versions.failed() || !serves_fetch) {
    throw KafkaError("Kafka broker " + address_ +
                     " does not serve Fetch v11 (Kafka 2.3 to 4.x do); use the librdkafka path");
  }
}

KafkaFetchConnection::~KafkaFetchConnection() {
  if (socket_ >= 0) ::close(socket_);
}

void KafkaFetchConnection::send_all(const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const ssize_t n = ::send(socket_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      throw KafkaError("lost the connection to Kafka broker " + address_ + " (" +
                       std::strerror(errno) + ")");
    }
    sent += static_cast<std::size_t>(n);
  }
}

void KafkaFetchConnection::receive_exactly(char* into, std::size_t length) {
  std::size_t received = 0;
  while (received < length) {
    const ssize_t n = ::recv(socket_, into + received, length - received, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      throw KafkaError("Kafka broker " + address_ + " did not answer within " +
                       std::to_string(timeout_.count()) + " ms");
    }
    if (n <= 0) {
      throw KafkaError("lost the connection to Kafka broker " + address_ +
                       (n == 0 ? std::string(" (closed by the broker)")
                               : " (" + std::string(std::strerror(errno)) + ")"));
    }
    received += static_cast<std::size_t>(n);
  }
}

void KafkaFetchConnection::send_request(std::int16_t api_key, std::int16_t api_version,
                                        const std::string& body, std::chrono::milliseconds wait) {
  SMARTCITY_CHECK(!in_flight_, "one request at a time on a fetch connection");
  const std::int32_t correlation_id = ++correlation_id_;
  WireWriter header;
  header.int32(0);  // the size, patched below
  header.int16(api_key);
  header.int16(api_version);
  header.int32(correlation_id);
  header.string(kClientId);
  request_ = header.bytes();
  request_ += body;
  WireWriter size;
  size.int32(static_cast<std::int32_t>(request_.size() - 4));
  request_.replace(0, 4, size.bytes());
  set_timeout(socket_, SO_RCVTIMEO, wait + timeout_);
  send_all(request_);
  in_flight_ = true;
}

std::span<const char> KafkaFetchConnection::receive_response() {
  SMARTCITY_CHECK(in_flight_, "a response is received only for a request sent");
  in_flight_ = false;
  char size_bytes[4];
  receive_exactly(size_bytes, sizeof size_bytes);
  const std::int32_t length = WireReader(std::span<const char>(size_bytes, 4)).int32();
  if (length < 4 || length > kLargestResponse) {
    throw KafkaError("Kafka broker " + address_ + " sent a response of " + std::to_string(length) +
                     " bytes; is this a Kafka listener?");
  }
  // resize() keeps the capacity, so after the first large response the
  // buffer's pages are reused, not faulted in afresh.
  response_.resize(static_cast<std::size_t>(length));
  receive_exactly(response_.data(), response_.size());
  WireReader reader(response_);
  if (reader.int32() != correlation_id_) {
    throw KafkaError("Kafka broker " + address_ + " answered another request");
  }
  return std::span<const char>(response_).subspan(4);
}

std::optional<std::size_t> KafkaFetchConnection::first_answering(
    std::span<KafkaFetchConnection* const> connections, std::chrono::milliseconds wait) {
  std::vector<pollfd> sockets;
  for (const KafkaFetchConnection* c : connections) {
    SMARTCITY_CHECK(c->in_flight_, "only a connection with a request in flight answers");
    sockets.push_back({c->socket_, POLLIN, 0});
  }
  const auto deadline = std::chrono::steady_clock::now() + wait;
  while (true) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    const int ready = ::poll(sockets.data(), sockets.size(),
                             static_cast<int>(std::max<std::int64_t>(left.count(), 0)));
    if (ready < 0 && errno == EINTR) continue;
    if (ready < 0) {
      throw KafkaError(std::string("waiting for Kafka brokers to answer: ") + std::strerror(errno));
    }
    for (std::size_t i = 0; i < sockets.size(); ++i) {
      if (sockets[i].revents != 0) return i;  // POLLIN, or POLLHUP/POLLERR for receive to name
    }
    if (left.count() <= 0) return std::nullopt;
  }
}

std::vector<FetchedPartition> KafkaFetchConnection::fetch(
    const std::vector<FetchPosition>& positions, const FetchLimits& limits) {
  send_fetch(positions, limits);
  return receive_fetch();
}

void KafkaFetchConnection::send_fetch(const std::vector<FetchPosition>& positions,
                                      const FetchLimits& limits) {
  WireWriter body;
  body.int32(-1);  // replica id: a consumer
  body.int32(static_cast<std::int32_t>(limits.max_wait.count()));
  body.int32(limits.min_bytes);
  body.int32(limits.max_bytes);
  body.int8(0);    // read_uncommitted: smartcity's producers are not transactional
  body.int32(0);   // no fetch session
  body.int32(-1);  // session epoch: a full fetch
  // Topics, each once, with their partitions in the order given.
  std::vector<std::pair<std::string, std::vector<const FetchPosition*>>> topics;
  for (const FetchPosition& p : positions) {
    auto it = std::find_if(topics.begin(), topics.end(),
                           [&](const auto& t) { return t.first == p.partition.topic; });
    if (it == topics.end()) it = topics.insert(topics.end(), {p.partition.topic, {}});
    it->second.push_back(&p);
  }
  body.int32(static_cast<std::int32_t>(topics.size()));
  for (const auto& [topic, list] : topics) {
    body.string(topic);
    body.int32(static_cast<std::int32_t>(list.size()));
    for (const FetchPosition* p : list) {
      body.int32(p->partition.partition.value);
      body.int32(-1);  // current leader epoch: not checked
      body.int64(p->offset.value);
      body.int64(-1);  // log start offset: followers only
      body.int32(limits.partition_max_bytes);
    }
  }
  body.int32(0);    // forgotten topics
  body.string("");  // rack id

  send_request(kApiFetch, kFetchVersion, body.bytes(), limits.max_wait);
}

std::vector<FetchedPartition> KafkaFetchConnection::receive_fetch() {
  WireReader in(receive_response());
  in.int32();  // throttle time
  const std::int16_t error = in.int16();
  in.int32();  // session id
  if (error != 0) {
    throw KafkaError("Kafka broker " + address_ + " refused a fetch (error code " +
                     std::to_string(error) + ")");
  }
  std::vector<FetchedPartition> fetched;
  for (std::int32_t t = in.int32(); t > 0 && !in.failed(); --t) {
    const std::string topic(in.string().value_or(""));
    for (std::int32_t p = in.int32(); p > 0 && !in.failed(); --p) {
      FetchedPartition part;
      part.partition = {topic, Partition{in.int32()}};
      part.error_code = in.int16();
      part.high_watermark = Offset{in.int64()};
      in.int64();  // last stable offset
      in.int64();  // log start offset
      for (std::int32_t a = in.int32(); a > 0 && !in.failed(); --a) {
        in.int64();  // aborted transactions: none from smartcity's producers
        in.int64();
      }
      in.int32();  // preferred read replica
      part.records = in.bytes().value_or(std::span<const char>());
      fetched.push_back(std::move(part));
    }
  }
  if (in.failed()) {
    throw KafkaError("Kafka broker " + address_ + " sent a Fetch response that does not parse");
  }
  return fetched;
}

}  // namespace smartcity::kafka
