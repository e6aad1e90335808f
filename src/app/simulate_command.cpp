#include <spdlog/spdlog.h>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <thread>

#include "app/commands.h"
#include "app/kafka_flags.h"
#include "app/kafka_record_sink.h"
#include "app/simulation_runner.h"
#include "base/errors.h"
#include "base/shutdown_signal.h"
#include "base/units.h"
#include "events/timestamp.h"
#include "kafka/kafka_producer.h"
#include "kafka/topic_admin.h"
#include "simulate/simulation.h"

namespace smartcity::app {
namespace {

struct SimulateFlags {
  KafkaFlags kafka;
  int vehicles = 0;
  std::uint64_t seed = 42;
  std::uint64_t count = 0;
  std::string duration;
  double rate = 0;
  std::string start;
  std::string wire = "canonical";
  double faults = 0;
  std::string output;
  int partitions = 3;
};

std::string base64(std::string_view bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const unsigned v = (static_cast<unsigned char>(bytes[i]) << 16) |
                       (static_cast<unsigned char>(bytes[i + 1]) << 8) |
                       static_cast<unsigned char>(bytes[i + 2]);
    for (int shift = 18; shift >= 0; shift -= 6)
      out.push_back(kAlphabet[(v >> shift) & 63]);
  }
  if (i < bytes.size()) {
    unsigned v = static_cast<unsigned char>(bytes[i]) << 16;
    if (i + 1 < bytes.size()) v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
  return out;
}

// One line of --output: {"topic": ..., "key": ..., "value": {...}}; a fault
// also names its kind, and a payload that is not a JSON object (truncated or
// not UTF-8) travels as "value": null with its bytes in "raw_base64".
void format_output_line(const simulate::SimulatedRecord& record, std::string& line) {
  line = "{\"topic\": ";
  events::append_json_string(record.topic, false, line);
  line += ", \"key\": ";
  events::append_json_string(record.key, false, line);
  const bool not_json = record.fault == simulate::FaultKind::kTruncatedJson ||
                        record.fault == simulate::FaultKind::kInvalidUtf8;
  if (not_json) {
    line += ", \"value\": null, \"raw_base64\": \"" + base64(record.payload) + "\"";
  } else {
    line += ", \"value\": ";
    line += record.payload;
  }
  if (record.fault) {
    line += ", \"fault\": \"";
    line += simulate::fault_name(*record.fault);
    line += "\"";
  }
  line += "}\n";
}

class FileRecordSink final : public RecordSink {
 public:
  explicit FileRecordSink(std::ostream& out) : out_(&out) {}
  void write(const simulate::SimulatedRecord& record) override {
    format_output_line(record, line_);
    out_->write(line_.data(), static_cast<std::streamsize>(line_.size()));
  }

 private:
  std::ostream* out_;
  std::string line_;
};

void run(const SimulateFlags& flags) {
  simulate::SimulationOptions options;
  options.vehicles = flags.vehicles;
  options.seed = flags.seed;
  options.fault_rate = flags.faults;
  const auto wire = events::parse_wire_format(flags.wire);
  if (!wire) throw UsageError("--wire: '" + flags.wire + "' is not canonical or seed");
  options.wire = *wire;
  if (flags.start.empty()) {
    options.start = system_clock().now();
  } else {
    const auto start = events::parse_timestamp(flags.start);
    if (!start) throw UsageError("--start: '" + flags.start + "' is not an ISO-8601 time");
    options.start = *start;
  }
  const auto duration = flags.duration.empty() ? std::chrono::milliseconds::zero()
                                               : parse_duration(flags.duration, "--duration");

  const bool to_kafka = !flags.kafka.brokers.empty() || flags.output.empty();
  if (!flags.output.empty() && !flags.kafka.brokers.empty()) {
    throw UsageError("give either --output or --brokers, not both");
  }
  std::unique_ptr<kafka::KafkaProducer> producer;
  std::ofstream file;
  std::ostream* out = nullptr;
  if (to_kafka) {
    const std::string brokers = flags.kafka.resolved_brokers();
    const auto properties = flags.kafka.resolved_properties();
    kafka::ensure_event_topics(brokers, flags.partitions, properties);
    producer = std::make_unique<kafka::KafkaProducer>(kafka::ProducerOptions{brokers, properties});
    spdlog::info("publishing to {}", brokers);
  } else if (flags.output == "-") {
    out = &std::cout;
  } else {
    file.open(flags.output, std::ios::binary | std::ios::trunc);
    if (!file) throw IoError("cannot write " + flags.output);
    out = &file;
  }

  simulate::Simulation simulation(options);
  std::unique_ptr<RecordSink> sink;
  if (producer) {
    sink = std::make_unique<KafkaRecordSink>(*producer);
  } else {
    sink = std::make_unique<FileRecordSink>(*out);
  }
  const RunTotals totals =
      run_simulation(simulation, *sink, RunLimits{flags.count, duration, flags.rate},
                     [] { return ShutdownSignal::requested(); });
  const std::size_t undelivered = producer ? settle_deliveries(*producer, totals) : 0;
  if (out) out->flush();
  spdlog::info("{}{} records ({} faults) in {:.1f}s ({:.0f} records/s){}",
               totals.stopped ? "interrupted: " : "", totals.records, totals.faults, totals.seconds,
               totals.seconds > 0 ? static_cast<double>(totals.records) / totals.seconds : 0.0,
               producer ? "; " + std::to_string(producer->delivered()) + " delivered" : "");
  if (producer && (undelivered > 0 || producer->failed() > 0)) {
    throw KafkaError(std::to_string(producer->failed() + undelivered) +
                     " record(s) were not delivered");
  }
}

}  // namespace

void add_simulate_command(CLI::App& app) {
  auto flags = std::make_shared<SimulateFlags>();
  CLI::App* command = app.add_subcommand(
      "simulate",
      "Simulate city traffic and publish it to Kafka (replaces the seed's main.py).\n"
      "Without --vehicles: the seed scenario, one vehicle London to Birmingham, 500 records.\n"
      "Example: smartcity simulate --brokers 127.0.0.1:9092 --vehicles 50 --rate 5000");
  add_kafka_flags(*command, flags->kafka);
  command
      ->add_option("--vehicles", flags->vehicles, "Vehicles in the fleet; 0 runs the seed scenario")
      ->capture_default_str()
      ->check(CLI::Range(0, 1'000'000));
  command->add_option("--seed", flags->seed, "Random seed; the same seed repeats byte for byte")
      ->capture_default_str();
  command->add_option("--count", flags->count, "Stop after this many records over all topics");
  command->add_option("--duration", flags->duration, "Stop after this long (30s, 5m)");
  command
      ->add_option("--rate", flags->rate,
                   "Records per second over all topics; 0 = as fast as possible")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
  command->add_option("--start", flags->start,
                      "Event time of the first step, ISO-8601 (default: now)");
  command
      ->add_option("--wire", flags->wire,
                   "Wire format: canonical (snake_case, UTC) or seed (what the original "
                   "Python producer wrote)")
      ->capture_default_str()
      ->check(CLI::IsMember({"canonical", "seed"}));
  command
      ->add_option("--faults", flags->faults,
                   "Fraction of records replaced by realistic bad ones (0..1)")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 1.0));
  command->add_option("--output", flags->output,
                      "Write records to FILE (- for stdout) instead of Kafka, one JSON line "
                      "each: {\"topic\", \"key\", \"value\"}; a fault adds \"fault\", and one "
                      "that is not JSON has \"value\": null and \"raw_base64\"");
  command
      ->add_option("--partitions", flags->partitions,
                   "Partitions for topics it creates (existing topics are kept)")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000));
  command->callback([flags] { run(*flags); });
}

}  // namespace smartcity::app
