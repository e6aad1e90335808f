// Flags every Kafka-facing verb shares, so that `--brokers` and `-X` mean the
// same thing in simulate, stream and demo.
#pragma once

#include <CLI/CLI.hpp>
#include <map>
#include <string>
#include <vector>

namespace smartcity::app {

struct KafkaFlags {
  std::string brokers;
  std::vector<std::string> properties;  // "key=value"

  // The bootstrap list: --brokers, else $SMARTCITY_BROKERS. Throws UsageError
  // if neither is set.
  std::string resolved_brokers() const;
  // -X key=value pairs as a map. Throws UsageError for a pair without '='.
  std::map<std::string, std::string> resolved_properties() const;
};

// Adds --brokers and -X to `command`, bound to `flags`.
void add_kafka_flags(CLI::App& command, KafkaFlags& flags);

}  // namespace smartcity::app
