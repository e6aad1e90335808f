// Reads the partitions a consumer owns with the direct fetch (one
// `KafkaFetchConnection` per leader broker, `RecordBatchReader` over each
// response), one fetch ahead: the next request to a broker is sent as soon as
// its last response arrives (its batch headers say where it ends), so the
// broker prepares it while the caller decodes. With several brokers, each poll reads whichever
// answers first, so one with nothing new (it holds its answer for the poll's wait) delays no other.
// Single-threaded; `KafkaConsumer` owns it and decides the positions.
//
// Operational trouble is retried, not thrown: a lost or refused connection
// drops that broker's connection and looks the leaders up again on a later
// poll (warning once per broker and outage), as librdkafka does. A broker
// that cannot be reached holds up no other: the rest keep their connections
// and are read meanwhile, and connects do not block (`KafkaFetchConnector`),
// so a host that drops packets, or a broker process that is stopped, costs
// no poll more than its wait. A partition whose leader answers
// with an error (it moved, an election is under way) is left out of the fetches until its leader is
// looked up again, at once the first time and then after a backoff that grows while the errors go
// on; the broker's other partitions are read meanwhile.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "base/topic_partition.h"
#include "kafka/kafka_fetch_connection.h"
#include "kafka/record_batch_reader.h"

namespace smartcity::kafka {

// One record handed to the caller: views valid until the next poll.
struct ConsumedRecord {
  std::string_view topic;
  Partition partition;
  Offset offset;
  std::int64_t timestamp_ms = -1;  // -1: none
  std::string_view key;
  std::string_view value;
};

struct BrokerAddress {
  std::string host;
  int port = 0;
  auto operator<=>(const BrokerAddress&) const = default;
};

class DirectFetcher {
 public:
  // Each given partition's leader, from the cluster's metadata; partitions
  // without a known leader are left out. May throw KafkaError.
  using LeaderLookup =
      std::function<std::map<TopicPartition, BrokerAddress>(const std::vector<TopicPartition>&)>;

  DirectFetcher(LeaderLookup leaders, FetchLimits limits, std::chrono::milliseconds timeout);
  ~DirectFetcher();

  // Reads `positions` from now on, in place of whatever was read before.
  void assign(const std::vector<FetchPosition>& positions);
  bool empty() const { return positions_.empty(); }

  // Appends to `out` the records of one partition of a fetch response (or
  // none, after `wait` or a retried failure), in offset order. A response's
  // partitions are handed out one per poll, each decompressed only when its
  // turn comes: the caller then reads records its cache still holds, where a
  // whole 16 MiB response decompressed at once had left it, and only one
  // partition's decompressed bytes are held at a time.
  void poll(std::vector<ConsumedRecord>& out, std::chrono::milliseconds wait);

  // The partitions whose position the broker refused as out of range (their
  // log no longer, or not yet, holds it); they are not read until
  // `set_position`.
  std::vector<TopicPartition> out_of_range() const;
  void set_position(const TopicPartition& partition, Offset offset);

  // The partition's log end as of its last fetch; nullopt before one.
  std::optional<Offset> high_watermark(const TopicPartition& partition) const;

 private:
  struct Position {
    TopicPartition partition;
    Offset next;
    std::optional<Offset> high_watermark;
    bool out_of_range = false;
    int leader_errors = 0;  // retriable errors in a row
    // Set after a retriable error: not fetched until the leaders are looked
    // up again, which is not before then.
    std::optional<std::chrono::steady_clock::time_point> relookup_at{};
  };
  struct Source;
  // A response received and not yet handed out in full; its partitions view
  // the source's connection buffer, which lives until that connection's
  // next receive. The positions have moved past it already (so that the
  // next request went out at once); `from` is where each part was asked for.
  struct PendingPartition {
    FetchedPartition part;
    Offset from;
  };
  struct PendingResponse {
    Source* source = nullptr;
    std::vector<PendingPartition> partitions;
    std::size_t next = 0;
  };

  void connect();
  // Waits up to `wait` for `source`'s connector; moves the connection it
  // opened into the source. False if it failed: the broker is then warned
  // down and the leaders looked up again after the reconnect backoff.
  bool finish_connect(Source& source, std::chrono::milliseconds wait);
  // When the leaders are to be looked up next; nullopt if nothing needs it.
  std::optional<std::chrono::steady_clock::time_point> lookup_at() const;
  // Takes in a response from `source`: moves the positions past it and asks
  // the broker for the next one before anything is decompressed.
  void accept(Source& source, std::vector<FetchedPartition> fetched,
              std::chrono::milliseconds wait);
  // Hands out the next partition of `pending_` that has records.
  void read_pending(std::vector<ConsumedRecord>& out);
  // Forgets what `pending_` holds, moving its positions back to where it
  // was asked for, so that none of it is skipped.
  void abandon_pending();
  // Asks the source's broker for its partitions from their positions, if it
  // leads any still read; a failure drops the connection (retried later).
  void send_fetch(Source& source, std::chrono::milliseconds wait);
  // Forgets `source`'s connection (and its pending response) after a
  // failure; the leaders are looked up again after the reconnect backoff.
  void drop(Source& source, const std::string& why);
  // Warns that `address` cannot be read, once until it answers again.
  void warn_down(const BrokerAddress& address, const std::string& why);
  std::vector<FetchPosition> positions_of(const Source& source) const;
  Position* position(const TopicPartition& partition);

  LeaderLookup leaders_;
  FetchLimits limits_;
  std::chrono::milliseconds timeout_;
  std::vector<Position> positions_;
  std::vector<std::unique_ptr<Source>> sources_;
  std::size_t next_source_ = 0;
  bool reconnect_ = true;
  std::chrono::steady_clock::time_point reconnect_at_{};  // no attempt before
  bool lookup_warned_ = false;
  std::set<BrokerAddress> down_;  // warned of, not read since
  PendingResponse pending_;
  RecordBatchReader reader_;
  std::vector<KafkaRecordView> records_;
};

}  // namespace smartcity::kafka
