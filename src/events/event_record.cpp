#include "events/event_record.h"

#include "base/check.h"

namespace smartcity::events {

FieldValue& EventRecord::slot(std::string_view field) {
  const int index = spec().field_index(field);
  SMARTCITY_CHECK(index >= 0, "EventRecord: no such field in this event");
  return values_[static_cast<std::size_t>(index)];
}

void EventRecord::set_string(std::string_view field, std::string_view value) {
  FieldValue& v = slot(field);
  v.kind = FieldValue::Kind::kString;
  v.text.assign(value);
}

void EventRecord::set_integer(std::string_view field, std::int64_t value) {
  FieldValue& v = slot(field);
  v.kind = FieldValue::Kind::kInteger;
  v.integer = value;
}

void EventRecord::set_double(std::string_view field, double value) {
  FieldValue& v = slot(field);
  v.kind = FieldValue::Kind::kDouble;
  v.number = value;
}

void EventRecord::set_timestamp(std::string_view field, UnixMicros value) {
  FieldValue& v = slot(field);
  v.kind = FieldValue::Kind::kTimestamp;
  v.integer = value.value;
}

void EventRecord::set_null(std::string_view field) {
  slot(field).kind = FieldValue::Kind::kNull;
}

}  // namespace smartcity::events
