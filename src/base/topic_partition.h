// Strong types for Kafka positions. A partition number and an offset are both
// integers; mixing them up silently corrupts exactly-once bookkeeping, so they
// never travel as bare integers between modules.
#pragma once

#include <compare>
#include <cstdint>
#include <functional>
#include <string>

namespace smartcity {

struct Partition {
  std::int32_t value = 0;
  auto operator<=>(const Partition&) const = default;
};

// A Kafka offset. In commit records it is always the *next* offset to read,
// as Kafka's own committed offsets are.
struct Offset {
  std::int64_t value = 0;
  auto operator<=>(const Offset&) const = default;
};

struct TopicPartition {
  std::string topic;
  Partition partition;
  auto operator<=>(const TopicPartition&) const = default;
};

struct TopicPartitionHash {
  std::size_t operator()(const TopicPartition& tp) const noexcept {
    return std::hash<std::string>{}(tp.topic) * 31 + static_cast<std::size_t>(tp.partition.value);
  }
};

}  // namespace smartcity
