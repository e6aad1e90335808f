#include "serve/lake_api.h"

#include <gtest/gtest.h>

#include "base/errors.h"
#include "events/timestamp.h"
#include "serve/dashboard_server.h"

namespace smartcity::serve {
namespace {

TEST(FilteredReportSql, ShadowsTablesWithQuotedFilters) {
  ReportFilters filters;
  filters.device = "Vehicle-1' OR '1'='1";
  filters.from = "2026-11-25T07:00:00+02:00";
  filters.condition = "Rainy";
  const std::string sql = filtered_report_sql("SELECT * FROM weather", filters);
  EXPECT_NE(sql.find("device_id = 'Vehicle-1'' OR ''1''=''1'"), std::string::npos) << sql;
  // The time is normalised to UTC before it reaches SQL.
  EXPECT_NE(sql.find("timestamp >= TIMESTAMPTZ '2026-11-25T05:00:00.000000Z'"), std::string::npos)
      << sql;
  EXPECT_NE(sql.find("weather_condition = 'Rainy'"), std::string::npos);
  EXPECT_TRUE(sql.starts_with("WITH weather AS (SELECT * FROM main.weather WHERE"));
  EXPECT_TRUE(sql.ends_with("SELECT * FROM weather"));
}

TEST(FilteredReportSql, RejectsTimesThatAreNotTimes) {
  ReportFilters filters;
  filters.to = "tomorrow'; DROP TABLE x; --";
  EXPECT_THROW(filtered_report_sql("SELECT 1", filters), UsageError);
}

// A writer's status file as the stream writes it (stream_status.cpp).
nlohmann::json writer_status(const std::string& state, const std::string& updated_at,
                             std::uint64_t records, std::uint64_t sequence,
                             std::int64_t vehicle_lag) {
  return {{"writer", "w-" + std::to_string(records)},
          {"state", state},
          {"started_at", "2026-12-01T10:00:00Z"},
          {"updated_at", updated_at},
          {"records", records},
          {"rows", records - 1},
          {"dead_letters", 1},
          {"events_per_second", 100.5},
          {"held_bytes", 1000},
          {"last_commit",
           {{"sequence", sequence},
            {"at", "2026-12-01T10:59:0" + std::to_string(sequence % 10) + "Z"}}},
          {"lag", {{"vehicle_data", vehicle_lag}, {"gps_data", 2}}}};
}

TEST(MergeWriterStatuses, AddsUpTheWritersThatAreRunningNow) {
  const UnixMicros now = *events::parse_timestamp("2026-12-01T11:00:00Z");
  const nlohmann::json latest = {{"state", "stopped"}, {"records", 7}};
  const std::vector<nlohmann::json> writers = {
      writer_status("running", "2026-12-01T10:59:58Z", 300, 41, 10),
      writer_status("running", "2026-12-01T10:59:55Z", 500, 43, 5),
      // Stale (killed or stalled), stopped: not counted.
      writer_status("running", "2026-12-01T10:58:00Z", 9000, 44, 1000),
      writer_status("stopped", "2026-12-01T10:59:59Z", 7000, 45, 1000),
  };
  const nlohmann::json merged =
      merge_writer_statuses(writers, latest, now, std::chrono::seconds(20));
  EXPECT_EQ(merged["state"], "running");
  EXPECT_EQ(merged["writers"], 2);
  EXPECT_EQ(merged["records"], 800);
  EXPECT_EQ(merged["rows"], 798);
  EXPECT_EQ(merged["dead_letters"], 2);
  EXPECT_DOUBLE_EQ(merged["events_per_second"].get<double>(), 201.0);
  EXPECT_EQ(merged["held_bytes"], 2000);
  EXPECT_EQ(merged["last_commit"]["sequence"], 43);
  EXPECT_EQ(merged["updated_at"], "2026-12-01T10:59:58.000000Z");
  EXPECT_EQ(merged["lag"], (nlohmann::json{{"gps_data", 4}, {"vehicle_data", 15}}));
}

TEST(MergeWriterStatuses, WithoutARunningWriterTheLatestReportStands) {
  const UnixMicros now = *events::parse_timestamp("2026-12-01T11:00:00Z");
  const nlohmann::json latest = {{"state", "stopped"}, {"records", 7}};
  const nlohmann::json merged = merge_writer_statuses(
      {writer_status("running", "2026-12-01T10:00:00Z", 300, 41, 10), nlohmann::json::object()},
      latest, now, std::chrono::seconds(20));
  EXPECT_EQ(merged, (nlohmann::json{{"state", "stopped"}, {"records", 7}, {"writers", 0}}));
}

TEST(DashboardServer, LoopbackAddresses) {
  EXPECT_TRUE(is_loopback("127.0.0.1"));
  EXPECT_TRUE(is_loopback("127.1.2.3"));
  EXPECT_TRUE(is_loopback("localhost"));
  EXPECT_TRUE(is_loopback("::1"));
  EXPECT_FALSE(is_loopback("0.0.0.0"));
  EXPECT_FALSE(is_loopback("10.0.0.1"));
  ServerOptions options;
  options.lake = "/nonexistent";
  options.host = "0.0.0.0";
  EXPECT_THROW(run_dashboard_server(options), UsageError);
}

}  // namespace
}  // namespace smartcity::serve
