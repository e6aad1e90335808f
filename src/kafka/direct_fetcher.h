// Reads the partitions a consumer owns with the direct fetch (one
// `KafkaFetchConnection` per leader broker, `RecordBatchReader` over each
// response), one fetch ahead: the next request to a broker is sent as soon as
// its last response is read, so the broker prepares it while the caller
// decodes. With several brokers, each poll reads whichever answers first, so
// one with nothing new (it holds its answer for the poll's wait) delays no
// other. Single-threaded; `KafkaConsumer` owns it and decides the positions.
//
// Operational trouble is retried, not thrown: a lost or refused connection,
// or a partition whose leader moved, drops that broker's connection and
// looks the leaders up again on a later poll (warning once per outage), as
// librdkafka does.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
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

  // Appends to `out` the records of one fetch response (or none, after
  // `wait` or a retried failure), in offset order within each partition.
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
  };
  struct Source;

  void connect();
  void drop(Source& source, const std::string& why);
  std::vector<FetchPosition> positions_of(const Source& source) const;
  Position* position(const TopicPartition& partition);

  LeaderLookup leaders_;
  FetchLimits limits_;
  std::chrono::milliseconds timeout_;
  std::vector<Position> positions_;
  std::vector<std::unique_ptr<Source>> sources_;
  std::size_t next_source_ = 0;
  bool reconnect_ = true;
  bool warned_ = false;
  RecordBatchReader reader_;
  std::vector<KafkaRecordView> records_;
};

}  // namespace smartcity::kafka
