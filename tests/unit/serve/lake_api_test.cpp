#include "serve/lake_api.h"

#include <gtest/gtest.h>

#include "base/errors.h"
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
