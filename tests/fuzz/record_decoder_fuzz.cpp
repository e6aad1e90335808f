// Fuzzes RecordDecoder with arbitrary bytes as any of the five event kinds,
// checking its contract on every input, not only that it does not crash:
// exactly one of the two batches grows by exactly one row, and a dead
// letter's raw column holds the input byte for byte. The fast path and the
// full parser must agree on every input: same outcome, same row, same reason.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "base/check.h"
#include "lake/table_schema.h"
#include "stream/record_decoder.h"

using namespace smartcity;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  static stream::RecordDecoder decoder;
  static stream::RecordDecoder full_decoder(stream::DecodePath::kFullParserOnly);
  static lake::ColumnBatch dead_letters(lake::dead_letter_schema());
  static lake::ColumnBatch full_dead_letters(lake::dead_letter_schema());
  const auto kind = static_cast<events::EventKind>(data[0] % events::kEventKindCount);
  lake::ColumnBatch rows(lake::table_schema(kind));
  const std::string_view payload(reinterpret_cast<const char*>(data + 1), size - 1);
  if (dead_letters.rows() > 10'000) {
    dead_letters.clear();
    full_dead_letters.clear();
  }
  const std::size_t dead_before = dead_letters.rows();

  const stream::RecordMetadata metadata{
      events::spec(kind).topic, Partition{0}, Offset{1}, std::nullopt, "key", UnixMicros{0}};
  const auto outcome = decoder.decode(kind, payload, metadata, rows, dead_letters);
  lake::ColumnBatch full_rows(lake::table_schema(kind));
  const auto full_outcome =
      full_decoder.decode(kind, payload, metadata, full_rows, full_dead_letters);
  SMARTCITY_CHECK(outcome == full_outcome, "the fast path and the full parser disagree");
  if (outcome == stream::DecodeOutcome::kRow) {
    SMARTCITY_CHECK(lake::same_row(rows, 0, full_rows, 0),
                    "the fast path and the full parser read different values");
  } else {
    SMARTCITY_CHECK(decoder.last_reason() == full_decoder.last_reason(),
                    "the fast path changed a dead letter's reason");
  }

  if (outcome == stream::DecodeOutcome::kRow) {
    SMARTCITY_CHECK(rows.rows() == 1 && dead_letters.rows() == dead_before,
                    "a decoded record must add one row and no dead letter");
    for (std::size_t c = 0; c < rows.schema().columns.size(); ++c) {
      SMARTCITY_CHECK(rows.column(c).size() == 1, "every column holds the row");
    }
  } else {
    SMARTCITY_CHECK(rows.rows() == 0 && dead_letters.rows() == dead_before + 1,
                    "a refused record must add one dead letter and no row");
    for (std::size_t c = 0; c < rows.schema().columns.size(); ++c) {
      SMARTCITY_CHECK(rows.column(c).size() == 0, "no half row may be left behind");
    }
    SMARTCITY_CHECK(dead_letters.column(6).bytes_at(dead_before) == payload,
                    "raw must be the bytes received");
    SMARTCITY_CHECK(!dead_letters.column(7).bytes_at(dead_before).empty(),
                    "a dead letter needs a reason");
  }
  return 0;
}
