#include <spdlog/spdlog.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>

#include "app/commands.h"
#include "base/errors.h"
#include "catalog/ddl_export.h"
#include "catalog/lake_crawler.h"
#include "lake/lake_cache.h"

namespace smartcity::app {
namespace {

struct CrawlFlags {
  std::string lake;
  std::string recrawl = "new";
  std::string on_schema_change = "update";
  std::string on_delete = "deprecate";
  std::string emit;
  std::string location;
  std::string output;
};

void run(const CrawlFlags& flags) {
  catalog::CrawlOptions options;
  options.lake = lake::readable_lake_folder(flags.lake);
  options.recrawl_everything = flags.recrawl == "everything";
  options.on_schema_change = flags.on_schema_change == "fail" ? catalog::SchemaChangePolicy::kFail
                             : flags.on_schema_change == "log"
                                 ? catalog::SchemaChangePolicy::kLog
                                 : catalog::SchemaChangePolicy::kUpdate;
  options.on_delete = flags.on_delete == "delete" ? catalog::DeletePolicy::kDelete
                      : flags.on_delete == "log"  ? catalog::DeletePolicy::kLog
                                                  : catalog::DeletePolicy::kDeprecate;
  const auto started = std::chrono::steady_clock::now();
  const catalog::CrawlReport report = catalog::crawl_lake(options);
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
  std::uint64_t records = 0;
  std::size_t files = 0;
  for (const auto& [name, table] : report.catalog.tables) {
    records += table.records();
    files += table.files.size();
  }
  spdlog::info(
      "crawl: {} table(s), {} file(s), {} record(s); read {} new commit(s) and {} file "
      "footer(s) in {:.0f} ms; {} change(s)",
      report.catalog.tables.size(), files, records, report.commits_read, report.files_read, ms,
      report.changes.size());
  if (flags.emit.empty()) return;
  const catalog::DdlDialect dialect = flags.emit == "glue"    ? catalog::DdlDialect::kGlue
                                      : flags.emit == "spark" ? catalog::DdlDialect::kSpark
                                                              : catalog::DdlDialect::kAthena;
  std::string location = flags.location;
  // The DDL of a lake in a bucket points at the bucket.
  if (location.empty() && lake::is_remote_lake(flags.lake)) location = flags.lake;
  if (location.empty()) {
    if (dialect != catalog::DdlDialect::kSpark) {
      throw UsageError("--emit " + flags.emit +
                       " needs --location s3://bucket/prefix (where the lake's files are)");
    }
    location = std::filesystem::absolute(flags.lake).lexically_normal().string();
  }
  const std::string ddl = catalog::export_ddl(report.catalog, dialect, location);
  if (flags.output.empty()) {
    std::cout << ddl;
  } else {
    std::ofstream out(flags.output, std::ios::trunc);
    out << ddl;
    if (!out) throw IoError("cannot write " + flags.output);
  }
}

}  // namespace

void add_crawl_command(CLI::App& app) {
  auto flags = std::make_shared<CrawlFlags>();
  CLI::App* command = app.add_subcommand(
      "crawl",
      "Build or update the lake's catalog: tables, columns, partitions, counts (replaces the "
      "Glue crawler).\nExample: smartcity crawl --lake ./lake --emit athena --location "
      "s3://bucket/lake");
  command
      ->add_option("--lake", flags->lake,
                   "Lake folder (any folder of Parquet/JSON/CSV too) or s3://bucket/prefix")
      ->required();
  command
      ->add_option("--recrawl", flags->recrawl,
                   "new: only what was committed since the last crawl; everything: a full pass")
      ->capture_default_str()
      ->check(CLI::IsMember({"new", "everything"}));
  command
      ->add_option("--on-schema-change", flags->on_schema_change,
                   "update (merge added columns, adopt new types), log, or fail")
      ->capture_default_str()
      ->check(CLI::IsMember({"update", "log", "fail"}));
  command
      ->add_option("--on-delete", flags->on_delete,
                   "For partitions whose files disappeared: deprecate, delete, or log")
      ->capture_default_str()
      ->check(CLI::IsMember({"deprecate", "delete", "log"}));
  command
      ->add_option("--emit", flags->emit,
                   "Also write table definitions: athena (DDL with partition projection), "
                   "glue (TableInput JSON), spark (Spark SQL DDL)")
      ->check(CLI::IsMember({"athena", "glue", "spark"}));
  command->add_option("--location", flags->location,
                      "Where engines find the lake, e.g. s3://bucket/prefix (spark: default "
                      "the local lake path)");
  command->add_option("--output", flags->output, "Write the definitions to FILE, not stdout");
  command->callback([flags] { run(*flags); });
}

}  // namespace smartcity::app
