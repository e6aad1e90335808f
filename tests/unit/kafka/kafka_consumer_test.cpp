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

// The direct fetch (ConsumerOptions::direct_fetch) through the consumer:
// librdkafka runs the group, DirectFetcher reads.
std::vector<ConsumedRecord> poll_records_for(KafkaConsumer& consumer, ConsumedBatch& batch,
                                             std::vector<std::string>& values, std::size_t want,
                                             std::chrono::milliseconds budget) {
  std::vector<ConsumedRecord> all;
  const auto deadline = std::chrono::steady_clock::now() + budget;
  while (all.size() < want && std::chrono::steady_clock::now() < deadline) {
    consumer.poll_records(batch, 100, 100ms);
    for (const ConsumedRecord& record : batch.records) {
      all.push_back(record);
      values.emplace_back(record.value);  // the views end with the next poll
    }
  }
  return all;
}

TEST(KafkaConsumer, DirectFetchStartsWhereTheCallerSaysAndOutlivesABrokerOutage) {
  MockCluster cluster;
  cluster.produce(0, 50);
  cluster.produce(1, 50);
  ConsumerOptions direct = options(cluster.bootstrap(), "vehicle_data");
  direct.direct_fetch = true;
  KafkaConsumer consumer(
      direct,
      [&](const std::vector<TopicPartition>& partitions) {
        std::vector<StartPosition> starts;
        for (const TopicPartition& tp : partitions) {
          starts.push_back(
              {tp, tp.partition.value == 0 ? std::optional<Offset>(Offset{40}) : std::nullopt});
        }
        return starts;
      },
      [](const std::vector<TopicPartition>&) {},
      2s);  // a lost broker is noticed within it
  ConsumedBatch batch;
  std::vector<std::string> values;
  const auto records = poll_records_for(consumer, batch, values, 60, 20s);
  ASSERT_EQ(records.size(), 60u);
  std::map<int, std::int64_t> next{{0, 40}, {1, 0}};
  for (std::size_t i = 0; i < records.size(); ++i) {
    const int partition = records[i].partition.value;
    EXPECT_EQ(records[i].offset.value, next[partition]++) << "partition " << partition;
    EXPECT_EQ(values[i], "record-" + std::to_string(records[i].offset.value));
  }
  EXPECT_EQ(consumer.cached_end_offset({"vehicle_data", Partition{1}}), Offset{50});

  cluster.set_broker_up(false);
  for (int i = 0; i < 5; ++i)
    consumer.poll_records(batch, 100, 100ms);  // retried, not thrown
  cluster.set_broker_up(true);
  cluster.produce(1, 10);
  values.clear();
  const auto later = poll_records_for(consumer, batch, values, 10, 20s);
  ASSERT_EQ(later.size(), 10u);
  EXPECT_EQ(later.front().offset, Offset{50});
  EXPECT_EQ(values.back(), "record-9");
}

TEST(KafkaConsumer, DirectFetchMovesARefusedOffsetToWhereTheLogStarts) {
  MockCluster cluster;
  cluster.produce(1, 8'000, 1'000);  // the log begins past 0 (see above)
  ConsumerOptions direct = options(cluster.bootstrap(), "vehicle_data");
  direct.direct_fetch = true;
  KafkaConsumer consumer(
      direct,
      [](const std::vector<TopicPartition>& partitions) {
        std::vector<StartPosition> starts;
        for (const TopicPartition& tp : partitions)
          starts.push_back({tp, Offset{0}});  // as a lake older than the log
        return starts;
      },
      [](const std::vector<TopicPartition>&) {});
  ConsumedBatch batch;
  std::vector<std::string> values;
  const auto records = poll_records_for(consumer, batch, values, 1, 20s);
  ASSERT_FALSE(records.empty());
  const LogBounds kept =
      consumer.log_bounds(consumer.assignment(), 5s).at({"vehicle_data", Partition{1}});
  EXPECT_GT(kept.first, Offset{0});
  EXPECT_EQ(records.front().offset, kept.first);
}

TEST(KafkaConsumer, DirectFetchServesPlaintextAndReadUncommittedOnly) {
  EXPECT_TRUE(direct_fetch_speaks({}));
  EXPECT_TRUE(direct_fetch_speaks({{"security.protocol", "PLAINTEXT"}}));
  EXPECT_FALSE(direct_fetch_speaks({{"security.protocol", "sasl_ssl"}}));
  EXPECT_FALSE(direct_fetch_speaks({{"security.protocol", "SSL"}}));
  EXPECT_FALSE(direct_fetch_speaks({{"isolation.level", "read_committed"}}));
  EXPECT_TRUE(direct_fetch_speaks({{"isolation.level", "read_uncommitted"}}));
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
