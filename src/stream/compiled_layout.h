// The decoder's fastest path: the layout of the last record of a kind that
// was read whole, compiled into one step per member. A producer writes every
// record of a kind the same way, so the next one usually differs only inside
// its values; reading it is then comparing the bytes between values and
// reading each value straight into its column, with no keys to scan, no
// white space to skip, no per-member lookup of the field and no pass over the
// fields the layout lacks. A record that differs anywhere else is declined
// (and read member by member by RecordDecoder).
//
// What it promises: read() appends the same values, with the same checks,
// as RecordDecoder's member-by-member fast path would (both call
// fast_field_values.h, and the bytes compared come from a record
// FlatJsonScanner accepted), or declines. Owns copies of the bytes it
// compares; keeps pointers to the schema's static field specs.
//
// Thread-safety: none; one per decoder and event kind.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "events/schema.h"
#include "events/timestamp.h"
#include "lake/column_batch.h"
#include "stream/flat_json_scanner.h"
#include "stream/indexed_record.h"

namespace smartcity::stream {

// Which fields a member fills: `field`, an index into the event's fields, and
// for the original producer's location pair also `second_field`. A key the
// schema does not know has field -1.
struct MemberTarget {
  int field = -1;
  int second_field = -1;
};

class CompiledLayout {
 public:
  bool compiled() const { return compiled_; }

  // Compiles the layout of `json`, which FlatJsonScanner read whole into
  // `members` (in order; views into `json`), member i filling targets[i] of
  // `spec`'s fields. The record must have passed every check of the
  // member-by-member path: no field twice, every required field given.
  void compile(const events::EventSpec& spec, std::string_view json,
               std::span<const FlatJsonScanner::Member> members,
               std::span<const MemberTarget> targets);

  // Appends the fields of `record` (not the lineage columns) to `rows`, whose
  // schema is the compiled kind's table, and sets `event_time`, when the
  // record has this layout and every value passes its field's checks. False
  // declines; `rows` may then hold part of a row (the caller abandons it).
  // Requires compiled(). Strings end where the record's index says;
  // `timestamps` reads the timestamp texts.
  bool read(const IndexedRecord& record, lake::ColumnBatch& rows, UnixMicros& event_time,
            events::TimestampParser& timestamps) const;

 private:
  // What one member's value is read as; the value kind is the learned one.
  enum class Action : std::uint8_t {
    kSkip,             // a key the schema does not know: checked for its kind, dropped
    kNull,             // null, for an optional field
    kText,             // string or enum field from a string
    kDouble,           // from a number
    kIntegerNumber,    // from a number
    kIntegerText,      // from a string ("year": "2020")
    kTimestampText,    // ISO-8601
    kTimestampMillis,  // epoch milliseconds
    kPair,             // [latitude, longitude] into two columns
  };
  struct Step {
    std::uint32_t literal_end;  // the bytes before the value end here in literals_
    Action action;
    FlatJsonScanner::ValueKind kind;
    std::uint16_t column;
    std::uint16_t second_column;
    const events::FieldSpec* field;
    const events::FieldSpec* second_field;
  };

  bool read_value(const Step& step, const IndexedRecord& record, FlatJsonScanner::Cursor& cursor,
                  lake::ColumnBatch& rows, UnixMicros& event_time,
                  events::TimestampParser& timestamps) const;
  // Consumes literals_[begin, end) at the cursor, or returns false.
  bool match(FlatJsonScanner::Cursor& cursor, std::uint32_t begin, std::uint32_t end) const;

  bool compiled_ = false;
  std::string literals_;  // the bytes before each value, then the closing ones
  std::vector<Step> steps_;
  std::vector<std::uint16_t> missing_columns_;  // optional fields the layout lacks: null
};

}  // namespace smartcity::stream
