// Writes Parquet files with smartcity's ParquetFileWriter for
// tests/integration/test_parquet_readers.py, which reads them back with
// pyarrow and DuckDB's Python package (neither shares our code). Beside each
// CASE.parquet goes CASE.jsonl: the rows as they were appended (blobs as
// hex, timestamps as microseconds, null as null).
//
// Cases: every column type with nulls, extremes, empty and multi-byte
// strings, bytes 0x00/0xff, -0.0; repeated columns (dictionary) beside unique
// ones (plain); two row groups; values big enough to cut a column into
// several pages; a column of nulls only; a single row.
//
// Usage: parquet_cases_writer FOLDER
#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <limits>
#include <string>
#include <vector>

#include "lake/column_batch.h"
#include "lake/parquet_file_writer.h"
#include "lake/table_schema.h"

namespace {

using smartcity::events::FieldType;
using smartcity::lake::Column;
using smartcity::lake::ColumnBatch;
using smartcity::lake::HourKey;
using smartcity::lake::TableSchema;

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (const unsigned char byte : bytes) {
    out.push_back(kDigits[byte >> 4]);
    out.push_back(kDigits[byte & 15]);
  }
  return out;
}

struct CaseShape {
  bool nulls_only = false;
  std::size_t big_bytes = 0;  // > 0: strings and blobs of about this size
};

// Column c of row i. Columns take turns: repeated values (a dictionary),
// unique values, unique values with nulls.
void append_value(Column& column, std::size_t c, std::size_t i, const CaseShape& shape,
                  nlohmann::json& row, std::string_view name) {
  const std::size_t mode = c % 3;
  if (shape.nulls_only || (mode == 2 && i % 5 == 0)) {
    column.append_null();
    row[std::string(name)] = nullptr;
    return;
  }
  const auto n = static_cast<std::int64_t>(mode == 0 ? i % 7 : i);
  switch (column.type()) {
    case FieldType::kInt32: {
      std::int32_t value = static_cast<std::int32_t>(n) - 1500;
      if (mode != 0 && i % 97 == 3) value = std::numeric_limits<std::int32_t>::min();
      if (mode != 0 && i % 97 == 4) value = std::numeric_limits<std::int32_t>::max();
      column.append_int32(value);
      row[std::string(name)] = value;
      break;
    }
    case FieldType::kInt64:
    case FieldType::kTimestamp: {
      // Negative ones too: timestamps before 1970.
      std::int64_t value = (n - 1500) * 3'600'000'123LL + static_cast<std::int64_t>(c);
      if (column.type() == FieldType::kInt64 && mode != 0 && i % 89 == 5)
        value = i % 2 ? std::numeric_limits<std::int64_t>::max()
                      : std::numeric_limits<std::int64_t>::min();
      column.append_int64(value);
      row[std::string(name)] = value;
      break;
    }
    case FieldType::kDouble: {
      double value = static_cast<double>(n - 700) / 8.0 + 1e-7 * static_cast<double>(c);
      if (i % 11 == 0) value = -0.0;
      if (i % 11 == 1) value = 0.0;
      if (mode != 0 && i % 101 == 7) value = -1.7976931348623157e308;
      column.append_double(value);
      row[std::string(name)] = value;
      break;
    }
    case FieldType::kString: {
      std::string value = i % 13 == 0 ? "" : "straße-" + std::to_string(n) + "-ü€";
      if (shape.big_bytes > 0)
        value += std::string(shape.big_bytes, static_cast<char>('a' + i % 26));
      column.append_bytes(value);
      row[std::string(name)] = value;
      break;
    }
    case FieldType::kBlob: {
      std::string value("\0\xff{", 3);
      value += std::to_string(n);
      if (shape.big_bytes > 0) value += std::string(shape.big_bytes, static_cast<char>(i));
      column.append_bytes(value);
      row[std::string(name)] = hex(value);
      break;
    }
  }
}

void write_case(const std::filesystem::path& folder, const std::string& name,
                const TableSchema& schema, std::size_t rows, const CaseShape& shape) {
  ColumnBatch batch(schema);
  std::ofstream expected(folder / (name + ".jsonl"));
  for (std::size_t i = 0; i < rows; ++i) {
    nlohmann::json row = nlohmann::json::object();
    for (std::size_t c = 0; c < schema.columns.size(); ++c)
      append_value(batch.column(c), c, i, shape, row, schema.columns[c].name);
    batch.finish_row(HourKey{1});
    expected << row.dump() << "\n";
  }
  std::vector<std::uint32_t> all(rows);
  for (std::uint32_t i = 0; i < rows; ++i)
    all[i] = i;
  smartcity::lake::ParquetFileWriter writer;
  writer.write(batch, all, folder / (name + ".parquet"));
}

}  // namespace

int main(int argc, char** argv) {
  using namespace smartcity;
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s FOLDER\n", argv[0]);
    return 2;
  }
  const std::filesystem::path folder = argv[1];
  write_case(folder, "dead_letters", lake::dead_letter_schema(), 3000, {});
  write_case(folder, "vehicle_two_row_groups", lake::table_schema(events::EventKind::kVehicle),
             lake::ParquetFileWriter::kRowGroupRows + 1000, {});
  write_case(folder, "big_values", lake::dead_letter_schema(), 40, {.big_bytes = 100'000});
  write_case(folder, "nulls_only", lake::table_schema(events::EventKind::kWeather), 10,
             {.nulls_only = true});
  write_case(folder, "one_row", lake::table_schema(events::EventKind::kGps), 1, {});
  return 0;
}
