#include "catalog/ddl_export.h"

#include <nlohmann/json.hpp>

namespace smartcity::catalog {
namespace {

std::string join_location(std::string location, const std::string& table) {
  while (!location.empty() && location.back() == '/')
    location.pop_back();
  return location + "/" + table + "/";
}

std::string earliest_date(const CatalogTable& table) {
  std::string earliest;
  for (const auto& [key, partition] : table.partitions) {
    if (!partition.values.empty() && (earliest.empty() || partition.values[0] < earliest)) {
      earliest = partition.values[0];
    }
  }
  return earliest.empty() ? "2020-01-01" : earliest;
}

bool hive_partitioned_by_date_hour(const CatalogTable& table) {
  return table.partition_keys == std::vector<std::string>{"date", "hour"};
}

std::string athena(const Catalog& catalog, const std::string& location) {
  std::string ddl;
  for (const auto& [name, table] : catalog.tables) {
    const std::string where = join_location(location, name);
    ddl += "CREATE EXTERNAL TABLE IF NOT EXISTS `" + name + "` (\n";
    for (std::size_t i = 0; i < table.columns.size(); ++i) {
      ddl += "  `" + table.columns[i].name + "` " + hive_type(table.columns[i].type) +
             (i + 1 < table.columns.size() ? ",\n" : "\n");
    }
    ddl += ")\n";
    if (!table.partition_keys.empty()) {
      ddl += "PARTITIONED BY (";
      for (std::size_t i = 0; i < table.partition_keys.size(); ++i) {
        ddl += (i ? ", `" : "`") + table.partition_keys[i] + "` string";
      }
      ddl += ")\n";
    }
    ddl += table.classification == "parquet" ? "STORED AS PARQUET\n"
           : table.classification == "json"
               ? "ROW FORMAT SERDE 'org.openx.data.jsonserde.JsonSerDe'\n"
               : "ROW FORMAT DELIMITED FIELDS TERMINATED BY ','\n";
    ddl += "LOCATION '" + where + "'\nTBLPROPERTIES (\n  'classification'='" +
           table.classification + "'";
    if (table.classification == "parquet" && !table.compression.empty()) {
      ddl += ",\n  'parquet.compression'='" + table.compression + "'";
    }
    if (hive_partitioned_by_date_hour(table)) {
      ddl +=
          ",\n  'projection.enabled'='true'"
          ",\n  'projection.date.type'='date'"
          ",\n  'projection.date.format'='yyyy-MM-dd'"
          ",\n  'projection.date.range'='" +
          earliest_date(table) +
          ",NOW'"
          ",\n  'projection.date.interval'='1'"
          ",\n  'projection.date.interval.unit'='DAYS'"
          ",\n  'projection.hour.type'='integer'"
          ",\n  'projection.hour.range'='0,23'"
          ",\n  'projection.hour.digits'='2'"
          ",\n  'storage.location.template'='" +
          where + "date=${date}/hour=${hour}/'";
    }
    ddl += "\n);\n\n";
  }
  return ddl;
}

nlohmann::ordered_json storage_descriptor(const CatalogTable& table, const std::string& where,
                                          bool with_columns) {
  nlohmann::ordered_json sd;
  if (with_columns) {
    sd["Columns"] = nlohmann::ordered_json::array();
    for (const CatalogColumn& column : table.columns) {
      sd["Columns"].push_back({{"Name", column.name}, {"Type", hive_type(column.type)}});
    }
  }
  sd["Location"] = where;
  if (table.classification == "parquet") {
    sd["InputFormat"] = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat";
    sd["OutputFormat"] = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat";
    sd["SerdeInfo"] = {
        {"SerializationLibrary", "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe"}};
  } else if (table.classification == "json") {
    sd["InputFormat"] = "org.apache.hadoop.mapred.TextInputFormat";
    sd["OutputFormat"] = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat";
    sd["SerdeInfo"] = {{"SerializationLibrary", "org.openx.data.jsonserde.JsonSerDe"}};
  } else {
    sd["InputFormat"] = "org.apache.hadoop.mapred.TextInputFormat";
    sd["OutputFormat"] = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat";
    sd["SerdeInfo"] = {
        {"SerializationLibrary", "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe"},
        {"Parameters", {{"field.delim", ","}}}};
  }
  return sd;
}

std::string glue(const Catalog& catalog, const std::string& location) {
  nlohmann::ordered_json out = nlohmann::ordered_json::array();
  for (const auto& [name, table] : catalog.tables) {
    const std::string where = join_location(location, name);
    nlohmann::ordered_json input;
    input["Name"] = name;
    input["TableType"] = "EXTERNAL_TABLE";
    input["StorageDescriptor"] = storage_descriptor(table, where, true);
    input["PartitionKeys"] = nlohmann::ordered_json::array();
    for (const std::string& key : table.partition_keys) {
      input["PartitionKeys"].push_back({{"Name", key}, {"Type", "string"}});
    }
    const std::uint64_t records = table.records();
    input["Parameters"] = {
        {"classification", table.classification},
        {"compressionType", table.compression},
        {"recordCount", std::to_string(records)},
        {"objectCount", std::to_string(table.files.size())},
        {"sizeKey", std::to_string(table.bytes())},
        {"averageRecordSize", std::to_string(records == 0 ? 0 : table.bytes() / records)},
        {"schemaVersion", std::to_string(table.schema_version)},
        {"typeOfData", "file"}};
    nlohmann::ordered_json partitions = nlohmann::ordered_json::array();
    for (const auto& [key, partition] : table.partitions) {
      if (partition.status != "active") continue;
      partitions.push_back(
          {{"Values", partition.values},
           {"StorageDescriptor", storage_descriptor(table, where + key + "/", false)},
           {"Parameters",
            {{"recordCount", std::to_string(partition.records)},
             {"objectCount", std::to_string(partition.objects)}}}});
    }
    out.push_back(
        {{"DatabaseName", "smartcity"}, {"TableInput", input}, {"PartitionInputList", partitions}});
  }
  return out.dump(2) + "\n";
}

std::string spark(const Catalog& catalog, const std::string& location) {
  std::string ddl;
  for (const auto& [name, table] : catalog.tables) {
    const std::string format = table.classification;
    ddl += "CREATE TABLE IF NOT EXISTS `" + name + "` (";
    for (std::size_t i = 0; i < table.columns.size(); ++i) {
      ddl += (i ? ", `" : "`") + table.columns[i].name + "` " + hive_type(table.columns[i].type);
    }
    for (const std::string& key : table.partition_keys) {
      ddl += ", `" + key + "` " + (key == "date" ? "DATE" : key == "hour" ? "INT" : "STRING");
    }
    ddl += ") USING " + format;
    if (!table.partition_keys.empty()) {
      ddl += " PARTITIONED BY (";
      for (std::size_t i = 0; i < table.partition_keys.size(); ++i) {
        ddl += (i ? ", `" : "`") + table.partition_keys[i] + "`";
      }
      ddl += ")";
    }
    ddl += " LOCATION '" + join_location(location, name) + "';\n";
    if (!table.partition_keys.empty()) ddl += "MSCK REPAIR TABLE `" + name + "`;\n";
  }
  return ddl;
}

}  // namespace

std::string hive_type(const std::string& duckdb_type) {
  if (duckdb_type == "VARCHAR") return "string";
  if (duckdb_type == "INTEGER") return "int";
  if (duckdb_type == "BIGINT") return "bigint";
  if (duckdb_type == "SMALLINT") return "smallint";
  if (duckdb_type == "TINYINT") return "tinyint";
  if (duckdb_type == "DOUBLE") return "double";
  if (duckdb_type == "FLOAT") return "float";
  if (duckdb_type == "BOOLEAN") return "boolean";
  if (duckdb_type == "BLOB") return "binary";
  if (duckdb_type == "DATE") return "date";
  if (duckdb_type.starts_with("TIMESTAMP")) return "timestamp";
  if (duckdb_type.starts_with("DECIMAL")) {
    std::string type = duckdb_type;
    for (char& c : type)
      c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return type;
  }
  return "string";
}

std::string export_ddl(const Catalog& catalog, DdlDialect dialect, const std::string& location) {
  switch (dialect) {
    case DdlDialect::kAthena:
      return athena(catalog, location);
    case DdlDialect::kGlue:
      return glue(catalog, location);
    case DdlDialect::kSpark:
      return spark(catalog, location);
  }
  return "";
}

}  // namespace smartcity::catalog
