#include "kafka/kafka_producer.h"

#include <spdlog/spdlog.h>

#include "base/errors.h"
#include "kafka/client_config.h"

namespace smartcity::kafka {
KafkaProducer::KafkaProducer(ProducerOptions options, std::chrono::milliseconds connect_timeout)
    : options_(std::move(options)) {
  std::map<std::string, std::string> settings = {
      {"bootstrap.servers", options_.brokers},
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"compression.codec", "lz4"},
      // Java's partitioner, so the same key lands on the same partition as
      // from any Java or Python (confluent-kafka) producer configured alike.
      {"partitioner", "murmur2_random"},
      {"linger.ms", "20"},
      {"batch.num.messages", "10000"},
      {"batch.size", std::to_string(1 << 20)},
      {"queue.buffering.max.kbytes", std::to_string(256 * 1024)},
      {"queue.buffering.max.messages", "1000000"},
      // Oversized-payload faults must reach the broker to be tested.
      {"message.max.bytes", std::to_string(8 << 20)},
      {"log.connection.close", "false"},
  };
  for (const auto& [key, value] : options_.properties)
    settings[key] = value;
  ClientConfig config = make_client_config(settings);
  rd_kafka_conf_set_dr_msg_cb(config.get(), &KafkaProducer::on_delivery);
  rd_kafka_conf_set_opaque(config.get(), this);
  handle_ = make_client(RD_KAFKA_PRODUCER, std::move(config));
  describe_topics(handle_.get(), {}, connect_timeout, options_.brokers);
}

KafkaProducer::~KafkaProducer() {
  if (handle_) flush(std::chrono::seconds(10));
}

void KafkaProducer::on_delivery(rd_kafka_t*, const rd_kafka_message_t* message, void* opaque) {
  auto* self = static_cast<KafkaProducer*>(opaque);
  if (message->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    ++self->delivered_;
    return;
  }
  if (self->failed_++ == 0) self->first_error_ = rd_kafka_err2str(message->err);
}

rd_kafka_topic_t* KafkaProducer::topic(std::string_view name) {
  const auto it = topics_.find(std::string(name));
  if (it != topics_.end()) return it->second.get();
  rd_kafka_topic_t* handle = rd_kafka_topic_new(handle_.get(), std::string(name).c_str(), nullptr);
  if (handle == nullptr) throw KafkaError("cannot open topic " + std::string(name));
  topics_.emplace(std::string(name), handle);
  return handle;
}

void KafkaProducer::produce(std::string_view topic_name, std::string_view key,
                            std::string_view value) {
  rd_kafka_topic_t* handle = topic(topic_name);
  while (true) {
    if (rd_kafka_produce(handle, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
                         const_cast<char*>(value.data()), value.size(), key.data(), key.size(),
                         nullptr) == 0) {
      break;
    }
    const rd_kafka_resp_err_t err = rd_kafka_last_error();
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      throw KafkaError("cannot publish to " + std::string(topic_name) + ": " +
                       rd_kafka_err2str(err));
    }
    rd_kafka_poll(handle_.get(), 50);  // the queue drains as deliveries complete
  }
  char fatal[512];
  if (rd_kafka_fatal_error(handle_.get(), fatal, sizeof fatal) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw KafkaError(std::string("the Kafka producer failed: ") + fatal);
  }
}

std::size_t KafkaProducer::flush(std::chrono::milliseconds timeout) {
  rd_kafka_flush(handle_.get(), static_cast<int>(timeout.count()));
  warn_of_failures();
  return in_flight();
}

std::size_t KafkaProducer::flush_all(const std::function<bool()>& stop,
                                     std::chrono::milliseconds report_every) {
  // In slices, so that a stop request is seen within one.
  constexpr std::chrono::milliseconds kSlice{200};
  auto next_report = std::chrono::steady_clock::now() + report_every;
  while (in_flight() > 0 && !stop()) {
    rd_kafka_flush(handle_.get(), static_cast<int>(kSlice.count()));
    if (in_flight() > 0 && std::chrono::steady_clock::now() >= next_report) {
      spdlog::info("waiting for {} record(s) in flight to be delivered", in_flight());
      next_report += report_every;
    }
  }
  warn_of_failures();
  return in_flight();
}

void KafkaProducer::warn_of_failures() const {
  if (failed_ > 0) {
    spdlog::warn("{} record(s) could not be delivered; first error: {}", failed_.load(),
                 first_error_);
  }
}

}  // namespace smartcity::kafka
