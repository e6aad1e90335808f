// KafkaConsumer against librdkafka's mock cluster (see mock_cluster.h).
#include "kafka/kafka_consumer.h"

#include <gtest/gtest.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <map>

#include "base/errors.h"
#include "kafka/client_config.h"
#include "unit/kafka/mock_cluster.h"

namespace smartcity::kafka {
namespace {

using namespace std::chrono_literals;

ConsumerOptions options(const std::string& brokers, const std::string& topic) {
  ConsumerOptions result;
  result.brokers = brokers;
  result.group_id = "test-group";
  result.topics = {topic};
  return result;
}

std::vector<KafkaMessage> poll_for(KafkaConsumer& consumer, std::size_t want,
                                   std::chrono::milliseconds budget) {
  std::vector<KafkaMessage> all;
  const auto deadline = std::chrono::steady_clock::now() + budget;
  while (all.size() < want && std::chrono::steady_clock::now() < deadline) {
    for (auto& message : consumer.poll(100, 100ms))
      all.push_back(std::move(message));
  }
  return all;
}

TEST(KafkaConsumer, StartsWhereTheCallerSaysAndPausesAndResumes) {
  MockCluster cluster;
  cluster.produce(0, 50);
  cluster.produce(1, 50);
  std::vector<TopicPartition> assigned;
  KafkaConsumer consumer(
      options(cluster.bootstrap(), "vehicle_data"),
      [&](const std::vector<TopicPartition>& partitions) {
        assigned = partitions;
        std::vector<StartPosition> starts;
        for (const TopicPartition& tp : partitions) {
          // Partition 0 resumes at offset 40 (as from a lake commit), 1 from the start.
          starts.push_back(
              {tp, tp.partition.value == 0 ? std::optional<Offset>(Offset{40}) : std::nullopt});
        }
        return starts;
      },
      [](const std::vector<TopicPartition>&) {});

  auto messages = poll_for(consumer, 60, 20s);
  ASSERT_EQ(messages.size(), 60u);
  EXPECT_EQ(assigned.size(), 2u);
  for (const KafkaMessage& message : messages) {
    if (message->partition == 0) {
      EXPECT_GE(message->offset, 40);
    }
  }

  consumer.pause(consumer.assignment());
  cluster.produce(1, 10);
  EXPECT_TRUE(poll_for(consumer, 1, 1500ms).empty()) << "a paused partition was read";
  consumer.resume(consumer.assignment());
  EXPECT_EQ(poll_for(consumer, 10, 20s).size(), 10u);

  const auto ends = consumer.end_offsets(consumer.assignment(), 5s);
  EXPECT_EQ(ends.at({"vehicle_data", Partition{0}}), Offset{50});
  EXPECT_EQ(ends.at({"vehicle_data", Partition{1}}), Offset{60});
}

TEST(KafkaConsumer, ReadsALogFromItsFirstKeptRecord) {
  MockCluster cluster;
  // 8 MiB into partition 1: the mock cluster keeps about 5 MiB of it, so
  // its log begins past 0, as after retention.
  cluster.produce(1, 8'000, 1'000);
  cluster.produce(0, 5);
  KafkaConsumer consumer(
      options(cluster.bootstrap(), "vehicle_data"),
      [](const std::vector<TopicPartition>& partitions) {
        std::vector<StartPosition> starts;
        for (const TopicPartition& tp : partitions)
          starts.push_back({tp, std::nullopt});
        return starts;
      },
      [](const std::vector<TopicPartition>&) {});
  std::map<int, std::int64_t> first_read;
  const auto deadline = std::chrono::steady_clock::now() + 20s;
  while (first_read.size() < 2 && std::chrono::steady_clock::now() < deadline) {
    for (const KafkaMessage& message : consumer.poll(1000, 100ms))
      first_read.emplace(message->partition, message->offset);
  }
  ASSERT_EQ(first_read.size(), 2u);

  const auto bounds = consumer.log_bounds(consumer.assignment(), 5s);
  const LogBounds& kept = bounds.at({"vehicle_data", Partition{1}});
  EXPECT_GT(kept.first, Offset{0});
  EXPECT_EQ(kept.end, Offset{8'000});
  EXPECT_EQ(first_read.at(1), kept.first.value);
  EXPECT_EQ(bounds.at({"vehicle_data", Partition{0}}).first, Offset{0});
  EXPECT_EQ(first_read.at(0), 0);
}

TEST(KafkaConsumer, MissingTopicIsOneReadableError) {
  MockCluster cluster;
  try {
    KafkaConsumer consumer(
        options(cluster.bootstrap(), "no_such_topic"),
        [](const auto&) { return std::vector<StartPosition>{}; }, [](const auto&) {}, 5s);
    FAIL() << "subscribed to a missing topic";
  } catch (const KafkaError& e) {
    EXPECT_NE(std::string(e.what()).find("no_such_topic does not exist"), std::string::npos)
        << e.what();
  }
}

TEST(KafkaConsumer, UnreachableClusterFailsWithinTheTimeout) {
  const auto started = std::chrono::steady_clock::now();
  EXPECT_THROW(
      KafkaConsumer(
          options("127.0.0.1:1", "vehicle_data"),
          [](const auto&) { return std::vector<StartPosition>{}; }, [](const auto&) {}, 2s),
      KafkaError);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

}  // namespace
}  // namespace smartcity::kafka
