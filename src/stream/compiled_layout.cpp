#include "stream/compiled_layout.h"

#include <cstring>

#include "base/check.h"
#include "base/short_bytes.h"
#include "stream/fast_field_values.h"

namespace smartcity::stream {
namespace {

using events::FieldType;
using Kind = FlatJsonScanner::ValueKind;

}  // namespace

void CompiledLayout::compile(const events::EventSpec& spec, std::string_view json,
                             std::span<const FlatJsonScanner::Member> members,
                             std::span<const MemberTarget> targets) {
  SMARTCITY_CHECK(members.size() == targets.size(), "one target per member");
  SMARTCITY_CHECK(spec.fields.size() <= 32, "given-field mask holds 32 fields");
  compiled_ = false;
  literals_.clear();
  steps_.clear();
  missing_columns_.clear();
  std::uint32_t given = 0;
  const char* previous = json.data();
  for (std::size_t i = 0; i < members.size(); ++i) {
    const FlatJsonScanner::Member& member = members[i];
    const MemberTarget& target = targets[i];
    literals_.append(previous, member.raw.data());
    previous = member.raw.data() + member.raw.size();
    Step step{static_cast<std::uint32_t>(literals_.size()),
              Action::kSkip,
              member.kind,
              0,
              0,
              nullptr,
              nullptr};
    if (target.field >= 0) {
      const auto field = static_cast<std::size_t>(target.field);
      step.column = static_cast<std::uint16_t>(field);
      step.field = &spec.fields[field];
      given |= 1u << field;
      if (target.second_field >= 0) {
        const auto second = static_cast<std::size_t>(target.second_field);
        step.second_column = static_cast<std::uint16_t>(second);
        step.second_field = &spec.fields[second];
        given |= 1u << second;
      }
      const FieldType type = step.field->type;
      if (member.kind == Kind::kNull) {
        SMARTCITY_CHECK(!step.field->required, "a compiled layout's null field is optional");
        step.action = Action::kNull;
      } else if (step.second_field != nullptr) {
        SMARTCITY_CHECK(member.kind == Kind::kNumberPair, "a location is a pair");
        step.action = Action::kPair;
      } else if (type == FieldType::kString || type == FieldType::kBlob) {
        step.action = Action::kText;
      } else if (type == FieldType::kDouble) {
        step.action = Action::kDouble;
      } else if (type == FieldType::kTimestamp) {
        step.action =
            member.kind == Kind::kString ? Action::kTimestampText : Action::kTimestampMillis;
      } else {
        step.action = member.kind == Kind::kString ? Action::kIntegerText : Action::kIntegerNumber;
      }
    }
    steps_.push_back(step);
  }
  literals_.append(previous, json.data() + json.size());
  for (std::size_t i = 0; i < spec.fields.size(); ++i) {
    if (given & (1u << i)) continue;
    SMARTCITY_CHECK(!spec.fields[i].required, "a compiled layout gives every required field");
    missing_columns_.push_back(static_cast<std::uint16_t>(i));
  }
  compiled_ = true;
}

bool CompiledLayout::read(const IndexedRecord& record, lake::ColumnBatch& rows,
                          UnixMicros& event_time, events::TimestampParser& timestamps) const {
  const std::string_view json = record.text();
  FlatJsonScanner::Cursor cursor{json.data(), json.data() + json.size()};
  std::uint32_t literal_begin = 0;
  for (const Step& step : steps_) {
    if (!match(cursor, literal_begin, step.literal_end) ||
        !read_value(step, record, cursor, rows, event_time, timestamps)) {
      return false;
    }
    literal_begin = step.literal_end;
  }
  // The last literal (the closing brace and any white space) ends the text.
  const auto end = static_cast<std::uint32_t>(literals_.size());
  if (static_cast<std::size_t>(cursor.end - cursor.at) != end - literal_begin ||
      !match(cursor, literal_begin, end)) {
    return false;
  }
  for (const std::uint16_t column : missing_columns_)
    rows.column(column).append_null();
  return true;
}

// Inlined into read()'s loop: a call per member cost more than the member.
[[gnu::always_inline]] inline bool CompiledLayout::read_value(
    const Step& step, const IndexedRecord& record, FlatJsonScanner::Cursor& cursor,
    lake::ColumnBatch& rows, UnixMicros& event_time, events::TimestampParser& timestamps) const {
  std::string_view text;
  FlatJsonScanner::Digits digits;
  const auto find_stop = [&record](const char* from) { return record.string_stop(from); };
  switch (step.action) {
    case Action::kSkip: {
      FlatJsonScanner::Member ignored;
      return cursor.read_value_token(ignored) && ignored.kind == step.kind;
    }
    case Action::kNull:
      if (!cursor.read_null()) return false;
      rows.column(step.column).append_null();
      if (step.second_field != nullptr) rows.column(step.second_column).append_null();
      return true;
    case Action::kText:
      return cursor.read_string(text, find_stop) &&
             append_fast_text(*step.field, text, rows.column(step.column));
    case Action::kDouble:
      return record.read_number(cursor, text, digits) &&
             append_fast_double(*step.field, text, digits, rows.column(step.column));
    case Action::kIntegerNumber:
      return record.read_number(cursor, text, digits) &&
             append_fast_integer_token(*step.field, digits, rows.column(step.column));
    case Action::kIntegerText:
      return cursor.read_string(text, find_stop) &&
             append_fast_integer_text(*step.field, text, rows.column(step.column));
    case Action::kTimestampText:
      return cursor.read_string(text, find_stop) &&
             append_fast_timestamp_text(text, timestamps, rows.column(step.column), &event_time);
    case Action::kTimestampMillis:
      return record.read_number(cursor, text, digits) &&
             append_fast_timestamp_millis(digits, rows.column(step.column), &event_time);
    case Action::kPair: {
      std::string_view second;
      FlatJsonScanner::Digits second_digits;
      const auto read_number = [&record](FlatJsonScanner::Cursor& at, std::string_view& out,
                                         FlatJsonScanner::Digits& number) {
        return record.read_number(at, out, number);
      };
      return cursor.read_number_pair(text, digits, second, second_digits, read_number) &&
             append_fast_pair(*step.field, *step.second_field, text, digits, second, second_digits,
                              rows.column(step.column), rows.column(step.second_column));
    }
  }
  SMARTCITY_CHECK(false, "unknown CompiledLayout action");
}

[[gnu::always_inline]] inline bool CompiledLayout::match(FlatJsonScanner::Cursor& cursor,
                                                         std::uint32_t begin,
                                                         std::uint32_t end) const {
  const std::size_t size = end - begin;
  if (static_cast<std::size_t>(cursor.end - cursor.at) < size ||
      !same_short_bytes(cursor.at, literals_.data() + begin, size)) {
    return false;
  }
  cursor.at += size;
  return true;
}

}  // namespace smartcity::stream
