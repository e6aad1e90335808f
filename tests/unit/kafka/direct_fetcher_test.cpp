// DirectFetcher over librdkafka's mock cluster with two brokers, each leading
// one partition. The mock holds the answer to a fetch that finds nothing new
// for the whole wait (a real broker too, unless records arrive meanwhile),
// which is what makes a fetcher that waits on its brokers in turn slow.
#include "kafka/direct_fetcher.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "kafka/kafka_consumer.h"
#include "unit/kafka/mock_cluster.h"

namespace smartcity::kafka {
namespace {

using namespace std::chrono_literals;

TEST(DirectFetcher, AnIdleBrokerDoesNotHoldUpTheRecordsOfABusyOne) {
  MockCluster cluster(2);
  cluster.set_leader(0, 1);
  cluster.set_leader(1, 2);
  // 20 record batches of 20 records (2.3 KiB each), one a fetch below;
  // partition 1, on the other broker, stays empty.
  for (int batch = 0; batch < 20; ++batch)
    cluster.produce(0, 20, 100);
  const TopicPartition busy{"vehicle_data", Partition{0}};
  const TopicPartition idle{"vehicle_data", Partition{1}};
  const auto leaders = describe_leaders(cluster.client(), {busy, idle}, 5s);
  ASSERT_EQ(leaders.size(), 2u);
  ASSERT_NE(leaders.at(busy), leaders.at(idle));

  DirectFetcher fetcher(
      [&](const std::vector<TopicPartition>& partitions) {
        return describe_leaders(cluster.client(), partitions, 5s);
      },
      FetchLimits{.partition_max_bytes = 2 << 10}, 5s);
  fetcher.assign({{busy, Offset{0}}, {idle, Offset{0}}});
  std::vector<ConsumedRecord> records;
  std::vector<std::string> values;
  int fetches_with_records = 0;
  const auto started = std::chrono::steady_clock::now();
  for (int polls = 0; values.size() < 400 && polls < 200; ++polls) {
    records.clear();
    fetcher.poll(records, 1s);
    if (!records.empty()) ++fetches_with_records;
    for (const ConsumedRecord& r : records) {
      ASSERT_EQ(r.partition, busy.partition);
      ASSERT_EQ(r.offset.value, static_cast<std::int64_t>(values.size()));
      values.emplace_back(r.value);  // the views end with the next poll
    }
  }
  const auto took = std::chrono::steady_clock::now() - started;
  ASSERT_EQ(values.size(), 400u);
  ASSERT_GE(fetches_with_records, 10);  // else the idle broker had few chances to hold it up
  EXPECT_EQ(values.back(), "record-19" + std::string(100, '.'));
  // Waiting on the brokers in turn would wait out the idle one's second
  // about every other fetch: over 8 s.
  EXPECT_LT(took, 4s) << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                      << " ms";
  EXPECT_EQ(fetcher.high_watermark(busy), Offset{400});

  // The idle broker's records, when they come, are read too.
  cluster.produce(1, 5);
  std::vector<std::string> later;
  for (int polls = 0; later.size() < 5 && polls < 20; ++polls) {
    records.clear();
    fetcher.poll(records, 1s);
    for (const ConsumedRecord& r : records) {
      EXPECT_EQ(r.partition, idle.partition);
      later.emplace_back(r.value);
    }
  }
  ASSERT_EQ(later.size(), 5u);
  EXPECT_EQ(later.front(), "record-0");
}

}  // namespace
}  // namespace smartcity::kafka
