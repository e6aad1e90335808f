#include <spdlog/spdlog.h>

#include "app/commands.h"
#include "app/kafka_flags.h"
#include "base/errors.h"
#include "base/units.h"
#include "stream/stream_job.h"

namespace smartcity::app {
namespace {

struct StreamFlags {
  KafkaFlags kafka;
  std::string lake;
  std::string group = "smartcity-stream";
  std::string roll_bytes = "128MiB";
  std::string roll_interval = "60s";
  std::uint64_t max_buffer_mb = 256;
  std::uint64_t prefetch_mb = 256;
  std::string fetch = "auto";
  bool until_caught_up = false;
  unsigned writer_threads = 2;
  std::string storage_retry = "10m";
};

void run(const StreamFlags& flags) {
  stream::StreamOptions options;
  options.brokers = flags.kafka.resolved_brokers();
  options.kafka_properties = flags.kafka.resolved_properties();
  options.lake = flags.lake;
  options.group_id = flags.group;
  options.roll_bytes = parse_byte_size(flags.roll_bytes, "--roll-bytes");
  options.roll_interval = parse_duration(flags.roll_interval, "--roll-interval");
  if (options.roll_interval.count() == 0) {
    throw UsageError("--roll-interval: must be more than zero");
  }
  if (flags.max_buffer_mb == 0) throw UsageError("--max-buffer-mb: must be more than zero");
  options.max_buffer_bytes = flags.max_buffer_mb << 20;
  if (flags.prefetch_mb == 0) throw UsageError("--prefetch-mb: must be more than zero");
  options.prefetch_bytes = flags.prefetch_mb << 20;
  options.fetch = flags.fetch == "direct"       ? stream::StreamOptions::Fetch::kDirect
                  : flags.fetch == "librdkafka" ? stream::StreamOptions::Fetch::kLibrdkafka
                                                : stream::StreamOptions::Fetch::kAuto;
  options.until_caught_up = flags.until_caught_up;
  options.writer_threads = flags.writer_threads;
  options.storage_retry = std::chrono::duration_cast<std::chrono::seconds>(
      parse_duration(flags.storage_retry, "--storage-retry"));

  const stream::StreamTotals totals = stream::run_stream(options);
  spdlog::info(
      "stream stopped: {} records in {:.2f}s ({:.0f} ev/s): {} rows and {} dead letters in {} "
      "files, {} commits{}",
      totals.records, totals.seconds,
      totals.seconds > 0 ? static_cast<double>(totals.records) / totals.seconds : 0.0, totals.rows,
      totals.dead_letters, totals.files, totals.commits,
      totals.conflicts + totals.fenced_records == 0
          ? std::string()
          : fmt::format(" ({} commit conflict(s) with other writers, {} record(s) left to them)",
                        totals.conflicts, totals.fenced_records));
}

}  // namespace

void add_stream_command(CLI::App& app) {
  auto flags = std::make_shared<StreamFlags>();
  CLI::App* command = app.add_subcommand(
      "stream",
      "Consume the five topics into a Parquet lake, exactly once (replaces the Spark job).\n"
      "Example: smartcity stream --brokers 127.0.0.1:9092 --lake ./lake --until-caught-up");
  add_kafka_flags(*command, flags->kafka);
  command->add_option("--lake", flags->lake, "Lake folder or s3://bucket/prefix to write")
      ->required();
  command->add_option("--group", flags->group, "Kafka consumer group")->capture_default_str();
  command
      ->add_option("--roll-bytes", flags->roll_bytes,
                   "Cut a partition's file when its rows take this much memory "
                   "(bytes, KiB, MiB, GiB)")
      ->capture_default_str();
  command
      ->add_option("--roll-interval", flags->roll_interval,
                   "Commit at least this often, even when idle (500ms, 5s, 2m)")
      ->capture_default_str();
  command
      ->add_option("--max-buffer-mb", flags->max_buffer_mb,
                   "Memory for decoded rows, the commit in flight included; half of it starts a "
                   "commit, all of it pauses reading")
      ->capture_default_str();
  command
      ->add_option("--prefetch-mb", flags->prefetch_mb,
                   "Kafka records fetched ahead of decoding; about a second of reading keeps "
                   "the decoder busy (librdkafka pauses fetching for a second when it is full)")
      ->capture_default_str();
  command
      ->add_option("--fetch", flags->fetch,
                   "Who fetches the records: direct (smartcity's own Fetch requests, a quarter "
                   "of librdkafka's CPU a record; plaintext brokers only), librdkafka, or auto "
                   "(direct unless -X security.protocol asks for TLS or SASL, or -X "
                   "isolation.level=read_committed: the direct fetch reads every record written)")
      ->capture_default_str()
      ->check(CLI::IsMember({"auto", "direct", "librdkafka"}));
  command->add_flag("--until-caught-up", flags->until_caught_up,
                    "Stop once everything in the topics at start is committed");
  command
      ->add_option("--writer-threads", flags->writer_threads,
                   "Parquet files encoded at once during a commit")
      ->capture_default_str()
      ->check(CLI::Range(1u, 64u));
  command
      ->add_option("--storage-retry", flags->storage_retry,
                   "How long one S3 call keeps retrying an unreachable or throttling store "
                   "before the stream stops")
      ->capture_default_str();
  command->callback([flags] { run(*flags); });
}

}  // namespace smartcity::app
