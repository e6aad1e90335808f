#include <spdlog/spdlog.h>

#include <cstdio>

#include "app/commands.h"
#include "base/errors.h"
#include "base/shutdown_signal.h"
#include "kafka/local_broker.h"
#include "kafka/topic_admin.h"

namespace smartcity::app {
namespace {

struct BrokerFlags {
  int port = 9092;
  std::string data;
  std::string heap = "512m";
  int partitions = 3;
  std::vector<std::string> overrides;
};

void run(const BrokerFlags& flags) {
  kafka::LocalBrokerOptions options;
  options.port = flags.port;
  options.data_dir =
      flags.data.empty() ? kafka::default_broker_data_dir() : std::filesystem::path(flags.data);
  options.heap = flags.heap;
  for (const std::string& pair : flags.overrides) {
    const std::size_t equals = pair.find('=');
    if (equals == std::string::npos || equals == 0) {
      throw UsageError("-X " + pair + ": expected key=value (a Kafka broker setting)");
    }
    options.overrides[pair.substr(0, equals)] = pair.substr(equals + 1);
  }
  kafka::LocalBroker broker(options);
  spdlog::info("starting Apache Kafka (KRaft) on {} with data in {}", broker.bootstrap(),
               options.data_dir.string());
  broker.start();
  kafka::ensure_event_topics(broker.bootstrap(), flags.partitions);
  // The bootstrap address alone on stdout, for scripts: BROKERS=$(smartcity broker &)
  std::printf("%s\n", broker.bootstrap().c_str());
  std::fflush(stdout);
  spdlog::info("Kafka broker ready at {} (log: {}); Ctrl-C stops it", broker.bootstrap(),
               broker.log_file().string());
  while (!ShutdownSignal::wait_for(std::chrono::milliseconds(500))) {
    if (!broker.running()) {
      throw KafkaError("the Kafka broker exited unexpectedly; see " + broker.log_file().string());
    }
  }
  spdlog::info("stopping the Kafka broker");
  broker.stop();
  spdlog::info("Kafka broker stopped; its data stays in {}", options.data_dir.string());
}

}  // namespace

void add_broker_command(CLI::App& app) {
  auto flags = std::make_shared<BrokerFlags>();
  CLI::App* command = app.add_subcommand(
      "broker",
      "Run a real single-node Apache Kafka broker (KRaft) on 127.0.0.1 and create the five "
      "topics.\nExample: smartcity broker --port 9092");
  command->add_option("--port", flags->port, "Client port on 127.0.0.1")
      ->capture_default_str()
      ->check(CLI::Range(1, 65535));
  command->add_option("--data", flags->data,
                      "Data folder (default: $XDG_DATA_HOME/smartcity/broker or "
                      "~/.local/share/smartcity/broker); data survives restarts");
  command->add_option("--heap", flags->heap, "JVM heap (-Xmx)")->capture_default_str();
  command->add_option("--partitions", flags->partitions, "Partitions of each topic it creates")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000));
  command->add_option(
      "-X", flags->overrides,
      "Extra broker setting, KEY=VALUE (repeatable), e.g. -X log.retention.hours=1");
  command->callback([flags] { run(*flags); });
}

}  // namespace smartcity::app
