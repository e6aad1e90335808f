#include "stream/lake_committer.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <exception>
#include <random>
#include <thread>

#include "base/errors.h"
#include "lake/hive_partition.h"
#include "lake/parquet_file_writer.h"

namespace smartcity::stream {
namespace {

std::string random_writer_id() {
  std::random_device entropy;
  char id[33];
  std::snprintf(id, sizeof id, "%08x%08x%08x%08x", entropy(), entropy(), entropy(), entropy());
  return id;
}

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "unknown";
  return name;
}

// One file to write: rows of `batch` in `hour`, to `final_path`.
struct FileJob {
  const lake::ColumnBatch* batch;
  lake::HourKey hour;
  std::string table;
  std::string final_path;
  std::filesystem::path staged;
  lake::FileStats stats;
};

}  // namespace

// Parquet writers, one per thread: each owns an in-memory DuckDB, which is
// not shared across threads.
class LakeCommitter::FileWriterPool {
 public:
  explicit FileWriterPool(unsigned threads) {
    for (unsigned i = 0; i < std::max(1u, threads); ++i) {
      writers_.push_back(std::make_unique<lake::ParquetFileWriter>());
    }
  }

  // Writes every job; rethrows the first failure after all threads stop.
  void write_all(lake::LakeStorage& storage, std::vector<FileJob>& jobs) {
    std::atomic<std::size_t> next{0};
    std::vector<std::exception_ptr> failures(writers_.size());
    auto work = [&](std::size_t worker) {
      try {
        for (std::size_t i = next++; i < jobs.size(); i = next++) {
          FileJob& job = jobs[i];
          job.staged = storage.staging_path(job.final_path);
          job.stats = writers_[worker]->write(*job.batch, job.hour, job.staged);
          storage.sync_staged(job.staged);
        }
      } catch (...) {
        failures[worker] = std::current_exception();
        next = jobs.size();
      }
    };
    const std::size_t threads = std::min(writers_.size(), jobs.size());
    std::vector<std::thread> helpers;
    for (std::size_t t = 1; t < threads; ++t)
      helpers.emplace_back(work, t);
    work(0);
    for (std::thread& thread : helpers)
      thread.join();
    for (const std::exception_ptr& failure : failures) {
      if (failure) std::rethrow_exception(failure);
    }
  }

 private:
  std::vector<std::unique_ptr<lake::ParquetFileWriter>> writers_;
};

std::string data_file_path(std::string_view table, const TopicPartition& partition,
                           lake::HourKey hour, Offset first, Offset next) {
  char name[160];
  std::snprintf(name, sizeof name, "%s-p%d-o%020lld-%020lld.parquet", partition.topic.c_str(),
                partition.partition.value, static_cast<long long>(first.value),
                static_cast<long long>(next.value - 1));
  return std::string(table) + "/" + lake::partition_folder(hour) + "/" + name;
}

lake::LakeCommitState recover_lake(lake::LakeStorage& storage) {
  lake::LakeCommitState state = lake::CommitLog(storage).load();
  std::size_t published = 0;
  std::size_t removed = 0;
  for (const lake::LakeStorage::StagedLeftover& leftover : storage.list_staged_leftovers()) {
    if (state.files.contains(leftover.final_path)) {
      storage.publish(leftover.staged, leftover.final_path);
      ++published;
    } else {
      storage.discard(leftover.staged);
      ++removed;
    }
  }
  if (published + removed > 0) {
    spdlog::warn(
        "recovered the lake after an unclean stop: published {} committed file(s), removed {} "
        "uncommitted one(s)",
        published, removed);
  }
  return state;
}

LakeCommitter::LakeCommitter(lake::LakeStorage& storage, lake::LakeCommitState state,
                             const Clock& clock, unsigned writer_threads)
    : storage_(&storage),
      log_(storage),
      state_(std::move(state)),
      clock_(&clock),
      writers_(std::make_unique<FileWriterPool>(writer_threads)),
      writer_id_(random_writer_id()),
      host_(host_name()) {}

LakeCommitter::~LakeCommitter() = default;

void LakeCommitter::write_checkpoint() {
  try {
    log_.write_checkpoint(state_);
  } catch (const StorageError& e) {
    // The commit stands without it; only the next start-up reads more records.
    spdlog::warn("no checkpoint after commit {}: {}", state_.last_sequence, e.what());
  }
}

CommitSummary LakeCommitter::commit(const std::vector<PartitionBuffer*>& buffers) {
  std::vector<FileJob> jobs;
  lake::CommitRecord record;
  CommitSummary summary;
  for (PartitionBuffer* buffer : buffers) {
    if (buffer->empty()) continue;
    const auto add_jobs = [&](const lake::ColumnBatch& batch) {
      for (lake::HourKey hour : lake::distinct_hours(batch)) {
        const std::string table(batch.schema().name);
        jobs.push_back(
            {&batch,
             hour,
             table,
             data_file_path(table, buffer->partition(), hour, buffer->first(), buffer->next()),
             {},
             {}});
      }
    };
    add_jobs(buffer->rows());
    add_jobs(buffer->dead_letters());
    record.offsets.push_back({buffer->partition(), buffer->next()});
    summary.rows += buffer->rows().rows();
    summary.dead_letters += buffer->dead_letters().rows();
  }
  if (record.offsets.empty()) return summary;

  try {
    writers_->write_all(*storage_, jobs);
  } catch (...) {
    for (const FileJob& job : jobs) {
      if (!job.staged.empty()) {
        try {
          storage_->discard(job.staged);
        } catch (const std::exception&) {
          // Left for recovery on the next start; the original failure matters more.
        }
      }
    }
    throw;
  }

  record.sequence = state_.last_sequence + 1;
  record.committed_at = clock_->now();
  record.writer_id = writer_id_;
  record.writer_host = host_;
  record.writer_pid = ::getpid();
  for (const FileJob& job : jobs) {
    record.files.push_back({job.table, job.final_path, job.stats.rows, job.stats.bytes});
    summary.bytes += job.stats.bytes;
  }
  if (!log_.try_append(record)) {
    throw StorageError("commit " + std::to_string(record.sequence) + " in " + storage_->describe() +
                       " was created by another writer; two streams are writing one lake");
  }
  // From here the commit stands: a crash before the renames finish is
  // repaired by recover_lake() on the next start.
  for (const FileJob& job : jobs)
    storage_->publish(job.staged, job.final_path);

  lake::fold_commit(state_, record);
  if (record.sequence % lake::kCheckpointEvery == 0) write_checkpoint();
  for (PartitionBuffer* buffer : buffers)
    buffer->clear_committed();
  summary.sequence = record.sequence;
  summary.files = jobs.size();
  return summary;
}

}  // namespace smartcity::stream
