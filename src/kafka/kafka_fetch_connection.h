// One TCP connection to one Kafka broker that sends Fetch requests and keeps
// the raw response, so that `record_batch_reader` reads records straight out
// of it. No group membership, metadata or offsets: the caller knows which
// partitions this broker leads and where to read them from.
//
// Plaintext only (no TLS, no SASL): it is for the local broker and for
// clusters on a trusted network; everything else goes through librdkafka.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/topic_partition.h"

namespace smartcity::kafka {

struct FetchPosition {
  TopicPartition partition;
  Offset offset;
};

struct FetchLimits {
  std::chrono::milliseconds max_wait{100};
  std::int32_t min_bytes = 1;
  std::int32_t max_bytes = 16 << 20;
  std::int32_t partition_max_bytes = 2 << 20;
};

// One partition of a Fetch response. `records` views the connection's
// response buffer: valid until its next `fetch`.
struct FetchedPartition {
  TopicPartition partition;
  std::int16_t error_code = 0;  // Kafka's error code; 0 is none
  Offset high_watermark;
  std::span<const char> records;
};

class KafkaFetchConnection;

// A connection to one broker being opened without blocking its caller. A
// broker host that is down or cut off drops packets rather than refusing
// them, so a connect to it waits out the whole timeout; a broker whose
// process is stopped or hung has its connects accepted by the kernel, and
// then never answers. The direct fetch meanwhile goes on reading the brokers
// that answer.
class KafkaFetchConnector {
 public:
  // Resolves `host` and starts connecting to its first address. Throws
  // KafkaError if the host cannot be resolved.
  KafkaFetchConnector(const std::string& host, int port, std::chrono::milliseconds timeout);
  ~KafkaFetchConnector();
  KafkaFetchConnector(const KafkaFetchConnector&) = delete;
  KafkaFetchConnector& operator=(const KafkaFetchConnector&) = delete;

  // Waits up to `wait` for the connect and then for the broker's answer to
  // ApiVersions. Once it has answered, returns the connection, checked as
  // KafkaFetchConnection's constructor checks it; nullptr while the connect
  // or the answer is still to come. Throws KafkaError, naming the broker,
  // when every address of the host refused, when `timeout` has passed since
  // the start, or when the broker does not serve Fetch v11. Needs: not
  // called again after it returned a connection or threw.
  std::unique_ptr<KafkaFetchConnection> finish(std::chrono::milliseconds wait);

  const std::string& address() const { return address_; }

 private:
  friend class KafkaFetchConnection;

  // The connected socket (now blocking), or -1 while the connect is under
  // way; throws as finish() does. The caller owns the socket returned.
  int take_socket(std::chrono::milliseconds wait);
  // Starts a connect to the next address; leaves socket_ at -1 (take_socket()
  // then throws) when none is left.
  void start_next();

  std::string address_;
  std::chrono::milliseconds timeout_;
  std::chrono::steady_clock::time_point deadline_;
  struct Address {
    int family;
    int socket_type;
    int protocol;
    std::vector<char> bytes;  // a sockaddr
  };
  std::vector<Address> addresses_;
  std::size_t next_ = 0;
  int socket_ = -1;
  std::string last_error_ = "no address";
  // Connected, its ApiVersions request sent, its answer not yet read.
  std::unique_ptr<KafkaFetchConnection> unanswered_;
};

class KafkaFetchConnection {
 public:
  // Connects to `host:port` and checks (ApiVersions) that the broker serves
  // Fetch v11, blocking until then. Throws KafkaError, naming the broker, if
  // it cannot connect or answer within `timeout`, or does not serve Fetch
  // v11. KafkaFetchConnector opens one without blocking.
  KafkaFetchConnection(const std::string& host, int port, std::chrono::milliseconds timeout);
  ~KafkaFetchConnection();
  KafkaFetchConnection(const KafkaFetchConnection&) = delete;
  KafkaFetchConnection& operator=(const KafkaFetchConnection&) = delete;

  // Sends one Fetch (v11, read_uncommitted, no fetch session) for `positions`
  // and waits for its response. Partitions come back in the response's order.
  // Throws KafkaError on a broken connection, a timeout (`limits.max_wait` plus
  // the connection's timeout) or a response that does not parse.
  std::vector<FetchedPartition> fetch(const std::vector<FetchPosition>& positions,
                                      const FetchLimits& limits);

  // fetch() in two halves, so that the broker prepares the next response
  // while the caller reads the last one: send_fetch() returns once the
  // request is sent; receive_fetch() waits for its response. At most one
  // request is in flight (needs: `in_flight()` is false before send_fetch).
  void send_fetch(const std::vector<FetchPosition>& positions, const FetchLimits& limits);
  std::vector<FetchedPartition> receive_fetch();
  bool in_flight() const { return in_flight_; }

  // Waits up to `wait` until one of `connections` (each with a request in
  // flight) has its response arriving, or its connection closing, so that
  // receive_fetch() on it will not wait out a broker holding its answer for
  // lack of new records. Returns the first such in the given order; nullopt
  // if none did in time. Throws KafkaError if the wait itself fails.
  static std::optional<std::size_t> first_answering(
      std::span<KafkaFetchConnection* const> connections, std::chrono::milliseconds wait);

  const std::string& address() const { return address_; }

  // A socket KafkaFetchConnector connected; only it makes one.
  class ConnectedSocket {
    friend class KafkaFetchConnector;
    friend class KafkaFetchConnection;
    explicit ConnectedSocket(int fd) : fd_(fd) {}
    int fd_;
  };
  // Adopts `socket`, connected to `address`, and sends it the ApiVersions
  // request that the other constructor sends, without waiting for the
  // answer (check_api_versions() reads it); closes the socket if that throws.
  KafkaFetchConnection(ConnectedSocket socket, std::string address,
                       std::chrono::milliseconds timeout);

 private:
  friend class KafkaFetchConnector;

  // The two halves of the ApiVersions round trip; the second throws unless
  // the broker serves Fetch v11.
  void send_api_versions();
  void check_api_versions();
  // A request (api key, version, body) sent; its response body received.
  void send_request(std::int16_t api_key, std::int16_t api_version, const std::string& body,
                    std::chrono::milliseconds wait);
  std::span<const char> receive_response();
  void send_all(const std::string& bytes);
  void receive_exactly(char* into, std::size_t length);

  std::string address_;
  int socket_ = -1;
  std::int32_t correlation_id_ = 0;
  bool in_flight_ = false;
  std::chrono::milliseconds timeout_;
  std::string request_;
  std::string response_;
};

}  // namespace smartcity::kafka
