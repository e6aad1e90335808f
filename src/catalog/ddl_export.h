// Table definitions for other engines, from the catalog, so Athena, Glue and
// Spark read the same files:
// - athena: CREATE EXTERNAL TABLE ... STORED AS PARQUET with partition
//   projection for date and hour (no MSCK REPAIR needed);
// - glue: the CreateTable TableInput JSON and the BatchCreatePartition
//   PartitionInputList JSON, per table;
// - spark: Spark SQL CREATE TABLE ... USING parquet PARTITIONED BY, followed by
//   the statement that discovers the partitions.
#pragma once

#include <string>

#include "catalog/catalog.h"

namespace smartcity::catalog {

enum class DdlDialect { kAthena, kGlue, kSpark };

// `location` is the URI of the lake root ("s3://bucket/prefix" or a local
// path); table folders are appended to it.
std::string export_ddl(const Catalog& catalog, DdlDialect dialect, const std::string& location);

// The Hive/Athena type for a DuckDB type name ("VARCHAR" -> "string").
std::string hive_type(const std::string& duckdb_type);

}  // namespace smartcity::catalog
