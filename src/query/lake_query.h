// SQL over the lake, the way Athena reads S3: one read-only statement against
// views of the six tables, each over the lake's committed Parquet files only
// (with date/hour from the Hive folders, so filters on them prune files).
//
// The sandbox: exactly one statement, of type SELECT (WITH and DESCRIBE
// parse as SELECT) or EXPLAIN, checked by DuckDB's own parser; then DuckDB
// itself is locked: no file access but to the committed files (not the
// commit log, hidden or uncommitted files in the lake, nor anything outside
// it), no extensions loaded or installed, configuration frozen. A statement
// that runs past the timeout is interrupted.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "lake/duckdb_handles.h"

namespace smartcity::query {

struct QueryOptions {
  std::string lake;
  std::chrono::milliseconds timeout{30'000};
  std::uint64_t max_rows = 10'000;
  // The one file outside the lake that run_to_parquet() may write.
  std::string parquet_output;
};

enum class ValueKind { kNull, kNumber, kBoolean, kText };

struct QueryResult {
  std::vector<std::string> columns;
  std::vector<std::vector<std::optional<std::string>>> rows;  // nullopt: NULL
  std::vector<ValueKind> kinds;                               // per column
  bool truncated = false;                                     // more rows than max_rows existed
};

class LakeQuery {
 public:
  // Opens the lake read-only. Throws UsageError if there is no lake there,
  // StorageError if it cannot be read.
  explicit LakeQuery(QueryOptions options);
  ~LakeQuery();

  // Runs one statement. Throws QueryError with a message a person can act on
  // (refused by the sandbox, SQL error with DuckDB's position, timeout).
  QueryResult run(const std::string& sql);

  // Runs one SELECT and writes its whole result to options.parquet_output as
  // a zstd Parquet file. Returns the rows written. Throws like run().
  std::uint64_t run_to_parquet(const std::string& sql);

  // Table name -> committed file count, for messages.
  const std::vector<std::pair<std::string, std::size_t>>& tables() const { return tables_; }

 private:
  // Refuses anything but one reading statement; returns it prepared.
  struct Checked;
  Checked check(const std::string& sql);
  // Executes with the timeout watchdog; throws QueryError on failure.
  void execute_with_timeout(duckdb_prepared_statement statement, lake::DuckDbResult& result);

  QueryOptions options_;
  lake::DuckDbDatabase database_;
  lake::DuckDbConnection connection_;
  std::vector<std::pair<std::string, std::size_t>> tables_;
};

// The SQL of a saved report ("weather", "vehicle-status", "emergencies"), or
// nullopt for an unknown name.
std::optional<std::string> report_sql(const std::string& name);
std::vector<std::string> report_names();

}  // namespace smartcity::query
