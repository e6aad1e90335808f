// Reading records out of Kafka, nothing else: librdkafka's consumer (the
// stream's `KafkaConsumer`, its settings and poll loop) against the direct
// fetch (`DirectFetcher`: `KafkaFetchConnection` + `RecordBatchReader`), over every partition
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
#include "kafka/direct_fetcher.h"
#include "kafka/kafka_consumer.h"

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

// The stream's direct path: DirectFetcher, fetching one response ahead.
Tally read_directly(const std::string& brokers, const std::vector<std::string>& topics,
                    std::int32_t partition_max_bytes) {
  kafka::RdKafkaHandle handle = kafka::make_client(
      RD_KAFKA_PRODUCER, kafka::make_client_config({{"bootstrap.servers", brokers}}));
  std::vector<kafka::FetchPosition> positions;
  for (const auto& [topic, partitions] :
       kafka::describe_topics(handle.get(), topics, 10s, brokers)) {
    for (const Partition partition : partitions)
      positions.push_back({{topic, partition}, Offset{0}});
  }
  kafka::DirectFetcher fetcher(
      [&](const std::vector<TopicPartition>& partitions) {
        return kafka::describe_leaders(handle.get(), partitions, 10s);
      },
      {.max_wait = 100ms, .max_bytes = 16 << 20, .partition_max_bytes = partition_max_bytes}, 10s);
  fetcher.assign(positions);
  // Each partition's end as of its first fetch; read until every one is reached.
  std::map<TopicPartition, Offset> next;
  for (const kafka::FetchPosition& p : positions)
    next[p.partition] = p.offset;
  std::vector<kafka::ConsumedRecord> records;
  Tally tally;
  auto caught_up = [&] {
    for (const auto& [tp, offset] : next) {
      const std::optional<Offset> end = fetcher.high_watermark(tp);
      if (!end || offset < *end) return false;
    }
    return true;
  };
  while (!caught_up()) {
    if (!fetcher.out_of_range().empty()) throw KafkaError("a partition's log does not start at 0");
    records.clear();
    fetcher.poll(records, 100ms);
    // Records come in runs of one partition: looking the partition up once per
    // run, not per record, keeps this loop's own cost out of the fetch's figure.
    const TopicPartition* tp = nullptr;
    Offset* next_offset = nullptr;
    for (const kafka::ConsumedRecord& r : records) {
      if (tp == nullptr || r.partition != tp->partition || r.topic != tp->topic) {
        const auto it = next.find(TopicPartition{std::string(r.topic), r.partition});
        if (it == next.end()) throw KafkaError("a record of a partition that was not assigned");
        tp = &it->first;
        next_offset = &it->second;
      }
      tally.add(*tp, r.offset, r.value);
      *next_offset = Offset{r.offset.value + 1};
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
