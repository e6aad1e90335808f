// Reading records out of Kafka, nothing else: librdkafka's consumer (the
// stream's `KafkaConsumer`, its settings and poll loop) against the direct
// fetch (`KafkaFetchConnection` + `RecordBatchReader`), over every partition
// of the given topics from their beginning to their end as of the start.
// Each record is touched as a decoder would start to (its size and the bytes
// at both ends go into a digest), so the two clients must agree on every
// offset and value, and what differs is the cost of getting the records.
//
// Prints one JSON line: client, records, value bytes, wall and CPU seconds
// (user + system of the whole process, all threads), digest.
// Run by bench/kafka_fetch.py; tests/integration/test_direct_fetch.py checks
// that both clients read the same records from the real broker.
//
// Usage: kafka_fetch_bench --brokers HOST:PORT --client librdkafka|direct
//                          [--topics a,b,...] [--partition-max-bytes N]
#include <librdkafka/rdkafka.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/errors.h"
#include "events/schema.h"
#include "kafka/client_config.h"
#include "kafka/kafka_consumer.h"
#include "kafka/kafka_fetch_connection.h"
#include "kafka/record_batch_reader.h"

namespace smartcity {
namespace {

using namespace std::chrono_literals;

struct Tally {
  std::uint64_t records = 0;
  std::uint64_t value_bytes = 0;
  std::uint64_t digest = 0;

  // Order-independent across partitions (their records interleave
  // differently in the two clients), exact within a record.
  void add(const TopicPartition& tp, Offset offset, std::string_view value) {
    std::uint64_t h = std::hash<std::string>{}(tp.topic) ^
                      (static_cast<std::uint64_t>(tp.partition.value) << 48) ^
                      static_cast<std::uint64_t>(offset.value) * 0x9E3779B97F4A7C15ull;
    std::uint64_t ends[2] = {0, 0};
    std::memcpy(&ends[0], value.data(), std::min<std::size_t>(8, value.size()));
    if (value.size() >= 8) std::memcpy(&ends[1], value.data() + value.size() - 8, 8);
    h ^= (ends[0] + 0x632BE59BD9B4E019ull * ends[1] + value.size()) * 0xD6E8FEB86659FD93ull;
    digest += h ^ (h >> 29);
    records += 1;
    value_bytes += value.size();
  }
};

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

struct Leader {
  std::string host;
  int port = 0;
};

// Each partition's leader, from the cluster's metadata.
std::map<TopicPartition, Leader> partition_leaders(const std::string& brokers,
                                                   const std::vector<std::string>& topics) {
  kafka::RdKafkaHandle handle = kafka::make_client(
      RD_KAFKA_PRODUCER, kafka::make_client_config({{"bootstrap.servers", brokers}}));
  const rd_kafka_metadata_t* metadata = nullptr;
  if (rd_kafka_metadata(handle.get(), 1, nullptr, &metadata, 10'000) !=
      RD_KAFKA_RESP_ERR_NO_ERROR) {
    throw KafkaError("cannot read the metadata of " + brokers);
  }
  std::map<std::int32_t, Leader> brokers_by_id;
  for (int b = 0; b < metadata->broker_cnt; ++b)
    brokers_by_id[metadata->brokers[b].id] = {metadata->brokers[b].host, metadata->brokers[b].port};
  std::map<TopicPartition, Leader> leaders;
  for (int t = 0; t < metadata->topic_cnt; ++t) {
    const rd_kafka_metadata_topic_t& topic = metadata->topics[t];
    if (std::find(topics.begin(), topics.end(), topic.topic) == topics.end()) continue;
    for (int p = 0; p < topic.partition_cnt; ++p)
      leaders[{topic.topic, Partition{topic.partitions[p].id}}] =
          brokers_by_id[topic.partitions[p].leader];
  }
  rd_kafka_metadata_destroy(metadata);
  return leaders;
}

Tally read_with_librdkafka(const std::string& brokers, const std::vector<std::string>& topics) {
  kafka::ConsumerOptions options;
  options.brokers = brokers;
  options.group_id = "kafka-fetch-bench-" + std::to_string(::getpid());
  options.topics = topics;
  options.prefetch_bytes = 256u << 20;  // the stream's default
  kafka::KafkaConsumer consumer(
      options,
      [](const std::vector<TopicPartition>& assigned) {
        std::vector<kafka::StartPosition> starts;
        for (const TopicPartition& tp : assigned)
          starts.push_back({tp, std::nullopt});
        return starts;
      },
      [](const std::vector<TopicPartition>&) {});
  std::map<TopicPartition, Offset> remaining =
      consumer.end_offsets(consumer.subscribed_partitions(), 10s);
  std::erase_if(remaining, [](const auto& entry) { return entry.second.value == 0; });
  Tally tally;
  while (!remaining.empty()) {
    for (const kafka::KafkaMessage& message : consumer.poll(4096, 100ms)) {
      const TopicPartition tp{rd_kafka_topic_name(message->rkt), Partition{message->partition}};
      tally.add(tp, Offset{message->offset},
                std::string_view(static_cast<const char*>(message->payload), message->len));
      const auto it = remaining.find(tp);
      if (it != remaining.end() && message->offset + 1 >= it->second.value) remaining.erase(it);
    }
  }
  consumer.close();
  return tally;
}

Tally read_directly(const std::string& brokers, const std::vector<std::string>& topics,
                    std::int32_t partition_max_bytes) {
  struct Source {
    std::unique_ptr<kafka::KafkaFetchConnection> connection;
    std::vector<kafka::FetchPosition> positions;
    std::map<TopicPartition, Offset> ends;  // from the first fetch's high watermarks
  };
  std::map<std::string, Source> sources;  // by leader address
  for (const auto& [tp, leader] : partition_leaders(brokers, topics)) {
    Source& source = sources[leader.host + ":" + std::to_string(leader.port)];
    if (!source.connection)
      source.connection =
          std::make_unique<kafka::KafkaFetchConnection>(leader.host, leader.port, 10s);
    source.positions.push_back({tp, Offset{0}});
  }
  const kafka::FetchLimits limits{
      .max_wait = 100ms, .max_bytes = 16 << 20, .partition_max_bytes = partition_max_bytes};
  kafka::RecordBatchReader reader;
  std::vector<kafka::KafkaRecordView> records;
  Tally tally;
  for (auto& [address, source] : sources) {
    bool first = true;
    while (!source.positions.empty()) {
      const auto fetched = source.connection->fetch(source.positions, limits);
      for (const kafka::FetchedPartition& part : fetched) {
        if (part.error_code != 0) {
          throw KafkaError("fetching " + part.partition.topic + "/" +
                           std::to_string(part.partition.partition.value) + " from " + address +
                           " failed with Kafka error code " + std::to_string(part.error_code));
        }
        auto position = std::find_if(source.positions.begin(), source.positions.end(),
                                     [&](const auto& p) { return p.partition == part.partition; });
        if (position == source.positions.end()) continue;
        if (first) source.ends[part.partition] = part.high_watermark;
        const kafka::RecordBatchRead read = reader.read(part.records, position->offset, records);
        for (const kafka::KafkaRecordView& r : records)
          tally.add(part.partition, r.offset, r.value);
        position->offset = read.next;
      }
      first = false;
      std::erase_if(source.positions, [&](const kafka::FetchPosition& p) {
        return p.offset >= source.ends[p.partition];
      });
    }
  }
  return tally;
}

int run(int argc, char** argv) {
  std::string brokers, client = "direct";
  std::vector<std::string> topics;
  std::int32_t partition_max_bytes = 2 << 20;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view flag = argv[i];
    const std::string value = argv[i + 1];
    if (flag == "--brokers") {
      brokers = value;
    } else if (flag == "--client") {
      client = value;
    } else if (flag == "--partition-max-bytes") {
      partition_max_bytes = std::stoi(value);
    } else if (flag == "--topics") {
      for (std::size_t at = 0; at <= value.size();) {
        const std::size_t comma = std::min(value.find(',', at), value.size());
        topics.push_back(value.substr(at, comma - at));
        at = comma + 1;
      }
    } else {
      throw UsageError("unknown flag " + std::string(flag));
    }
  }
  if (brokers.empty()) throw UsageError("--brokers is required");
  if (client != "direct" && client != "librdkafka") {
    throw UsageError("--client: direct or librdkafka, not " + client);
  }
  if (topics.empty()) {
    for (const events::EventSpec& event : events::all_events())
      topics.emplace_back(event.topic);
  }
  const auto started = std::chrono::steady_clock::now();
  const double cpu_before = cpu_seconds();
  const Tally tally = client == "direct" ? read_directly(brokers, topics, partition_max_bytes)
                                         : read_with_librdkafka(brokers, topics);
  const double cpu = cpu_seconds() - cpu_before;
  const double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::printf(
      "{\"client\": \"%s\", \"records\": %llu, \"value_bytes\": %llu, \"wall_s\": %.3f, "
      "\"cpu_s\": %.3f, \"digest\": \"%016llx\"}\n",
      client.c_str(), static_cast<unsigned long long>(tally.records),
      static_cast<unsigned long long>(tally.value_bytes), wall, cpu,
      static_cast<unsigned long long>(tally.digest));
  return 0;
}

}  // namespace
}  // namespace smartcity

int main(int argc, char** argv) {
  try {
    return smartcity::run(argc, argv);
  } catch (const smartcity::UsageError& e) {
    std::cerr << "kafka_fetch_bench: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "kafka_fetch_bench: " << e.what() << "\n";
    return 1;
  }
}
