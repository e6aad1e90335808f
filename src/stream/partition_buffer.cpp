#include "stream/partition_buffer.h"

#include "base/check.h"
#include "lake/table_schema.h"

namespace smartcity::stream {

PartitionBuffer::PartitionBuffer(TopicPartition partition, events::EventKind kind, Offset start)
    : partition_(std::move(partition)),
      kind_(kind),
      rows_(lake::table_schema(kind)),
      dead_letters_(lake::dead_letter_schema()),
      first_(start),
      next_(start) {}

void PartitionBuffer::record_consumed(Offset offset) {
  SMARTCITY_CHECK(offset >= next_, "offsets of one partition must increase");
  // A gap (retention, compaction, transaction markers) is fine: the commit
  // records the next offset to read, not a count.
  if (empty()) first_ = offset;
  next_ = Offset{offset.value + 1};
  ++records_;
}

void PartitionBuffer::clear_committed() {
  // A busy partition reuses its memory; one that grew large gives it back, so
  // memory held between commits stays within the stream's budget.
  constexpr std::size_t kKeepBytes = 8u << 20;
  if (rows_.memory_bytes() > kKeepBytes) {
    rows_.release();
  } else {
    rows_.clear();
  }
  dead_letters_.release();
  first_ = next_;
  records_ = 0;
}

std::unique_ptr<PartitionBuffer> PartitionBuffer::hand_over() {
  auto held = std::make_unique<PartitionBuffer>(partition_, kind_, first_);
  std::swap(held->rows_, rows_);
  std::swap(held->dead_letters_, dead_letters_);
  held->next_ = next_;
  held->records_ = records_;
  first_ = next_;
  records_ = 0;
  return held;
}

}  // namespace smartcity::stream
