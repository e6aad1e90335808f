// Hive-style partition folders, "date=YYYY-MM-DD/hour=HH", derived from event
// time in UTC. Writers name folders with these; readers parse them back.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "lake/column_batch.h"

namespace smartcity::lake {

// "date=2024-04-05/hour=07"
std::string partition_folder(HourKey hour);

// The hour of a "date=YYYY-MM-DD/hour=HH" folder path, or nullopt.
std::optional<HourKey> parse_partition_folder(std::string_view folder);

// The distinct hour keys of `batch`, in order of first appearance.
std::vector<HourKey> distinct_hours(const ColumnBatch& batch);

}  // namespace smartcity::lake
