#include "kafka/local_broker.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <librdkafka/rdkafka.h>
#include <netinet/in.h>
#include <spdlog/spdlog.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>
#include <vector>

#include "base/errors.h"
#include "kafka/client_config.h"

#ifndef SMARTCITY_DEFAULT_DEPS_DIR
#define SMARTCITY_DEFAULT_DEPS_DIR ".deps"
#endif

namespace smartcity::kafka {
namespace fs = std::filesystem;
namespace {

bool port_is_free(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(static_cast<std::uint16_t>(port));
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  const bool free = ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0;
  ::close(fd);
  return free;
}

int any_free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof address;
  int port = -1;
  if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  if (fd >= 0) ::close(fd);
  if (port < 0) throw KafkaError("cannot find a free port on 127.0.0.1 for the controller");
  return port;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::trunc);
  out << text;
  if (!out) throw IoError("cannot write " + path.string());
}

std::string tail(const fs::path& path, std::size_t lines) {
  std::ifstream in(path);
  std::deque<std::string> last;
  for (std::string line; std::getline(in, line);) {
    last.push_back(line);
    if (last.size() > lines) last.pop_front();
  }
  std::string text;
  for (const std::string& line : last)
    text += "\n  " + line;
  return text;
}

}  // namespace

std::string random_cluster_id() {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::random_device entropy;
  std::string id;
  // Drawn again when it starts with '-', as Kafka's own Uuid.randomUuid does:
  // StorageTool would read "-t -abc…" as two options, and formatting failed
  // for one broker in 64.
  do {
    id.clear();
    std::uint8_t bytes[16];
    for (auto& byte : bytes)
      byte = static_cast<std::uint8_t>(entropy());
    std::uint32_t buffer = 0;
    int bits = 0;
    for (std::uint8_t byte : bytes) {
      buffer = (buffer << 8) | byte;
      bits += 8;
      while (bits >= 6) {
        id.push_back(kAlphabet[(buffer >> (bits - 6)) & 63]);
        bits -= 6;
      }
    }
    if (bits > 0) id.push_back(kAlphabet[(buffer << (6 - bits)) & 63]);
  } while (id.front() == '-');
  return id;
}

namespace {

std::string java_binary() {
  if (const char* home = std::getenv("JAVA_HOME"); home && *home) {
    const fs::path java = fs::path(home) / "bin" / "java";
    if (fs::exists(java)) return java.string();
  }
  return "java";
}

// Starts `argv` with stdout and stderr appended to `output`, in its own
// process group (so the terminal's Ctrl-C reaches us, and we stop it in
// order), and asks the kernel to stop it if we die without cleaning up.
pid_t spawn(const std::vector<std::string>& argv, const fs::path& output) {
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw KafkaError(errno_message("cannot start " + argv[0]));
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(1);
    ::setpgid(0, 0);
    const int fd = ::open(output.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd >= 0) {
      ::dup2(fd, STDOUT_FILENO);
      ::dup2(fd, STDERR_FILENO);
    }
    const int null = ::open("/dev/null", O_RDONLY);
    if (null >= 0) ::dup2(null, STDIN_FILENO);
    std::vector<char*> args;
    for (const std::string& arg : argv)
      args.push_back(const_cast<char*>(arg.c_str()));
    args.push_back(nullptr);
    ::execvp(args[0], args.data());
    std::fprintf(stderr, "cannot run %s: %s\n", args[0], std::strerror(errno));
    ::_exit(127);
  }
  return pid;
}

int wait_exit_code(pid_t pid) {
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace

fs::path default_broker_data_dir() {
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg && *xdg) {
    return fs::path(xdg) / "smartcity" / "broker";
  }
  const char* home = std::getenv("HOME");
  return fs::path(home && *home ? home : ".") / ".local" / "share" / "smartcity" / "broker";
}

LocalBroker::LocalBroker(LocalBrokerOptions options) : options_(std::move(options)) {
  log_file_ = options_.data_dir / "broker.log";
}

LocalBroker::~LocalBroker() {
  try {
    stop();
  } catch (const std::exception& e) {
    spdlog::warn("stopping the Kafka broker: {}", e.what());
  }
}

std::string LocalBroker::bootstrap() const {
  return "127.0.0.1:" + std::to_string(options_.port);
}

fs::path LocalBroker::resolve_jars() const {
  fs::path jars = options_.jars;
  if (jars.empty()) {
    const char* deps = std::getenv("SMARTCITY_DEPS");
    jars = fs::path(deps && *deps ? deps : SMARTCITY_DEFAULT_DEPS_DIR) / "kafka" / "libs";
  }
  if (!fs::is_directory(jars) || fs::is_empty(jars)) {
    throw KafkaError("the Kafka broker jars are not in " + jars.string() +
                     "; run scripts/install-deps (or set SMARTCITY_DEPS)");
  }
  return jars;
}

void LocalBroker::write_configuration(int controller_port) const {
  const fs::path& data = options_.data_dir;
  std::map<std::string, std::string> properties = {
      {"process.roles", "broker,controller"},
      {"node.id", "1"},
      {"controller.quorum.bootstrap.servers", "127.0.0.1:" + std::to_string(controller_port)},
      {"listeners", "PLAINTEXT://127.0.0.1:" + std::to_string(options_.port) +
                        ",CONTROLLER://127.0.0.1:" + std::to_string(controller_port)},
      {"advertised.listeners", "PLAINTEXT://127.0.0.1:" + std::to_string(options_.port)},
      {"controller.listener.names", "CONTROLLER"},
      {"inter.broker.listener.name", "PLAINTEXT"},
      {"listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT"},
      {"log.dirs", (data / "logs").string()},
      {"num.partitions", "3"},
      {"auto.create.topics.enable", "false"},
      // One machine: one replica of everything, and few internal partitions
      // (50 offset partitions would slow the first group join for nothing).
      {"offsets.topic.replication.factor", "1"},
      {"offsets.topic.num.partitions", "5"},
      {"transaction.state.log.replication.factor", "1"},
      {"transaction.state.log.min.isr", "1"},
      {"transaction.state.log.num.partitions", "5"},
      {"share.coordinator.state.topic.replication.factor", "1"},
      {"share.coordinator.state.topic.min.isr", "1"},
      // A consumer group starts at once instead of waiting 3 s for more members.
      {"group.initial.rebalance.delay.ms", "0"},
      {"num.network.threads", "2"},
      {"num.io.threads", "4"},
      // A development machine: a day of data, in segments that age out.
      {"log.retention.hours", "24"},
      {"log.segment.bytes", std::to_string(256 << 20)},
      // Room for records over 1 MiB, so oversized-payload tests reach the
      // stream (which then refuses them as dead letters).
      {"message.max.bytes", std::to_string(8 << 20)},
  };
  for (const auto& [key, value] : options_.overrides)
    properties[key] = value;
  std::string text = "# Written by smartcity; changes are overwritten at the next start.\n";
  for (const auto& [key, value] : properties)
    text += key + "=" + value + "\n";
  write_text(data / "server.properties", text);
  write_text(data / "log4j2.properties",
             "status = error\n"
             "appender.file.type = File\n"
             "appender.file.name = file\n"
             "appender.file.fileName = " +
                 log_file_.string() +
                 "\n"
                 "appender.file.layout.type = PatternLayout\n"
                 "appender.file.layout.pattern = [%d] %p %m (%c)%n\n"
                 "rootLogger.level = info\n"
                 "rootLogger.appenderRef.file.ref = file\n"
                 "logger.kafka.name = org.apache.kafka\n"
                 "logger.kafka.level = warn\n");
}

void LocalBroker::format_storage(const fs::path& jars) const {
  const fs::path& data = options_.data_dir;
  if (fs::exists(data / "logs" / "meta.properties")) return;  // formatted before
  spdlog::info("formatting Kafka storage in {}", (data / "logs").string());
  const pid_t pid = spawn({java_binary(), "-Xmx256m", "-cp", (jars / "*").string(),
                           "-Dlog4j2.configurationFile=" + (data / "log4j2.properties").string(),
                           "kafka.tools.StorageTool", "format", "--standalone", "-t",
                           random_cluster_id(), "-c", (data / "server.properties").string()},
                          data / "format.out");
  if (wait_exit_code(pid) != 0) {
    throw KafkaError("formatting Kafka storage in " + data.string() +
                     " failed:" + tail(data / "format.out", 10));
  }
}

void LocalBroker::start() {
  const fs::path& data = options_.data_dir;
  std::error_code ec;
  fs::create_directories(data, ec);
  if (ec) throw KafkaError("cannot create " + data.string() + ": " + ec.message());
  if (!port_is_free(options_.port)) {
    throw KafkaError("port " + std::to_string(options_.port) +
                     " on 127.0.0.1 is in use (another broker?); choose another with --port");
  }
  const fs::path jars = resolve_jars();
  // The controller's port is part of the formatted quorum, so it is chosen
  // once and kept with the data.
  const fs::path controller_port_file = data / "controller.port";
  int controller_port = 0;
  if (fs::exists(controller_port_file)) {
    controller_port = std::atoi(read_text(controller_port_file).c_str());
    if (!port_is_free(controller_port)) {
      throw KafkaError("the controller port " + std::to_string(controller_port) +
                       " of the broker in " + data.string() + " is in use");
    }
  } else {
    controller_port = any_free_port();
    write_text(controller_port_file, std::to_string(controller_port) + "\n");
  }
  write_configuration(controller_port);
  format_storage(jars);

  pid_ = spawn({java_binary(), "-Xms128m", "-Xmx" + options_.heap, "-XX:+UseG1GC",
                "-XX:MaxGCPauseMillis=20", "-Djava.awt.headless=true",
                "-Dlog4j2.configurationFile=" + (data / "log4j2.properties").string(), "-cp",
                (jars / "*").string(), "kafka.Kafka", (data / "server.properties").string()},
               data / "broker.out");
  write_text(data / "broker.pid", std::to_string(pid_) + "\n");
  wait_until_ready();
  write_text(data / "bootstrap", bootstrap() + "\n");
}

void LocalBroker::wait_until_ready() {
  const auto deadline = std::chrono::steady_clock::now() + options_.start_timeout;
  RdKafkaHandle probe =
      make_client(RD_KAFKA_PRODUCER, make_client_config({{"bootstrap.servers", bootstrap()}}));
  while (true) {
    if (!running()) {
      throw KafkaError("the Kafka broker exited while starting; its log " + log_file_.string() +
                       " ends:" + tail(log_file_, 12) + tail(options_.data_dir / "broker.out", 6));
    }
    const rd_kafka_metadata_t* metadata = nullptr;
    if (rd_kafka_metadata(probe.get(), 0, nullptr, &metadata, 1000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      const bool has_broker = metadata->broker_cnt > 0;
      rd_kafka_metadata_destroy(metadata);
      if (has_broker) return;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      stop(std::chrono::seconds(5));
      throw KafkaError("the Kafka broker did not answer within " +
                       std::to_string(options_.start_timeout.count()) + " s; see " +
                       log_file_.string());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

bool LocalBroker::running() {
  if (pid_ <= 0) return false;
  int status = 0;
  const pid_t result = ::waitpid(pid_, &status, WNOHANG);
  if (result == 0) return true;
  pid_ = -1;
  return false;
}

void LocalBroker::stop(std::chrono::seconds grace) {
  if (!running()) return;
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (running()) {
    if (std::chrono::steady_clock::now() > deadline) {
      spdlog::warn("the Kafka broker did not stop within {} s; killing it", grace.count());
      ::kill(pid_, SIGKILL);
      wait_exit_code(pid_);
      pid_ = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  std::error_code ignored;
  fs::remove(options_.data_dir / "broker.pid", ignored);
  fs::remove(options_.data_dir / "bootstrap", ignored);
}

}  // namespace smartcity::kafka
