// Reads the schemas and sizes of data files through DuckDB: Parquet footers
// (many files per query, no data read), or DuckDB's JSON and CSV sniffers.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "catalog/catalog.h"
#include "lake/duckdb_handles.h"

namespace smartcity::catalog {

struct FileSchema {
  std::vector<CatalogColumn> columns;
  std::string compression;  // lower case, "" when not known
  std::uint64_t rows = 0;
  std::uint64_t bytes = 0;
};

class FileSchemaReader {
 public:
  FileSchemaReader();
  // Absolute path -> schema, for files of one format ("parquet", "json", "csv").
  // Throws StorageError naming a file DuckDB cannot read.
  std::map<std::string, FileSchema> read(const std::vector<std::string>& paths,
                                         const std::string& format);

 private:
  std::map<std::string, FileSchema> read_parquet(const std::vector<std::string>& paths);
  FileSchema read_text_format(const std::string& path, const std::string& format);

  lake::DuckDbDatabase database_;
  lake::DuckDbConnection connection_;
};

}  // namespace smartcity::catalog
