#include "catalog/file_schema_reader.h"

#include <algorithm>
#include <cctype>

#include "base/errors.h"

namespace smartcity::catalog {
namespace {

constexpr std::size_t kFilesPerQuery = 500;

std::string text(duckdb_result* result, idx_t column, idx_t row) {
  if (duckdb_value_is_null(result, column, row)) return "";
  char* value = duckdb_value_varchar(result, column, row);
  std::string out = value ? value : "";
  duckdb_free(value);
  return out;
}

void query(duckdb_connection connection, const std::string& sql, lake::DuckDbResult& result) {
  if (duckdb_query(connection, sql.c_str(), result.get()) == DuckDBError) {
    const char* error = duckdb_result_error(result.get());
    throw StorageError(std::string("cannot read file footers: ") + (error ? error : "?"));
  }
}

}  // namespace

FileSchemaReader::FileSchemaReader()
    : database_(lake::open_in_memory_database(
          {{"autoinstall_known_extensions", "false"}, {"autoload_known_extensions", "false"}})),
      connection_(lake::connect(database_.get())) {}

std::map<std::string, FileSchema> FileSchemaReader::read(const std::vector<std::string>& paths,
                                                         const std::string& format) {
  if (format == "parquet") return read_parquet(paths);
  std::map<std::string, FileSchema> schemas;
  for (const std::string& path : paths)
    schemas[path] = read_text_format(path, format);
  return schemas;
}

std::map<std::string, FileSchema> FileSchemaReader::read_parquet(
    const std::vector<std::string>& paths) {
  std::map<std::string, FileSchema> schemas;
  for (std::size_t begin = 0; begin < paths.size(); begin += kFilesPerQuery) {
    const std::size_t end = std::min(paths.size(), begin + kFilesPerQuery);
    const std::string list = lake::sql_string_list(std::span(paths).subspan(begin, end - begin));
    {
      lake::DuckDbResult result;
      query(connection_.get(),
            "SELECT file_name, name, duckdb_type FROM parquet_schema(" + list +
                ") WHERE num_children IS NULL",
            result);
      for (idx_t r = 0; r < duckdb_row_count(result.get()); ++r) {
        schemas[text(result.get(), 0, r)].columns.push_back(
            {text(result.get(), 1, r), text(result.get(), 2, r)});
      }
    }
    {
      lake::DuckDbResult result;
      query(connection_.get(),
            "SELECT file_name, num_rows, file_size_bytes FROM parquet_file_metadata(" + list + ")",
            result);
      for (idx_t r = 0; r < duckdb_row_count(result.get()); ++r) {
        FileSchema& schema = schemas[text(result.get(), 0, r)];
        schema.rows = duckdb_value_uint64(result.get(), 1, r);
        schema.bytes = duckdb_value_uint64(result.get(), 2, r);
      }
    }
    {
      lake::DuckDbResult result;
      query(connection_.get(),
            "SELECT file_name, any_value(compression) FROM parquet_metadata(" + list +
                ") GROUP BY file_name",
            result);
      for (idx_t r = 0; r < duckdb_row_count(result.get()); ++r) {
        std::string compression = text(result.get(), 1, r);
        std::transform(compression.begin(), compression.end(), compression.begin(),
                       [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
        schemas[text(result.get(), 0, r)].compression =
            compression == "uncompressed" ? "none" : compression;
      }
    }
  }
  return schemas;
}

FileSchema FileSchemaReader::read_text_format(const std::string& path, const std::string& format) {
  const std::string reader = format == "json" ? "read_json_auto" : "read_csv_auto";
  const std::string source = reader + "(" + lake::sql_string_literal(path) + ")";
  FileSchema schema;
  {
    lake::DuckDbResult result;
    query(connection_.get(), "DESCRIBE SELECT * FROM " + source, result);
    for (idx_t r = 0; r < duckdb_row_count(result.get()); ++r) {
      schema.columns.push_back({text(result.get(), 0, r), text(result.get(), 1, r)});
    }
  }
  lake::DuckDbResult count;
  query(connection_.get(), "SELECT count(*) FROM " + source, count);
  schema.rows = duckdb_value_uint64(count.get(), 0, 0);
  schema.compression = "none";
  return schema;
}

}  // namespace smartcity::catalog
