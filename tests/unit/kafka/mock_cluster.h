// librdkafka's mock cluster with one broker (or `brokers`) and the topic
// vehicle_data (two partitions), for the kafka unit tests. The mock cluster is only fit for
// unit tests (it keeps ~5 MiB per partition and drops older records
// silently); the real-broker behaviour is covered by tests/integration.
#pragma once

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
// After rdkafka.h, which it needs.
#include <librdkafka/rdkafka_mock.h>

#include <string>
#include <vector>

#include "kafka/client_config.h"
#include "kafka/kafka_consumer.h"

namespace smartcity::kafka {

class MockCluster {
 public:
  explicit MockCluster(int brokers = 1) {
    owner_ = make_client(RD_KAFKA_PRODUCER, make_client_config({}));
    cluster_ = rd_kafka_mock_cluster_new(owner_.get(), brokers);
    rd_kafka_mock_topic_create(cluster_, "vehicle_data", 2, 1);
    producer_ =
        make_client(RD_KAFKA_PRODUCER, make_client_config({{"bootstrap.servers", bootstrap()}}));
  }
  ~MockCluster() {
    producer_.reset();
    rd_kafka_mock_cluster_destroy(cluster_);
  }
  std::string bootstrap() const { return rd_kafka_mock_cluster_bootstraps(cluster_); }
  // Takes broker `broker` (1-based) down (connections refused, as a crashed
  // broker's) or brings it back. Its partitions keep it as their leader.
  void set_broker_up(bool up, int broker = 1) {
    if (up) {
      rd_kafka_mock_broker_set_up(cluster_, broker);
    } else {
      rd_kafka_mock_broker_set_down(cluster_, broker);
    }
  }

  // Moves the leadership of `partition` to broker `broker` (1-based).
  void set_leader(int partition, int broker) {
    ASSERT_EQ(rd_kafka_mock_partition_set_leader(cluster_, "vehicle_data", partition, broker),
              RD_KAFKA_RESP_ERR_NO_ERROR);
  }
  // The next `count` Fetch requests, to any broker, fail with `error`: a
  // whole-response error code, or with RD_KAFKA_RESP_ERR__TRANSPORT the
  // broker closes the connection instead of answering.
  void fail_fetches(std::size_t count, rd_kafka_resp_err_t error) {
    const std::vector<rd_kafka_resp_err_t> errors(count, error);
    rd_kafka_mock_push_request_errors_array(cluster_, kApiKeyFetch, count, errors.data());
  }
  // The fetches that `fail_fetches` set to fail and that have not been sent
  // yet succeed.
  void stop_failing_fetches() { rd_kafka_mock_clear_request_errors(cluster_, kApiKeyFetch); }

  // A client of the cluster, for the metadata the tests look up.
  rd_kafka_t* client() const { return producer_.get(); }

  void produce(int partition, int count, std::size_t padding = 0) {
    for (int i = 0; i < count; ++i) {
      const std::string value = "record-" + std::to_string(i) + std::string(padding, '.');
      ASSERT_EQ(rd_kafka_producev(producer_.get(), RD_KAFKA_V_TOPIC("vehicle_data"),
                                  RD_KAFKA_V_PARTITION(partition),
                                  RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
                                  RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_END),
                RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    ASSERT_EQ(rd_kafka_flush(producer_.get(), 10'000), RD_KAFKA_RESP_ERR_NO_ERROR);
  }

 private:
  static constexpr std::int16_t kApiKeyFetch = 1;  // the Kafka protocol's

  RdKafkaHandle owner_;
  rd_kafka_mock_cluster_t* cluster_ = nullptr;
  RdKafkaHandle producer_;
};

}  // namespace smartcity::kafka
