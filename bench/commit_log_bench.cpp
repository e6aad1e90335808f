// Start-up cost of a long commit log: CommitLog::load() over a lake of
// 100,000 commits (three files and five partitions each, as a stream commit
// has), with the checkpoints a stream writes, and without any (the log as it
// was before checkpoints). The lake is built once in a scratch folder; records
// are written without fsync, which only the set-up would notice.
//
// Run: build/release/bench/commit_log_bench --benchmark_out=FILE
#include <benchmark/benchmark.h>

#include <unistd.h>
#include <filesystem>
#include <fstream>

#include "lake/commit_log.h"
#include "lake/local_lake_storage.h"

namespace smartcity {
namespace {

namespace fs = std::filesystem;
constexpr std::uint64_t kCommits = 100'000;

void write_file(const fs::path& path, const std::string& contents) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << contents;
}

lake::CommitRecord record_for(std::uint64_t sequence) {
  lake::CommitRecord record;
  record.sequence = sequence;
  record.committed_at = UnixMicros{1764000000000000 + static_cast<std::int64_t>(sequence)};
  record.writer_id = "bench";
  record.writer_host = "host";
  record.writer_pid = 1;
  for (const char* table : {"vehicle", "gps", "weather"}) {
    record.files.push_back({table,
                            std::string(table) + "/date=2026-11-25/hour=00/t-p0-o" +
                                std::to_string(sequence) + ".parquet",
                            1000, 50000});
  }
  for (int partition = 0; partition < 5; ++partition) {
    record.offsets.push_back({{"vehicle_data", Partition{partition}},
                              Offset{static_cast<std::int64_t>(sequence) * 1000}});
  }
  return record;
}

// A lake folder with kCommits commit records, checkpointed or not.
fs::path build_lake(bool checkpoints) {
  const fs::path root =
      fs::temp_directory_path() / ("smartcity-commit-log-bench-" + std::to_string(::getpid()) +
                                   (checkpoints ? "-checkpointed" : "-plain"));
  fs::remove_all(root);
  lake::LakeCommitState state;
  for (std::uint64_t sequence = 1; sequence <= kCommits; ++sequence) {
    const lake::CommitRecord record = record_for(sequence);
    write_file(root / lake::commit_record_path(sequence), lake::encode_commit_record(record));
    lake::fold_commit(state, record);
    if (checkpoints && sequence % lake::kCheckpointEvery == 0) {
      // Only the newest few matter to load(); writing all 1,000 would take
      // the set-up minutes and change nothing measured.
      if (sequence + 3 * lake::kCheckpointEvery > kCommits) {
        write_file(root / lake::checkpoint_path(sequence), lake::encode_checkpoint(state));
      }
    }
  }
  return root;
}

void load_commit_log(benchmark::State& state, bool checkpoints) {
  const fs::path root = build_lake(checkpoints);
  lake::LocalLakeStorage storage(root);
  lake::CommitLog log(storage);
  std::size_t files = 0;
  for (auto _ : state) {
    const lake::LakeCommitState loaded = log.load();
    files = loaded.files.size();
    benchmark::DoNotOptimize(files);
  }
  state.counters["commits"] = static_cast<double>(kCommits);
  state.counters["files"] = static_cast<double>(files);
  fs::remove_all(root);
}

BENCHMARK_CAPTURE(load_commit_log, checkpointed, true)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(load_commit_log, no_checkpoints, false)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);

}  // namespace
}  // namespace smartcity

BENCHMARK_MAIN();
