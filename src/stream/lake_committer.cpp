#include "stream/lake_committer.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdio>
#include <exception>

#include "base/errors.h"
#include "base/parallel_for.h"
#include "lake/hive_partition.h"
#include "lake/parquet_file_writer.h"

namespace smartcity::stream {
namespace {

std::string host_name() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "unknown";
  return name;
}

// One file to write: the rows of `batch` in one hour, to `final_path`.
struct FileJob {
  PartitionBuffer* buffer;  // whose rows these are
  const lake::ColumnBatch* batch;
  lake::RowsOfHour selection;  // which rows, and their hour
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
  void write_all(lake::LakeStorage& storage, const std::string& writer_id,
                 std::vector<FileJob>& jobs) {
    parallel_for(jobs.size(), writers_.size(), [&](std::size_t i, std::size_t worker) {
      FileJob& job = jobs[i];
      job.staged = storage.staging_path(job.final_path, writer_id);
      job.stats = writers_[worker]->write(*job.batch, job.selection.rows, job.staged);
      storage.sync_staged(job.staged);
    });
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

std::optional<TopicPartition> partition_of_data_file(std::string_view path) {
  const std::string_view name = path.substr(path.rfind('/') + 1);
  const std::size_t offsets = name.rfind("-o");
  if (offsets == std::string_view::npos) return std::nullopt;
  const std::size_t partition = name.rfind("-p", offsets);
  if (partition == std::string_view::npos || partition == 0) return std::nullopt;
  const std::string digits(name.substr(partition + 2, offsets - partition - 2));
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos)
    return std::nullopt;
  return TopicPartition{std::string(name.substr(0, partition)), Partition{std::stoi(digits)}};
}

lake::LakeCommitState recover_lake(lake::LakeStorage& storage,
                                   const WriterIsAlive& writer_is_alive) {
  lake::LakeCommitState state = lake::CommitLog(storage).load();
  // A writer that may still run (its lease expired, but a stall looks the
  // same) keeps its uncommitted files while it owns their partition: it could
  // still commit them. A newer claim fences it for good.
  const auto may_still_commit = [&](const lake::LakeStorage::StagedLeftover& leftover) {
    if (storage.liveness_is_certain() || state.files.contains(leftover.final_path)) return false;
    const std::optional<TopicPartition> partition = partition_of_data_file(leftover.final_path);
    if (!partition) return false;
    const auto owner = state.owners.find(*partition);
    return owner != state.owners.end() && owner->second.writer_id == leftover.writer_id;
  };
  std::size_t published = 0;
  std::size_t removed = 0;
  for (const lake::LakeStorage::StagedLeftover& leftover : storage.list_staged_leftovers()) {
    // A file a commit names is published whoever staged it and whether or not
    // its writer lives (publishing is idempotent): the commit stands, and a
    // writer that only seems alive (a lease not yet expired after kill -9)
    // must not keep committed rows out of sight. Two writers may stage the
    // same final name (a zombie and the partition's new owner read the same
    // offsets); only the first to arrive is published.
    if (state.files.contains(leftover.final_path) && !storage.exists(leftover.final_path)) {
      storage.publish(leftover.staged, leftover.final_path);
      ++published;
      continue;
    }
    // A live writer discards its own uncommitted files.
    if (writer_is_alive(leftover.writer_id)) continue;
    if (!may_still_commit(leftover)) {
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
                             const Clock& clock, unsigned writer_threads, std::string writer_id)
    : storage_(&storage),
      log_(storage),
      state_(std::move(state)),
      clock_(&clock),
      writers_(std::make_unique<FileWriterPool>(writer_threads)),
      writer_id_(std::move(writer_id)),
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

bool LakeCommitter::owns(const TopicPartition& partition) const {
  const auto owner = state_.owners.find(partition);
  if (owner == state_.owners.end()) return true;
  const auto mine = claimed_.find(partition);
  return owner->second.writer_id == writer_id_ && mine != claimed_.end() &&
         mine->second == owner->second.epoch;
}

lake::CommitRecord LakeCommitter::next_record() const {
  lake::CommitRecord record;
  record.sequence = state_.last_sequence + 1;
  record.committed_at = clock_->now();
  record.writer_id = writer_id_;
  record.writer_host = host_;
  record.writer_pid = ::getpid();
  return record;
}

void LakeCommitter::append(const lake::CommitRecord& record) {
  // The log is final once try_append succeeds; fold exactly what it says.
  lake::fold_commit(state_, record);
  if (record.sequence % lake::kCheckpointEvery == 0) write_checkpoint();
}

void LakeCommitter::claim(const std::vector<TopicPartition>& partitions, const std::string& group,
                          const WriterIsAlive& writer_is_alive) {
  if (partitions.empty()) return;
  for (;;) {
    log_.catch_up(state_);
    lake::CommitRecord record = next_record();
    record.writer_group = group;
    for (const TopicPartition& partition : partitions) {
      const auto owner = state_.owners.find(partition);
      if (owner != state_.owners.end() && owner->second.group != group &&
          owner->second.writer_id != writer_id_ && writer_is_alive(owner->second.writer_id)) {
        throw UsageError("the lake " + storage_->describe() +
                         " is being written by consumer group '" + owner->second.group +
                         "' (writer " + owner->second.writer_id +
                         "); one lake takes one group: run with --group " + owner->second.group +
                         " to share its work, or give this stream another --lake");
      }
      const std::uint64_t epoch = owner == state_.owners.end() ? 1 : owner->second.epoch + 1;
      record.claims.push_back({partition, epoch});
    }
    if (!log_.try_append(record)) continue;  // another writer's commit came first
    for (const lake::PartitionClaim& claim : record.claims)
      claimed_[claim.partition] = claim.epoch;
    append(record);
    return;
  }
}

CommitSummary LakeCommitter::commit(const std::vector<PartitionBuffer*>& buffers) {
  if (failed_) {
    throw StorageError("not committing: an earlier commit to " + storage_->describe() +
                       " failed part-way, and only recovery can tell what it left");
  }
  try {
    return try_commit(buffers);
  } catch (...) {
    failed_ = true;
    throw;
  }
}

CommitSummary LakeCommitter::try_commit(const std::vector<PartitionBuffer*>& buffers) {
  CommitSummary summary;
  std::vector<PartitionBuffer*> pending;
  for (PartitionBuffer* buffer : buffers) {
    if (!buffer->empty()) pending.push_back(buffer);
  }
  if (pending.empty()) return summary;

  // Drops, without committing, the buffers of partitions another writer has
  // claimed since this one did, and the staged files written for them.
  std::vector<FileJob> jobs;
  const auto drop_fenced = [&] {
    std::erase_if(pending, [&](PartitionBuffer* buffer) {
      if (owns(buffer->partition())) return false;
      summary.fenced.push_back(buffer->partition());
      summary.fenced_records +=
          static_cast<std::uint64_t>(buffer->next().value - buffer->first().value);
      std::erase_if(jobs, [&](const FileJob& job) {
        if (job.buffer != buffer) return false;
        if (!job.staged.empty()) storage_->discard(job.staged);
        return true;
      });
      buffer->clear_committed();
      return true;
    });
  };
  // Catch up first, so a zombie learns it is one before encoding anything.
  log_.catch_up(state_);
  drop_fenced();
  if (pending.empty()) return summary;

  for (PartitionBuffer* buffer : pending) {
    const auto add_jobs = [&](const lake::ColumnBatch& batch) {
      for (lake::RowsOfHour& selection : lake::rows_by_hour(batch)) {
        const std::string table(batch.schema().name);
        std::string final_path = data_file_path(table, buffer->partition(), selection.hour,
                                                buffer->first(), buffer->next());
        jobs.push_back(
            {buffer, &batch, std::move(selection), table, std::move(final_path), {}, {}});
      }
    };
    add_jobs(buffer->rows());
    add_jobs(buffer->dead_letters());
  }

  try {
    writers_->write_all(*storage_, writer_id_, jobs);
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

  lake::CommitRecord record;
  for (;;) {
    record = next_record();
    for (PartitionBuffer* buffer : pending)
      record.offsets.push_back({buffer->partition(), buffer->next()});
    for (const FileJob& job : jobs)
      record.files.push_back({job.table, job.final_path, job.stats.rows, job.stats.bytes});
    if (log_.try_append(record)) break;
    // Another writer took this sequence number: see what it committed, and
    // whether it took one of our partitions over.
    ++summary.conflicts;
    log_.catch_up(state_);
    drop_fenced();
    if (pending.empty()) return summary;
  }
  // From here the commit stands: a crash before the renames finish is
  // repaired by recover_lake() on the next start.
  for (const FileJob& job : jobs)
    storage_->publish(job.staged, job.final_path);
  append(record);

  for (PartitionBuffer* buffer : pending) {
    summary.rows += buffer->rows().rows();
    summary.dead_letters += buffer->dead_letters().rows();
    buffer->clear_committed();
  }
  for (const FileJob& job : jobs)
    summary.bytes += job.stats.bytes;
  summary.sequence = record.sequence;
  summary.files = jobs.size();
  return summary;
}

}  // namespace smartcity::stream
