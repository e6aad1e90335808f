// `smartcity stream`: consume the five topics as one consumer-group member,
// decode, batch per partition, and commit to the lake exactly once.
//
// One thread consumes and decodes. A commit takes what is held and runs on
// its own thread (encoding files on a few worker threads) while consumption
// goes on into fresh buffers. One commit is in flight at a time, and each
// holds at most half the memory budget: when the next half fills up before
// the commit ends, reading waits for it, which is the back-pressure.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "base/clock.h"
#include "lake/lake_storage.h"

namespace smartcity::stream {

struct StreamOptions {
  std::string brokers;
  std::string lake;
  std::string group_id = "smartcity-stream";
  // A file is cut when its partition's rows take this much memory.
  std::uint64_t roll_bytes = 128ull << 20;
  // Everything held is committed at least this often, even when idle.
  std::chrono::milliseconds roll_interval = std::chrono::seconds(60);
  // Upper bound on decoded rows held in memory, the commit in flight
  // included; half of it forces a commit.
  std::uint64_t max_buffer_bytes = 256ull << 20;
  // Kafka records fetched ahead of decoding (librdkafka's queue, payloads
  // counted). librdkafka 2.0 stops fetching for a second whenever this is
  // full, so it must hold about a second of reading: with 64 MiB the stream
  // found the queue empty about 40% of the time at 500,000 events/s.
  std::uint64_t prefetch_bytes = 256ull << 20;
  // Who reads the records: the direct fetch (`kafka/direct_fetcher`, a
  // quarter of librdkafka's CPU per record), librdkafka's fetcher, or auto:
  // direct unless `kafka_properties` asks for TLS, SASL or read_committed,
  // which only librdkafka does (kafka::direct_fetch_speaks).
  enum class Fetch { kAuto, kDirect, kLibrdkafka };
  Fetch fetch = Fetch::kAuto;
  // Stop once everything present in the topics at start is committed.
  bool until_caught_up = false;
  unsigned writer_threads = 2;
  std::chrono::milliseconds progress_interval = std::chrono::seconds(5);
  std::map<std::string, std::string> kafka_properties;
  // How long a lake on an object store may stay unreachable (each call
  // retries with backoff, saying what it waits for) before the stream stops.
  std::chrono::seconds storage_retry = std::chrono::minutes(10);
};

struct StreamTotals {
  std::uint64_t records = 0;
  std::uint64_t rows = 0;
  std::uint64_t dead_letters = 0;
  std::uint64_t commits = 0;
  std::uint64_t files = 0;
  std::uint64_t bytes = 0;
  // Commits retried because another writer took the sequence number first.
  std::uint64_t conflicts = 0;
  // Records held for partitions another writer took over, left to it.
  std::uint64_t fenced_records = 0;
  // From the first record read (the group joined) to the last commit.
  double seconds = 0;
};

// Runs until Ctrl-C (ShutdownSignal) or, with until_caught_up, until caught
// up; commits what it holds before returning. Throws the typed errors of
// base/errors.h for operational failures.
//
// A lake that fails (StorageError) does not stop it at once: the run is
// dropped with everything uncommitted, and a new one recovers the lake and
// resumes from its committed offsets, after waits of 1, 2, 4 … 30 s, logging
// "waiting for the lake". It gives up, rethrowing, once the lake has failed
// for options.storage_retry with no commit in between, and at once when the
// very first run cannot start or the store refuses for good
// (StorageRefusedError: access denied, no such bucket).
StreamTotals run_stream(const StreamOptions& options, const Clock& clock = system_clock());

// The same, with every run's lake storage opened by `open_storage` (tests
// hand in fault-injecting storage here).
StreamTotals run_stream(const StreamOptions& options, const Clock& clock,
                        const std::function<std::unique_ptr<lake::LakeStorage>()>& open_storage);

}  // namespace smartcity::stream
