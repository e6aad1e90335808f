// A Kafka consumer-group member with manual offsets, for the stream stage.
//
// The group decides which partitions this process owns; *where* to start in
// each is the caller's decision (the lake's commit log), made in the assign
// callback. Kafka's committed offsets are only written, for lag monitoring,
// never read. All callbacks run on the thread that calls poll().
#pragma once

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/topic_partition.h"
#include "kafka/direct_fetcher.h"

namespace smartcity::kafka {

struct RdKafkaDeleter {
  void operator()(rd_kafka_t* handle) const;
};
using RdKafkaHandle = std::unique_ptr<rd_kafka_t, RdKafkaDeleter>;

struct MessageDeleter {
  void operator()(rd_kafka_message_t* message) const { rd_kafka_message_destroy(message); }
};
using KafkaMessage = std::unique_ptr<rd_kafka_message_t, MessageDeleter>;

// Where to start reading a newly assigned partition.
struct StartPosition {
  TopicPartition partition;
  std::optional<Offset> offset;  // nullopt: from the beginning of the log
};

// A partition's log: the offset of its first record still kept, and the
// offset its next record will get (equal when it is empty).
struct LogBounds {
  Offset first;
  Offset end;
};

struct ConsumerOptions {
  std::string brokers;  // "host:port,host:port"
  std::string group_id;
  std::vector<std::string> topics;
  // Records librdkafka may hold fetched but not yet polled; a fetch request
  // asks for at most a quarter of it (a sixteenth per partition), and no
  // more than 16 MiB (2 MiB per partition). Keep it at a second's worth of
  // records or more: librdkafka 2.0 stops fetching for a whole second
  // whenever that queue is full (with its defaults our stream read a million
  // events in 5 s instead of 2 s; with 4 MiB, in 31 s).
  std::size_t prefetch_bytes = 64u << 20;
  // Extra librdkafka properties (`-X key=value`), applied last.
  std::map<std::string, std::string> properties;
  // Read the owned partitions with the direct fetch (`direct_fetcher`), a
  // quarter of librdkafka's CPU per record, rather than librdkafka's fetcher;
  // librdkafka still runs the group (it pauses what it owns). Plaintext
  // brokers only. It reads every record written (read_uncommitted), which is
  // all there is from non-transactional producers such as smartcity's.
  bool direct_fetch = false;
};

// What one `poll_records` read: records as views, and what they view.
struct ConsumedBatch {
  std::vector<ConsumedRecord> records;
  std::vector<KafkaMessage> messages;  // librdkafka's, when it fetched them

  void clear() {
    records.clear();
    messages.clear();
  }
};

class KafkaConsumer {
 public:
  // Called when partitions are assigned; returns where to start each.
  using AssignCallback =
      std::function<std::vector<StartPosition>(const std::vector<TopicPartition>&)>;
  // Called before partitions are taken away; the caller must drop or finish
  // whatever it holds for them before returning.
  using RevokeCallback = std::function<void(const std::vector<TopicPartition>&)>;

  // Connects and subscribes. Throws KafkaError with one readable line if the
  // cluster cannot be reached within `connect_timeout` or a topic is missing.
  KafkaConsumer(ConsumerOptions options, AssignCallback on_assign, RevokeCallback on_revoke,
                std::chrono::milliseconds connect_timeout = std::chrono::seconds(10));
  KafkaConsumer(const KafkaConsumer&) = delete;
  KafkaConsumer& operator=(const KafkaConsumer&) = delete;
  ~KafkaConsumer();

  // Waits up to `timeout` for the first message, then takes whatever else is
  // ready, up to `max_messages`. Messages with an error are not returned:
  // transient ones are logged, fatal ones throw KafkaError.
  // Needs: `direct_fetch` off.
  std::vector<KafkaMessage> poll(std::size_t max_messages, std::chrono::milliseconds timeout);

  // Replaces `batch`'s records with those read now, by whichever fetch the
  // options chose: up to `max_messages` from librdkafka, or one partition
  // of a fetch response from the direct fetch. Waits up to `timeout` for the
  // first. The views live until the next poll_records or rebalance. Throws
  // as poll() does.
  void poll_records(ConsumedBatch& batch, std::size_t max_messages,
                    std::chrono::milliseconds timeout);

  // Stops fetching from `partitions` (owned ones) until resume(); poll() may
  // still return records fetched before. For back pressure without leaving
  // the group: a paused member keeps its partitions. Needs: `direct_fetch`
  // off.
  void pause(const std::vector<TopicPartition>& partitions);
  void resume(const std::vector<TopicPartition>& partitions);

  // The partitions this member owns now.
  const std::vector<TopicPartition>& assignment() const { return assignment_; }
  // Every partition of the subscribed topics, as the cluster had them when
  // this consumer was created.
  const std::vector<TopicPartition>& subscribed_partitions() const {
    return subscribed_partitions_;
  }

  // Where each partition's log begins and ends now, one round trip each.
  // Throws KafkaError if a partition's bounds cannot be read within `timeout`.
  std::map<TopicPartition, LogBounds> log_bounds(const std::vector<TopicPartition>& partitions,
                                                 std::chrono::milliseconds timeout);
  // The `end` of log_bounds alone.
  std::map<TopicPartition, Offset> end_offsets(const std::vector<TopicPartition>& partitions,
                                               std::chrono::milliseconds timeout);

  // The end of `partition`'s log as of the last fetch, without a round trip;
  // nullopt before the first fetch.
  std::optional<Offset> cached_end_offset(const TopicPartition& partition) const;

  // Mirrors lake offsets into Kafka's group offsets, asynchronously, for lag
  // tools (kafka-consumer-groups, Burrow). Best effort: failures are logged.
  void mirror_offsets(const std::map<TopicPartition, Offset>& offsets);

  // Leaves the group cleanly (revokes, so another member takes over at once).
  void close();

 private:
  static void rebalance_trampoline(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                                   rd_kafka_topic_partition_list_t* partitions, void* opaque);
  void on_rebalance(rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* partitions);
  // True for a record; throws KafkaError for a fatal error, logs the rest.
  bool is_record(const rd_kafka_message_t& message);
  // Serves librdkafka's events (rebalances among them) without waiting
  // longer than `timeout` for the first; drops records it fetched before
  // its partitions were paused (the direct fetch reads them).
  void serve_events(std::chrono::milliseconds timeout);
  // Where the direct fetch resumes a partition whose position the broker
  // refused: the log's first offset (as auto.offset.reset=earliest).
  void reset_out_of_range();
  // The first offsets of the partitions `starts` reads from the beginning;
  // none where they cannot be read (librdkafka then looks them up itself).
  std::map<TopicPartition, Offset> first_offsets(const std::vector<StartPosition>& starts);

  ConsumerOptions options_;
  AssignCallback on_assign_;
  RevokeCallback on_revoke_;
  RdKafkaHandle handle_;
  std::vector<TopicPartition> assignment_;
  std::vector<TopicPartition> subscribed_partitions_;
  std::unique_ptr<DirectFetcher> fetcher_;
  bool closed_ = false;
};

// Throws KafkaError if `brokers` cannot be reached within `timeout`; returns
// the partitions of each of `topics` that exist (a topic absent from the
// cluster maps to an empty vector).
std::map<std::string, std::vector<Partition>> describe_topics(
    rd_kafka_t* handle, const std::vector<std::string>& topics, std::chrono::milliseconds timeout,
    const std::string& brokers);

// Whether the direct fetch can serve a consumer configured with `properties`
// (librdkafka's names): not when `security.protocol` asks for ssl,
// sasl_plaintext or sasl_ssl (it speaks plaintext only), nor when
// `isolation.level` asks for read_committed (it skips no aborted
// transactions).
bool direct_fetch_speaks(const std::map<std::string, std::string>& properties);

// The leader broker of each of `partitions` that has one, from the cluster's
// metadata. Throws KafkaError if it cannot be read within `timeout`.
std::map<TopicPartition, BrokerAddress> describe_leaders(
    rd_kafka_t* handle, const std::vector<TopicPartition>& partitions,
    std::chrono::milliseconds timeout);

}  // namespace smartcity::kafka
