// `smartcity crawl`: builds and keeps the lake's catalog, as a Glue crawler
// does for an S3 prefix.
//
// - A lake smartcity wrote (it has a commit log): only committed files count,
//   and a crawl reads only the commits made since the last one.
// - Any other folder: each top-level folder is a table of the Parquet,
//   newline-delimited JSON or CSV files below it (key=value folders are Hive
//   partitions); files seen before, unchanged, are not read again.
//
// Schema changes and vanished partitions follow the chosen policies; every
// change is printed and kept in the catalog's history.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "base/clock.h"
#include "catalog/catalog.h"

namespace smartcity::catalog {

enum class SchemaChangePolicy { kUpdate, kLog, kFail };
enum class DeletePolicy { kDeprecate, kDelete, kLog };

struct CrawlOptions {
  std::string lake;
  bool recrawl_everything = false;
  SchemaChangePolicy on_schema_change = SchemaChangePolicy::kUpdate;
  DeletePolicy on_delete = DeletePolicy::kDeprecate;
};

struct CrawlReport {
  bool committed_lake = false;
  std::size_t commits_read = 0;
  std::size_t files_read = 0;  // footers (or files) actually opened
  std::vector<std::string> changes;
  Catalog catalog;
};

// Crawls and saves the catalog. Throws UsageError for a missing lake,
// StorageError for I/O, and Error when --on-schema-change fail meets a change
// (the catalog is then left as it was).
CrawlReport crawl_lake(const CrawlOptions& options, const Clock& clock = system_clock());

}  // namespace smartcity::catalog
