// The lake's tables as columns: each event's fields (from src/events) followed
// by the lineage columns, plus the dead_letters table. The Parquet writer, the
// catalog and the DDL export read column lists from here.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "events/schema.h"

namespace smartcity::lake {

struct ColumnSpec {
  std::string_view name;
  events::FieldType type;
};

struct TableSchema {
  std::string_view name;  // folder under the lake root, e.g. "vehicle"
  std::vector<ColumnSpec> columns;
  // Index of the first lineage column (_topic); event fields come before it.
  std::size_t lineage_begin = 0;
};

// The table for one event kind: its fields, then _topic, _partition, _offset,
// _ingested_at.
const TableSchema& table_schema(events::EventKind kind);

// dead_letters: _topic, _partition, _offset, _ingested_at, kafka_timestamp,
// key, raw, reason.
const TableSchema& dead_letter_schema();

// The five event tables in EventKind order, then dead_letters.
std::span<const TableSchema* const> all_table_schemas();

// Index of the named column in `schema`, or -1.
int column_index(const TableSchema& schema, std::string_view name);

}  // namespace smartcity::lake
