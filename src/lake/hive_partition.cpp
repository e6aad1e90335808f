#include "lake/hive_partition.h"

#include <cstdio>

#include "events/timestamp.h"

namespace smartcity::lake {
namespace {

constexpr std::int64_t kMicrosPerHour = 3'600'000'000;

}  // namespace

std::string partition_folder(HourKey hour) {
  const events::DateHour dh = events::date_hour(UnixMicros{hour.value * kMicrosPerHour});
  char folder[40];
  std::snprintf(folder, sizeof folder, "date=%04d-%02u-%02u/hour=%02u", dh.year, dh.month, dh.day,
                dh.hour);
  return folder;
}

std::optional<HourKey> parse_partition_folder(std::string_view folder) {
  constexpr std::string_view kDate = "date=";
  constexpr std::string_view kHour = "/hour=";
  // date=YYYY-MM-DD/hour=HH
  if (folder.size() != kDate.size() + 10 + kHour.size() + 2 || !folder.starts_with(kDate) ||
      folder.substr(kDate.size() + 10, kHour.size()) != kHour) {
    return std::nullopt;
  }
  const std::string iso = std::string(folder.substr(kDate.size(), 10)) + "T" +
                          std::string(folder.substr(folder.size() - 2)) + ":00:00Z";
  const std::optional<UnixMicros> start = events::parse_timestamp(iso);
  if (!start) return std::nullopt;
  return hour_key(*start);
}

std::vector<HourKey> distinct_hours(const ColumnBatch& batch) {
  std::vector<HourKey> hours;
  for (HourKey hour : batch.hour_keys()) {
    // Rows arrive nearly in time order: the newest hour seen is the likely match.
    bool seen = false;
    for (auto it = hours.rbegin(); it != hours.rend(); ++it) {
      if (*it == hour) {
        seen = true;
        break;
      }
    }
    if (!seen) hours.push_back(hour);
  }
  return hours;
}

}  // namespace smartcity::lake
