#include "simulate/fault_injector.h"

#include "base/check.h"

namespace smartcity::simulate {
namespace {

using events::EventKind;
using events::FieldType;

// A required numeric field of the record's event, to send as text.
std::string_view numeric_field(EventKind kind) {
  switch (kind) {
    case EventKind::kVehicle:
    case EventKind::kGps:
      return "speed";
    case EventKind::kWeather:
      return "temperature";
    case EventKind::kTraffic:
    case EventKind::kEmergency:
      return "latitude";
  }
  return "latitude";
}

}  // namespace

std::string_view fault_name(FaultKind kind) {
  switch (kind) {
    case FaultKind::kTruncatedJson:
      return "truncated-json";
    case FaultKind::kWrongType:
      return "wrong-type";
    case FaultKind::kMissingField:
      return "missing-field";
    case FaultKind::kUnknownCondition:
      return "unknown-condition";
    case FaultKind::kOutOfRange:
      return "out-of-range";
    case FaultKind::kOversized:
      return "oversized";
    case FaultKind::kInvalidUtf8:
      return "invalid-utf8";
  }
  return "unknown";
}

FaultInjector::FaultInjector(double rate, std::uint64_t seed)
    : rate_(rate), random_(seed ^ 0xfa017ULL) {}

std::optional<FaultKind> FaultInjector::maybe_corrupt(const events::EventRecord& record,
                                                      events::WireFormat format,
                                                      std::string& payload) {
  if (rate_ <= 0 || !random_.chance(rate_)) return std::nullopt;
  const auto kind = static_cast<FaultKind>(random_.integer(0, kFaultKinds - 1));
  corrupt(kind, record, format, payload);
  return kind;
}

void FaultInjector::corrupt(FaultKind kind, const events::EventRecord& record,
                            events::WireFormat format, std::string& payload) {
  scratch_ = record;
  const auto re_encode = [&] {
    payload.clear();
    events::append_json(scratch_, format, payload);
  };
  switch (kind) {
    case FaultKind::kTruncatedJson:
      // Any strict prefix of an object lacks its closing brace.
      payload.resize(static_cast<std::size_t>(
          random_.integer(1, static_cast<std::int64_t>(payload.size()) - 1)));
      return;
    case FaultKind::kWrongType:
      scratch_.set_string(numeric_field(record.kind()), "fast");
      re_encode();
      return;
    case FaultKind::kMissingField: {
      static constexpr std::string_view kRequired[] = {"device_id", "timestamp", "id"};
      // In the seed format a null is left out (absent); in the canonical one
      // it is written as null: both are refused for a required field.
      scratch_.set_null(kRequired[random_.integer(0, 2)]);
      re_encode();
      return;
    }
    case FaultKind::kUnknownCondition:
      if (record.kind() == EventKind::kWeather) {
        scratch_.set_string("weather_condition", "Foggy");
      } else if (record.kind() == EventKind::kEmergency) {
        scratch_.set_string("type", "Flood");
      } else {
        scratch_.set_string(numeric_field(record.kind()), "n/a");
      }
      re_encode();
      return;
    case FaultKind::kOutOfRange:
      scratch_.set_double("latitude", 123.4);
      if (scratch_.value(static_cast<std::size_t>(scratch_.spec().field_index("longitude"))).kind ==
          events::FieldValue::Kind::kNull) {
        scratch_.set_double("longitude", -1.5);
      }
      re_encode();
      return;
    case FaultKind::kOversized:
      // Valid JSON, but too big for one record: an extra field of padding.
      SMARTCITY_CHECK(!payload.empty() && payload.back() == '}', "payload is not an object");
      payload.pop_back();
      payload += R"(, "padding": ")";
      payload.append(events::kMaxRecordBytes + 1024, 'x');
      payload += "\"}";
      return;
    case FaultKind::kInvalidUtf8: {
      // A lone continuation byte inside the first string value.
      const std::size_t colon = payload.find(':');
      const std::size_t quote = payload.find('"', colon);
      SMARTCITY_CHECK(quote != std::string::npos, "payload has no string value");
      payload.insert(quote + 1, "\x80\xff");
      return;
    }
  }
}

}  // namespace smartcity::simulate
