// RAII ownership of DuckDB C API handles, and a thin typed-error layer over the
// calls every DuckDB user in smartcity makes (open, connect, run a statement).
// The Parquet writer, catalog and query stages all hold DuckDB through these.
#pragma once

#include <duckdb.h>

#include <memory>
#include <span>
#include <string>

namespace smartcity::lake {

struct DuckDbDatabaseCloser {
  void operator()(duckdb_database db) const { duckdb_close(&db); }
};
struct DuckDbConnectionCloser {
  void operator()(duckdb_connection connection) const { duckdb_disconnect(&connection); }
};
using DuckDbDatabase =
    std::unique_ptr<std::remove_pointer_t<duckdb_database>, DuckDbDatabaseCloser>;
using DuckDbConnection =
    std::unique_ptr<std::remove_pointer_t<duckdb_connection>, DuckDbConnectionCloser>;
struct DuckDbPreparedDestroyer {
  void operator()(duckdb_prepared_statement statement) const { duckdb_destroy_prepare(&statement); }
};
using DuckDbPrepared =
    std::unique_ptr<std::remove_pointer_t<duckdb_prepared_statement>, DuckDbPreparedDestroyer>;

// A materialized result; destroyed with its owner.
class DuckDbResult {
 public:
  DuckDbResult() = default;
  DuckDbResult(const DuckDbResult&) = delete;
  DuckDbResult& operator=(const DuckDbResult&) = delete;
  ~DuckDbResult() { duckdb_destroy_result(&result_); }
  duckdb_result* get() { return &result_; }

 private:
  duckdb_result result_{};
};

// Opens an in-memory database with the given settings (for example
// {"threads", "1"}). Throws StorageError with DuckDB's message on failure.
DuckDbDatabase open_in_memory_database(
    std::initializer_list<std::pair<const char*, const char*>> settings = {});

// Connects to `db`. Throws StorageError on failure.
DuckDbConnection connect(duckdb_database db);

// Runs one statement and discards its result. Throws StorageError whose message
// is `what` followed by DuckDB's error text.
void execute(duckdb_connection connection, const std::string& sql, const std::string& what);

// Quotes `text` as a SQL string literal ('it''s').
std::string sql_string_literal(const std::string& text);

// `texts` as a SQL list of string literals (['a', 'it''s']).
std::string sql_string_list(std::span<const std::string> texts);

// Quotes `name` as a SQL identifier ("my ""table""").
std::string sql_identifier(const std::string& name);

}  // namespace smartcity::lake
