#include "stream/record_decoder.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>

#include "base/check.h"
#include "base/errors.h"
#include "base/units.h"
#include "events/timestamp.h"
#include "lake/table_schema.h"
#include "stream/fast_field_values.h"

namespace smartcity::stream {
namespace {

using events::FieldSpec;
using events::FieldType;
using simdjson::ondemand::json_type;

constexpr std::size_t kSnippetBytes = 60;

// A short, printable excerpt of a JSON token for a reason. Cut on a UTF-8
// character boundary so the reason itself stays valid UTF-8.
std::string snippet(std::string_view token) {
  while (!token.empty() && (token.back() == ' ' || token.back() == '\n' || token.back() == ',' ||
                            token.back() == '\t' || token.back() == '\r')) {
    token.remove_suffix(1);
  }
  if (token.size() <= kSnippetBytes) return std::string(token);
  std::size_t cut = kSnippetBytes;
  while (cut > 0 && (static_cast<unsigned char>(token[cut]) & 0xC0) == 0x80)
    --cut;
  return std::string(token.substr(0, cut)) + "…";
}

std::string_view type_word(json_type type) {
  switch (type) {
    case json_type::array:
      return "an array";
    case json_type::object:
      return "an object";
    case json_type::number:
      return "number";
    case json_type::string:
      return "string";
    case json_type::boolean:
      return "boolean";
    case json_type::null:
      return "null";
  }
  return "something else";
}

// "field 'fuel_type'" or, when the record used the original's key,
// "field 'fuel_type' (fuelType)".
std::string field_label(const FieldSpec& field, std::string_view key) {
  std::string label = "field '" + std::string(field.name) + "'";
  if (!key.empty() && key != field.name) label += " (" + std::string(key) + ")";
  return label;
}

std::string got(simdjson::ondemand::value& value, json_type type) {
  if (type == json_type::array || type == json_type::object) return std::string(type_word(type));
  return std::string(type_word(type)) + " " + snippet(value.raw_json_token());
}

std::string format_number(double value) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  return text;
}

std::string enum_choices(const events::EnumSpec& allowed) {
  std::string choices;
  for (std::string_view value : allowed.values) {
    if (!choices.empty()) choices += ", ";
    choices += value;
  }
  return choices;
}

// A JSON number on the full parser's path. simdjson 3.0 (Debian 12's) reads
// some numbers of more than 19 digits wrongly (its issue #2093:
// 0.95000000000000000000 comes out as 0.0277), so a number it accepts is read
// again from its text with from_chars, which rounds correctly, as the fast
// path does.
bool read_double(simdjson::ondemand::value& value, double& out) {
  std::string_view token = value.raw_json_token();
  if (value.get_double().get(out)) return false;
  while (!token.empty() && (token.back() == ' ' || token.back() == '\n' || token.back() == '\t' ||
                            token.back() == '\r')) {
    token.remove_suffix(1);
  }
  double exact = 0;
  const auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), exact);
  if (ec == std::errc() && end == token.data() + token.size()) out = exact;
  return true;
}

// One member into `column` on the fast path; false declines (the full
// parser then reads the record and explains).
bool fast_value(const FieldSpec& field, const FlatJsonScanner::Member& member,
                events::TimestampParser& timestamps, lake::Column& column, UnixMicros* event_time) {
  using Kind = FlatJsonScanner::ValueKind;
  if (member.kind == Kind::kNull) {
    if (field.required) return false;
    column.append_null();
    return true;
  }
  switch (field.type) {
    case FieldType::kString:
    case FieldType::kBlob:
      return member.kind == Kind::kString && append_fast_text(field, member.text, column);
    case FieldType::kDouble:
      return member.kind == Kind::kNumber &&
             append_fast_double(field, member.text, member.digits, column);
    case FieldType::kInt32:
    case FieldType::kInt64:
      if (member.kind == Kind::kNumber) {
        return append_fast_integer_token(field, member.digits, column);
      }
      return member.kind == Kind::kString && append_fast_integer_text(field, member.text, column);
    case FieldType::kTimestamp:
      if (member.kind == Kind::kString) {
        return append_fast_timestamp_text(member.text, timestamps, column, event_time);
      }
      return member.kind == Kind::kNumber &&
             append_fast_timestamp_millis(member.digits, column, event_time);
  }
  SMARTCITY_CHECK(false, "unknown FieldType");
}

}  // namespace

RecordDecoder::RecordDecoder(DecodePath path) : path_(path) {
#if defined(__AVX2__)
  // This file is compiled for the build machine's SIMD level (see
  // src/CMakeLists.txt): refuse cleanly on a CPU without it, not with SIGILL.
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("bmi2")) {
    throw Error("this smartcity was built for CPUs with AVX2; rebuild it on this machine");
  }
#elif defined(__SSE4_2__)
  if (!__builtin_cpu_supports("sse4.2")) {
    throw Error("this smartcity was built for CPUs with SSE4.2; rebuild it on this machine");
  }
#endif
  for (const events::EventSpec& spec : events::all_events()) {
    KindKeys& keys = keys_[static_cast<std::size_t>(spec.kind)];
    int latitude = -1;
    int longitude = -1;
    for (std::size_t i = 0; i < spec.fields.size(); ++i) {
      const FieldSpec& field = spec.fields[i];
      const int index = static_cast<int>(i);
      keys.slots.push_back({field.name, index, -1});
      if (field.location_part == events::LocationPart::kLatitude) latitude = index;
      if (field.location_part == events::LocationPart::kLongitude) longitude = index;
      if (field.location_part == events::LocationPart::kNone && field.seed_name != field.name) {
        keys.slots.push_back({field.seed_name, index, -1});
      }
    }
    if (latitude >= 0 && longitude >= 0) {
      keys.slots.push_back(
          {spec.fields[static_cast<std::size_t>(latitude)].seed_name, latitude, longitude});
    }
    SMARTCITY_CHECK(spec.fields.size() <= 32, "seen-field mask holds 32 fields");
  }
}

bool RecordDecoder::fail(std::string reason) {
  reason_ = std::move(reason);
  return false;
}

DecodeOutcome RecordDecoder::decode(events::EventKind kind, std::string_view payload,
                                    const RecordMetadata& metadata, lake::ColumnBatch& rows,
                                    lake::ColumnBatch& dead_letters) {
  bool ok = false;
  UnixMicros event_time;
  if (payload.empty()) {
    fail("payload is empty");
  } else if (payload.size() > events::kMaxRecordBytes) {
    fail("payload is " + format_byte_size(payload.size()) + ", over the " +
         format_byte_size(events::kMaxRecordBytes) + " limit for one record");
  } else if (record_.assign(payload);
             !record_.ascii() && !simdjson::validate_utf8(payload.data(), payload.size())) {
    // On-Demand checks UTF-8 only inside the strings it unescapes, and the
    // fast path not at all; the lake promises text columns are UTF-8.
    fail("payload is not valid UTF-8");
  } else if (path_ == DecodePath::kFastWhereItCan &&
             decode_fields_fast(kind, record_, rows, event_time)) {
    ok = true;
    ++fast_path_rows_;
  } else {
    rows.abandon_row();
    // simdjson reads up to SIMDJSON_PADDING bytes past the end; Kafka's
    // buffer gives no such promise, so the record is copied once.
    buffer_.assign(payload);
    buffer_.resize(payload.size() + simdjson::SIMDJSON_PADDING);
    ok = decode_fields(kind,
                       simdjson::padded_string_view(buffer_.data(), payload.size(), buffer_.size()),
                       rows, event_time);
  }
  if (ok) {
    append_lineage(metadata, rows, rows.schema().lineage_begin);
    rows.finish_row(lake::hour_key(event_time));
    return DecodeOutcome::kRow;
  }
  rows.abandon_row();
  append_dead_letter(payload, metadata, dead_letters);
  return DecodeOutcome::kDeadLetter;
}

bool RecordDecoder::decode_fields(events::EventKind kind, simdjson::padded_string_view json,
                                  lake::ColumnBatch& rows, UnixMicros& event_time) {
  const events::EventSpec& spec = events::spec(kind);
  const KindKeys& keys = keys_[static_cast<std::size_t>(kind)];

  simdjson::ondemand::document document;
  if (const auto error = parser_.iterate(json).get(document)) {
    return fail(std::string("invalid JSON: ") + simdjson::error_message(error));
  }
  simdjson::ondemand::object object;
  if (const auto error = document.get_object().get(object)) {
    json_type type;
    if (!document.type().get(type) && type == json_type::array) {
      return fail("top-level value is an array, not a JSON object");
    }
    std::string_view text(json.data(), json.length());
    while (!text.empty() && (text.front() == ' ' || text.front() == '\n' || text.front() == '\t' ||
                             text.front() == '\r')) {
      text.remove_prefix(1);
    }
    if (text.starts_with('{')) {
      return fail(std::string("invalid JSON: ") + simdjson::error_message(error));
    }
    return fail("invalid JSON: expected an object, got " + snippet(text));
  }

  std::uint32_t seen = 0;
  for (auto field_result : object) {
    simdjson::ondemand::field field;
    std::string_view key;
    if (const auto error = std::move(field_result).get(field)) {
      return fail(std::string("invalid JSON: ") + simdjson::error_message(error));
    }
    if (const auto error = field.unescaped_key().get(key)) {
      return fail(std::string("invalid JSON in a key: ") + simdjson::error_message(error));
    }
    const KeySlot* slot = find_slot(keys, key);
    if (slot == nullptr) continue;  // a key we do not know: ignored, see header
    const std::uint32_t bits =
        (1u << slot->field) | (slot->second_field >= 0 ? 1u << slot->second_field : 0u);
    if (seen & bits) {
      return fail(field_label(spec.fields[static_cast<std::size_t>(slot->field)], key) +
                  " is given twice");
    }
    seen |= bits;
    if (slot->second_field >= 0) {
      if (!decode_location(spec, *slot, field.value(), rows)) return false;
      continue;
    }
    const FieldSpec& spec_field = spec.fields[static_cast<std::size_t>(slot->field)];
    if (!decode_value(spec_field, field.value(), rows.column(static_cast<std::size_t>(slot->field)),
                      key, spec_field.type == FieldType::kTimestamp ? &event_time : nullptr)) {
      return false;
    }
  }
  // Out of bounds after the closing brace means nothing follows it.
  if (document.current_location().error() != simdjson::OUT_OF_BOUNDS) {
    return fail("invalid JSON: unexpected content after the top-level object");
  }
  for (std::size_t i = 0; i < spec.fields.size(); ++i) {
    if (seen & (1u << i)) continue;
    const FieldSpec& field = spec.fields[i];
    if (field.required) {
      std::string reason = "missing required field '" + std::string(field.name) + "'";
      if (field.seed_name != field.name) reason += " (or '" + std::string(field.seed_name) + "')";
      return fail(std::move(reason));
    }
    rows.column(i).append_null();
  }
  return true;
}

const RecordDecoder::KeySlot* RecordDecoder::find_slot(const KindKeys& keys, std::string_view key) {
  for (const KeySlot& slot : keys.slots) {
    if (slot.key == key) return &slot;
  }
  return nullptr;
}

bool RecordDecoder::apply_member(const events::EventSpec& spec, const KeySlot* slot,
                                 const FlatJsonScanner::Member& member, lake::ColumnBatch& rows,
                                 std::uint32_t& seen, UnixMicros& event_time) {
  if (slot == nullptr) return true;  // a key we do not know: ignored, as decode_fields does
  const std::uint32_t bits =
      (1u << slot->field) | (slot->second_field >= 0 ? 1u << slot->second_field : 0u);
  if (seen & bits) return false;
  seen |= bits;
  const FieldSpec& field = spec.fields[static_cast<std::size_t>(slot->field)];
  if (slot->second_field < 0) {
    return fast_value(field, member, timestamps_,
                      rows.column(static_cast<std::size_t>(slot->field)),
                      field.type == FieldType::kTimestamp ? &event_time : nullptr);
  }
  // The original producer's location: [latitude, longitude].
  const FieldSpec& second = spec.fields[static_cast<std::size_t>(slot->second_field)];
  lake::Column& latitude = rows.column(static_cast<std::size_t>(slot->field));
  lake::Column& longitude = rows.column(static_cast<std::size_t>(slot->second_field));
  if (member.kind == FlatJsonScanner::ValueKind::kNull) {
    if (field.required) return false;
    latitude.append_null();
    longitude.append_null();
    return true;
  }
  return member.kind == FlatJsonScanner::ValueKind::kNumberPair &&
         append_fast_pair(field, second, member.text, member.digits, member.second,
                          member.second_digits, latitude, longitude);
}

bool RecordDecoder::fill_missing(const events::EventSpec& spec, std::uint32_t seen,
                                 lake::ColumnBatch& rows) {
  for (std::size_t i = 0; i < spec.fields.size(); ++i) {
    if (seen & (1u << i)) continue;
    if (spec.fields[i].required) return false;
    rows.column(i).append_null();
  }
  return true;
}

bool RecordDecoder::decode_fields_fast(events::EventKind kind, const IndexedRecord& record,
                                       lake::ColumnBatch& rows, UnixMicros& event_time) {
  const events::EventSpec& spec = events::spec(kind);
  KindKeys& keys = keys_[static_cast<std::size_t>(kind)];
  const std::string_view json = record.text();
  // Most records have the layout of the one before.
  if (keys.layout.compiled()) {
    if (keys.layout.read(record, rows, event_time, timestamps_)) {
      ++layout_rows_;
      return true;
    }
    rows.abandon_row();
  }
  FlatJsonScanner scanner(json);
  FlatJsonScanner::Member member;
  std::uint32_t seen = 0;
  members_.clear();
  member_targets_.clear();
  for (;;) {
    const FlatJsonScanner::Step step = scanner.next(member);
    if (step == FlatJsonScanner::Step::kDecline) return false;
    if (step == FlatJsonScanner::Step::kEnd) break;
    const KeySlot* slot = find_slot(keys, member.key);
    if (!apply_member(spec, slot, member, rows, seen, event_time)) return false;
    members_.push_back(member);
    member_targets_.push_back(slot == nullptr ? MemberTarget{}
                                              : MemberTarget{slot->field, slot->second_field});
  }
  if (!fill_missing(spec, seen, rows)) return false;
  // Only a record read whole changes the layout: one declined half-way
  // leaves the old one intact.
  keys.layout.compile(spec, json, members_, member_targets_);
  return true;
}

bool RecordDecoder::decode_value(const FieldSpec& field, simdjson::ondemand::value value,
                                 lake::Column& column, std::string_view key,
                                 UnixMicros* event_time) {
  json_type type;
  if (const auto error = value.type().get(type)) {
    return fail(field_label(field, key) + ": invalid JSON: " + simdjson::error_message(error));
  }
  if (type == json_type::null) {
    if (field.required) return fail(field_label(field, key) + " is null");
    column.append_null();
    return true;
  }
  switch (field.type) {
    case FieldType::kString:
    case FieldType::kBlob: {
      std::string_view text;
      if (type != json_type::string) {
        return fail(field_label(field, key) + ": expected a string, got " + got(value, type));
      }
      if (const auto error = value.get_string().get(text)) {
        return fail(field_label(field, key) +
                    ": invalid JSON string: " + simdjson::error_message(error));
      }
      if (field.allowed != nullptr) {
        const std::optional<std::string_view> canonical = field.allowed->canonicalize(text);
        if (!canonical) {
          return fail(field_label(field, key) + ": '" + snippet(text) + "' is not one of " +
                      enum_choices(*field.allowed));
        }
        text = *canonical;
      }
      column.append_bytes(text);
      return true;
    }
    case FieldType::kDouble: {
      double number = 0;
      if (type != json_type::number || !read_double(value, number)) {
        return fail(field_label(field, key) + ": expected a number, got " + got(value, type));
      }
      if (!std::isfinite(number) || number < field.minimum || number > field.maximum) {
        return fail(field_label(field, key) + ": " + format_number(number) + " is outside " +
                    format_number(field.minimum) + ".." + format_number(field.maximum));
      }
      column.append_double(number);
      return true;
    }
    case FieldType::kInt32:
    case FieldType::kInt64: {
      std::int64_t number = 0;
      if (type == json_type::number) {
        if (value.get_int64().get(number)) {
          return fail(field_label(field, key) + ": expected an integer, got " + got(value, type));
        }
      } else if (type == json_type::string) {
        // The original producer sent `year` as a string of digits.
        std::string_view text;
        if (value.get_string().get(text) || !parse_integer_text(text, number)) {
          return fail(field_label(field, key) + ": \"" + snippet(text) + "\" is not an integer");
        }
      } else {
        return fail(field_label(field, key) + ": expected an integer, got " + got(value, type));
      }
      const double as_double = static_cast<double>(number);
      const bool fits =
          field.type == FieldType::kInt64 || (number >= std::numeric_limits<std::int32_t>::min() &&
                                              number <= std::numeric_limits<std::int32_t>::max());
      if (!fits || as_double < field.minimum || as_double > field.maximum) {
        const double low = field.type == FieldType::kInt32 ? std::max(field.minimum, -2147483648.0)
                                                           : field.minimum;
        const double high =
            field.type == FieldType::kInt32 ? std::min(field.maximum, 2147483647.0) : field.maximum;
        return fail(field_label(field, key) + ": " + std::to_string(number) + " is outside " +
                    format_number(low) + ".." + format_number(high));
      }
      append_integer(field, number, column);
      return true;
    }
    case FieldType::kTimestamp: {
      std::optional<UnixMicros> time;
      if (type == json_type::string) {
        std::string_view text;
        if (!value.get_string().get(text)) time = events::parse_timestamp(text);
        if (!time) {
          return fail(field_label(field, key) + ": '" + snippet(text) +
                      "' is not an ISO-8601 time (2024-04-05T12:34:56[.ffffff][Z|+hh:mm])");
        }
      } else if (type == json_type::number) {
        std::int64_t millis = 0;
        if (!value.get_int64().get(millis)) time = events::from_epoch_millis(millis);
        if (!time) {
          return fail(field_label(field, key) + ": " + snippet(value.raw_json_token()) +
                      " is not epoch milliseconds between 1970 and 9999");
        }
      } else {
        return fail(field_label(field, key) +
                    ": expected an ISO-8601 string or epoch milliseconds, got " + got(value, type));
      }
      column.append_int64(time->value);
      if (event_time != nullptr) *event_time = *time;
      return true;
    }
  }
  SMARTCITY_CHECK(false, "unknown FieldType");
}

bool RecordDecoder::decode_location(const events::EventSpec& spec, const KeySlot& slot,
                                    simdjson::ondemand::value value, lake::ColumnBatch& rows) {
  const FieldSpec& latitude = spec.fields[static_cast<std::size_t>(slot.field)];
  const FieldSpec& longitude = spec.fields[static_cast<std::size_t>(slot.second_field)];
  const std::string label = "field '" + std::string(slot.key) + "'";
  json_type type;
  if (const auto error = value.type().get(type)) {
    return fail(label + ": invalid JSON: " + simdjson::error_message(error));
  }
  if (type == json_type::null) {
    if (latitude.required) return fail(label + " is null");
    rows.column(static_cast<std::size_t>(slot.field)).append_null();
    rows.column(static_cast<std::size_t>(slot.second_field)).append_null();
    return true;
  }
  const std::string expected = label + ": expected [latitude, longitude], got ";
  simdjson::ondemand::array array;
  if (type != json_type::array || value.get_array().get(array)) {
    return fail(expected + got(value, type));
  }
  double pair[2] = {0, 0};
  std::size_t count = 0;
  for (auto element : array) {
    double number = 0;
    simdjson::ondemand::value element_value;
    if (count >= 2 || element.get(element_value) || !read_double(element_value, number)) {
      return fail(expected + "an array that is not two numbers");
    }
    pair[count++] = number;
  }
  if (count != 2) return fail(expected + "an array of " + std::to_string(count) + " element(s)");
  const FieldSpec* fields[2] = {&latitude, &longitude};
  for (std::size_t i = 0; i < 2; ++i) {
    if (pair[i] < fields[i]->minimum || pair[i] > fields[i]->maximum) {
      return fail(label + ": " + std::string(fields[i]->name) + " " + format_number(pair[i]) +
                  " is outside " + format_number(fields[i]->minimum) + ".." +
                  format_number(fields[i]->maximum));
    }
  }
  rows.column(static_cast<std::size_t>(slot.field)).append_double(pair[0]);
  rows.column(static_cast<std::size_t>(slot.second_field)).append_double(pair[1]);
  return true;
}

void RecordDecoder::append_lineage(const RecordMetadata& metadata, lake::ColumnBatch& batch,
                                   std::size_t first_column) {
  batch.column(first_column).append_bytes(metadata.topic);
  batch.column(first_column + 1).append_int32(metadata.partition.value);
  batch.column(first_column + 2).append_int64(metadata.offset.value);
  batch.column(first_column + 3).append_int64(metadata.ingested_at.value);
}

void RecordDecoder::append_dead_letter(std::string_view payload, const RecordMetadata& metadata,
                                       lake::ColumnBatch& dead_letters) {
  append_lineage(metadata, dead_letters, 0);
  if (metadata.kafka_timestamp) {
    dead_letters.column(4).append_int64(metadata.kafka_timestamp->value);
  } else {
    dead_letters.column(4).append_null();
  }
  // The key column is text; a key that is not UTF-8 is kept byte for byte in
  // `raw`'s neighbour only as far as text allows, so it is hex-escaped.
  if (simdjson::validate_utf8(metadata.key.data(), metadata.key.size())) {
    dead_letters.column(5).append_bytes(metadata.key);
  } else {
    std::string escaped;
    for (unsigned char c : metadata.key) {
      char hex[5];
      std::snprintf(hex, sizeof hex, c < 0x80 && c >= 0x20 ? "%c" : "\\x%02x", c);
      escaped += hex;
    }
    dead_letters.column(5).append_bytes(escaped);
  }
  dead_letters.column(6).append_bytes(payload);
  dead_letters.column(7).append_bytes(reason_);
  dead_letters.finish_row(lake::hour_key(metadata.kafka_timestamp.value_or(metadata.ingested_at)));
}

}  // namespace smartcity::stream
