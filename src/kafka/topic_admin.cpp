#include "kafka/topic_admin.h"

#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <memory>
#include <vector>

#include "base/errors.h"
#include "events/schema.h"
#include "kafka/client_config.h"
#include "kafka/kafka_consumer.h"

namespace smartcity::kafka {
namespace {

struct NewTopicDeleter {
  void operator()(rd_kafka_NewTopic_t* topic) const { rd_kafka_NewTopic_destroy(topic); }
};
struct QueueDeleter {
  void operator()(rd_kafka_queue_t* queue) const { rd_kafka_queue_destroy(queue); }
};
struct EventDeleter {
  void operator()(rd_kafka_event_t* event) const { rd_kafka_event_destroy(event); }
};

}  // namespace

void ensure_event_topics(const std::string& brokers, int partitions,
                         const std::map<std::string, std::string>& properties,
                         std::chrono::milliseconds timeout) {
  std::map<std::string, std::string> settings{{"bootstrap.servers", brokers}};
  for (const auto& [key, value] : properties)
    settings[key] = value;
  RdKafkaHandle handle = make_client(RD_KAFKA_PRODUCER, make_client_config(settings));
  char error[512];

  std::vector<std::string> names;
  for (const events::EventSpec& event : events::all_events())
    names.emplace_back(event.topic);
  const auto existing = describe_topics(handle.get(), names, timeout, brokers);
  // Three replicas where the cluster has the brokers for it, one on a laptop.
  const rd_kafka_metadata_t* metadata = nullptr;
  int brokers_seen = 1;
  if (rd_kafka_metadata(handle.get(), 0, nullptr, &metadata, static_cast<int>(timeout.count())) ==
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    brokers_seen = std::max(1, metadata->broker_cnt);
    rd_kafka_metadata_destroy(metadata);
  }
  const int replicas = std::min(3, brokers_seen);

  std::vector<std::unique_ptr<rd_kafka_NewTopic_t, NewTopicDeleter>> topics;
  std::vector<rd_kafka_NewTopic_t*> raw_topics;
  for (const auto& [name, partitions_now] : existing) {
    if (!partitions_now.empty()) continue;
    topics.emplace_back(
        rd_kafka_NewTopic_new(name.c_str(), partitions, replicas, error, sizeof error));
    if (!topics.back()) throw KafkaError("cannot describe topic " + name + ": " + error);
    raw_topics.push_back(topics.back().get());
  }
  if (raw_topics.empty()) return;

  std::unique_ptr<rd_kafka_queue_t, QueueDeleter> queue(rd_kafka_queue_new(handle.get()));
  rd_kafka_CreateTopics(handle.get(), raw_topics.data(), raw_topics.size(), nullptr, queue.get());
  std::unique_ptr<rd_kafka_event_t, EventDeleter> event(
      rd_kafka_queue_poll(queue.get(), static_cast<int>(timeout.count())));
  if (!event) throw KafkaError("creating topics on " + brokers + " timed out");
  if (rd_kafka_event_error(event.get()) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw KafkaError(std::string("creating topics failed: ") +
                     rd_kafka_event_error_string(event.get()));
  }
  const rd_kafka_CreateTopics_result_t* result = rd_kafka_event_CreateTopics_result(event.get());
  size_t count = 0;
  const rd_kafka_topic_result_t** results = rd_kafka_CreateTopics_result_topics(result, &count);
  for (size_t i = 0; i < count; ++i) {
    const rd_kafka_resp_err_t err = rd_kafka_topic_result_error(results[i]);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR || err == RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS) {
      if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        spdlog::info("created topic {} ({} partitions)", rd_kafka_topic_result_name(results[i]),
                     partitions);
      }
      continue;
    }
    const char* message = rd_kafka_topic_result_error_string(results[i]);
    throw KafkaError("cannot create topic " + std::string(rd_kafka_topic_result_name(results[i])) +
                     ": " + (message ? message : rd_kafka_err2str(err)));
  }
}

}  // namespace smartcity::kafka
