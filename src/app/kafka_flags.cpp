#include "app/kafka_flags.h"

#include <cstdlib>

#include "base/errors.h"

namespace smartcity::app {

std::string KafkaFlags::resolved_brokers() const {
  if (!brokers.empty()) return brokers;
  if (const char* from_env = std::getenv("SMARTCITY_BROKERS"); from_env && *from_env) {
    return from_env;
  }
  throw UsageError(
      "no Kafka brokers given: pass --brokers HOST:PORT or set SMARTCITY_BROKERS "
      "(start a local one with 'smartcity broker')");
}

std::map<std::string, std::string> KafkaFlags::resolved_properties() const {
  std::map<std::string, std::string> result;
  for (const std::string& pair : properties) {
    const std::size_t equals = pair.find('=');
    if (equals == std::string::npos || equals == 0) {
      throw UsageError("-X " + pair + ": expected key=value (a librdkafka property)");
    }
    result[pair.substr(0, equals)] = pair.substr(equals + 1);
  }
  return result;
}

void add_kafka_flags(CLI::App& command, KafkaFlags& flags) {
  command.add_option("--brokers", flags.brokers,
                     "Kafka bootstrap servers, HOST:PORT[,HOST:PORT...] "
                     "(default: $SMARTCITY_BROKERS)");
  command.add_option("-X", flags.properties,
                     "Extra librdkafka property, KEY=VALUE (repeatable), e.g. "
                     "-X security.protocol=SASL_SSL");
}

}  // namespace smartcity::app
