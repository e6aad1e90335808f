// DirectFetcher over librdkafka's mock cluster. Where two brokers each lead
// one partition, the mock holds the answer to a fetch that finds nothing new
// for the whole wait (a real broker too, unless records arrive meanwhile),
// which is what makes a fetcher that waits on its brokers in turn slow.
#include "kafka/direct_fetcher.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "kafka/kafka_consumer.h"
#include "unit/kafka/mock_cluster.h"
#include "unit/kafka/silent_listener.h"

namespace smartcity::kafka {
namespace {

using namespace std::chrono_literals;

// A fetcher that looks the leaders up in `cluster`'s metadata.
DirectFetcher fetcher_of(const MockCluster& cluster, FetchLimits limits = {}) {
  return DirectFetcher(
      [&cluster](const std::vector<TopicPartition>& partitions) {
        return describe_leaders(cluster.client(), partitions, 5s);
      },
      limits, 5s);
}

// The offsets of `records`, each with its partition's number in front.
std::vector<std::pair<int, std::int64_t>> offsets_of(const std::vector<ConsumedRecord>& records) {
  std::vector<std::pair<int, std::int64_t>> offsets;
  for (const ConsumedRecord& r : records)
    offsets.emplace_back(r.partition.value, r.offset.value);
  return offsets;
}

// The records of the first poll that has any (up to ten polls of a second).
std::vector<ConsumedRecord> first_records(DirectFetcher& fetcher) {
  std::vector<ConsumedRecord> records;
  for (int polls = 0; records.empty() && polls < 10; ++polls)
    fetcher.poll(records, 1s);
  return records;
}

// A record copied out of a poll (its views end with the next one).
struct CopiedRecord {
  std::int64_t offset;
  std::string value;
};

// Polls up to `polls` times, `wait` each, until `count` records arrived, all
// of which must be `partition`'s.
std::vector<CopiedRecord> poll_partition(DirectFetcher& fetcher, Partition partition,
                                         std::size_t count, int polls,
                                         std::chrono::milliseconds wait) {
  std::vector<CopiedRecord> copied;
  std::vector<ConsumedRecord> records;
  for (int poll = 0; copied.size() < count && poll < polls; ++poll) {
    records.clear();
    fetcher.poll(records, wait);
    for (const ConsumedRecord& r : records) {
      EXPECT_EQ(r.partition, partition);
      copied.push_back({r.offset.value, std::string(r.value)});
    }
  }
  return copied;
}

std::vector<std::int64_t> offsets_of(const std::vector<CopiedRecord>& records) {
  std::vector<std::int64_t> offsets;
  for (const CopiedRecord& r : records)
    offsets.push_back(r.offset);
  return offsets;
}

const TopicPartition kFirst{"vehicle_data", Partition{0}};
const TopicPartition kSecond{"vehicle_data", Partition{1}};

TEST(DirectFetcher, HandsOutOnePartitionOfAResponsePerPoll) {
  MockCluster cluster;  // one broker leads both partitions: one response holds both
  cluster.produce(0, 3);
  cluster.produce(1, 3);
  DirectFetcher fetcher = fetcher_of(cluster);
  fetcher.assign({{kFirst, Offset{0}}, {kSecond, Offset{0}}});
  // The producer may have split a partition's records into several batches,
  // so how many records a poll brings varies; that each brings one
  // partition's does not.
  std::map<int, std::vector<std::int64_t>> offsets;
  std::optional<int> last_partition;
  bool served_without_waiting = false;
  std::vector<ConsumedRecord> records;
  for (int polls = 0; offsets[0].size() + offsets[1].size() < 6 && polls < 30; ++polls) {
    records.clear();
    const auto started = std::chrono::steady_clock::now();
    fetcher.poll(records, 1s);
    const auto took = std::chrono::steady_clock::now() - started;
    if (records.empty()) continue;
    const int partition = records.front().partition.value;
    for (const ConsumedRecord& r : records) {
      ASSERT_EQ(r.partition.value, partition) << "one poll, one partition";
      offsets[partition].push_back(r.offset.value);
    }
    // The other partition of a response already received comes at once.
    if (last_partition && *last_partition != partition && took < 500ms)
      served_without_waiting = true;
    last_partition = partition;
  }
  EXPECT_EQ(offsets[0], (std::vector<std::int64_t>{0, 1, 2}));
  EXPECT_EQ(offsets[1], (std::vector<std::int64_t>{0, 1, 2}));
  EXPECT_TRUE(served_without_waiting);
}

TEST(DirectFetcher, AMovedPositionDiscardsTheBytesFetchedForTheOldOne) {
  MockCluster cluster;
  cluster.produce(0, 1);  // one record: one batch, whatever the producer's batching
  cluster.produce(1, 3);
  DirectFetcher fetcher = fetcher_of(cluster);
  // The second partition is asked for from offset 2 ...
  fetcher.assign({{kFirst, Offset{0}}, {kSecond, Offset{2}}});
  std::vector<ConsumedRecord> records = first_records(fetcher);
  ASSERT_EQ(records.size(), 1u) << "the first partition's record comes first";
  ASSERT_EQ(records.front().partition, kFirst.partition);
  // ... and moved back to 0 while its records from 2 wait to be handed out:
  // handing those out now would skip offsets 0 and 1.
  fetcher.set_position(kSecond, Offset{0});
  std::vector<std::pair<int, std::int64_t>> second;
  for (int polls = 0; second.size() < 3 && polls < 10; ++polls) {
    records.clear();
    fetcher.poll(records, 1s);
    for (const auto& offset : offsets_of(records))
      second.push_back(offset);
  }
  EXPECT_EQ(second, (std::vector<std::pair<int, std::int64_t>>{{1, 0}, {1, 1}, {1, 2}}));
}

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

  DirectFetcher fetcher = fetcher_of(cluster, FetchLimits{.partition_max_bytes = 2 << 10});
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
  const std::vector<CopiedRecord> later = poll_partition(fetcher, idle.partition, 5, 20, 1s);
  ASSERT_EQ(later.size(), 5u);
  EXPECT_EQ(later.front().value, "record-0");
}

TEST(DirectFetcher, ABrokerThatIsDownHoldsUpNoOther) {
  MockCluster cluster(2);
  cluster.set_leader(0, 1);
  cluster.set_leader(1, 2);
  DirectFetcher fetcher = fetcher_of(cluster);
  fetcher.assign({{kFirst, Offset{0}}, {kSecond, Offset{0}}});
  std::vector<ConsumedRecord> records;
  fetcher.poll(records, 100ms);  // connected to both, nothing to read yet
  // Broker 2 crashes and stays down (its partition's leader in the metadata,
  // as until a real cluster elects another); broker 1 goes on taking records.
  cluster.set_broker_up(false, 2);
  cluster.produce(0, 5);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(offsets_of(poll_partition(fetcher, kFirst.partition, 5, 40, 100ms)),
            (std::vector<std::int64_t>{0, 1, 2, 3, 4}));
  EXPECT_LT(std::chrono::steady_clock::now() - started, 3s);

  // Back up, its partition is read again.
  cluster.set_broker_up(true, 2);
  cluster.produce(1, 3);
  EXPECT_EQ(offsets_of(poll_partition(fetcher, kSecond.partition, 3, 100, 100ms)),
            (std::vector<std::int64_t>{0, 1, 2}));
}

TEST(DirectFetcher, APartitionWithoutALeaderIsReadOnceItHasOne) {
  MockCluster cluster;
  cluster.produce(0, 2);
  cluster.produce(1, 2);
  cluster.set_leader(1, -1);  // as while a real cluster elects a new leader
  DirectFetcher fetcher = fetcher_of(cluster);
  fetcher.assign({{kFirst, Offset{0}}, {kSecond, Offset{0}}});
  EXPECT_EQ(offsets_of(poll_partition(fetcher, kFirst.partition, 2, 10, 100ms)),
            (std::vector<std::int64_t>{0, 1}));
  cluster.set_leader(1, 1);
  EXPECT_EQ(offsets_of(poll_partition(fetcher, kSecond.partition, 2, 40, 100ms)),
            (std::vector<std::int64_t>{0, 1}));
}

TEST(DirectFetcher, ALeaderThatKeepsRefusingAPartitionIsLookedUpAgainAfterABackoff) {
  MockCluster cluster(2);
  cluster.set_leader(0, 1);
  cluster.set_leader(1, 2);
  cluster.produce(0, 3);
  cluster.produce(1, 3);
  const BrokerAddress second = describe_leaders(cluster.client(), {kSecond}, 5s).at(kSecond);
  // The fetcher's metadata names broker 2 as the first partition's leader
  // too, as metadata that has not caught up with an election does: broker 2
  // answers each fetch of it with NOT_LEADER_OR_FOLLOWER, and each lookup
  // names broker 2 again.
  int lookups = 0;
  DirectFetcher fetcher(
      [&](const std::vector<TopicPartition>& partitions) {
        ++lookups;
        std::map<TopicPartition, BrokerAddress> leaders =
            describe_leaders(cluster.client(), partitions, 5s);
        leaders[kFirst] = second;
        return leaders;
      },
      {}, 5s);
  fetcher.assign({{kFirst, Offset{0}}, {kSecond, Offset{0}}});
  // The mock holds even an answer of errors for the fetch's whole wait (a
  // real broker answers at once), so the polls wait little: without a
  // backoff, each would cost a lookup.
  std::map<int, std::vector<std::int64_t>> offsets;
  std::vector<ConsumedRecord> records;
  const auto started = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - started < 1s) {
    records.clear();
    fetcher.poll(records, 5ms);
    for (const ConsumedRecord& r : records)
      offsets[r.partition.value].push_back(r.offset.value);
  }
  // The first lookup, one at once after the first error, then 0.1, 0.2 and
  // 0.4 s apart.
  EXPECT_LE(lookups, 15) << "lookups in 1 s";
  EXPECT_GE(lookups, 3) << "the leader is looked up again while the errors last";
  EXPECT_TRUE(offsets[0].empty());
  // The broker's other partition is read meanwhile.
  EXPECT_EQ(offsets[1], (std::vector<std::int64_t>{0, 1, 2}));

  // The election ends with broker 2 the leader, as the metadata said.
  cluster.set_leader(0, 2);
  EXPECT_EQ(offsets_of(poll_partition(fetcher, kFirst.partition, 3, 40, 100ms)),
            (std::vector<std::int64_t>{0, 1, 2}));
}

// Polls for 1 s while every fetch fails with `error`; how many times the
// leaders were looked up meanwhile. Then the failures end, and the records
// must all arrive.
int lookups_while_fetches_fail(rd_kafka_resp_err_t error) {
  MockCluster cluster;
  cluster.produce(0, 3);
  int lookups = 0;
  DirectFetcher fetcher(
      [&](const std::vector<TopicPartition>& partitions) {
        ++lookups;
        return describe_leaders(cluster.client(), partitions, 5s);
      },
      {}, 5s);
  fetcher.assign({{kFirst, Offset{0}}});
  cluster.fail_fetches(100'000, error);
  std::vector<ConsumedRecord> records;
  const auto started = std::chrono::steady_clock::now();
  while (std::chrono::steady_clock::now() - started < 1s) {
    fetcher.poll(records, 5ms);
    EXPECT_TRUE(records.empty());
  }
  cluster.stop_failing_fetches();
  EXPECT_EQ(offsets_of(poll_partition(fetcher, kFirst.partition, 3, 40, 100ms)),
            (std::vector<std::int64_t>{0, 1, 2}));
  return lookups;
}

TEST(DirectFetcher, ABrokerThatRefusesEveryFetchIsLookedUpAgainAfterABackoff) {
  // Each poll looked the leaders up, connected and fetched again: 90 lookups
  // in the second (170 when the broker closes the connection instead). With
  // the 0.5 s backoff: the first lookup and two more.
  const int lookups = lookups_while_fetches_fail(RD_KAFKA_RESP_ERR_UNKNOWN);
  EXPECT_LE(lookups, 5) << "lookups in 1 s";
  EXPECT_GE(lookups, 2) << "the leaders are looked up again while the errors last";
}

TEST(DirectFetcher, ABrokerThatClosesEveryConnectionIsLookedUpAgainAfterABackoff) {
  const int lookups = lookups_while_fetches_fail(RD_KAFKA_RESP_ERR__TRANSPORT);
  EXPECT_LE(lookups, 5) << "lookups in 1 s";
  EXPECT_GE(lookups, 2) << "the leaders are looked up again while the errors last";
}

// The metadata names a loopback port that never answers (`port`) as the
// second partition's leader: the first partition's records must arrive as
// fast as if it did, and no poll wait on it.
void expect_a_broker_that_never_answers_holds_up_no_other(int port) {
  MockCluster cluster;
  DirectFetcher fetcher(
      [&](const std::vector<TopicPartition>& partitions) {
        auto leaders = describe_leaders(cluster.client(), partitions, 5s);
        if (leaders.contains(kSecond)) leaders[kSecond] = {"127.0.0.1", port};
        return leaders;
      },
      {}, 5s);
  fetcher.assign({{kFirst, Offset{0}}, {kSecond, Offset{0}}});
  cluster.produce(0, 5);
  const auto started = std::chrono::steady_clock::now();
  EXPECT_EQ(offsets_of(poll_partition(fetcher, kFirst.partition, 5, 40, 100ms)),
            (std::vector<std::int64_t>{0, 1, 2, 3, 4}));
  // A blocking connect, or ApiVersions round trip, held the first poll for
  // the whole 5 s timeout.
  EXPECT_LT(std::chrono::steady_clock::now() - started, 2s);
  // Every poll returns within its wait and the fetch's timeout, connecting or not.
  std::vector<ConsumedRecord> records;
  for (int i = 0; i < 5; ++i) {
    const auto poll_started = std::chrono::steady_clock::now();
    fetcher.poll(records, 100ms);
    EXPECT_LT(std::chrono::steady_clock::now() - poll_started, 1s);
  }
}

TEST(DirectFetcher, AHostThatDropsConnectsHoldsUpNoOtherBroker) {
  // As when that broker's host is down or cut off.
  SilentListener silent;
  expect_a_broker_that_never_answers_holds_up_no_other(silent.port());
}

TEST(DirectFetcher, ABrokerThatAcceptsAndNeverAnswersHoldsUpNoOther) {
  // As when that broker's process is stopped or hung.
  MuteListener mute;
  expect_a_broker_that_never_answers_holds_up_no_other(mute.port());
}

}  // namespace
}  // namespace smartcity::kafka
