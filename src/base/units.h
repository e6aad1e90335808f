// Parsing of the human quantities users type on the command line: sizes
// ("128MiB") and durations ("500ms", "5s", "2m"). Bad input throws UsageError
// naming the flag, so the CLI can print one line and exit 2.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace smartcity {

// Accepts a plain byte count or a number followed by B, KiB, MiB, GiB (also
// KB/MB/GB, read as powers of 1024 like the rest of the tool). Throws
// UsageError mentioning `flag` if the text is not such a size or is zero.
std::uint64_t parse_byte_size(std::string_view text, std::string_view flag);

// Accepts a number followed by ms, s, m or h ("500ms", "5s", "2m", "1h");
// a bare number is seconds. Throws UsageError mentioning `flag` if the text is
// not a duration or is negative.
std::chrono::milliseconds parse_duration(std::string_view text, std::string_view flag);

// "128.0 MiB", "3.2 GiB": for progress lines and summaries.
std::string format_byte_size(std::uint64_t bytes);

}  // namespace smartcity
