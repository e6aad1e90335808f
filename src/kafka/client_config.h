// Building librdkafka configurations the same way for every client we create
// (producer, consumer, admin, broker probe): typed errors for bad settings, and
// librdkafka's own log routed to ours so a user sees one clear line from us
// instead of a wall of reconnect noise on stderr.
#pragma once

#include <librdkafka/rdkafka.h>

#include <map>
#include <memory>
#include <string>

#include "kafka/kafka_consumer.h"

namespace smartcity::kafka {

struct ConfDeleter {
  void operator()(rd_kafka_conf_t* conf) const { rd_kafka_conf_destroy(conf); }
};
using ClientConfig = std::unique_ptr<rd_kafka_conf_t, ConfDeleter>;

// A configuration with `settings` applied in order and logs routed to spdlog.
// Throws UsageError naming a setting librdkafka refuses.
ClientConfig make_client_config(const std::map<std::string, std::string>& settings);

// Creates a client of `type`, taking ownership of `config`. Throws KafkaError.
RdKafkaHandle make_client(rd_kafka_type_t type, ClientConfig config);

}  // namespace smartcity::kafka
