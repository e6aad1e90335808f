// Decodes one Kafka record of a known event kind into a row of its table, or,
// if it cannot be read, into a row of dead_letters with the raw bytes and a
// reason a person can act on. Exactly one of the two batches grows by one row
// per call: nothing is dropped, nothing is silently coerced.
//
// Accepted: the canonical wire format and the original Python producer's
// (camelCase keys, `location` as [lat, lon], zone-less ISO timestamps read as
// UTC, `year` as a string, the original's enum spellings), timestamps with a
// zone or as epoch milliseconds, keys in any order. Keys the schema does not
// know are ignored, so producers can add fields before the lake does. Every
// field name, type, range and spelling comes from src/events/schema.h.
//
// Two paths, one result: a fast path (in place, no copy: a CompiledLayout of
// the last record's shape, else FlatJsonScanner member by member) reads the
// flat objects producers write; whatever it declines is read again
// by simdjson On-Demand, which also writes every dead letter's reason. The
// fast path accepts a record only when the full parser would accept it with
// the same values (tests/unit/stream and the fuzzer compare the two).
//
// Thread-safety: one decoder per thread (it owns a simdjson parser and a
// padded copy buffer, reused for every record to avoid allocation).
#pragma once

#include <simdjson.h>

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/topic_partition.h"
#include "events/schema.h"
#include "events/timestamp.h"
#include "lake/column_batch.h"
#include "stream/compiled_layout.h"
#include "stream/flat_json_scanner.h"
#include "stream/indexed_record.h"

namespace smartcity::stream {

// Where a record came from; copied into the lineage columns.
struct RecordMetadata {
  std::string_view topic;
  Partition partition;
  Offset offset;
  std::optional<UnixMicros> kafka_timestamp;  // the record's CreateTime, if any
  std::string_view key;
  UnixMicros ingested_at;
};

enum class DecodeOutcome { kRow, kDeadLetter };

// Which paths a decoder may take; kFullParserOnly exists so that tests, the
// fuzzer and the benchmark can hold the two paths against each other.
enum class DecodePath { kFastWhereItCan, kFullParserOnly };

class RecordDecoder {
 public:
  explicit RecordDecoder(DecodePath path = DecodePath::kFastWhereItCan);

  // Appends the record to `rows` (whose schema must be `kind`'s table) or to
  // `dead_letters` (dead_letter_schema()). `payload` is only read during the
  // call.
  DecodeOutcome decode(events::EventKind kind, std::string_view payload,
                       const RecordMetadata& metadata, lake::ColumnBatch& rows,
                       lake::ColumnBatch& dead_letters);

  // The reason of the last dead letter, for tests and logs.
  const std::string& last_reason() const { return reason_; }
  // Rows the fast path read whole; the others went through simdjson.
  std::size_t fast_path_rows() const { return fast_path_rows_; }
  // Of those, the rows a compiled layout read (the record had the shape of
  // the one before of its kind).
  std::size_t layout_rows() const { return layout_rows_; }

 private:
  // What a JSON key means for one event kind.
  struct KeySlot {
    std::string_view key;
    int field;         // index into the event's fields; for "location", the latitude
    int second_field;  // for "location": the longitude; otherwise -1
  };
  struct KindKeys {
    std::vector<KeySlot> slots;
    // The layout of the last record read whole.
    CompiledLayout layout;
  };

  // The fast path: true when the record was read whole into `rows`; false
  // when it declined (rows may then hold part of a row: the caller abandons it).
  bool decode_fields_fast(events::EventKind kind, const IndexedRecord& record,
                          lake::ColumnBatch& rows, UnixMicros& event_time);
  // The slot of `key` (either spelling), or nullptr for a key we do not know.
  static const KeySlot* find_slot(const KindKeys& keys, std::string_view key);
  // One member into its column(s), with every check decode_value makes;
  // `seen` collects the fields given. False declines.
  bool apply_member(const events::EventSpec& spec, const KeySlot* slot,
                    const FlatJsonScanner::Member& member, lake::ColumnBatch& rows,
                    std::uint32_t& seen, UnixMicros& event_time);
  // Nulls for the optional fields not given; false if a required one is missing.
  static bool fill_missing(const events::EventSpec& spec, std::uint32_t seen,
                           lake::ColumnBatch& rows);

  // Fills reason_ and returns false when the record is bad.
  bool decode_fields(events::EventKind kind, simdjson::padded_string_view json,
                     lake::ColumnBatch& rows, UnixMicros& event_time);
  bool decode_value(const events::FieldSpec& field, simdjson::ondemand::value value,
                    lake::Column& column, std::string_view key, UnixMicros* event_time);
  bool decode_location(const events::EventSpec& spec, const KeySlot& slot,
                       simdjson::ondemand::value value, lake::ColumnBatch& rows);
  bool fail(std::string reason);
  void append_lineage(const RecordMetadata& metadata, lake::ColumnBatch& batch,
                      std::size_t first_column);
  void append_dead_letter(std::string_view payload, const RecordMetadata& metadata,
                          lake::ColumnBatch& dead_letters);

  DecodePath path_;
  simdjson::ondemand::parser parser_;
  std::string buffer_;
  IndexedRecord record_;  // the record the fast path reads
  std::array<KindKeys, events::kEventKindCount> keys_;
  // Scratch for the fast path, kept to avoid allocating per record.
  std::vector<FlatJsonScanner::Member> members_;
  std::vector<MemberTarget> member_targets_;
  events::TimestampParser timestamps_;  // the fast paths' timestamp texts
  std::string reason_;
  std::size_t fast_path_rows_ = 0;
  std::size_t layout_rows_ = 0;
};

}  // namespace smartcity::stream
