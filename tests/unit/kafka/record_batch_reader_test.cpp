// RecordBatchReader on batches built here field by field from Kafka's
// RecordBatch v2 layout, so that every codec, cut and skip is exercised
// exactly; kafka_fetch_connection_test reads batches a broker wrote.
#include "kafka/record_batch_reader.h"

#include <gtest/gtest.h>
#include <lz4frame.h>
#include <zstd.h>

#include <optional>

#include "base/errors.h"
#include "kafka/kafka_wire_format.h"

namespace smartcity::kafka {
namespace {

struct TestRecord {
  std::int32_t offset_delta;
  std::optional<std::string> key;
  std::optional<std::string> value;
};

void put_varint(std::string& out, std::int64_t v) {
  auto raw = (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
  while (raw >= 0x80) {
    out.push_back(static_cast<char>((raw & 0x7f) | 0x80));
    raw >>= 7;
  }
  out.push_back(static_cast<char>(raw));
}

std::string record_set(const std::vector<TestRecord>& records) {
  std::string out;
  for (const TestRecord& r : records) {
    std::string body;
    body.push_back(0);                      // attributes
    put_varint(body, 10 * r.offset_delta);  // timestamp delta
    put_varint(body, r.offset_delta);
    put_varint(body, r.key ? static_cast<std::int64_t>(r.key->size()) : -1);
    if (r.key) body += *r.key;
    put_varint(body, r.value ? static_cast<std::int64_t>(r.value->size()) : -1);
    if (r.value) body += *r.value;
    put_varint(body, 1);  // one header, which the reader must skip
    put_varint(body, 1);
    body += "h";
    put_varint(body, 2);
    body += "hv";
    put_varint(out, static_cast<std::int64_t>(body.size()));
    out += body;
  }
  return out;
}

std::string lz4(const std::string& plain) {
  std::string out(LZ4F_compressFrameBound(plain.size(), nullptr), '\0');
  out.resize(LZ4F_compressFrame(out.data(), out.size(), plain.data(), plain.size(), nullptr));
  return out;
}

std::string zstd(const std::string& plain) {
  std::string out(ZSTD_compressBound(plain.size()), '\0');
  out.resize(ZSTD_compress(out.data(), out.size(), plain.data(), plain.size(), 3));
  return out;
}

struct BatchOptions {
  int codec = 0;
  bool control = false;
  std::int8_t magic = 2;
  std::int32_t last_offset_delta = -1;  // -1: the last record's
};

std::string batch(std::int64_t base_offset, const std::vector<TestRecord>& records,
                  BatchOptions options = {}) {
  std::string set = record_set(records);
  if (options.codec == 3) set = lz4(set);
  if (options.codec == 4) set = zstd(set);
  WireWriter w;
  w.int64(base_offset);
  w.int32(0);  // batch length, patched
  w.int32(0);  // partition leader epoch
  w.int8(options.magic);
  w.int32(0);  // crc: not checked
  w.int16(static_cast<std::int16_t>(options.codec | (options.control ? 0x20 : 0)));
  w.int32(options.last_offset_delta >= 0 ? options.last_offset_delta : records.back().offset_delta);
  w.int64(1'000'000);  // base timestamp
  w.int64(0);
  w.int64(-1);
  w.int16(-1);
  w.int32(-1);
  w.int32(static_cast<std::int32_t>(records.size()));
  w.patch_int32(8, static_cast<std::int32_t>(w.size() - 12 + set.size()));
  return w.bytes() + set;
}

// One read on its own: views of earlier reads end, `out` holds this one's.
// Every read also checks that the header walk DirectFetcher moves its
// positions by ends where the read does.
RecordBatchRead read_alone(RecordBatchReader& reader, std::string_view bytes, Offset from,
                           std::vector<KafkaRecordView>& out) {
  reader.recycle();
  out.clear();
  const std::span<const char> records(bytes.data(), bytes.size());
  const RecordBatchRead read = reader.read(records, from, out);
  EXPECT_EQ(RecordBatchReader::next_offset(records, from), read.next);
  return read;
}

std::vector<TestRecord> three() {
  return {{0, "k0", "v0"}, {1, std::nullopt, "v1"}, {2, "k2", std::nullopt}};
}

TEST(RecordBatchReader, ReadsEveryRecordOfEachCodec) {
  for (const int codec : {0, 3, 4}) {
    SCOPED_TRACE(codec);
    const std::string bytes = batch(100, three(), {.codec = codec});
    RecordBatchReader reader;
    std::vector<KafkaRecordView> out;
    const RecordBatchRead read = read_alone(reader, bytes, Offset{100}, out);
    EXPECT_EQ(read.next, Offset{103});
    EXPECT_EQ(read.batch_bytes, bytes.size());
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(out[0].offset, Offset{100});
    EXPECT_EQ(out[0].key, "k0");
    EXPECT_EQ(out[0].value, "v0");
    EXPECT_EQ(out[0].timestamp_ms, 1'000'000);
    EXPECT_TRUE(out[1].key_is_null);
    EXPECT_EQ(out[1].value, "v1");
    EXPECT_EQ(out[1].timestamp_ms, 1'000'010);
    EXPECT_EQ(out[2].offset, Offset{102});
    EXPECT_TRUE(out[2].value_is_null);
    EXPECT_FALSE(out[2].key_is_null);
  }
}

TEST(RecordBatchReader, ViewsOfEarlierCompressedBatchesSurviveLaterOnes) {
  std::vector<TestRecord> big;
  for (int i = 0; i < 2000; ++i)
    big.push_back({i, std::nullopt, "value-" + std::to_string(i) + std::string(50, 'x')});
  const std::string bytes =
      batch(0, big, {.codec = 3}) + batch(2000, big, {.codec = 4}) + batch(4000, big, {.codec = 3});
  RecordBatchReader reader;
  std::vector<KafkaRecordView> out;
  for (int round = 0; round < 2; ++round) {  // the second reuses the buffers
    EXPECT_EQ(read_alone(reader, bytes, Offset{0}, out).next, Offset{6000});
    ASSERT_EQ(out.size(), 6000u);
    for (std::size_t i = 0; i < out.size(); ++i) {
      ASSERT_EQ(out[i].offset, Offset{static_cast<std::int64_t>(i)});
      ASSERT_EQ(out[i].value, "value-" + std::to_string(i % 2000) + std::string(50, 'x'));
    }
  }
}

TEST(RecordBatchReader, ReadsOfSeveralPartitionsKeepTheirViewsUntilRecycled) {
  std::vector<TestRecord> big;
  for (int i = 0; i < 500; ++i)
    big.push_back({i, std::nullopt, "p-" + std::to_string(i) + std::string(30, 'y')});
  const std::string first = batch(0, big, {.codec = 3});
  const std::string second = batch(0, big, {.codec = 4});
  RecordBatchReader reader;
  std::vector<KafkaRecordView> out;
  reader.read(first, Offset{0}, out);
  reader.read(second, Offset{0}, out);
  ASSERT_EQ(out.size(), 1000u);
  for (std::size_t i = 0; i < out.size(); ++i)
    ASSERT_EQ(out[i].value, "p-" + std::to_string(i % 500) + std::string(30, 'y'));
}

TEST(RecordBatchReader, SkipsRecordsBeforeTheRequestedOffset) {
  const std::string bytes = batch(100, three()) + batch(103, three());
  RecordBatchReader reader;
  std::vector<KafkaRecordView> out;
  const RecordBatchRead read = read_alone(reader, bytes, Offset{102}, out);
  EXPECT_EQ(read.next, Offset{106});
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0].offset, Offset{102});
  EXPECT_EQ(out[3].offset, Offset{105});
  // A batch wholly before the offset counts for nothing.
  EXPECT_EQ(read_alone(reader, bytes, Offset{103}, out).batch_bytes, bytes.size() / 2);
}

TEST(RecordBatchReader, IgnoresATrailingBatchCutShort) {
  const std::string whole = batch(0, three());
  const std::string next = batch(3, three());
  RecordBatchReader reader;
  std::vector<KafkaRecordView> out;
  for (std::size_t cut : {std::size_t{5}, std::size_t{12}, std::size_t{61}, next.size() - 1}) {
    SCOPED_TRACE(cut);
    const RecordBatchRead read = read_alone(reader, whole + next.substr(0, cut), Offset{0}, out);
    EXPECT_EQ(read.next, Offset{3});
    EXPECT_EQ(out.size(), 3u);
  }
  // Nothing whole: the next fetch starts where this one did.
  EXPECT_EQ(read_alone(reader, next.substr(0, 30), Offset{3}, out).next, Offset{3});
  EXPECT_TRUE(out.empty());
}

TEST(RecordBatchReader, StepsOverControlBatchesAndCompactedGaps) {
  const std::string bytes = batch(0, {{0, "k", "a"}}) +
                            batch(1, {{0, std::nullopt, "marker"}}, {.control = true}) +
                            batch(2, {{0, "k", "b"}, {5, "k", "c"}}, {.last_offset_delta = 7});
  RecordBatchReader reader;
  std::vector<KafkaRecordView> out;
  EXPECT_EQ(read_alone(reader, bytes, Offset{0}, out).next, Offset{10});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_EQ(out[1].value, "b");
  EXPECT_EQ(out[2].offset, Offset{7});
}

TEST(RecordBatchReader, RefusesWhatItCannotRead) {
  RecordBatchReader reader;
  std::vector<KafkaRecordView> out;
  EXPECT_THROW(read_alone(reader, batch(0, three(), {.magic = 1}), Offset{0}, out), KafkaError);
  EXPECT_THROW(read_alone(reader, batch(0, three(), {.codec = 1}), Offset{0}, out), KafkaError);
  EXPECT_THROW(read_alone(reader, batch(0, three(), {.codec = 2}), Offset{0}, out), KafkaError);
  EXPECT_THROW(read_alone(reader, batch(0, three(), {.codec = 6}), Offset{0}, out), KafkaError);
  // A record that claims more bytes than its batch holds.
  std::string bad = batch(0, {{0, std::nullopt, "v"}});
  bad[61] = 0x7e;
  EXPECT_THROW(read_alone(reader, bad, Offset{0}, out), KafkaError);
  // A compressed record set that is not lz4.
  std::string garbage = batch(0, three(), {.codec = 3});
  garbage[65] ^= 0x55;
  EXPECT_THROW(read_alone(reader, garbage, Offset{0}, out), KafkaError);
  // The reader is usable after a failure.
  EXPECT_EQ(read_alone(reader, batch(0, three(), {.codec = 3}), Offset{0}, out).next, Offset{3});
}

}  // namespace
}  // namespace smartcity::kafka
