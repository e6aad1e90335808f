// Publishing records to Kafka with librdkafka: idempotent, acks=all, lz4,
// keyed (Java-compatible murmur2 partitioning, so one key stays on one
// partition and in order), batched for throughput.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>

#include "kafka/kafka_consumer.h"

namespace smartcity::kafka {

struct ProducerOptions {
  std::string brokers;
  std::map<std::string, std::string> properties;  // -X key=value, applied last
};

class KafkaProducer {
 public:
  // Connects; throws KafkaError with one readable line if the cluster cannot
  // be reached within `connect_timeout`.
  explicit KafkaProducer(ProducerOptions options,
                         std::chrono::milliseconds connect_timeout = std::chrono::seconds(10));
  KafkaProducer(const KafkaProducer&) = delete;
  KafkaProducer& operator=(const KafkaProducer&) = delete;
  // Flushes for up to 10 s.
  ~KafkaProducer();

  // Queues one record (copied). Blocks, serving delivery reports, while the
  // local queue is full. Throws KafkaError if delivery has failed fatally.
  void produce(std::string_view topic, std::string_view key, std::string_view value);

  // Serves delivery reports without blocking.
  void poll() { rd_kafka_poll(handle_.get(), 0); }

  // Waits until every queued record is delivered or `timeout` passes; returns
  // the number still undelivered.
  std::size_t flush(std::chrono::milliseconds timeout);
  // Waits until every queued record is delivered or has failed, which
  // librdkafka settles within message.timeout.ms (5 minutes by default),
  // logging how many are still in flight every `report_every`; gives up
  // early once `stop` returns true. Returns the number still in flight (0
  // unless stopped).
  std::size_t flush_all(const std::function<bool()>& stop,
                        std::chrono::milliseconds report_every = std::chrono::seconds(5));

  std::uint64_t delivered() const { return delivered_; }
  std::uint64_t failed() const { return failed_; }
  std::size_t in_flight() const {
    return static_cast<std::size_t>(rd_kafka_outq_len(handle_.get()));
  }

 private:
  static void on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque);
  void warn_of_failures() const;
  rd_kafka_topic_t* topic(std::string_view name);

  ProducerOptions options_;
  RdKafkaHandle handle_;
  struct TopicDeleter {
    void operator()(rd_kafka_topic_t* topic) const { rd_kafka_topic_destroy(topic); }
  };
  std::unordered_map<std::string, std::unique_ptr<rd_kafka_topic_t, TopicDeleter>> topics_;
  std::atomic<std::uint64_t> delivered_{0};
  std::atomic<std::uint64_t> failed_{0};
  std::string first_error_;
};

}  // namespace smartcity::kafka
