#include "events/wire_format.h"

#include <charconv>
#include <cmath>

#include "base/check.h"
#include "events/timestamp.h"

namespace smartcity::events {
namespace {

void append_hex4(unsigned value, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += "\\u";
  for (int shift = 12; shift >= 0; shift -= 4)
    out.push_back(kHex[(value >> shift) & 0xF]);
}

// Decodes one UTF-8 sequence at text[i]; returns its code point and advances
// i, or returns the byte itself for a malformed sequence.
unsigned next_code_point(std::string_view text, std::size_t& i) {
  const auto byte = static_cast<unsigned char>(text[i]);
  int length = byte < 0x80 ? 1 : (byte >> 5) == 0x6 ? 2 : (byte >> 4) == 0xE ? 3 : 4;
  if (i + static_cast<std::size_t>(length) > text.size()) length = 1;
  unsigned code = length == 1 ? byte : byte & (0x3F >> (length - 1));
  for (int k = 1; k < length; ++k) {
    code = (code << 6) | (static_cast<unsigned char>(text[i + static_cast<std::size_t>(k)]) & 0x3F);
  }
  i += static_cast<std::size_t>(length);
  return code;
}

std::string_view seed_spelling(const FieldSpec& field, std::string_view canonical) {
  if (field.allowed == nullptr) return canonical;
  for (const EnumAlias& alias : field.allowed->aliases) {
    if (alias.canonical == canonical) return alias.spelling;
  }
  return canonical;
}

void append_integer(std::int64_t value, std::string& out) {
  char buffer[24];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, end);
}

void append_number(double value, WireFormat format, std::string& out) {
  if (format == WireFormat::kSeed) {
    append_python_float(value, out);
    return;
  }
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  out.append(buffer, end);
}

void append_value(const FieldSpec& field, const FieldValue& value, WireFormat format,
                  std::string& out) {
  const bool seed = format == WireFormat::kSeed;
  switch (value.kind) {
    case FieldValue::Kind::kNull:
      out += "null";
      return;
    case FieldValue::Kind::kString:
      append_json_string(seed ? seed_spelling(field, value.text) : value.text, seed, out);
      return;
    case FieldValue::Kind::kInteger:
      if (seed && field.seed_as_string) out.push_back('"');
      append_integer(value.integer, out);
      if (seed && field.seed_as_string) out.push_back('"');
      return;
    case FieldValue::Kind::kDouble:
      append_number(value.number, format, out);
      return;
    case FieldValue::Kind::kTimestamp:
      out.push_back('"');
      append_timestamp(UnixMicros{value.integer},
                       seed ? TimestampStyle::kPythonNaive : TimestampStyle::kUtcZulu, out);
      out.push_back('"');
      return;
  }
}

}  // namespace

std::optional<WireFormat> parse_wire_format(std::string_view name) {
  if (name == "canonical") return WireFormat::kCanonical;
  if (name == "seed") return WireFormat::kSeed;
  return std::nullopt;
}

void append_json_string(std::string_view text, bool ascii_only, std::string& out) {
  out.push_back('"');
  for (std::size_t i = 0; i < text.size();) {
    // Most text needs no escaping: copy runs of plain characters at once.
    std::size_t run = i;
    while (run < text.size()) {
      const auto byte = static_cast<unsigned char>(text[run]);
      if (byte < 0x20 || byte == '"' || byte == '\\' || (byte >= 0x80 && ascii_only)) break;
      ++run;
    }
    if (run > i) {
      out.append(text.data() + i, run - i);
      i = run;
      if (i == text.size()) break;
    }
    const char c = text[i];
    switch (c) {
      case '"':
        out += "\\\"";
        ++i;
        continue;
      case '\\':
        out += "\\\\";
        ++i;
        continue;
      case '\n':
        out += "\\n";
        ++i;
        continue;
      case '\r':
        out += "\\r";
        ++i;
        continue;
      case '\t':
        out += "\\t";
        ++i;
        continue;
      case '\b':
        out += "\\b";
        ++i;
        continue;
      case '\f':
        out += "\\f";
        ++i;
        continue;
      default:
        break;
    }
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20) {
      append_hex4(byte, out);
      ++i;
    } else if (byte < 0x80 || !ascii_only) {
      out.push_back(c);
      ++i;
    } else {
      const unsigned code = next_code_point(text, i);
      if (code >= 0x10000) {
        const unsigned v = code - 0x10000;
        append_hex4(0xD800 + (v >> 10), out);
        append_hex4(0xDC00 + (v & 0x3FF), out);
      } else {
        append_hex4(code, out);
      }
    }
  }
  out.push_back('"');
}

void append_python_float(double value, std::string& out) {
  SMARTCITY_CHECK(std::isfinite(value), "the wire formats have no NaN or infinity");
  char buffer[32];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  std::string_view text(buffer, static_cast<std::size_t>(end - buffer));
  // Python's repr switches to exponent notation at 1e16 and below 1e-4,
  // exactly where to_chars' shortest form does, but keeps a ".0" on whole
  // numbers in fixed notation.
  out.append(text);
  if (text.find_first_of(".e") == std::string_view::npos) out += ".0";
}

void append_json(const EventRecord& record, WireFormat format, std::string& out) {
  const EventSpec& spec = record.spec();
  const bool seed = format == WireFormat::kSeed;
  const std::string_view separator = seed ? ", " : ",";
  const std::string_view colon = seed ? ": " : ":";
  out.push_back('{');
  bool first = true;
  for (std::size_t i = 0; i < spec.fields.size(); ++i) {
    const FieldSpec& field = spec.fields[i];
    const FieldValue& value = record.value(i);
    if (seed && value.kind == FieldValue::Kind::kNull) continue;  // the original omitted them
    if (seed && field.location_part == LocationPart::kLongitude) continue;  // in "location"
    if (!first) out.append(separator);
    first = false;
    append_json_string(seed ? field.seed_name : field.name, false, out);
    out.append(colon);
    if (seed && field.location_part == LocationPart::kLatitude) {
      // The longitude is the next field with LocationPart::kLongitude.
      std::size_t longitude = i + 1;
      while (longitude < spec.fields.size() &&
             spec.fields[longitude].location_part != LocationPart::kLongitude) {
        ++longitude;
      }
      SMARTCITY_CHECK(longitude < spec.fields.size(), "latitude without longitude in the schema");
      out.push_back('[');
      append_value(field, value, format, out);
      out.append(separator);
      append_value(spec.fields[longitude], record.value(longitude), format, out);
      out.push_back(']');
      continue;
    }
    append_value(field, value, format, out);
  }
  out.push_back('}');
}

}  // namespace smartcity::events
