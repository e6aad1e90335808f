// KafkaProducer against librdkafka's mock cluster (see mock_cluster.h).
#include "kafka/kafka_producer.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <thread>

#include "unit/kafka/mock_cluster.h"

namespace smartcity::kafka {
namespace {

using namespace std::chrono_literals;
using std::chrono::steady_clock;

void produce_records(KafkaProducer& producer, int count) {
  for (int i = 0; i < count; ++i)
    producer.produce("vehicle_data", "Vehicle-" + std::to_string(i % 7), "record");
}

TEST(KafkaProducer, FlushAllWaitsOutABrokerThatIsDownForAWhile) {
  MockCluster cluster;
  KafkaProducer producer({cluster.bootstrap(), {}});
  cluster.set_broker_up(false);
  produce_records(producer, 100);
  // A flush of a fixed time gives up on records still being retried...
  EXPECT_EQ(producer.flush(1s), 100u);
  std::thread revive([&cluster] {
    std::this_thread::sleep_for(2s);
    cluster.set_broker_up(true);
  });
  // ...flush_all waits until librdkafka settles them.
  const auto started = steady_clock::now();
  EXPECT_EQ(producer.flush_all([] { return false; }, 500ms), 0u);
  const auto waited = steady_clock::now() - started;
  revive.join();
  EXPECT_EQ(producer.delivered(), 100u);
  EXPECT_EQ(producer.failed(), 0u);
  EXPECT_GE(waited, 1s);
}

TEST(KafkaProducer, FlushAllGivesUpWhenAskedToStop) {
  MockCluster cluster;
  KafkaProducer producer({cluster.bootstrap(), {}});
  cluster.set_broker_up(false);
  produce_records(producer, 10);
  int asked = 0;
  EXPECT_EQ(producer.flush_all([&asked] { return ++asked > 3; }), 10u);
  EXPECT_EQ(asked, 4);
  EXPECT_EQ(producer.delivered(), 0u);
  cluster.set_broker_up(true);  // so that the destructor's flush delivers them
}

}  // namespace
}  // namespace smartcity::kafka
