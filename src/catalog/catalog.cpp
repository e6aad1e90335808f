#include "catalog/catalog.h"

#include <nlohmann/json.hpp>

#include "base/errors.h"

namespace smartcity::catalog {

using nlohmann::ordered_json;

std::uint64_t CatalogTable::records() const {
  std::uint64_t total = 0;
  for (const auto& [path, file] : files)
    total += file.rows;
  return total;
}

std::uint64_t CatalogTable::bytes() const {
  std::uint64_t total = 0;
  for (const auto& [path, file] : files)
    total += file.bytes;
  return total;
}

std::string encode_catalog(const Catalog& catalog) {
  ordered_json json;
  json["version"] = 1;
  json["crawled_through_sequence"] = catalog.crawled_through_sequence;
  json["last_crawl"] = catalog.last_crawl;
  json["tables"] = ordered_json::object();
  for (const auto& [name, table] : catalog.tables) {
    ordered_json t;
    const std::uint64_t records = table.records();
    t["properties"] = {
        {"classification", table.classification},
        {"compression", table.compression},
        {"record_count", records},
        {"object_count", table.files.size()},
        {"size_bytes", table.bytes()},
        {"average_record_size", records == 0 ? 0 : table.bytes() / records},
        {"last_crawl_time", table.last_crawl},
        {"schema_version", table.schema_version},
    };
    t["columns"] = ordered_json::array();
    for (const CatalogColumn& column : table.columns) {
      t["columns"].push_back({{"name", column.name}, {"type", column.type}});
    }
    t["partition_keys"] = table.partition_keys;
    t["partitions"] = ordered_json::object();
    for (const auto& [key, partition] : table.partitions) {
      t["partitions"][key] = {{"values", partition.values},
                              {"record_count", partition.records},
                              {"object_count", partition.objects},
                              {"size_bytes", partition.bytes},
                              {"last_crawl_time", partition.last_crawl},
                              {"status", partition.status}};
    }
    t["files"] = ordered_json::object();
    for (const auto& [path, file] : table.files) {
      t["files"][path] = {
          {"rows", file.rows}, {"bytes", file.bytes}, {"partition", file.partition}};
    }
    json["tables"][name] = std::move(t);
  }
  json["history"] = catalog.history;
  return json.dump(1) + "\n";
}

Catalog decode_catalog(const std::string& text, const std::string& source) {
  try {
    const nlohmann::json json = nlohmann::json::parse(text);
    Catalog catalog;
    catalog.crawled_through_sequence = json.at("crawled_through_sequence").get<std::uint64_t>();
    catalog.last_crawl = json.at("last_crawl").get<std::string>();
    for (const auto& [name, t] : json.at("tables").items()) {
      CatalogTable table;
      const auto& properties = t.at("properties");
      table.classification = properties.at("classification").get<std::string>();
      table.compression = properties.at("compression").get<std::string>();
      table.last_crawl = properties.at("last_crawl_time").get<std::string>();
      table.schema_version = properties.at("schema_version").get<int>();
      for (const auto& column : t.at("columns")) {
        table.columns.push_back({column.at("name"), column.at("type")});
      }
      table.partition_keys = t.at("partition_keys").get<std::vector<std::string>>();
      for (const auto& [key, p] : t.at("partitions").items()) {
        table.partitions[key] = {p.at("values").get<std::vector<std::string>>(),
                                 p.at("record_count"),
                                 p.at("object_count"),
                                 p.at("size_bytes"),
                                 p.at("last_crawl_time"),
                                 p.at("status")};
      }
      for (const auto& [path, f] : t.at("files").items()) {
        table.files[path] = {f.at("partition"), f.at("rows"), f.at("bytes")};
      }
      catalog.tables[name] = std::move(table);
    }
    catalog.history = json.at("history").get<std::vector<std::string>>();
    return catalog;
  } catch (const nlohmann::json::exception& e) {
    throw StorageError("the catalog " + source + " is damaged (" + e.what() +
                       "); run 'smartcity crawl --recrawl everything' to rebuild it");
  }
}

}  // namespace smartcity::catalog
