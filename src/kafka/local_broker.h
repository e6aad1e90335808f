// A real single-node Apache Kafka broker (KRaft mode, broker and controller in
// one JVM) on 127.0.0.1, run as a supervised child process from the jars that
// scripts/install-deps resolved with Maven. This is what `smartcity broker`,
// `smartcity demo`, the integration tests and the benchmarks talk to.
//
// Why not librdkafka's mock cluster: it keeps about 5 MiB per partition and
// silently drops older records, binds only random ports and has no
// CreateTopics. A user's data must never vanish that way.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <string>

namespace smartcity::kafka {

// A Kafka cluster id: 16 random bytes in URL-safe base64 without padding (22
// characters), as Kafka's StorageTool random-uuid prints, never starting
// with '-'.
std::string random_cluster_id();

struct LocalBrokerOptions {
  std::filesystem::path data_dir;  // config, storage and broker.log live here
  int port = 9092;                 // client listener on 127.0.0.1
  // Folder of the broker's jars; empty: $SMARTCITY_DEPS/kafka/libs, else the
  // .deps folder of the source tree this binary was built from.
  std::filesystem::path jars;
  std::string heap = "512m";
  // Extra server.properties entries (`-X key=value`), applied last.
  std::map<std::string, std::string> overrides;
  std::chrono::seconds start_timeout{90};
};

class LocalBroker {
 public:
  explicit LocalBroker(LocalBrokerOptions options);
  LocalBroker(const LocalBroker&) = delete;
  LocalBroker& operator=(const LocalBroker&) = delete;
  // Stops the broker if it runs.
  ~LocalBroker();

  // Writes the configuration, formats the storage on first use (data survives
  // restarts), starts the JVM and waits until the broker answers a metadata
  // request. Throws KafkaError with one readable line: port in use, Java or
  // jars missing, or the broker failed to start (with the tail of its log).
  void start();

  // "127.0.0.1:PORT"
  std::string bootstrap() const;

  // True while the JVM runs; reaps it if it exited.
  bool running();

  // Asks the broker to shut down cleanly (SIGTERM), waits up to `grace`, then
  // kills it. Safe to call when not running.
  void stop(std::chrono::seconds grace = std::chrono::seconds(30));

  pid_t pid() const { return pid_; }
  const std::filesystem::path& log_file() const { return log_file_; }

 private:
  std::filesystem::path resolve_jars() const;
  void write_configuration(int controller_port) const;
  void format_storage(const std::filesystem::path& jars) const;
  void wait_until_ready();

  LocalBrokerOptions options_;
  std::filesystem::path log_file_;
  pid_t pid_ = -1;
};

// The default data folder: $XDG_DATA_HOME/smartcity/broker, else
// ~/.local/share/smartcity/broker.
std::filesystem::path default_broker_data_dir();

}  // namespace smartcity::kafka
