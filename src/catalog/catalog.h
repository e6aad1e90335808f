// The lake's catalog, what a Glue Data Catalog holds for a crawled S3 prefix:
// tables with their columns and types (read from file footers), Hive
// partitions, and the properties a Glue user looks for. Kept inside the lake
// at _smartcity/catalog/catalog.json, replaced atomically by each crawl.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace smartcity::catalog {

inline constexpr const char* kCatalogPath = "_smartcity/catalog/catalog.json";

struct CatalogColumn {
  std::string name;
  std::string type;  // DuckDB's type name: VARCHAR, INTEGER, TIMESTAMP WITH TIME ZONE...
  bool operator==(const CatalogColumn&) const = default;
};

struct CatalogFile {
  std::string partition;  // "date=2026-11-25/hour=03", or "" for none
  std::uint64_t rows = 0;
  std::uint64_t bytes = 0;
};

struct CatalogPartition {
  std::vector<std::string> values;  // in partition-key order
  std::uint64_t records = 0;
  std::uint64_t objects = 0;
  std::uint64_t bytes = 0;
  std::string last_crawl;
  std::string status = "active";  // or "deprecated" (its files are gone)
};

struct CatalogTable {
  std::string classification = "parquet";  // parquet, json, csv
  std::string compression;                 // zstd, snappy, none...
  std::vector<CatalogColumn> columns;
  std::vector<std::string> partition_keys;
  int schema_version = 1;
  std::string last_crawl;
  std::map<std::string, CatalogFile> files;  // path relative to the lake root
  std::map<std::string, CatalogPartition> partitions;

  std::uint64_t records() const;
  std::uint64_t bytes() const;
};

struct Catalog {
  std::uint64_t crawled_through_sequence = 0;  // commits read so far (committed lakes)
  std::string last_crawl;
  std::map<std::string, CatalogTable> tables;
  std::vector<std::string> history;  // what each crawl changed, newest last
};

std::string encode_catalog(const Catalog& catalog);
// Throws StorageError naming `source` if the text is not a catalog.
Catalog decode_catalog(const std::string& text, const std::string& source);

}  // namespace smartcity::catalog
