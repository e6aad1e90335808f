// Writing events as JSON in the two wire formats the platform speaks:
//
// - kCanonical: snake_case keys, `latitude`/`longitude` numbers, timestamps
//   ISO-8601 UTC with a Z; null for a value that is absent.
// - kSeed: exactly what the original Python producer's json.dumps wrote:
//   camelCase keys in its order, `location` as [lat, lon], Python isoformat
//   timestamps without a zone, `year` as a string, its enum spellings
//   ('Rain', 'Snow'), ", " and ": " separators; absent fields are left out,
//   as the original GPS records left out the location.
//
// Everything is driven by the schema tables in schema.h.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "events/event_record.h"

namespace smartcity::events {

enum class WireFormat { kCanonical, kSeed };

// "canonical" / "seed"; nullopt for anything else.
std::optional<WireFormat> parse_wire_format(std::string_view name);

// Appends `record` as one JSON object to `out`.
void append_json(const EventRecord& record, WireFormat format, std::string& out);

// Appends `text` as a JSON string literal (quotes included). Non-ASCII is
// written as \uXXXX escapes when `ascii_only`, as Python's json.dumps does.
void append_json_string(std::string_view text, bool ascii_only, std::string& out);

// Appends `value` as Python's repr(float) writes it: the shortest text that
// reads back the same, with ".0" on whole numbers.
void append_python_float(double value, std::string& out);

}  // namespace smartcity::events
