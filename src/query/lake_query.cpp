#include "query/lake_query.h"

#include <algorithm>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "base/check.h"
#include "base/errors.h"
#include "lake/commit_log.h"
#include "lake/local_lake_storage.h"
#include "lake/table_schema.h"
#include "query/report_sql.h"

namespace smartcity::query {
namespace {

namespace fs = std::filesystem;

std::string sql_type(events::FieldType type) {
  switch (type) {
    case events::FieldType::kString:
      return "VARCHAR";
    case events::FieldType::kInt32:
      return "INTEGER";
    case events::FieldType::kInt64:
      return "BIGINT";
    case events::FieldType::kDouble:
      return "DOUBLE";
    case events::FieldType::kTimestamp:
      return "TIMESTAMP WITH TIME ZONE";
    case events::FieldType::kBlob:
      return "BLOB";
  }
  return "VARCHAR";
}

// A view over the table's committed files, or an empty one with the same
// columns when nothing is committed yet (so queries bind either way).
std::string view_sql(const lake::TableSchema& schema, const std::vector<std::string>& files) {
  const std::string name = lake::sql_identifier(std::string(schema.name));
  if (!files.empty()) {
    return "CREATE VIEW " + name + " AS SELECT * FROM read_parquet(" +
           lake::sql_string_list(files) +
           ", hive_partitioning = true, hive_types = {'date': DATE, 'hour': INTEGER})";
  }
  std::string columns;
  for (const lake::ColumnSpec& column : schema.columns) {
    columns += "CAST(NULL AS " + sql_type(column.type) + ") AS " +
               lake::sql_identifier(std::string(column.name)) + ", ";
  }
  return "CREATE VIEW " + name + " AS SELECT " + columns +
         "CAST(NULL AS DATE) AS date, CAST(NULL AS INTEGER) AS hour WHERE false";
}

ValueKind value_kind(duckdb_type type) {
  switch (type) {
    case DUCKDB_TYPE_TINYINT:
    case DUCKDB_TYPE_SMALLINT:
    case DUCKDB_TYPE_INTEGER:
    case DUCKDB_TYPE_BIGINT:
    case DUCKDB_TYPE_HUGEINT:
    case DUCKDB_TYPE_UTINYINT:
    case DUCKDB_TYPE_USMALLINT:
    case DUCKDB_TYPE_UINTEGER:
    case DUCKDB_TYPE_UBIGINT:
    case DUCKDB_TYPE_UHUGEINT:
    case DUCKDB_TYPE_FLOAT:
    case DUCKDB_TYPE_DOUBLE:
    case DUCKDB_TYPE_DECIMAL:
      return ValueKind::kNumber;
    case DUCKDB_TYPE_BOOLEAN:
      return ValueKind::kBoolean;
    default:
      return ValueKind::kText;
  }
}

struct ExtractedDeleter {
  void operator()(duckdb_extracted_statements statements) const {
    duckdb_destroy_extracted(&statements);
  }
};
using Prepared = lake::DuckDbPrepared;

std::string trim_statement(std::string sql) {
  while (!sql.empty() &&
         (std::isspace(static_cast<unsigned char>(sql.back())) || sql.back() == ';')) {
    sql.pop_back();
  }
  return sql;
}

// The statement's first keyword, upper-cased, after comments and blanks.
std::string first_keyword(const std::string& sql) {
  std::size_t i = 0;
  while (i < sql.size()) {
    if (std::isspace(static_cast<unsigned char>(sql[i]))) {
      ++i;
    } else if (sql.compare(i, 2, "--") == 0) {
      i = sql.find('\n', i);
      if (i == std::string::npos) return "";
    } else if (sql.compare(i, 2, "/*") == 0) {
      i = sql.find("*/", i);
      if (i == std::string::npos) return "";
      i += 2;
    } else {
      break;
    }
  }
  std::string word;
  while (i < sql.size() && (std::isalpha(static_cast<unsigned char>(sql[i])) || sql[i] == '(')) {
    word.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(sql[i]))));
    if (sql[i++] == '(') break;
  }
  return word;
}

// Interrupts the connection's query when `timeout` passes before done().
class Watchdog {
 public:
  Watchdog(duckdb_connection connection, std::chrono::milliseconds timeout)
      : thread_([this, connection, timeout] {
          std::unique_lock lock(mutex_);
          if (!done_cv_.wait_for(lock, timeout, [this] { return done_; })) {
            fired_ = true;
            duckdb_interrupt(connection);
          }
        }) {}
  ~Watchdog() {
    {
      std::lock_guard lock(mutex_);
      done_ = true;
    }
    done_cv_.notify_all();
    thread_.join();
  }
  bool fired() {
    std::lock_guard lock(mutex_);
    return fired_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable done_cv_;
  bool done_ = false;
  bool fired_ = false;
  std::thread thread_;
};

}  // namespace

LakeQuery::LakeQuery(QueryOptions options) : options_(std::move(options)) {
  const fs::path root = fs::absolute(options_.lake).lexically_normal();
  if (!fs::is_directory(root / std::string(lake::kCommitFolder))) {
    throw UsageError("--lake " + options_.lake +
                     ": no lake there (no _smartcity/commits); write one with 'smartcity stream "
                     "--lake " +
                     options_.lake + "' first");
  }
  lake::LocalLakeStorage storage(root);
  const lake::LakeCommitState state = lake::CommitLog(storage).load();
  std::map<std::string, std::vector<std::string>> files_by_table;
  for (const std::string& path : state.files) {
    const std::string table = path.substr(0, path.find('/'));
    // A commit names files before they are renamed into place; a reader
    // sees them only once they are there.
    if (storage.exists(path)) files_by_table[table].push_back((root / path).string());
  }

  database_ = lake::open_in_memory_database(
      {{"autoinstall_known_extensions", "false"}, {"autoload_known_extensions", "false"}});
  connection_ = lake::connect(database_.get());
  for (const lake::TableSchema* schema : lake::all_table_schemas()) {
    const auto& files = files_by_table[std::string(schema->name)];
    lake::execute(connection_.get(), view_sql(*schema, files),
                  "cannot open table " + std::string(schema->name));
    tables_.emplace_back(schema->name, files.size());
  }
  // Lock down: from here on SQL can read only the committed files the views
  // read (not the lake's folder: it also holds the commit log, files being
  // uploaded under hidden names and files of commits that never happened),
  // write only the --output file, load no extension and change no setting.
  std::vector<std::string> allowed;
  for (const auto& [table, files] : files_by_table)
    allowed.insert(allowed.end(), files.begin(), files.end());
  if (!options_.parquet_output.empty()) allowed.push_back(options_.parquet_output);
  if (!allowed.empty()) {
    lake::execute(connection_.get(), "SET allowed_paths = " + lake::sql_string_list(allowed),
                  "DuckDB sandbox");
  }
  lake::execute(connection_.get(), "SET enable_external_access = false", "DuckDB sandbox");
  lake::execute(connection_.get(), "SET lock_configuration = true", "DuckDB sandbox");
}

LakeQuery::~LakeQuery() = default;

struct LakeQuery::Checked {
  std::string sql;
  Prepared prepared;
  duckdb_statement_type type;
};

LakeQuery::Checked LakeQuery::check(const std::string& input) {
  std::string sql = trim_statement(input);
  duckdb_extracted_statements raw_extracted = nullptr;
  const idx_t count = duckdb_extract_statements(connection_.get(), sql.c_str(), &raw_extracted);
  std::unique_ptr<std::remove_pointer_t<duckdb_extracted_statements>, ExtractedDeleter> extracted(
      raw_extracted);
  if (count == 0) {
    const char* error = duckdb_extract_statements_error(raw_extracted);
    throw QueryError(error && *error ? error : "no SQL statement given");
  }
  if (count > 1) {
    throw QueryError("refused: one statement at a time (found " + std::to_string(count) + ")");
  }
  duckdb_prepared_statement raw_prepared = nullptr;
  const duckdb_state prepared_state =
      duckdb_prepare_extracted_statement(connection_.get(), raw_extracted, 0, &raw_prepared);
  Prepared prepared(raw_prepared);
  if (prepared_state == DuckDBError) {
    throw QueryError(duckdb_prepare_error(raw_prepared));
  }
  // DuckDB rewrites some PRAGMAs and SHOWs into SELECTs, so the statement's
  // own first word is checked as well as the type DuckDB gives it.
  static const std::set<std::string> kReadingWords = {
      "SELECT", "WITH", "EXPLAIN", "DESCRIBE", "SHOW", "SUMMARIZE", "FROM", "VALUES", "TABLE", "("};
  const duckdb_statement_type type = duckdb_prepared_statement_type(raw_prepared);
  if ((type != DUCKDB_STATEMENT_TYPE_SELECT && type != DUCKDB_STATEMENT_TYPE_EXPLAIN) ||
      !kReadingWords.contains(first_keyword(sql))) {
    throw QueryError(
        "refused: the lake is read-only; only SELECT, WITH, EXPLAIN and DESCRIBE statements run");
  }
  return Checked{std::move(sql), std::move(prepared), type};
}

void LakeQuery::execute_with_timeout(duckdb_prepared_statement statement,
                                     lake::DuckDbResult& result) {
  duckdb_state state;
  bool timed_out = false;
  {
    Watchdog watchdog(connection_.get(), options_.timeout);
    state = duckdb_execute_prepared(statement, result.get());
    timed_out = watchdog.fired();
  }
  if (state == DuckDBError) {
    if (timed_out) {
      throw QueryError("stopped: the query ran longer than " +
                       std::to_string(options_.timeout.count() / 1000.0).substr(0, 5) +
                       " s (raise --timeout)");
    }
    const char* error = duckdb_result_error(result.get());
    throw QueryError(error ? error : "the query failed");
  }
}

std::uint64_t LakeQuery::run_to_parquet(const std::string& input) {
  SMARTCITY_CHECK(!options_.parquet_output.empty(), "run_to_parquet needs parquet_output");
  Checked checked = check(input);
  if (checked.type != DUCKDB_STATEMENT_TYPE_SELECT) {
    throw QueryError("only a SELECT can be written as Parquet");
  }
  // The statement passed the sandbox; the COPY around it is ours, and the
  // sandbox lets it write this one file only.
  const std::string copy = "COPY (\n" + checked.sql + "\n) TO " +
                           lake::sql_string_literal(options_.parquet_output) +
                           " (FORMAT parquet, COMPRESSION zstd)";
  duckdb_prepared_statement raw = nullptr;
  if (duckdb_prepare(connection_.get(), copy.c_str(), &raw) == DuckDBError) {
    const std::string error = duckdb_prepare_error(raw);
    duckdb_destroy_prepare(&raw);
    throw QueryError(error);
  }
  Prepared prepared(raw);
  lake::DuckDbResult result;
  execute_with_timeout(prepared.get(), result);
  return duckdb_value_uint64(result.get(), 0, 0);
}

QueryResult LakeQuery::run(const std::string& input) {
  Checked checked = check(input);
  const std::string& sql = checked.sql;
  Prepared& prepared = checked.prepared;
  if (checked.type == DUCKDB_STATEMENT_TYPE_SELECT) {
    // Fetch one row past the limit, to know whether the result was cut,
    // without materialising a huge result first.
    duckdb_prepared_statement limited = nullptr;
    const std::string wrapped = "SELECT * FROM (\n" + sql + "\n) AS smartcity_result LIMIT " +
                                std::to_string(options_.max_rows + 1);
    if (duckdb_prepare(connection_.get(), wrapped.c_str(), &limited) == DuckDBSuccess) {
      prepared.reset(limited);
    } else {
      duckdb_destroy_prepare(&limited);
    }
  }
  lake::DuckDbResult result;
  execute_with_timeout(prepared.get(), result);

  QueryResult out;
  const idx_t columns = duckdb_column_count(result.get());
  for (idx_t c = 0; c < columns; ++c) {
    out.columns.emplace_back(duckdb_column_name(result.get(), c));
    out.kinds.push_back(value_kind(duckdb_column_type(result.get(), c)));
  }
  const idx_t rows = duckdb_row_count(result.get());
  const idx_t kept = std::min<idx_t>(rows, options_.max_rows);
  out.truncated = rows > options_.max_rows;
  out.rows.reserve(kept);
  for (idx_t r = 0; r < kept; ++r) {
    std::vector<std::optional<std::string>> row;
    row.reserve(columns);
    for (idx_t c = 0; c < columns; ++c) {
      if (duckdb_value_is_null(result.get(), c, r)) {
        row.emplace_back(std::nullopt);
        continue;
      }
      char* text = duckdb_value_varchar(result.get(), c, r);
      row.emplace_back(text ? text : "");
      duckdb_free(text);
    }
    out.rows.push_back(std::move(row));
  }
  return out;
}

std::optional<std::string> report_sql(const std::string& name) {
  return saved_report_sql(name);
}

std::vector<std::string> report_names() {
  return saved_report_names();
}

}  // namespace smartcity::query
