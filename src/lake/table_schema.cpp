#include "lake/table_schema.h"

#include <array>

namespace smartcity::lake {
namespace {

TableSchema build_event_table(events::EventKind kind) {
  const events::EventSpec& event = events::spec(kind);
  TableSchema schema{event.table, {}, event.fields.size()};
  for (const events::FieldSpec& field : event.fields) {
    schema.columns.push_back({field.name, field.type});
  }
  for (const events::LineageColumn& column : events::lineage_columns()) {
    schema.columns.push_back({column.name, column.type});
  }
  return schema;
}

TableSchema build_dead_letter_table() {
  TableSchema schema{events::kDeadLetterTable, {}, 0};
  for (const events::LineageColumn& column : events::lineage_columns()) {
    schema.columns.push_back({column.name, column.type});
  }
  for (const events::LineageColumn& column : events::dead_letter_columns()) {
    schema.columns.push_back({column.name, column.type});
  }
  return schema;
}

struct AllTables {
  std::array<TableSchema, events::kEventKindCount + 1> tables;
  std::array<const TableSchema*, events::kEventKindCount + 1> pointers;
  AllTables() {
    for (std::size_t i = 0; i < events::kEventKindCount; ++i) {
      tables[i] = build_event_table(static_cast<events::EventKind>(i));
    }
    tables.back() = build_dead_letter_table();
    for (std::size_t i = 0; i < tables.size(); ++i)
      pointers[i] = &tables[i];
  }
};

const AllTables& all() {
  static const AllTables kAll;
  return kAll;
}

}  // namespace

const TableSchema& table_schema(events::EventKind kind) {
  return all().tables[static_cast<std::size_t>(kind)];
}

const TableSchema& dead_letter_schema() {
  return all().tables.back();
}

std::span<const TableSchema* const> all_table_schemas() {
  return all().pointers;
}

int column_index(const TableSchema& schema, std::string_view name) {
  for (std::size_t i = 0; i < schema.columns.size(); ++i) {
    if (schema.columns[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

}  // namespace smartcity::lake
