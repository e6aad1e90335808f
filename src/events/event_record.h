// One event's field values, by schema field index, in a form the simulator
// fills and the wire encoder reads. Reused from event to event: setting a
// value keeps the string's capacity, so steady-state generation allocates
// nothing.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "events/schema.h"

namespace smartcity::events {

struct FieldValue {
  enum class Kind : std::uint8_t { kNull, kString, kInteger, kDouble, kTimestamp };
  Kind kind = Kind::kNull;
  std::int64_t integer = 0;  // kInteger, and kTimestamp in UnixMicros
  double number = 0;
  std::string text;
};

class EventRecord {
 public:
  explicit EventRecord(EventKind kind) : kind_(kind) {}

  EventKind kind() const { return kind_; }
  const EventSpec& spec() const { return events::spec(kind_); }
  const FieldValue& value(std::size_t field) const { return values_[field]; }

  // Setters by canonical field name; the name must exist in the schema
  // (CHECKed), so a typo fails the first test that runs it.
  void set_string(std::string_view field, std::string_view value);
  void set_integer(std::string_view field, std::int64_t value);
  void set_double(std::string_view field, double value);
  void set_timestamp(std::string_view field, UnixMicros value);
  void set_null(std::string_view field);

  // Direct access by index, for hot loops that resolved names once.
  FieldValue& at(std::size_t field) { return values_[field]; }

 private:
  FieldValue& slot(std::string_view field);

  EventKind kind_;
  std::array<FieldValue, kMaxFields> values_{};
};

}  // namespace smartcity::events
