// Hive-style partition folders, "date=YYYY-MM-DD/hour=HH", derived from event
// time in UTC. Writers name folders with these; readers parse them back.
#pragma once

#include <cstdint>
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

// The rows of one batch filed under one hour: what one Parquet file holds.
struct RowsOfHour {
  HourKey hour;
  std::vector<std::uint32_t> rows;  // indices into the batch, increasing
};

// The rows of `batch` grouped by hour, hours in order of first appearance.
// One pass over the batch, however many hours it spans.
std::vector<RowsOfHour> rows_by_hour(const ColumnBatch& batch);

}  // namespace smartcity::lake
