#include "kafka/record_batch_reader.h"

#include <lz4frame.h>
#include <zstd.h>

#include <optional>

#include "base/check.h"
#include "base/errors.h"
#include "kafka/kafka_wire_format.h"

namespace smartcity::kafka {
namespace {

// RecordBatch v2: the fields before the records, and where two of them sit.
constexpr std::size_t kBatchHeaderBytes = 61;
constexpr std::size_t kLogOverheadBytes = 12;  // baseOffset + batchLength
constexpr std::size_t kMagicAt = 16;

constexpr int kCodecNone = 0;
constexpr int kCodecGzip = 1;
constexpr int kCodecSnappy = 2;
constexpr int kCodecLz4 = 3;
constexpr int kCodecZstd = 4;
constexpr int kControlBatch = 0x20;

[[noreturn]] void corrupt(const std::string& what) {
  throw KafkaError("the broker sent record batches that do not parse: " + what);
}

struct BatchHeader {
  std::int64_t base_offset = 0;
  std::int32_t last_offset_delta = 0;
  std::int64_t base_timestamp = 0;
  std::int16_t attributes = 0;
  std::int32_t record_count = 0;
};

// One batch's header and where its bytes sit in the records it came in.
struct Batch {
  BatchHeader header;
  std::size_t start = 0;   // of its baseOffset
  std::size_t length = 0;  // batchLength: the bytes after the log overhead
  Offset after() const { return Offset{header.base_offset + header.last_offset_delta + 1}; }
};

// Reads the header of the batch at `in` and moves `in` past the batch; nullopt
// once fewer bytes remain than a whole batch (cut short by the fetch size).
std::optional<Batch> read_batch(WireReader& in, std::span<const char> records) {
  if (in.remaining() < kLogOverheadBytes) return std::nullopt;
  Batch batch;
  batch.start = in.position();
  batch.header.base_offset = in.int64();
  const std::int32_t batch_length = in.int32();
  if (batch_length < 0) corrupt("negative batch length");
  if (static_cast<std::size_t>(batch_length) > in.remaining()) return std::nullopt;
  if (static_cast<std::size_t>(batch_length) + kLogOverheadBytes < kBatchHeaderBytes) {
    corrupt("batch shorter than its header");
  }
  batch.length = static_cast<std::size_t>(batch_length);
  const std::int8_t magic = records[batch.start + kMagicAt];
  if (magic != 2) {
    throw KafkaError("the broker sent record batches in message format v" + std::to_string(magic) +
                     "; smartcity reads v2 (Kafka 0.11 and later)");
  }
  WireReader body(in.view(batch.length));
  body.int32();  // partitionLeaderEpoch
  body.int8();   // magic
  body.int32();  // crc
  batch.header.attributes = body.int16();
  batch.header.last_offset_delta = body.int32();
  batch.header.base_timestamp = body.int64();
  body.int64();  // maxTimestamp
  body.int64();  // producerId
  body.int16();  // producerEpoch
  body.int32();  // baseSequence
  batch.header.record_count = body.int32();
  SMARTCITY_CHECK(!body.failed(), "a batch of at least its header's size reads its header");
  return batch;
}

// Reads one record of a batch into `record`; false if the bytes run out.
bool read_record(WireReader& in, const BatchHeader& batch, KafkaRecordView& record) {
  const std::int64_t length = in.varint();
  if (in.failed() || length < 0 || static_cast<std::uint64_t>(length) > in.remaining())
    return false;
  WireReader body(in.view(static_cast<std::size_t>(length)));
  body.int8();  // record attributes: unused by Kafka so far
  const std::int64_t timestamp_delta = body.varint();
  const std::int64_t offset_delta = body.varint();
  const std::int64_t key_length = body.varint();
  record.key_is_null = key_length < 0;
  record.key =
      record.key_is_null ? std::string_view() : body.view(static_cast<std::size_t>(key_length));
  const std::int64_t value_length = body.varint();
  record.value_is_null = value_length < 0;
  record.value =
      record.value_is_null ? std::string_view() : body.view(static_cast<std::size_t>(value_length));
  // Headers follow; the stream does not read them, and `length` skips them.
  record.offset = Offset{batch.base_offset + offset_delta};
  record.timestamp_ms = batch.base_timestamp + timestamp_delta;
  return !body.failed();
}

}  // namespace

struct RecordBatchReader::Codecs {
  LZ4F_dctx* lz4 = nullptr;
  ZSTD_DCtx* zstd = nullptr;
  ~Codecs() {
    if (lz4 != nullptr) LZ4F_freeDecompressionContext(lz4);
    if (zstd != nullptr) ZSTD_freeDCtx(zstd);
  }
};

RecordBatchReader::RecordBatchReader() : codecs_(std::make_unique<Codecs>()) {}
RecordBatchReader::~RecordBatchReader() = default;

std::span<const char> RecordBatchReader::decompress(int codec, std::span<const char> compressed) {
  if (decompressed_used_ == decompressed_.size()) decompressed_.emplace_back();
  std::string& out = decompressed_[decompressed_used_++];
  // Seed records compress about 4:1; a good first guess saves regrowing.
  if (out.size() < compressed.size() * 4) out.resize(compressed.size() * 4 + 1024);
  std::size_t produced = 0;
  if (codec == kCodecLz4) {
    if (codecs_->lz4 == nullptr &&
        LZ4F_isError(LZ4F_createDecompressionContext(&codecs_->lz4, LZ4F_VERSION))) {
      throw KafkaError("cannot create an lz4 decompression context");
    }
    std::size_t consumed = 0;
    for (;;) {
      std::size_t in_size = compressed.size() - consumed;
      std::size_t out_size = out.size() - produced;
      const std::size_t hint = LZ4F_decompress(codecs_->lz4, out.data() + produced, &out_size,
                                               compressed.data() + consumed, &in_size, nullptr);
      if (LZ4F_isError(hint)) {
        LZ4F_resetDecompressionContext(codecs_->lz4);
        corrupt(std::string("lz4: ") + LZ4F_getErrorName(hint));
      }
      consumed += in_size;
      produced += out_size;
      if (hint == 0) break;  // the frame is complete
      if (consumed == compressed.size() && out_size == 0 && in_size == 0) {
        LZ4F_resetDecompressionContext(codecs_->lz4);
        corrupt("lz4 frame cut short");
      }
      if (produced == out.size()) out.resize(out.size() * 2);
    }
  } else {
    if (codecs_->zstd == nullptr) codecs_->zstd = ZSTD_createDCtx();
    ZSTD_inBuffer in{compressed.data(), compressed.size(), 0};
    for (;;) {
      ZSTD_outBuffer sink{out.data(), out.size(), produced};
      const std::size_t hint = ZSTD_decompressStream(codecs_->zstd, &sink, &in);
      if (ZSTD_isError(hint)) {
        ZSTD_DCtx_reset(codecs_->zstd, ZSTD_reset_session_only);
        corrupt(std::string("zstd: ") + ZSTD_getErrorName(hint));
      }
      produced = sink.pos;
      if (hint == 0) break;
      if (in.pos == in.size && sink.pos < sink.size) {
        ZSTD_DCtx_reset(codecs_->zstd, ZSTD_reset_session_only);
        corrupt("zstd frame cut short");
      }
      if (produced == out.size()) out.resize(out.size() * 2);
    }
  }
  return {out.data(), produced};
}

Offset RecordBatchReader::next_offset(std::span<const char> records, Offset from) {
  Offset next = from;
  WireReader in(records);
  while (const std::optional<Batch> batch = read_batch(in, records)) {
    if (batch->after() > from) next = batch->after();
  }
  return next;
}

RecordBatchRead RecordBatchReader::read(std::span<const char> records, Offset from,
                                        std::vector<KafkaRecordView>& out) {
  RecordBatchRead result{from, 0};
  WireReader in(records);
  while (const std::optional<Batch> found = read_batch(in, records)) {
    const BatchHeader& batch = found->header;
    if (found->after() <= from) continue;  // wholly before the requested offset
    result.next = found->after();
    result.batch_bytes += in.position() - found->start;
    if ((batch.attributes & kControlBatch) != 0) continue;

    const int codec = batch.attributes & 0x07;
    std::span<const char> record_bytes(records.data() + found->start + kBatchHeaderBytes,
                                       found->length + kLogOverheadBytes - kBatchHeaderBytes);
    if (codec == kCodecLz4 || codec == kCodecZstd) {
      record_bytes = decompress(codec, record_bytes);
    } else if (codec == kCodecGzip || codec == kCodecSnappy) {
      throw KafkaError(std::string("the topic holds ") + (codec == kCodecGzip ? "gzip" : "snappy") +
                       "-compressed batches; the direct fetch reads none, lz4 or zstd");
    } else if (codec != kCodecNone) {
      corrupt("unknown compression codec " + std::to_string(codec));
    }
    WireReader record_reader(record_bytes);
    for (std::int32_t i = 0; i < batch.record_count; ++i) {
      KafkaRecordView record;
      if (!read_record(record_reader, batch, record)) {
        corrupt("a record of the batch at offset " + std::to_string(batch.base_offset) +
                " is cut short");
      }
      if (record.offset >= from) out.push_back(record);
    }
  }
  return result;
}

}  // namespace smartcity::kafka
