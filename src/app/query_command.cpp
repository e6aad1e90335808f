#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <iostream>
#include <regex>

#include "app/commands.h"
#include "base/errors.h"
#include "base/units.h"
#include "lake/lake_cache.h"
#include "query/lake_query.h"
#include "query/result_format.h"

namespace smartcity::app {
namespace {

struct QueryFlags {
  std::string lake;
  std::string sql;
  std::string report;
  std::string format = "table";
  std::string output;
  std::string timeout = "30s";
  std::uint64_t max_rows = 10'000;
};

// Tables the statement names that hold no committed data, for a plain note
// when a result is empty.
std::vector<std::string> empty_tables_named(const query::LakeQuery& lake, const std::string& sql) {
  std::vector<std::string> empty;
  for (const auto& [table, files] : lake.tables()) {
    const std::regex word("\\b" + table + "\\b", std::regex::icase);
    if (files == 0 && std::regex_search(sql, word)) empty.push_back(table);
  }
  return empty;
}

void run(const QueryFlags& flags) {
  std::string sql = flags.sql;
  if (!flags.report.empty()) {
    if (!sql.empty()) throw UsageError("give either SQL or --report, not both");
    const auto saved = query::report_sql(flags.report);
    if (!saved) throw UsageError("--report " + flags.report + ": no such report");
    sql = *saved;
  }
  if (sql.empty()) throw UsageError("give a SQL statement or --report NAME");
  query::QueryOptions options;
  options.lake = lake::readable_lake_folder(flags.lake);
  options.timeout = parse_duration(flags.timeout, "--timeout");
  options.max_rows = flags.max_rows;
  if (flags.format == "parquet") {
    if (flags.output.empty()) throw UsageError("--format parquet needs --output FILE");
    options.parquet_output = std::filesystem::absolute(flags.output).lexically_normal().string();
    query::LakeQuery lake(options);
    const std::uint64_t rows = lake.run_to_parquet(sql);
    spdlog::info("wrote {} row(s) to {}", rows, options.parquet_output);
    return;
  }
  const query::ResultFormat format = flags.format == "csv"    ? query::ResultFormat::kCsv
                                     : flags.format == "json" ? query::ResultFormat::kJson
                                                              : query::ResultFormat::kTable;
  query::LakeQuery lake(options);
  const query::QueryResult result = lake.run(sql);

  std::ofstream file;
  std::ostream* out = &std::cout;
  if (!flags.output.empty()) {
    file.open(flags.output, std::ios::trunc);
    if (!file) throw IoError("cannot write " + flags.output);
    out = &file;
  }
  query::write_result(result, format, *out);
  out->flush();
  if (result.truncated) {
    spdlog::warn("showing the first {} rows; raise --max-rows for more", flags.max_rows);
  }
  if (result.rows.empty()) {
    for (const std::string& table : empty_tables_named(lake, sql)) {
      spdlog::warn("table {} has no committed data in {} yet", table, flags.lake);
    }
  }
}

}  // namespace

void add_query_command(CLI::App& app) {
  auto flags = std::make_shared<QueryFlags>();
  std::string reports;
  for (const std::string& name : query::report_names())
    reports += (reports.empty() ? "" : ", ") + name;
  CLI::App* command = app.add_subcommand(
      "query",
      "Run one read-only SQL statement over the lake's committed data (replaces Athena).\n"
      "Tables: vehicle, gps, traffic, weather, emergency, dead_letters (with date and hour).\n"
      "Example: smartcity query --lake ./lake \"SELECT type, count(*) FROM emergency GROUP BY 1\"");
  command->add_option("sql", flags->sql, "The SQL statement (SELECT, WITH, EXPLAIN, DESCRIBE)");
  command->add_option("--lake", flags->lake, "Lake folder or s3://bucket/prefix")->required();
  command->add_option("--report", flags->report, "Run a saved report instead: " + reports)
      ->check(CLI::IsMember(query::report_names()));
  command
      ->add_option("--format", flags->format,
                   "table, csv (as Athena writes it), json, or parquet (needs --output)")
      ->capture_default_str()
      ->check(CLI::IsMember({"table", "csv", "json", "parquet"}));
  command->add_option("--output", flags->output, "Write the result to FILE instead of stdout");
  command->add_option("--timeout", flags->timeout, "Stop a statement that runs longer (30s, 2m)")
      ->capture_default_str();
  command->add_option("--max-rows", flags->max_rows, "Rows to return at most")
      ->capture_default_str()
      ->check(CLI::Range(std::uint64_t{1}, std::uint64_t{100'000'000}));
  command->callback([flags] { run(*flags); });
}

}  // namespace smartcity::app
