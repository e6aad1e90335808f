#include "lake/duckdb_handles.h"

#include "base/errors.h"

namespace smartcity::lake {

DuckDbDatabase open_in_memory_database(
    std::initializer_list<std::pair<const char*, const char*>> settings) {
  duckdb_config config = nullptr;
  if (duckdb_create_config(&config) == DuckDBError) {
    throw StorageError("DuckDB: could not create a configuration");
  }
  struct ConfigDestroyer {
    duckdb_config* config;
    ~ConfigDestroyer() { duckdb_destroy_config(config); }
  } destroy_config{&config};
  for (const auto& [name, value] : settings) {
    if (duckdb_set_config(config, name, value) == DuckDBError) {
      throw StorageError(std::string("DuckDB: could not set ") + name + "=" + value);
    }
  }
  duckdb_database db = nullptr;
  char* error = nullptr;
  if (duckdb_open_ext(nullptr, &db, config, &error) == DuckDBError) {
    std::string message = error ? error : "unknown error";
    duckdb_free(error);
    throw StorageError("DuckDB: could not open a database: " + message);
  }
  return DuckDbDatabase(db);
}

DuckDbConnection connect(duckdb_database db) {
  duckdb_connection connection = nullptr;
  if (duckdb_connect(db, &connection) == DuckDBError) {
    throw StorageError("DuckDB: could not connect");
  }
  return DuckDbConnection(connection);
}

void execute(duckdb_connection connection, const std::string& sql, const std::string& what) {
  DuckDbResult result;
  if (duckdb_query(connection, sql.c_str(), result.get()) == DuckDBError) {
    const char* error = duckdb_result_error(result.get());
    throw StorageError(what + ": " + (error ? error : "unknown DuckDB error"));
  }
}

std::string sql_string_literal(const std::string& text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') quoted.push_back('\'');
    quoted.push_back(c);
  }
  quoted.push_back('\'');
  return quoted;
}

std::string sql_string_list(std::span<const std::string> texts) {
  std::string list = "[";
  for (const std::string& text : texts) {
    if (list.size() > 1) list += ", ";
    list += sql_string_literal(text);
  }
  return list + "]";
}

std::string sql_identifier(const std::string& name) {
  std::string quoted = "\"";
  for (char c : name) {
    if (c == '"') quoted.push_back('"');
    quoted.push_back(c);
  }
  quoted.push_back('"');
  return quoted;
}

}  // namespace smartcity::lake
