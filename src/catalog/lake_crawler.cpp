#include "catalog/lake_crawler.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "base/errors.h"
#include "catalog/file_schema_reader.h"
#include "events/timestamp.h"
#include "lake/commit_log.h"
#include "lake/local_lake_storage.h"

namespace smartcity::catalog {
namespace {

namespace fs = std::filesystem;

constexpr std::size_t kHistoryLimit = 200;

struct PartitionPath {
  std::string name;  // "date=2026-11-25/hour=03"
  std::vector<std::string> keys;
  std::vector<std::string> values;
};

// The key=value folders between a table's folder and a file.
PartitionPath partition_of(const std::string& path_in_table) {
  PartitionPath partition;
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = path_in_table.find('/', start);
    if (slash == std::string::npos) break;
    const std::string segment = path_in_table.substr(start, slash - start);
    const std::size_t equals = segment.find('=');
    if (equals != std::string::npos && equals > 0) {
      partition.keys.push_back(segment.substr(0, equals));
      partition.values.push_back(segment.substr(equals + 1));
      partition.name += (partition.name.empty() ? "" : "/") + segment;
    }
    start = slash + 1;
  }
  return partition;
}

// One crawl's work on the catalog.
class Crawl {
 public:
  Crawl(const CrawlOptions& options, Catalog& catalog, std::string now)
      : options_(options), catalog_(&catalog), now_(std::move(now)) {}

  // Adds a file to `table`, merging its schema under the policy.
  void add_file(const std::string& table_name, const std::string& path,
                const std::string& path_in_table, const FileSchema& schema,
                const std::string& classification) {
    CatalogTable& table = catalog_->tables[table_name];
    const bool new_table = table.columns.empty() && table.files.empty();
    const PartitionPath partition = partition_of(path_in_table);
    if (new_table) {
      table.classification = classification;
      table.columns = schema.columns;
      table.partition_keys = partition.keys;
      change("table " + table_name + " created with " + std::to_string(schema.columns.size()) +
             " columns");
    } else {
      merge_schema(table_name, table, path, schema);
    }
    if (!schema.compression.empty()) table.compression = schema.compression;
    table.files[path] = {partition.name, schema.rows, schema.bytes};
    table.last_crawl = now_;
    touched_[table_name].insert(partition.name);
  }

  // Files the catalog knows that are gone from disk, handled by policy.
  void check_deleted(const fs::path& root) {
    for (auto& [name, table] : catalog_->tables) {
      std::map<std::string, std::vector<std::string>> missing_by_partition;
      for (const auto& [path, file] : table.files) {
        if (!fs::exists(root / path)) missing_by_partition[file.partition].push_back(path);
      }
      for (const auto& [partition, missing] : missing_by_partition) {
        const bool whole = std::none_of(table.files.begin(), table.files.end(), [&](const auto& f) {
          return f.second.partition == partition &&
                 std::find(missing.begin(), missing.end(), f.first) == missing.end();
        });
        const std::string what = std::to_string(missing.size()) + " file(s) of " + name + " " +
                                 (partition.empty() ? "" : partition + " ") + "are gone";
        if (options_.on_delete == DeletePolicy::kLog) {
          change(what + " (kept in the catalog: --on-delete log)");
          continue;
        }
        for (const std::string& path : missing)
          table.files.erase(path);
        if (!whole) {
          change(what + "; removed from the catalog");
        } else if (options_.on_delete == DeletePolicy::kDelete) {
          table.partitions.erase(partition);
          change(what + "; partition deleted from the catalog");
        } else {
          CatalogPartition& p = table.partitions[partition];
          p.status = "deprecated";
          p.last_crawl = now_;
          change(what + "; partition marked deprecated");
        }
        touched_[name].insert(partition);
      }
    }
  }

  // Recomputes partition statistics of what changed.
  void refresh_partitions() {
    for (const auto& [name, partitions] : touched_) {
      CatalogTable& table = catalog_->tables[name];
      for (const std::string& key : partitions) {
        CatalogPartition fresh;
        for (const auto& [path, file] : table.files) {
          if (file.partition != key) continue;
          fresh.records += file.rows;
          fresh.bytes += file.bytes;
          ++fresh.objects;
        }
        auto it = table.partitions.find(key);
        if (fresh.objects == 0) {
          if (it != table.partitions.end() && it->second.status == "active") {
            it->second = fresh;  // emptied under --on-delete log: counts only
          }
          continue;
        }
        fresh.values = partition_of(key + "/x").values;
        fresh.last_crawl = now_;
        if (it != table.partitions.end() && it->second.objects == 0) {
          change("partition " + key + " of " + name + " is back");
        }
        table.partitions[key] = fresh;
      }
    }
  }

  const std::vector<std::string>& changes() const { return changes_; }

 private:
  void change(std::string text) {
    spdlog::info("crawl: {}", text);
    changes_.push_back(std::move(text));
  }

  void merge_schema(const std::string& name, CatalogTable& table, const std::string& path,
                    const FileSchema& schema) {
    std::vector<CatalogColumn> added;
    std::vector<std::string> retyped;
    for (const CatalogColumn& column : schema.columns) {
      const auto it = std::find_if(table.columns.begin(), table.columns.end(),
                                   [&](const CatalogColumn& c) { return c.name == column.name; });
      if (it == table.columns.end()) {
        added.push_back(column);
      } else if (it->type != column.type) {
        retyped.push_back(column.name + " " + it->type + " -> " + column.type);
      }
    }
    if (added.empty() && retyped.empty()) return;
    std::string what = "schema of " + name + " changed in " + path + ":";
    for (const CatalogColumn& column : added)
      what += " added " + column.name + " " + column.type + ";";
    for (const std::string& change_text : retyped)
      what += " type " + change_text + ";";
    switch (options_.on_schema_change) {
      case SchemaChangePolicy::kFail:
        throw Error(what + " refused (--on-schema-change fail); the catalog is unchanged");
      case SchemaChangePolicy::kLog:
        change(what + " logged only (--on-schema-change log)");
        return;
      case SchemaChangePolicy::kUpdate:
        for (const CatalogColumn& column : added)
          table.columns.push_back(column);
        for (const CatalogColumn& column : schema.columns) {
          for (CatalogColumn& known : table.columns) {
            if (known.name == column.name) known.type = column.type;
          }
        }
        ++table.schema_version;
        change(what + " catalog updated to schema version " + std::to_string(table.schema_version));
        return;
    }
  }

  const CrawlOptions& options_;
  Catalog* catalog_;
  std::string now_;
  std::map<std::string, std::set<std::string>> touched_;
  std::vector<std::string> changes_;
};

std::string format_of(const fs::path& path) {
  const std::string extension = path.extension().string();
  if (extension == ".parquet") return "parquet";
  if (extension == ".json" || extension == ".jsonl" || extension == ".ndjson") return "json";
  if (extension == ".csv") return "csv";
  return "";
}

bool hidden(const fs::path& relative) {
  for (const fs::path& part : relative) {
    const std::string name = part.string();
    if (!name.empty() && (name[0] == '.' || name[0] == '_')) return true;
  }
  return false;
}

// Reads the commits made since the last crawl; adds their files.
void crawl_committed(const fs::path& root, lake::LocalLakeStorage& storage, Catalog& catalog,
                     Crawl& crawl, CrawlReport& report) {
  std::vector<std::uint64_t> sequences;
  for (const std::string& name : storage.list(std::string(lake::kCommitFolder))) {
    const std::uint64_t sequence = lake::parse_commit_file_name(name);
    if (sequence > catalog.crawled_through_sequence) sequences.push_back(sequence);
  }
  std::sort(sequences.begin(), sequences.end());
  struct NewFile {
    std::string table;
    std::string path;
  };
  std::vector<NewFile> files;
  std::uint64_t through = catalog.crawled_through_sequence;
  for (std::uint64_t sequence : sequences) {
    const std::string path = lake::commit_record_path(sequence);
    const auto text = storage.read(path);
    if (!text) break;
    const lake::CommitRecord record = lake::decode_commit_record(*text, path);
    bool complete = true;
    for (const lake::CommittedFile& file : record.files)
      complete &= fs::exists(root / file.path);
    // A commit whose files are not renamed into place yet (a stream that
    // crashed mid-commit) is read by a later crawl, once they are.
    if (!complete) break;
    for (const lake::CommittedFile& file : record.files)
      files.push_back({file.table, file.path});
    through = sequence;
    ++report.commits_read;
  }
  std::vector<std::string> absolute;
  for (const NewFile& file : files)
    absolute.push_back((root / file.path).string());
  FileSchemaReader reader;
  const auto schemas = reader.read(absolute, "parquet");
  report.files_read += schemas.size();
  for (std::size_t i = 0; i < files.size(); ++i) {
    const auto it = schemas.find(absolute[i]);
    if (it == schemas.end()) continue;
    const std::string in_table = files[i].path.substr(files[i].table.size() + 1);
    crawl.add_file(files[i].table, files[i].path, in_table, it->second, "parquet");
  }
  catalog.crawled_through_sequence = through;
}

// The first folder below the table folder that is not a Hive partition
// ("" when files sit directly in partitions or the table folder).
std::string subfolder_of(const std::string& path_in_table) {
  const std::size_t slash = path_in_table.find('/');
  if (slash == std::string::npos) return "";
  const std::string first = path_in_table.substr(0, slash);
  return first.find('=') == std::string::npos ? first : "";
}

// As Glue does: sibling folders whose schemas agree (same format, at least one
// shared column, no column with two types) are one table.
bool compatible(const std::vector<const FileSchema*>& schemas,
                const std::vector<std::string>& formats) {
  std::map<std::string, std::string> types;
  for (std::size_t i = 0; i < schemas.size(); ++i) {
    if (formats[i] != formats[0]) return false;
    bool shares = i == 0;
    for (const CatalogColumn& column : schemas[i]->columns) {
      const auto [it, inserted] = types.emplace(column.name, column.type);
      if (!inserted && it->second != column.type) return false;
      shares |= !inserted;
    }
    if (!shares) return false;
  }
  return true;
}

// Any folder of data files: a table per top-level folder, split into a table
// per subfolder when the subfolders' schemas do not agree.
void crawl_folders(const fs::path& root, Catalog& catalog, Crawl& crawl, CrawlReport& report) {
  struct Found {
    std::string top;
    std::string path;
    std::string format;
  };
  std::vector<Found> found;
  for (const fs::directory_entry& top : fs::directory_iterator(root)) {
    const std::string table = top.path().filename().string();
    if (!top.is_directory() || hidden(table)) continue;
    for (const fs::directory_entry& entry : fs::recursive_directory_iterator(top.path())) {
      if (!entry.is_regular_file()) continue;
      const fs::path relative = fs::relative(entry.path(), root);
      const std::string format = format_of(entry.path());
      if (format.empty() || hidden(relative)) continue;
      const std::string path = relative.generic_string();
      // Unchanged files (same size) are not read again.
      bool known = false;
      for (const auto& [name, existing] : catalog.tables) {
        const auto file = existing.files.find(path);
        known |= file != existing.files.end() && file->second.bytes == entry.file_size();
      }
      if (!known) found.push_back({table, path, format});
    }
  }
  FileSchemaReader reader;
  std::map<std::string, FileSchema> schemas;
  for (const std::string format : {"parquet", "json", "csv"}) {
    std::vector<std::string> absolute;
    for (const Found& file : found) {
      if (file.format == format) absolute.push_back((root / file.path).string());
    }
    if (absolute.empty()) continue;
    auto read = reader.read(absolute, format);
    report.files_read += read.size();
    schemas.merge(read);
  }
  // Decide each top-level folder's tables from its subfolders' schemas.
  std::map<std::string, std::map<std::string, std::vector<const Found*>>> groups;
  for (const Found& file : found) {
    groups[file.top][subfolder_of(file.path.substr(file.top.size() + 1))].push_back(&file);
  }
  for (const auto& [top, by_subfolder] : groups) {
    std::vector<const FileSchema*> representative;
    std::vector<std::string> formats;
    for (const auto& [subfolder, files] : by_subfolder) {
      representative.push_back(&schemas[(root / files.front()->path).string()]);
      formats.push_back(files.front()->format);
    }
    const bool split = !catalog.tables.contains(top) && !compatible(representative, formats);
    for (const auto& [subfolder, files] : by_subfolder) {
      const std::string table = split && !subfolder.empty() ? top + "_" + subfolder : top;
      const std::size_t prefix =
          split && !subfolder.empty() ? top.size() + subfolder.size() + 2 : top.size() + 1;
      for (const Found* file : files) {
        FileSchema& schema = schemas[(root / file->path).string()];
        if (schema.bytes == 0) schema.bytes = fs::file_size(root / file->path);
        crawl.add_file(table, file->path, file->path.substr(prefix), schema, file->format);
      }
    }
  }
}

}  // namespace

CrawlReport crawl_lake(const CrawlOptions& options, const Clock& clock) {
  const fs::path root = fs::absolute(options.lake).lexically_normal();
  if (!fs::is_directory(root)) {
    throw UsageError("--lake " + options.lake + ": no such folder");
  }
  lake::LocalLakeStorage storage(root);
  CrawlReport report;
  Catalog catalog;
  if (!options.recrawl_everything) {
    if (const auto text = storage.read(kCatalogPath)) {
      catalog = decode_catalog(*text, (root / kCatalogPath).string());
    }
  }
  const std::string now = events::format_timestamp(clock.now(), events::TimestampStyle::kUtcZulu);
  Crawl crawl(options, catalog, now);
  report.committed_lake = fs::is_directory(root / std::string(lake::kCommitFolder));
  if (report.committed_lake) {
    crawl_committed(root, storage, catalog, crawl, report);
  } else {
    crawl_folders(root, catalog, crawl, report);
  }
  crawl.check_deleted(root);
  crawl.refresh_partitions();
  report.changes = crawl.changes();
  catalog.last_crawl = now;
  for (const std::string& text : report.changes)
    catalog.history.push_back(now + " " + text);
  if (catalog.history.size() > kHistoryLimit) {
    catalog.history.erase(catalog.history.begin(),
                          catalog.history.end() - static_cast<std::ptrdiff_t>(kHistoryLimit));
  }
  // Nothing new and nothing gone: the catalog on disk is already right.
  if (!report.changes.empty() || report.files_read > 0 || report.commits_read > 0 ||
      !storage.exists(kCatalogPath)) {
    storage.replace(kCatalogPath, encode_catalog(catalog));
  }
  report.catalog = std::move(catalog);
  return report;
}

}  // namespace smartcity::catalog
