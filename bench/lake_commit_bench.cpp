// Commits per second one lake sustains with several writers committing small
// batches at once: each thread is one writer (its own LakeCommitter, writer
// id and partition, as one `stream` process would be), committing 10 records
// per commit, so every commit races the others for the next sequence number.
// Files are real Parquet, synced, and the commit records are created only if
// absent, as in production.
//
// Run: build/release/bench/lake_commit_bench --benchmark_out=FILE
#include <benchmark/benchmark.h>

#include <cstdio>
#include <filesystem>
#include <mutex>

#include "lake/local_lake_storage.h"
#include "stream/lake_committer.h"
#include "stream/record_decoder.h"

namespace smartcity {
namespace {

namespace fs = std::filesystem;
constexpr int kRecordsPerCommit = 10;

std::string vehicle_json(std::int64_t i) {
  char text[400];
  std::snprintf(text, sizeof text,
                R"({"id":"id-%lld","device_id":"V","timestamp":"2026-11-25T12:00:00Z",)"
                R"("latitude":51.5,"longitude":-0.1,"speed":40.5,"direction":"N","make":"BMW",)"
                R"("model":"C500","year":2024,"fuel_type":"Hybrid"})",
                static_cast<long long>(i));
  return text;
}

fs::path lake_root() {
  static const fs::path root =
      fs::temp_directory_path() / ("smartcity-lake-commit-bench-" + std::to_string(::getpid()));
  return root;
}

void concurrent_small_commits(benchmark::State& state) {
  static std::once_flag cleared;
  std::call_once(cleared, [] { fs::remove_all(lake_root()); });
  lake::LocalLakeStorage storage(lake_root());
  const TopicPartition partition{"vehicle_data", Partition{state.thread_index()}};
  stream::LakeCommitter committer(storage, lake::CommitLog(storage).load(), system_clock(), 1);
  committer.claim({partition}, "bench", [](const std::string&) { return false; });
  stream::RecordDecoder decoder;
  std::int64_t offset = 0;
  const auto& committed = committer.state().offsets;
  if (auto it = committed.find(partition); it != committed.end()) offset = it->second.value;
  stream::PartitionBuffer buffer(partition, events::EventKind::kVehicle, Offset{offset});
  std::size_t conflicts = 0;
  for (auto _ : state) {
    for (int i = 0; i < kRecordsPerCommit; ++i, ++offset) {
      const stream::RecordMetadata metadata{
          partition.topic, partition.partition, Offset{offset}, UnixMicros{1}, "V", UnixMicros{2}};
      decoder.decode(events::EventKind::kVehicle, vehicle_json(offset), metadata, buffer.rows(),
                     buffer.dead_letters());
      buffer.record_consumed(Offset{offset});
    }
    const stream::CommitSummary summary = committer.commit({&buffer});
    if (summary.sequence == 0) state.SkipWithError("a commit was refused");
    conflicts += summary.conflicts;
  }
  state.counters["commits_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["conflicts"] = static_cast<double>(conflicts);
}

BENCHMARK(concurrent_small_commits)
    ->Threads(1)
    ->Threads(8)
    ->UseRealTime()
    ->MinTime(3.0)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace smartcity

BENCHMARK_MAIN();
