// What the stream holds for one Kafka partition between two commits: decoded
// rows for the partition's table, dead letters, and the offset range they
// cover. Every record consumed lands in exactly one of the two batches, so
// the range [first, next) is exactly what the next commit makes durable.
#pragma once

#include <cstddef>
#include <memory>

#include "base/topic_partition.h"
#include "events/schema.h"
#include "lake/column_batch.h"

namespace smartcity::stream {

class PartitionBuffer {
 public:
  // Starts empty at `start`, the next offset the lake expects for `partition`.
  PartitionBuffer(TopicPartition partition, events::EventKind kind, Offset start);

  const TopicPartition& partition() const { return partition_; }
  events::EventKind kind() const { return kind_; }
  lake::ColumnBatch& rows() { return rows_; }
  lake::ColumnBatch& dead_letters() { return dead_letters_; }
  const lake::ColumnBatch& rows() const { return rows_; }
  const lake::ColumnBatch& dead_letters() const { return dead_letters_; }

  // Notes that the record at `offset` was appended to one of the batches.
  // Offsets must increase (CHECKed): a partition is read in order.
  void record_consumed(Offset offset);

  bool empty() const { return first_ == next_; }
  Offset first() const { return first_; }  // first offset held
  Offset next() const { return next_; }    // one past the last offset held
  std::size_t records() const { return records_; }
  std::size_t memory_bytes() const { return rows_.memory_bytes() + dead_letters_.memory_bytes(); }

  // After a commit made everything held durable: empties the batches and
  // starts the next range where this one ended.
  void clear_committed();

  // Moves everything held into a new buffer covering [first, next) and
  // starts this one empty at next: the stream reads on into this buffer
  // while the returned one is committed on another thread.
  std::unique_ptr<PartitionBuffer> hand_over();

 private:
  TopicPartition partition_;
  events::EventKind kind_;
  lake::ColumnBatch rows_;
  lake::ColumnBatch dead_letters_;
  Offset first_;
  Offset next_;
  std::size_t records_ = 0;
};

}  // namespace smartcity::stream
