#include "kafka/client_config.h"

#include <spdlog/spdlog.h>

#include "base/errors.h"

namespace smartcity::kafka {
namespace {

void log_to_spdlog(const rd_kafka_t*, int level, const char* facility, const char* message) {
  if (level <= 3) {
    spdlog::debug("kafka {}: {}", facility, message);
  } else {
    spdlog::trace("kafka {}: {}", facility, message);
  }
}

}  // namespace

ClientConfig make_client_config(const std::map<std::string, std::string>& settings) {
  ClientConfig config(rd_kafka_conf_new());
  char error[512];
  for (const auto& [key, value] : settings) {
    if (rd_kafka_conf_set(config.get(), key.c_str(), value.c_str(), error, sizeof error) !=
        RD_KAFKA_CONF_OK) {
      throw UsageError("Kafka setting " + key + "=" + value + ": " + error);
    }
  }
  rd_kafka_conf_set_log_cb(config.get(), log_to_spdlog);
  return config;
}

RdKafkaHandle make_client(rd_kafka_type_t type, ClientConfig config) {
  char error[512];
  rd_kafka_t* handle = rd_kafka_new(type, config.get(), error, sizeof error);
  if (handle == nullptr) throw KafkaError(std::string("cannot create a Kafka client: ") + error);
  config.release();  // rd_kafka_new took it
  return RdKafkaHandle(handle);
}

}  // namespace smartcity::kafka
