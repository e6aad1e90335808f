// KafkaFetchConnection and RecordBatchReader against librdkafka's mock
// cluster, which speaks Kafka's protocol over TCP (see mock_cluster.h): the
// records librdkafka's producer wrote come back whole, in order, fetch after
// fetch. The same against the real broker: tests/integration/test_direct_fetch.py.
#include "kafka/kafka_fetch_connection.h"

#include <gtest/gtest.h>

#include <chrono>

#include "base/errors.h"
#include "kafka/record_batch_reader.h"
#include "unit/kafka/mock_cluster.h"
#include "unit/kafka/silent_listener.h"

namespace smartcity::kafka {
namespace {

using namespace std::chrono_literals;

std::pair<std::string, int> host_and_port(const std::string& bootstrap) {
  const std::string first = bootstrap.substr(0, bootstrap.find(','));
  const std::size_t colon = first.rfind(':');
  return {first.substr(0, colon), std::stoi(first.substr(colon + 1))};
}

// Reads partition `partition` from offset 0 until `want` records, fetch by
// fetch; returns the values.
std::vector<std::string> read_all(KafkaFetchConnection& connection, int partition, std::size_t want,
                                  const FetchLimits& limits) {
  RecordBatchReader reader;
  std::vector<KafkaRecordView> records;
  std::vector<std::string> values;
  Offset next{0};
  for (int fetches = 0; values.size() < want && fetches < 1000; ++fetches) {
    const auto fetched = connection.fetch({{{"vehicle_data", Partition{partition}}, next}}, limits);
    EXPECT_EQ(fetched.size(), 1u);
    if (fetched.empty()) break;
    EXPECT_EQ(fetched[0].error_code, 0);
    EXPECT_EQ(fetched[0].partition, (TopicPartition{"vehicle_data", Partition{partition}}));
    reader.recycle();
    records.clear();
    const RecordBatchRead read = reader.read(fetched[0].records, next, records);
    for (const KafkaRecordView& r : records) {
      EXPECT_EQ(r.offset, Offset{next.value + static_cast<std::int64_t>(&r - records.data())});
      values.emplace_back(r.value);
    }
    next = read.next;
  }
  return values;
}

TEST(KafkaFetchConnection, ReadsWhatTheProducerWroteFetchAfterFetch) {
  MockCluster cluster;
  cluster.produce(1, 300, 40);
  const auto [host, port] = host_and_port(cluster.bootstrap());
  KafkaFetchConnection connection(host, port, 5s);
  // Small fetches end inside a batch, so the reader's cut and the next
  // fetch's skip of the batch's earlier records both happen.
  for (const std::int32_t partition_bytes : {100, 700, 1 << 20}) {
    SCOPED_TRACE(partition_bytes);
    const FetchLimits limits{.max_wait = 50ms, .partition_max_bytes = partition_bytes};
    const std::vector<std::string> values = read_all(connection, 1, 300, limits);
    ASSERT_EQ(values.size(), 300u);
    for (std::size_t i = 0; i < values.size(); ++i)
      ASSERT_EQ(values[i], "record-" + std::to_string(i) + std::string(40, '.'));
  }
}

TEST(KafkaFetchConnection, AnEmptyPartitionAnswersWithItsHighWatermarkAfterTheWait) {
  MockCluster cluster;
  cluster.produce(0, 5);
  const auto [host, port] = host_and_port(cluster.bootstrap());
  KafkaFetchConnection connection(host, port, 5s);
  const auto fetched =
      connection.fetch({{{"vehicle_data", Partition{0}}, Offset{5}}}, {.max_wait = 50ms});
  ASSERT_EQ(fetched.size(), 1u);
  EXPECT_EQ(fetched[0].error_code, 0);
  EXPECT_EQ(fetched[0].high_watermark, Offset{5});
  RecordBatchReader reader;
  std::vector<KafkaRecordView> records;
  EXPECT_EQ(reader.read(fetched[0].records, Offset{5}, records).next, Offset{5});
  EXPECT_TRUE(records.empty());
}

TEST(KafkaFetchConnection, AnUnreachableBrokerIsOneKafkaErrorNamingIt) {
  MockCluster cluster;
  const auto [host, port] = host_and_port(cluster.bootstrap());
  cluster.set_broker_up(false);
  const auto started = std::chrono::steady_clock::now();
  try {
    KafkaFetchConnection connection(host, port, 2s);
    FAIL() << "connected to a broker that is down";
  } catch (const KafkaError& e) {
    EXPECT_NE(std::string(e.what()).find(host + ":" + std::to_string(port)), std::string::npos)
        << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST(KafkaFetchConnection, ABrokerThatNeverAnswersIsAKafkaErrorAfterTheTimeout) {
  // A host that drops the connects, and a broker process that is stopped
  // (its connects accepted, its ApiVersions never answered).
  SilentListener silent;
  MuteListener mute;
  for (const int port : {silent.port(), mute.port()}) {
    const auto started = std::chrono::steady_clock::now();
    EXPECT_THROW(KafkaFetchConnection("127.0.0.1", port, 500ms), KafkaError);
    const auto took = std::chrono::steady_clock::now() - started;
    EXPECT_GE(took, 450ms);
    EXPECT_LT(took, 3s);
  }
}

TEST(KafkaFetchConnector, OpensAConnectionThatReadsRecords) {
  MockCluster cluster;
  cluster.produce(1, 20, 10);
  const auto [host, port] = host_and_port(cluster.bootstrap());
  KafkaFetchConnector connector(host, port, 5s);
  EXPECT_EQ(connector.address(), host + ":" + std::to_string(port));
  std::unique_ptr<KafkaFetchConnection> connection;
  for (int polls = 0; !connection && polls < 100; ++polls)
    connection = connector.finish(50ms);
  ASSERT_NE(connection, nullptr);
  EXPECT_EQ(read_all(*connection, 1, 20, {.max_wait = 50ms}).size(), 20u);
}

// Connects to a loopback `port` that never answers with a 1 s timeout: each
// finish() returns once its own wait is over, however long the connect goes
// on, and the connector gives up after the second with an error that
// contains `error_text`.
void expect_connector_gives_up_without_blocking(int port, const std::string& error_text) {
  const auto started = std::chrono::steady_clock::now();
  KafkaFetchConnector connector("127.0.0.1", port, 1s);
  int unfinished = 0;
  std::string error;
  try {
    while (true) {
      const auto call = std::chrono::steady_clock::now();
      EXPECT_EQ(connector.finish(20ms), nullptr);
      EXPECT_LT(std::chrono::steady_clock::now() - call, 300ms);
      ++unfinished;
    }
  } catch (const KafkaError& e) {
    error = e.what();
  }
  const auto took = std::chrono::steady_clock::now() - started;
  EXPECT_GE(unfinished, 10);
  EXPECT_GE(took, 950ms);
  EXPECT_LT(took, 3s);
  EXPECT_NE(error.find("127.0.0.1:" + std::to_string(port)), std::string::npos) << error;
  EXPECT_NE(error.find(error_text), std::string::npos) << error;
}

TEST(KafkaFetchConnector, AHostThatDropsConnectsHoldsUpNoCaller) {
  // A blocking connect would hold the first call for the whole second.
  SilentListener silent;
  expect_connector_gives_up_without_blocking(silent.port(), "no answer within 1000 ms");
}

TEST(KafkaFetchConnector, ABrokerThatNeverAnswersHoldsUpNoCaller) {
  // The connect is done at once; the wait is for the ApiVersions answer,
  // which a blocking receive held the first call for the whole second.
  MuteListener mute;
  expect_connector_gives_up_without_blocking(
      mute.port(), "accepted the connection but did not answer within 1000 ms");
}

TEST(KafkaFetchConnector, ARefusedConnectIsAKafkaErrorNamingTheBroker) {
  MockCluster cluster;
  const auto [host, port] = host_and_port(cluster.bootstrap());
  cluster.set_broker_up(false);
  KafkaFetchConnector connector(host, port, 2s);
  const auto started = std::chrono::steady_clock::now();
  try {
    for (int polls = 0; polls < 100; ++polls)
      EXPECT_EQ(connector.finish(20ms), nullptr);
    FAIL() << "connected to a broker that is down";
  } catch (const KafkaError& e) {
    EXPECT_NE(std::string(e.what()).find("cannot connect to Kafka broker " + host + ":" +
                                         std::to_string(port)),
              std::string::npos)
        << e.what();
  }
  // Refused at once, not after the timeout.
  EXPECT_LT(std::chrono::steady_clock::now() - started, 1s);
}

}  // namespace
}  // namespace smartcity::kafka
