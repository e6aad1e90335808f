#include "stream/stream_job.h"

#include <spdlog/spdlog.h>

#include <future>
#include <memory>
#include <optional>
#include <unordered_map>

#include "base/check.h"
#include "base/errors.h"
#include "base/shutdown_signal.h"
#include "kafka/kafka_consumer.h"
#include "lake/lake_storage.h"
#include "lake/status_files.h"
#include "lake/writer_presence.h"
#include "stream/lake_committer.h"
#include "stream/partition_buffer.h"
#include "stream/record_decoder.h"
#include "stream/stream_status.h"

namespace smartcity::stream {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr std::size_t kPollBatch = 4096;
constexpr milliseconds kPollWait{100};
constexpr milliseconds kKafkaTimeout{10'000};
// How often a member that is done with its own partitions reads the lake's
// log for what the rest of its group committed.
constexpr milliseconds kCatchUpEvery{500};

std::vector<std::string> event_topics() {
  std::vector<std::string> topics;
  for (const events::EventSpec& event : events::all_events())
    topics.emplace_back(event.topic);
  return topics;
}

// The state of one run: consumer, buffers, committer, and the bookkeeping
// that decides when to commit and when to stop.
class StreamRun {
 public:
  // `writer_id` is this process's: a run started again after a lake failure
  // keeps it, and its recovery treats the failed run's staged files as a
  // dead writer's (they are), whatever the lease of that run still says.
  StreamRun(const StreamOptions& options, const Clock& clock,
            std::unique_ptr<lake::LakeStorage> storage, const std::string& writer_id)
      : options_(options), clock_(&clock), storage_(std::move(storage)) {
    lease_ = storage_->register_writer(writer_id);
    writer_is_alive_ = [storage = storage_.get(), writer_id](const std::string& id) {
      return id != writer_id && storage->writer_is_alive(id);
    };
    lake::LakeCommitState state = recover_lake(*storage_, writer_is_alive_);
    remove_status_of_dead_writers(writer_id);
    spdlog::info("lake {}: {} commit(s), {} partition offset(s); writer {}", storage_->describe(),
                 state.last_sequence, state.offsets.size(), writer_id);
    committer_ = std::make_unique<LakeCommitter>(*storage_, std::move(state), clock,
                                                 options.writer_threads, writer_id);
    status_.writer = writer_id;
    status_.state = "starting";
    status_.started_at = clock.now();
  }

  // A run dropped by a failure: a commit still in flight uses the buffers,
  // committer and storage, so let it end (whatever it did, the next start
  // recovers). Then leave the group while every member the revoke callback
  // touches is still alive, committing nothing more: what is held is read
  // again by whoever resumes from the lake's offsets.
  ~StreamRun() {
    if (in_flight_) in_flight_->summary.wait();
    abandoned_ = true;
    // librdkafka's destroy waits for every message it handed out.
    polled_.clear();
    consumer_.reset();
  }

  // What this run read and committed so far (also after it failed).
  const StreamTotals& totals() const { return totals_; }

  StreamTotals run() {
    kafka::ConsumerOptions consumer_options;
    consumer_options.brokers = options_.brokers;
    consumer_options.group_id = options_.group_id;
    consumer_options.topics = event_topics();
    consumer_options.prefetch_bytes = options_.prefetch_bytes;
    consumer_options.properties = options_.kafka_properties;
    consumer_options.direct_fetch = options_.fetch == StreamOptions::Fetch::kDirect ||
                                    (options_.fetch == StreamOptions::Fetch::kAuto &&
                                     kafka::direct_fetch_speaks(options_.kafka_properties));
    consumer_ = std::make_unique<kafka::KafkaConsumer>(
        consumer_options, [this](const auto& assigned) { return on_assign(assigned); },
        [this](const auto& revoked) { on_revoke(revoked); }, kKafkaTimeout);
    if (options_.until_caught_up) {
      group_targets_ = consumer_->end_offsets(consumer_->subscribed_partitions(), kKafkaTimeout);
    }
    spdlog::info("joined consumer group {} on {}", options_.group_id, options_.brokers);

    const auto started = steady_clock::now();
    last_commit_time_ = started;
    last_progress_time_ = started;
    status_.state = "running";
    while (!ShutdownSignal::requested()) {
      consumer_->poll_records(polled_, kPollBatch, kPollWait);
      if (!first_read_ && !polled_.records.empty()) first_read_ = steady_clock::now();
      const UnixMicros ingested_at = clock_->now();
      for (const kafka::ConsumedRecord& record : polled_.records)
        consume(record, ingested_at);
      totals_.records += polled_.records.size();
      status_.records = totals_.records;

      const auto now = steady_clock::now();
      if (in_flight_ && commit_finished()) await_commit();
      if (options_.until_caught_up && read_to_targets()) {
        // Caught up means read *and committed*: once everything is read,
        // commit it at once and wait for that, instead of waiting out the
        // roll interval, or noticing the commit's end one empty poll
        // (kPollWait) later (that was 0.3-0.4 s of a 5 s run).
        commit_all(now);
      } else if (commit_due(now)) {
        // Reading goes on while one commit is in flight; the next one waits
        // for it, and so does reading once the budget's other half is full.
        if (in_flight_ && held_bytes() >= options_.max_buffer_bytes / 2) await_commit();
        if (!in_flight_) start_commit(now);
      }
      if (now - last_progress_time_ >= options_.progress_interval) report_progress(now);
      if (options_.until_caught_up && caught_up()) break;
    }
    commit_all(steady_clock::now());
    totals_.seconds =
        std::chrono::duration<double>(steady_clock::now() - first_read_.value_or(started)).count();
    polled_.clear();
    consumer_->mirror_offsets(committed_offsets());
    consumer_->close();
    status_.state = "stopped";
    write_status();
    remove_writer_status();
    return totals_;
  }

 private:
  std::vector<kafka::StartPosition> on_assign(const std::vector<TopicPartition>& assigned) {
    // Claim first: the offsets read below are then final for these
    // partitions, whatever their previous owner still tries to commit.
    await_commit();
    committer_->claim(assigned, options_.group_id, writer_is_alive_);
    std::vector<kafka::StartPosition> starts;
    const auto& offsets = committer_->state().offsets;
    for (const TopicPartition& tp : assigned) {
      const auto kind = events::kind_for_topic(tp.topic);
      SMARTCITY_CHECK(kind.has_value(), "assigned a topic we did not subscribe to");
      const auto it = offsets.find(tp);
      const Offset start = it == offsets.end() ? Offset{0} : it->second;
      buffers_[tp] = std::make_unique<PartitionBuffer>(tp, *kind, start);
      starts.push_back({tp, it == offsets.end() ? std::nullopt : std::optional<Offset>(start)});
    }
    spdlog::info(
        "assigned {} partition(s), claimed in commit {}; resuming from the lake's committed "
        "offsets",
        assigned.size(), committer_->state().last_sequence);
    // The rebalance callback runs inside poll(), so consumer_ is set by now.
    if (options_.until_caught_up) targets_ = consumer_->end_offsets(assigned, kKafkaTimeout);
    last_buffer_ = nullptr;
    return starts;
  }

  void on_revoke(const std::vector<TopicPartition>& revoked) {
    if (abandoned_) {
      for (const TopicPartition& tp : revoked)
        buffers_.erase(tp);
      last_buffer_ = nullptr;
      return;
    }
    // Commit what is held before letting go, so the next owner need not read
    // it again. A member that was already replaced (stalled past its session)
    // is fenced here instead, and its records are left to the new owner.
    await_commit();
    std::vector<PartitionBuffer*> pending;
    for (const TopicPartition& tp : revoked) {
      const auto it = buffers_.find(tp);
      if (it != buffers_.end() && !it->second->empty()) pending.push_back(it->second.get());
    }
    finish_commit(committer_->commit(pending));
    for (const TopicPartition& tp : revoked)
      buffers_.erase(tp);
    last_buffer_ = nullptr;
    spdlog::info("revoked {} partition(s)", revoked.size());
  }

  // The buffer of the message's partition, or null if this member no longer
  // owns it (a record fetched just before a rebalance: its new owner reads
  // it again from the lake's offset, so skipping it loses nothing).
  PartitionBuffer* buffer_for(const kafka::ConsumedRecord& record) {
    // The topic's characters stay where they are between rebalances (both
    // fetches name topics from strings they keep), and a rebalance forgets
    // last_buffer_.
    if (last_buffer_ != nullptr && record.topic.data() == last_topic_ &&
        record.partition == last_buffer_->partition().partition) {
      return last_buffer_;
    }
    TopicPartition tp{std::string(record.topic), record.partition};
    auto it = buffers_.find(tp);
    if (it == buffers_.end()) {
      spdlog::debug("skipping a record of {}[{}], no longer ours", tp.topic, tp.partition.value);
      return nullptr;
    }
    last_topic_ = record.topic.data();
    last_buffer_ = it->second.get();
    return last_buffer_;
  }

  void consume(const kafka::ConsumedRecord& record, UnixMicros ingested_at) {
    PartitionBuffer* owned = buffer_for(record);
    if (owned == nullptr) return;
    PartitionBuffer& buffer = *owned;
    RecordMetadata metadata;
    metadata.topic = buffer.partition().topic;
    metadata.partition = buffer.partition().partition;
    metadata.offset = record.offset;
    if (record.timestamp_ms >= 0) metadata.kafka_timestamp = UnixMicros{record.timestamp_ms * 1000};
    metadata.key = record.key;
    metadata.ingested_at = ingested_at;
    decoder_.decode(buffer.kind(), record.value, metadata, buffer.rows(), buffer.dead_letters());
    buffer.record_consumed(record.offset);
  }

  std::uint64_t held_bytes() const {
    std::uint64_t total = 0;
    for (const auto& [tp, buffer] : buffers_)
      total += buffer->memory_bytes();
    return total;
  }

  // Half the memory budget: the other half is for the commit in flight.
  bool commit_due(steady_clock::time_point now) const {
    bool any = false;
    std::uint64_t total = 0;
    for (const auto& [tp, buffer] : buffers_) {
      if (buffer->empty()) continue;
      any = true;
      const std::uint64_t bytes = buffer->memory_bytes();
      if (bytes >= options_.roll_bytes) return true;
      total += bytes;
    }
    if (!any) return false;
    return total >= options_.max_buffer_bytes / 2 ||
           now - last_commit_time_ >= options_.roll_interval;
  }

  // Hands everything held over to a commit on its own thread; the buffers
  // start empty where the handed-over ranges end. No commit may be in flight.
  void start_commit(steady_clock::time_point now) {
    SMARTCITY_CHECK(!in_flight_, "one commit in flight at a time");
    last_commit_time_ = now;
    CommitInFlight commit;
    std::vector<PartitionBuffer*> pending;
    for (auto& [tp, buffer] : buffers_) {
      if (buffer->empty()) continue;
      commit.buffers.push_back(buffer->hand_over());
      pending.push_back(commit.buffers.back().get());
    }
    if (pending.empty()) return;
    // The committer is touched by the main thread only while nothing is in
    // flight (see await_commit), so this thread has it to itself.
    commit.summary = std::async(std::launch::async, [committer = committer_.get(), pending] {
      return committer->commit(pending);
    });
    in_flight_ = std::move(commit);
  }

  bool commit_finished() const {
    return in_flight_->summary.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
  }

  // Waits for the commit in flight, if any, and takes its outcome in;
  // rethrows its failure. Everything that reads or uses the committer calls
  // this first.
  void await_commit() {
    if (!in_flight_) return;
    // The buffers go only once the commit is done with them, failed or not.
    in_flight_->summary.wait();
    CommitInFlight done = std::move(*in_flight_);
    in_flight_.reset();
    finish_commit(done.summary.get());
  }

  // Commits everything held and waits for it.
  void commit_all(steady_clock::time_point now) {
    await_commit();
    start_commit(now);
    await_commit();
  }

  void finish_commit(const CommitSummary& summary) {
    if (!summary.fenced.empty()) {
      // Another member owns these now (this process was stalled past its
      // session, or cut off): stop reading them until Kafka says otherwise.
      for (const TopicPartition& tp : summary.fenced)
        buffers_.erase(tp);
      last_buffer_ = nullptr;
      spdlog::warn(
          "fenced: {} partition(s) were claimed by another writer; {} record(s) held for them "
          "were not committed (their new owner reads them again)",
          summary.fenced.size(), summary.fenced_records);
    }
    totals_.conflicts += summary.conflicts;
    totals_.fenced_records += summary.fenced_records;
    if (summary.sequence == 0) return;
    totals_.rows += summary.rows;
    totals_.dead_letters += summary.dead_letters;
    totals_.files += summary.files;
    totals_.bytes += summary.bytes;
    ++totals_.commits;
    status_.rows = totals_.rows;
    status_.dead_letters = totals_.dead_letters;
    status_.last_commit_sequence = summary.sequence;
    status_.last_commit_at = committer_->state().last_commit_at;
    spdlog::debug("commit #{}: {} files, {} rows, {} dead letters", summary.sequence, summary.files,
                  summary.rows, summary.dead_letters);
    consumer_->mirror_offsets(committed_offsets());
  }

  std::map<TopicPartition, Offset> committed_offsets() const {
    std::map<TopicPartition, Offset> offsets;
    for (const auto& [tp, buffer] : buffers_) {
      const auto it = committer_->state().offsets.find(tp);
      if (it != committer_->state().offsets.end()) offsets[tp] = it->second;
    }
    return offsets;
  }

  bool read_to_targets() const {
    if (consumer_->assignment().empty()) return false;
    for (const TopicPartition& tp : consumer_->assignment()) {
      const auto target = targets_.find(tp);
      const auto buffer = buffers_.find(tp);
      if (target == targets_.end() || buffer == buffers_.end()) return false;
      if (buffer->second->next() < target->second && target->second.value != 0) return false;
    }
    return true;
  }

  // Done when everything the topics held at start is committed, by this
  // member or by others of its group: a member is not done while partitions
  // it was not given (because members that died had not yet been dropped
  // from the group, or there are more members than partitions) still lag.
  bool caught_up() {
    if (in_flight_) {
      if (!commit_finished()) return false;
      await_commit();
    }
    const auto& committed = committer_->state().offsets;
    const auto reached = [&](const std::map<TopicPartition, Offset>& targets) {
      for (const auto& [tp, target] : targets) {
        if (target.value == 0) continue;  // an empty partition
        const auto done = committed.find(tp);
        if (done == committed.end() || done->second < target) return false;
      }
      return true;
    };
    for (const TopicPartition& tp : consumer_->assignment()) {
      if (!targets_.contains(tp)) return false;  // assigned, its end not known yet
    }
    if (!reached(targets_)) return false;
    const auto now = steady_clock::now();
    if (now - last_catch_up_ < kCatchUpEvery) return false;
    last_catch_up_ = now;
    committer_->catch_up();
    return reached(group_targets_);
  }

  void report_progress(steady_clock::time_point now) {
    const double seconds = std::chrono::duration<double>(now - last_progress_time_).count();
    status_.events_per_second =
        seconds > 0 ? static_cast<double>(totals_.records - records_at_last_progress_) / seconds
                    : 0;
    records_at_last_progress_ = totals_.records;
    last_progress_time_ = now;
    status_.lag.clear();
    for (const TopicPartition& tp : consumer_->assignment()) {
      const std::optional<Offset> end = consumer_->cached_end_offset(tp);
      const auto it = buffers_.find(tp);
      if (!end || it == buffers_.end()) continue;
      status_.lag[tp.topic] += std::max<std::int64_t>(0, end->value - it->second->next().value);
    }
    status_.held_bytes = held_bytes();
    status_.updated_at = clock_->now();
    spdlog::info("{}", progress_line(status_));
    write_status();
  }

  // Both files (see lake/status_files.h); a failure is logged, the stream goes on.
  void write_status() {
    status_.updated_at = clock_->now();
    const std::string json = encode_status_json(status_);
    try {
      storage_->replace(lake::writer_status_path(status_.writer), json);
      storage_->replace(std::string(lake::kStatusPath), json);
    } catch (const StorageError& e) {
      spdlog::warn("cannot write the status file: {}", e.what());
    }
  }

  // Status files that killed writers left behind (a clean stop removes its own).
  void remove_status_of_dead_writers(const std::string& writer_id) {
    try {
      for (const std::string& name : storage_->list(std::string(lake::kWriterStatusFolder))) {
        if (!name.ends_with(".json")) continue;
        const std::string id = name.substr(0, name.size() - std::string_view(".json").size());
        if (id != writer_id && !storage_->writer_is_alive(id)) {
          storage_->remove(lake::writer_status_path(id));
        }
      }
    } catch (const StorageError& e) {
      spdlog::warn("cannot tidy the writers' status files: {}", e.what());
    }
  }

  // A stopped writer adds nothing to the lake's live numbers; status.json
  // keeps its final report.
  void remove_writer_status() {
    try {
      storage_->remove(lake::writer_status_path(status_.writer));
    } catch (const StorageError& e) {
      spdlog::warn("cannot remove this writer's status file: {}", e.what());
    }
  }

  const StreamOptions& options_;
  const Clock* clock_;
  std::unique_ptr<lake::LakeStorage> storage_;
  std::unique_ptr<lake::WriterLease> lease_;
  WriterIsAlive writer_is_alive_;
  std::unique_ptr<LakeCommitter> committer_;
  std::unique_ptr<kafka::KafkaConsumer> consumer_;
  std::map<TopicPartition, std::unique_ptr<PartitionBuffer>> buffers_;
  std::map<TopicPartition, Offset> targets_;        // ends of our assignment
  std::map<TopicPartition, Offset> group_targets_;  // ends of every partition at start
  steady_clock::time_point last_catch_up_{};
  std::optional<steady_clock::time_point> first_read_;
  RecordDecoder decoder_;
  PartitionBuffer* last_buffer_ = nullptr;
  const char* last_topic_ = nullptr;
  // The records of the last poll (their views live until the next).
  kafka::ConsumedBatch polled_;
  StreamStatus status_;
  StreamTotals totals_;
  steady_clock::time_point last_commit_time_;
  steady_clock::time_point last_progress_time_;
  std::uint64_t records_at_last_progress_ = 0;
  // The commit running on its own thread, with the buffers it owns.
  struct CommitInFlight {
    std::vector<std::unique_ptr<PartitionBuffer>> buffers;
    std::future<CommitSummary> summary;
  };
  std::optional<CommitInFlight> in_flight_;
  bool abandoned_ = false;  // being destroyed: see ~StreamRun
};

}  // namespace

namespace {

void add_totals(StreamTotals& sum, const StreamTotals& run) {
  sum.records += run.records;
  sum.rows += run.rows;
  sum.dead_letters += run.dead_letters;
  sum.commits += run.commits;
  sum.files += run.files;
  sum.bytes += run.bytes;
  sum.conflicts += run.conflicts;
  sum.fenced_records += run.fenced_records;
  sum.seconds += run.seconds;
}

}  // namespace

StreamTotals run_stream(const StreamOptions& options, const Clock& clock) {
  return run_stream(options, clock, [&options] {
    return lake::open_lake_storage(options.lake, {.retry_for = options.storage_retry});
  });
}

StreamTotals run_stream(const StreamOptions& options, const Clock& clock,
                        const std::function<std::unique_ptr<lake::LakeStorage>()>& open_storage) {
  const std::string writer_id = lake::new_writer_id();
  StreamTotals totals;
  constexpr std::chrono::seconds kFirstWait{1};
  constexpr std::chrono::seconds kLongestWait{30};
  std::chrono::seconds wait = kFirstWait;
  std::optional<steady_clock::time_point> failing_since;
  bool ran_before = false;
  for (;;) {
    std::unique_ptr<StreamRun> run;
    const auto started = steady_clock::now();
    try {
      run = std::make_unique<StreamRun>(options, clock, open_storage(), writer_id);
      ran_before = true;
      add_totals(totals, run->run());
      return totals;
    } catch (const StorageRefusedError&) {
      throw;  // access denied, no such bucket: waiting changes nothing
    } catch (const StorageError& e) {
      // A lake that fails before any run started is a set-up problem (a
      // folder that cannot be created): say so at once.
      if (!ran_before) throw;
      // The lake failed (a full disk, a store that stays unreachable past the
      // client's own retries). Do what a restart does, without the restart:
      // drop everything uncommitted with this run, then let a new run
      // recover the lake and resume from its committed offsets. Exactly once
      // holds by the same argument as after kill -9.
      if (run) {
        add_totals(totals, run->totals());
        if (run->totals().commits > 0) failing_since.reset();  // it made progress
      }
      run.reset();
      if (!failing_since) {
        failing_since = started;
        wait = kFirstWait;
      }
      const auto failing_for = steady_clock::now() - *failing_since;
      if (failing_for > options.storage_retry) throw;
      spdlog::warn("waiting for the lake {}: {}; starting the stream again in {} s", options.lake,
                   e.what(), wait.count());
      if (ShutdownSignal::wait_for(wait)) return totals;
      wait = std::min(wait * 2, kLongestWait);
    }
  }
}

}  // namespace smartcity::stream
