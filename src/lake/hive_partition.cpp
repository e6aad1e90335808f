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

std::vector<RowsOfHour> rows_by_hour(const ColumnBatch& batch) {
  std::vector<RowsOfHour> groups;
  const std::span<const HourKey> hours = batch.hour_keys();
  std::size_t current = 0;
  for (std::size_t row = 0; row < hours.size(); ++row) {
    // Rows arrive nearly in time order: the group of the last row is the
    // likely match, then the newest groups.
    if (groups.empty() || groups[current].hour != hours[row]) {
      auto it = groups.rbegin();
      while (it != groups.rend() && it->hour != hours[row])
        ++it;
      if (it == groups.rend()) {
        groups.push_back({hours[row], {}});
        current = groups.size() - 1;
      } else {
        current = static_cast<std::size_t>(groups.rend() - it) - 1;
      }
    }
    groups[current].rows.push_back(static_cast<std::uint32_t>(row));
  }
  return groups;
}

}  // namespace smartcity::lake
