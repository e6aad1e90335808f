#include <spdlog/spdlog.h>

#include <cstdlib>
#include <exception>
#include <optional>
#include <thread>

#include "app/commands.h"
#include "app/kafka_flags.h"
#include "app/kafka_record_sink.h"
#include "app/simulation_runner.h"
#include "base/errors.h"
#include "base/shutdown_signal.h"
#include "base/units.h"
#include "catalog/lake_crawler.h"
#include "kafka/kafka_producer.h"
#include "kafka/local_broker.h"
#include "kafka/topic_admin.h"
#include "lake/lake_cache.h"
#include "lake/lake_storage.h"
#include "serve/dashboard_server.h"
#include "stream/stream_job.h"

namespace smartcity::app {
namespace {

namespace fs = std::filesystem;

struct DemoFlags {
  KafkaFlags kafka;
  std::string lake;
  int vehicles = 10;
  double rate = 2000;
  std::string duration;
  std::string roll_interval = "2s";
  int port = 9092;
  std::string broker_data;
  std::string host = "127.0.0.1";
  int http_port = 8080;
};

fs::path demo_folder() {
  return kafka::default_broker_data_dir().parent_path() / "demo";
}

// Runs `work` on a thread; a failure asks everything to stop and is kept for
// the caller to rethrow.
std::thread start_worker(const char* name, std::function<void()> work,
                         std::exception_ptr& failure) {
  return std::thread([name, work = std::move(work), &failure] {
    try {
      work();
    } catch (...) {
      failure = std::current_exception();
      spdlog::debug("demo: {} failed; stopping everything", name);
      ShutdownSignal::request();
    }
  });
}

void run(const DemoFlags& flags) {
  const auto duration = flags.duration.empty() ? std::chrono::milliseconds::zero()
                                               : parse_duration(flags.duration, "--duration");
  // A folder or an s3:// URL; every stage below opens it through the lake's storage.
  const std::string lake = flags.lake.empty() ? (demo_folder() / "lake").string() : flags.lake;
  const std::optional<fs::path> local_root = lake::open_lake_storage(lake)->local_path("");

  std::unique_ptr<kafka::LocalBroker> broker;
  std::string brokers = flags.kafka.brokers;
  if (brokers.empty()) {
    kafka::LocalBrokerOptions options;
    options.data_dir =
        flags.broker_data.empty() ? demo_folder() / "broker" : fs::path(flags.broker_data);
    options.port = flags.port;
    broker = std::make_unique<kafka::LocalBroker>(options);
    spdlog::info("demo: starting the embedded Kafka broker on {} (data in {})", broker->bootstrap(),
                 options.data_dir.string());
    broker->start();
    brokers = broker->bootstrap();
  }
  const auto properties = flags.kafka.resolved_properties();
  kafka::ensure_event_topics(brokers, 3, properties);

  spdlog::info(
      "demo: {} vehicles at {:.0f} records/s (event time runs faster than the clock), "
      "streaming into {}",
      flags.vehicles, flags.rate, lake);
  spdlog::info(
      "demo: read the lake with any Parquet reader, e.g. DuckDB: SELECT "
      "weather_condition, count(*) FROM read_parquet('{}/weather/*/*/*.parquet') "
      "GROUP BY 1",
      local_root ? local_root->string() : lake::default_cache_folder(lake).string());
  spdlog::info("demo: Ctrl-C stops everything cleanly{}",
               duration.count() > 0 ? " (or it stops by itself after " + flags.duration + ")" : "");

  std::exception_ptr simulate_failure;
  std::exception_ptr stream_failure;
  RunTotals simulated;
  std::size_t undelivered = 0;
  stream::StreamTotals streamed;
  kafka::KafkaProducer producer(kafka::ProducerOptions{brokers, properties});
  std::thread simulator = start_worker(
      "simulate",
      [&] {
        simulate::SimulationOptions options;
        options.vehicles = flags.vehicles;
        options.seed = static_cast<std::uint64_t>(system_clock().now().value);
        options.start = system_clock().now();
        simulate::Simulation simulation(options);
        KafkaRecordSink sink(producer);
        simulated = run_simulation(simulation, sink, RunLimits{0, duration, flags.rate},
                                   [] { return ShutdownSignal::requested(); });
        undelivered = settle_deliveries(producer, simulated);
      },
      simulate_failure);
  std::thread streamer = start_worker(
      "stream",
      [&] {
        stream::StreamOptions options;
        options.brokers = brokers;
        options.lake = lake;
        options.group_id = "smartcity-demo";
        options.roll_interval = parse_duration(flags.roll_interval, "--roll-interval");
        options.kafka_properties = properties;
        streamed = stream::run_stream(options);
      },
      stream_failure);

  // An empty lake is a lake: the dashboard shows empty charts, not errors,
  // until the first commit lands.
  if (local_root) fs::create_directories(*local_root / "_smartcity" / "commits");
  std::exception_ptr serve_failure;
  std::thread server = start_worker(
      "serve",
      [&] {
        serve::ServerOptions options;
        options.lake = lake;
        options.host = flags.host;
        options.port = flags.http_port;
        if (const char* token = std::getenv("SMARTCITY_TOKEN"); token && *token) {
          options.token = token;
        }
        serve::run_dashboard_server(options);
      },
      serve_failure);
  // The Glue crawler's job: keep the catalog current while data arrives.
  std::exception_ptr crawl_failure;
  std::thread crawler = start_worker(
      "crawl",
      [&] {
        catalog::CrawlOptions options;
        while (!ShutdownSignal::wait_for(std::chrono::seconds(15))) {
          options.lake = lake::readable_lake_folder(lake);
          if (fs::exists(fs::path(options.lake) / "_smartcity" / "commits")) {
            catalog::crawl_lake(options);
          }
        }
      },
      crawl_failure);

  simulator.join();
  if (duration.count() > 0 && !ShutdownSignal::requested()) {
    // Give the stream one roll interval to commit the last records.
    ShutdownSignal::wait_for(parse_duration(flags.roll_interval, "--roll-interval") +
                             std::chrono::seconds(1));
    ShutdownSignal::request();
  }
  streamer.join();
  ShutdownSignal::request();
  server.join();
  crawler.join();
  if (broker) broker->stop();
  if (simulate_failure) std::rethrow_exception(simulate_failure);
  if (stream_failure) std::rethrow_exception(stream_failure);
  if (serve_failure) std::rethrow_exception(serve_failure);
  if (crawl_failure) std::rethrow_exception(crawl_failure);
  spdlog::info(
      "demo: published {} records ({} delivered); the stream committed {} rows and {} dead "
      "letters in {} files over {} commits into {}",
      simulated.records, producer.delivered(), streamed.rows, streamed.dead_letters, streamed.files,
      streamed.commits, lake);
  if (undelivered > 0 || producer.failed() > 0) {
    throw KafkaError(std::to_string(producer.failed() + undelivered) +
                     " simulated record(s) were not delivered to the broker");
  }
}

}  // namespace

void add_demo_command(CLI::App& app) {
  auto flags = std::make_shared<DemoFlags>();
  CLI::App* command = app.add_subcommand(
      "demo",
      "Run the whole pipeline in one process: an embedded Kafka broker, a simulated fleet, the "
      "stream into a lake, periodic crawls and the dashboard.\nExample: smartcity demo "
      "--vehicles 20 --duration 2m");
  add_kafka_flags(*command, flags->kafka);
  command->add_option(
      "--lake", flags->lake,
      "Lake folder or s3://bucket/prefix (default: $XDG_DATA_HOME/smartcity/demo/lake)");
  command->add_option("--vehicles", flags->vehicles, "Vehicles in the simulated fleet")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  command->add_option("--rate", flags->rate, "Records per second over all topics")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  command->add_option("--duration", flags->duration, "Stop after this long (default: Ctrl-C)");
  command->add_option("--roll-interval", flags->roll_interval, "How often the stream commits")
      ->capture_default_str();
  command->add_option("--port", flags->port, "Port of the embedded broker on 127.0.0.1")
      ->capture_default_str()
      ->check(CLI::Range(1, 65535));
  command->add_option("--broker-data", flags->broker_data,
                      "Data folder of the embedded broker (default: "
                      "$XDG_DATA_HOME/smartcity/demo/broker; topics persist there)");
  command->add_option("--host", flags->host, "Address of the dashboard")->capture_default_str();
  command->add_option("--http-port", flags->http_port, "Port of the dashboard")
      ->capture_default_str()
      ->check(CLI::Range(1, 65535));
  command->callback([flags] { run(*flags); });
}

}  // namespace smartcity::app
