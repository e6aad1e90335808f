// Reads the records of one partition from the bytes a Fetch response carries
// for it: a sequence of RecordBatch v2 (Kafka's log format since 0.11, the only
// one Kafka 4 writes), uncompressed or compressed with lz4 or zstd.
//
// It exists so that a consumer can hand records to the decoder as views into
// the fetched (or once-decompressed) bytes, batch by batch, without the
// allocation, queue and lock that librdkafka spends on every record (about 8%
// of the stream's CPU in bench/results/2026-12-02-stream-profile.md).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/topic_partition.h"

namespace smartcity::kafka {

// One record, as views into the reader's input or its decompression buffers:
// valid until `RecordBatchReader::recycle` and while the input lives.
struct KafkaRecordView {
  Offset offset;
  std::int64_t timestamp_ms = 0;
  std::string_view key;
  std::string_view value;
  bool key_is_null = false;
  bool value_is_null = false;
};

// What one `read` found.
struct RecordBatchRead {
  // Where the next fetch of this partition starts: one past the last offset of
  // the last whole batch (control batches and compacted gaps included), or the
  // `from` given if the bytes held no whole batch at or after it.
  Offset next;
  // Bytes of batches at or after `from` that were read whole.
  std::size_t batch_bytes = 0;
};

class RecordBatchReader {
 public:
  RecordBatchReader();
  ~RecordBatchReader();
  RecordBatchReader(const RecordBatchReader&) = delete;
  RecordBatchReader& operator=(const RecordBatchReader&) = delete;

  // Appends to `out` every data record at or after `from` in `records`, in
  // offset order. Records of a batch that starts before `from`
  // (brokers return whole batches) are skipped, as are control batches
  // (transaction markers). A trailing batch cut short by the fetch size is
  // ignored: it is whole in the next fetch from `next`.
  //
  // Throws KafkaError for a batch in a format other than v2, one compressed
  // with gzip or snappy, or bytes that do not parse as batches (a corrupt
  // response: retrying the fetch is the caller's choice). The batches' CRCs are
  // not checked (as librdkafka's default `check.crcs=false`; TCP has its own).
  RecordBatchRead read(std::span<const char> records, Offset from,
                       std::vector<KafkaRecordView>& out);

  // Where `read(records, from, ...)` would say the next fetch starts, from
  // the batches' headers alone: nothing is decompressed. Throws as `read`
  // does for bytes that do not parse as batches.
  static Offset next_offset(std::span<const char> records, Offset from);

  // Ends the life of every view handed out so far: their decompression
  // buffers are reused by the reads that follow.
  void recycle() { decompressed_used_ = 0; }

 private:
  struct Codecs;
  std::span<const char> decompress(int codec, std::span<const char> compressed);

  std::unique_ptr<Codecs> codecs_;
  // Decompressed record sets since the last `recycle`, one string each (in a
  // deque, which never moves its elements) so that views into an earlier one
  // survive the decompression of a later one; kept to reuse their memory.
  std::deque<std::string> decompressed_;
  std::size_t decompressed_used_ = 0;
};

}  // namespace smartcity::kafka
