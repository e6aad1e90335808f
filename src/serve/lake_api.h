// The dashboard's data: JSON answers computed from the lake with the query
// stage's sandboxed DuckDB. Keeps one LakeQuery, rebuilt when new commits
// arrive (checked at most once a second), and serialises queries on it (a
// DuckDB connection runs one statement at a time). An s3:// lake is read
// through its local cache, brought up to date at the same pace.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "lake/lake_cache.h"
#include "lake/lake_storage.h"
#include "query/lake_query.h"

namespace smartcity::serve {

// Filters every report endpoint takes (all optional, AND-ed).
struct ReportFilters {
  std::optional<std::string> from;  // ISO-8601, inclusive
  std::optional<std::string> to;    // ISO-8601, exclusive
  std::optional<std::string> device;
  std::optional<std::string> condition;      // weather_condition
  std::optional<std::string> incident_type;  // emergency type
  std::optional<std::string> status;         // emergency status
};

class LakeApi {
 public:
  // `lake` is a folder or an s3:// URL. Throws StorageError when an s3://
  // lake cannot be read.
  explicit LakeApi(std::string lake);
  ~LakeApi();

  // A named report, with filters. Throws UsageError for a bad filter value,
  // QueryError from the query.
  query::QueryResult report(const std::string& name, const ReportFilters& filters);
  // Last known position of each vehicle.
  nlohmann::json latest_vehicles();
  // Each vehicle's recent route: its last `points` positions, oldest first,
  // as {"device_id": [[longitude, latitude], ...]}.
  nlohmann::json vehicle_tracks(int points);
  // [{name, columns: [{name, type}], rows, partitions: [...]}]
  nlohmann::json tables();
  // The stream's status file, plus the lake's last commit.
  nlohmann::json pipeline();
  // User SQL, in the same sandbox as `smartcity query`.
  query::QueryResult sql(const std::string& statement);
  // Prometheus text exposition of the pipeline and table sizes.
  std::string metrics();

 private:
  query::QueryResult run(const std::string& statement);
  query::LakeQuery& lake_query();
  // Syncs the cache of an s3:// lake, at most once a second; a failure is
  // logged and the dashboard goes on with what the cache holds.
  void refresh_cache();

  std::string lake_;  // a local folder: the lake itself, or its cache
  std::unique_ptr<lake::LakeStorage> remote_;
  std::unique_ptr<lake::LakeCache> cache_;
  std::chrono::steady_clock::time_point synced_at_{};
  std::mutex mutex_;
  std::unique_ptr<query::LakeQuery> query_;
  std::size_t commits_seen_ = 0;
  std::chrono::steady_clock::time_point checked_at_{};
};

// {"columns": [...], "rows": [[...]], "truncated": bool}, numbers as numbers.
nlohmann::json result_json(const query::QueryResult& result);

// The statement of a report with `filters` applied: each table the report
// reads is shadowed by a filtered CTE of the same name. Values are checked
// and quoted; a bad one throws UsageError.
std::string filtered_report_sql(const std::string& report_sql, const ReportFilters& filters);

// The pipeline's status from a lake's status files (lake/status_files.h).
// `writers` are the per-writer reports; those of streams still starting or
// running that reported within `fresh_within` of `now` (a stream reports every
// few seconds; a killed or stalled one stops) are added up: counts, rates,
// held bytes and lag per topic (each writer counts its own partitions) are
// summed, the newest commit and report are kept, "writers" says how many.
// With no such report, `latest` (status.json) as it is, with "writers": 0.
nlohmann::json merge_writer_statuses(const std::vector<nlohmann::json>& writers,
                                     const nlohmann::json& latest, UnixMicros now,
                                     std::chrono::seconds fresh_within);

}  // namespace smartcity::serve
