#include "catalog/catalog.h"

#include <gtest/gtest.h>

#include "base/errors.h"
#include "catalog/ddl_export.h"

#include <nlohmann/json.hpp>

namespace smartcity::catalog {
namespace {

Catalog sample() {
  Catalog catalog;
  catalog.crawled_through_sequence = 7;
  catalog.last_crawl = "2026-11-25T00:00:00.000000Z";
  CatalogTable& table = catalog.tables["weather"];
  table.compression = "zstd";
  table.columns = {
      {"id", "VARCHAR"}, {"humidity", "INTEGER"}, {"timestamp", "TIMESTAMP WITH TIME ZONE"}};
  table.partition_keys = {"date", "hour"};
  table.files["weather/date=2026-11-25/hour=03/a.parquet"] = {"date=2026-11-25/hour=03", 10, 1000};
  table.files["weather/date=2026-11-25/hour=04/b.parquet"] = {"date=2026-11-25/hour=04", 5, 600};
  table.partitions["date=2026-11-25/hour=03"] = {{"2026-11-25", "03"}, 10, 1, 1000, "t", "active"};
  table.partitions["date=2026-11-25/hour=04"] = {{"2026-11-25", "04"}, 5, 1, 600, "t",
                                                 "deprecated"};
  catalog.history = {"created"};
  return catalog;
}

TEST(Catalog, RoundTripsThroughJsonWithDerivedTotals) {
  const Catalog catalog = sample();
  const Catalog back = decode_catalog(encode_catalog(catalog), "x");
  EXPECT_EQ(back.crawled_through_sequence, 7u);
  const CatalogTable& table = back.tables.at("weather");
  EXPECT_EQ(table.columns, catalog.tables.at("weather").columns);
  EXPECT_EQ(table.records(), 15u);
  EXPECT_EQ(table.bytes(), 1600u);
  EXPECT_EQ(table.partitions.at("date=2026-11-25/hour=04").status, "deprecated");
  EXPECT_EQ(back.history, catalog.history);
}

TEST(Catalog, DamagedCatalogSaysHowToRebuild) {
  try {
    decode_catalog("{\"tables\": 3}", "lake/_smartcity/catalog/catalog.json");
    FAIL();
  } catch (const StorageError& e) {
    EXPECT_NE(std::string(e.what()).find("--recrawl everything"), std::string::npos);
  }
}

TEST(DdlExport, AthenaHasColumnsPartitionsProjectionAndLocation) {
  const std::string ddl = export_ddl(sample(), DdlDialect::kAthena, "s3://bucket/lake/");
  EXPECT_NE(ddl.find("CREATE EXTERNAL TABLE IF NOT EXISTS `weather`"), std::string::npos);
  EXPECT_NE(ddl.find("`humidity` int"), std::string::npos);
  EXPECT_NE(ddl.find("`timestamp` timestamp"), std::string::npos);
  EXPECT_NE(ddl.find("PARTITIONED BY (`date` string, `hour` string)"), std::string::npos);
  EXPECT_NE(ddl.find("LOCATION 's3://bucket/lake/weather/'"), std::string::npos);
  EXPECT_NE(ddl.find("'projection.date.range'='2026-11-25,NOW'"), std::string::npos);
  EXPECT_NE(
      ddl.find("'storage.location.template'='s3://bucket/lake/weather/date=${date}/hour=${hour}/'"),
      std::string::npos);
}

TEST(DdlExport, GlueListsOnlyActivePartitions) {
  const auto glue = nlohmann::json::parse(export_ddl(sample(), DdlDialect::kGlue, "s3://b/l"));
  ASSERT_EQ(glue.size(), 1u);
  EXPECT_EQ(glue[0]["TableInput"]["Parameters"]["recordCount"], "15");
  EXPECT_EQ(glue[0]["PartitionInputList"].size(), 1u);
  EXPECT_EQ(glue[0]["PartitionInputList"][0]["Values"],
            (std::vector<std::string>{"2026-11-25", "03"}));
}

TEST(DdlExport, SparkPartitionsByTypedDateAndHour) {
  const std::string ddl = export_ddl(sample(), DdlDialect::kSpark, "/data/lake");
  EXPECT_NE(ddl.find("`date` DATE, `hour` INT) USING parquet PARTITIONED BY (`date`, `hour`)"),
            std::string::npos);
  EXPECT_NE(ddl.find("LOCATION '/data/lake/weather/'"), std::string::npos);
  EXPECT_NE(ddl.find("MSCK REPAIR TABLE `weather`"), std::string::npos);
}

TEST(DdlExport, HiveTypes) {
  EXPECT_EQ(hive_type("VARCHAR"), "string");
  EXPECT_EQ(hive_type("BIGINT"), "bigint");
  EXPECT_EQ(hive_type("TIMESTAMP WITH TIME ZONE"), "timestamp");
  EXPECT_EQ(hive_type("DECIMAL(3,1)"), "decimal(3,1)");
  EXPECT_EQ(hive_type("BLOB"), "binary");
}

}  // namespace
}  // namespace smartcity::catalog
