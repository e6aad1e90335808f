#include "base/units.h"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <utility>

#include "base/errors.h"

namespace smartcity {
namespace {

struct NumberAndSuffix {
  double number;
  std::string_view suffix;
};

bool split_number(std::string_view text, NumberAndSuffix& out) {
  const char* begin = text.data();
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(begin, end, out.number);
  if (ec != std::errc() || ptr == begin || !std::isfinite(out.number)) return false;
  out.suffix = std::string_view(ptr, static_cast<std::size_t>(end - ptr));
  while (!out.suffix.empty() && out.suffix.front() == ' ')
    out.suffix.remove_prefix(1);
  return true;
}

[[noreturn]] void reject(std::string_view text, std::string_view flag, std::string_view expected) {
  throw UsageError(std::string(flag) + ": '" + std::string(text) + "' is not " +
                   std::string(expected));
}

}  // namespace

std::uint64_t parse_byte_size(std::string_view text, std::string_view flag) {
  static constexpr std::array<std::pair<std::string_view, double>, 11> kUnits{{
      {"", 1.0},
      {"B", 1.0},
      {"K", 1024.0},
      {"KB", 1024.0},
      {"KiB", 1024.0},
      {"M", 1024.0 * 1024},
      {"MB", 1024.0 * 1024},
      {"MiB", 1024.0 * 1024},
      {"G", 1024.0 * 1024 * 1024},
      {"GB", 1024.0 * 1024 * 1024},
      {"GiB", 1024.0 * 1024 * 1024},
  }};
  constexpr std::string_view kExpected = "a size (for example 1048576, 512KiB, 128MiB, 1GiB)";
  NumberAndSuffix parsed{};
  if (!split_number(text, parsed) || parsed.number <= 0) reject(text, flag, kExpected);
  for (const auto& [suffix, factor] : kUnits) {
    if (parsed.suffix == suffix) {
      const double bytes = parsed.number * factor;
      if (bytes < 1 || bytes > 1e18) reject(text, flag, kExpected);
      return static_cast<std::uint64_t>(bytes);
    }
  }
  reject(text, flag, kExpected);
}

std::chrono::milliseconds parse_duration(std::string_view text, std::string_view flag) {
  static constexpr std::array<std::pair<std::string_view, double>, 5> kUnits{{
      {"", 1000.0},
      {"ms", 1.0},
      {"s", 1000.0},
      {"m", 60'000.0},
      {"h", 3'600'000.0},
  }};
  constexpr std::string_view kExpected = "a duration (for example 500ms, 5s, 2m, 1h)";
  NumberAndSuffix parsed{};
  if (!split_number(text, parsed) || parsed.number < 0) reject(text, flag, kExpected);
  for (const auto& [suffix, factor] : kUnits) {
    if (parsed.suffix == suffix) {
      const double millis = parsed.number * factor;
      if (millis > 1e15) reject(text, flag, kExpected);
      return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(millis)));
    }
  }
  reject(text, flag, kExpected);
}

std::string format_byte_size(std::uint64_t bytes) {
  static constexpr std::array<const char*, 5> kNames{"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  std::size_t unit = 0;
  while (value >= 1024.0 && unit + 1 < kNames.size()) {
    value /= 1024.0;
    ++unit;
  }
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, unit == 0 ? "%.0f %s" : "%.1f %s", value, kNames[unit]);
  return buffer;
}

}  // namespace smartcity
