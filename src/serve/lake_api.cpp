#include "serve/lake_api.h"

#include <spdlog/spdlog.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "base/errors.h"
#include "events/timestamp.h"
#include "lake/commit_log.h"
#include "lake/duckdb_handles.h"
#include "lake/status_files.h"
#include "lake/writer_presence.h"

namespace smartcity::serve {
namespace {

namespace fs = std::filesystem;

}  // namespace

nlohmann::json result_json(const query::QueryResult& result) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& row : result.rows) {
    nlohmann::json out = nlohmann::json::array();
    for (std::size_t c = 0; c < row.size(); ++c) {
      if (!row[c]) {
        out.push_back(nullptr);
      } else if (result.kinds[c] == query::ValueKind::kNumber) {
        // Integers stay integers in JSON; anything else numeric is a double.
        const std::string& text = *row[c];
        try {
          if (text.find_first_of(".eEn") == std::string::npos) {
            out.push_back(std::stoll(text));
          } else {
            out.push_back(std::stod(text));
          }
        } catch (const std::exception&) {
          out.push_back(text);
        }
      } else if (result.kinds[c] == query::ValueKind::kBoolean) {
        out.push_back(*row[c] == "true");
      } else {
        out.push_back(*row[c]);
      }
    }
    rows.push_back(std::move(out));
  }
  return {{"columns", result.columns}, {"rows", std::move(rows)}, {"truncated", result.truncated}};
}

namespace {

std::string time_literal(const std::string& text, const char* name) {
  const auto parsed = events::parse_timestamp(text);
  if (!parsed) throw UsageError(std::string(name) + ": '" + text + "' is not an ISO-8601 time");
  return "TIMESTAMPTZ " + lake::sql_string_literal(
                              events::format_timestamp(*parsed, events::TimestampStyle::kUtcZulu));
}

std::size_t commit_count(const std::string& lake) {
  std::size_t count = 0;
  std::error_code ec;
  for (fs::directory_iterator it(fs::path(lake) / std::string(lake::kCommitFolder), ec), end;
       !ec && it != end; it.increment(ec)) {
    ++count;
  }
  return count;
}

// A status file's JSON, or nullopt if it is missing or caught mid-replace
// (the next poll reads it).
std::optional<nlohmann::json> read_status_file(const fs::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  try {
    return nlohmann::json::parse(in);
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

// A number of a status report, 0 where it has none.
double number_field(const nlohmann::json& json, const char* key) {
  return json.contains(key) && json[key].is_number() ? json[key].get<double>() : 0.0;
}

std::optional<UnixMicros> time_field(const nlohmann::json& json, const char* key) {
  if (!json.contains(key) || !json[key].is_string()) return std::nullopt;
  return events::parse_timestamp(json[key].get<std::string>());
}

}  // namespace

nlohmann::json merge_writer_statuses(const std::vector<nlohmann::json>& writers,
                                     const nlohmann::json& latest, UnixMicros now,
                                     std::chrono::seconds fresh_within) {
  const std::int64_t fresh_micros = fresh_within.count() * 1'000'000;
  std::vector<const nlohmann::json*> live;
  for (const nlohmann::json& writer : writers) {
    const std::string state = writer.value("state", "");
    const std::optional<UnixMicros> updated = time_field(writer, "updated_at");
    if ((state == "running" || state == "starting") && updated &&
        now.value - updated->value <= fresh_micros) {
      live.push_back(&writer);
    }
  }
  if (live.empty()) {
    nlohmann::json out = latest.is_object() ? latest : nlohmann::json::object();
    out["writers"] = 0;
    return out;
  }
  nlohmann::json out = nlohmann::json::object();
  out["state"] = "running";
  out["writers"] = live.size();
  std::optional<UnixMicros> started, updated;
  double records = 0, rows = 0, dead_letters = 0, rate = 0, held = 0;
  nlohmann::json last_commit = {{"sequence", 0}, {"at", ""}};
  std::map<std::string, double> lag;
  for (const nlohmann::json* writer : live) {
    records += number_field(*writer, "records");
    rows += number_field(*writer, "rows");
    dead_letters += number_field(*writer, "dead_letters");
    rate += number_field(*writer, "events_per_second");
    held += number_field(*writer, "held_bytes");
    if (const auto t = time_field(*writer, "started_at"); t && (!started || *t < *started))
      started = t;
    if (const auto t = time_field(*writer, "updated_at"); t && (!updated || *t > *updated))
      updated = t;
    if (writer->contains("last_commit") && (*writer)["last_commit"].is_object() &&
        number_field((*writer)["last_commit"], "sequence") >
            number_field(last_commit, "sequence")) {
      last_commit = (*writer)["last_commit"];
    }
    if (writer->contains("lag") && (*writer)["lag"].is_object()) {
      for (const auto& [topic, value] : (*writer)["lag"].items()) {
        if (value.is_number()) lag[topic] += value.get<double>();
      }
    }
  }
  const auto iso = [](const std::optional<UnixMicros>& t) {
    return t ? events::format_timestamp(*t, events::TimestampStyle::kUtcZulu) : std::string();
  };
  out["started_at"] = iso(started);
  out["updated_at"] = iso(updated);
  // Counts stay integers in the JSON, as one writer's file has them.
  out["records"] = static_cast<std::uint64_t>(records);
  out["rows"] = static_cast<std::uint64_t>(rows);
  out["dead_letters"] = static_cast<std::uint64_t>(dead_letters);
  out["events_per_second"] = rate;
  out["held_bytes"] = static_cast<std::uint64_t>(held);
  out["last_commit"] = last_commit;
  nlohmann::json lag_json = nlohmann::json::object();
  for (const auto& [topic, value] : lag)
    lag_json[topic] = static_cast<std::int64_t>(value);
  out["lag"] = lag_json;
  return out;
}

std::string filtered_report_sql(const std::string& report_sql, const ReportFilters& filters) {
  std::vector<std::string> common;
  if (filters.from) common.push_back("timestamp >= " + time_literal(*filters.from, "from"));
  if (filters.to) common.push_back("timestamp < " + time_literal(*filters.to, "to"));
  if (filters.device) common.push_back("device_id = " + lake::sql_string_literal(*filters.device));
  const auto where = [&](std::vector<std::string> conditions) {
    std::string text;
    for (const std::string& condition : conditions) {
      text += (text.empty() ? " WHERE " : " AND ") + condition;
    }
    return text;
  };
  std::vector<std::string> weather = common;
  if (filters.condition) {
    weather.push_back("weather_condition = " + lake::sql_string_literal(*filters.condition));
  }
  std::vector<std::string> emergency = common;
  if (filters.incident_type) {
    emergency.push_back("type = " + lake::sql_string_literal(*filters.incident_type));
  }
  if (filters.status) emergency.push_back("status = " + lake::sql_string_literal(*filters.status));
  // A CTE shadows the view of the same name inside this statement only.
  return "WITH weather AS (SELECT * FROM main.weather" + where(weather) +
         "), emergency AS (SELECT * FROM main.emergency" + where(emergency) +
         "), vehicle AS (SELECT * FROM main.vehicle" + where(common) + ")\n" + report_sql;
}

LakeApi::LakeApi(std::string lake) : lake_(std::move(lake)) {
  if (lake::is_remote_lake(lake_)) {
    const std::string location = lake_;
    remote_ = lake::open_lake_storage(location);
    cache_ = std::make_unique<lake::LakeCache>(*remote_, lake::default_cache_folder(location),
                                               lake::default_cache_max_bytes());
    cache_->sync();
    synced_at_ = std::chrono::steady_clock::now();
    lake_ = cache_->folder().string();
  }
}

LakeApi::~LakeApi() = default;

void LakeApi::refresh_cache() {
  if (!cache_) return;
  const auto now = std::chrono::steady_clock::now();
  if (now - synced_at_ < std::chrono::seconds(1)) return;
  synced_at_ = now;
  try {
    cache_->sync();
  } catch (const StorageError& e) {
    spdlog::warn("serving the cached lake; cannot refresh it from {}: {}", remote_->describe(),
                 e.what());
  }
}

query::LakeQuery& LakeApi::lake_query() {
  refresh_cache();
  const auto now = std::chrono::steady_clock::now();
  if (!query_ || now - checked_at_ > std::chrono::seconds(1)) {
    checked_at_ = now;
    const std::size_t commits = commit_count(lake_);
    if (!query_ || commits != commits_seen_) {
      query::QueryOptions options;
      options.lake = lake_;
      options.timeout = std::chrono::seconds(30);
      options.max_rows = 100'000;
      query_ = std::make_unique<query::LakeQuery>(options);
      commits_seen_ = commits;
    }
  }
  return *query_;
}

query::QueryResult LakeApi::run(const std::string& statement) {
  std::lock_guard lock(mutex_);
  return lake_query().run(statement);
}

query::QueryResult LakeApi::report(const std::string& name, const ReportFilters& filters) {
  const auto sql = query::report_sql(name);
  if (!sql) throw UsageError("no report named " + name);
  return run(filtered_report_sql(*sql, filters));
}

nlohmann::json LakeApi::latest_vehicles() {
  return result_json(
      run("SELECT device_id, arg_max(latitude, timestamp) AS latitude, "
          "arg_max(longitude, timestamp) AS longitude, arg_max(speed, timestamp) AS speed, "
          "arg_max(make, timestamp) AS make, max(timestamp)::VARCHAR AS timestamp "
          "FROM vehicle GROUP BY device_id ORDER BY device_id"));
}

nlohmann::json LakeApi::vehicle_tracks(int points) {
  const query::QueryResult result =
      run("SELECT device_id, longitude, latitude FROM (SELECT device_id, longitude, latitude, "
          "timestamp, row_number() OVER (PARTITION BY device_id ORDER BY timestamp DESC) AS age "
          "FROM vehicle) WHERE age <= " +
          std::to_string(points) + " ORDER BY device_id, timestamp");
  nlohmann::json tracks = nlohmann::json::object();
  for (const auto& row : result.rows) {
    if (!row[0] || !row[1] || !row[2]) continue;
    tracks[*row[0]].push_back({std::stod(*row[1]), std::stod(*row[2])});
  }
  return tracks;
}

query::QueryResult LakeApi::sql(const std::string& statement) {
  return run(statement);
}

nlohmann::json LakeApi::tables() {
  nlohmann::json out = nlohmann::json::array();
  std::lock_guard lock(mutex_);
  query::LakeQuery& lake = lake_query();
  for (const auto& [name, files] : lake.tables()) {
    const auto columns = lake.run("DESCRIBE " + name);
    nlohmann::json column_list = nlohmann::json::array();
    for (const auto& row : columns.rows)
      column_list.push_back({{"name", *row[0]}, {"type", *row[1]}});
    const auto count = lake.run("SELECT count(*) FROM " + name);
    const auto partitions = lake.run(
        "SELECT DISTINCT date::VARCHAR || '/' || lpad(hour::VARCHAR, 2, '0') "
        "FROM " +
        name + " ORDER BY 1");
    nlohmann::json partition_list = nlohmann::json::array();
    for (const auto& row : partitions.rows) {
      if (row[0]) partition_list.push_back(*row[0]);
    }
    out.push_back({{"name", name},
                   {"columns", column_list},
                   {"rows", std::stoull(*count.rows[0][0])},
                   {"files", files},
                   {"partitions", partition_list}});
  }
  return out;
}

nlohmann::json LakeApi::pipeline() {
  {
    std::lock_guard lock(mutex_);
    refresh_cache();
  }
  const fs::path root(lake_);
  nlohmann::json latest = nlohmann::json::object();
  if (!fs::exists(root / lake::kStatusPath)) {
    latest["state"] = "no stream has written a status yet";
  } else if (const auto status = read_status_file(root / lake::kStatusPath)) {
    latest = *status;
  } else {
    latest["state"] = "unknown";  // caught mid-replace; the next poll reads it
  }
  std::vector<nlohmann::json> writers;
  std::error_code ec;
  for (fs::directory_iterator it(root / lake::kWriterStatusFolder, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->path().extension() != ".json") continue;
    auto status = read_status_file(it->path());
    if (!status) continue;
    // In a local lake a killed writer is known dead at once (its presence
    // lock is gone); an S3 lake has only the age of the report to go by.
    if (!remote_ && !lake::writer_is_alive(root, status->value("writer", ""))) continue;
    writers.push_back(std::move(*status));
  }
  // Three missed reports (a stream reports every 5 s by default) and a
  // writer no longer counts as running.
  nlohmann::json out =
      merge_writer_statuses(writers, latest, system_clock().now(), std::chrono::seconds(20));
  out["commits"] = commit_count(lake_);
  return out;
}

std::string LakeApi::metrics() {
  const nlohmann::json status = pipeline();
  std::ostringstream text;
  const auto gauge = [&](const std::string& name, const std::string& help, double value,
                         const std::string& labels = "") {
    text << "# HELP smartcity_" << name << ' ' << help << "\n# TYPE smartcity_" << name
         << " gauge\nsmartcity_" << name << labels << ' ' << value << '\n';
  };
  const auto number = [&](const char* key) { return number_field(status, key); };
  gauge("stream_records_total", "Records consumed by the stream since it started",
        number("records"));
  gauge("stream_rows_total", "Rows committed since the stream started", number("rows"));
  gauge("stream_dead_letters_total", "Dead letters committed since the stream started",
        number("dead_letters"));
  gauge("stream_events_per_second", "Consumption rate over the last interval",
        number("events_per_second"));
  gauge("lake_commits", "Commit records in the lake", status["commits"].get<double>());
  if (status.contains("lag") && status["lag"].is_object()) {
    text << "# HELP smartcity_stream_lag Records not yet read, per topic\n"
            "# TYPE smartcity_stream_lag gauge\n";
    for (const auto& [topic, lag] : status["lag"].items()) {
      text << "smartcity_stream_lag{topic=\"" << topic << "\"} " << lag.get<double>() << '\n';
    }
  }
  return text.str();
}

}  // namespace smartcity::serve
