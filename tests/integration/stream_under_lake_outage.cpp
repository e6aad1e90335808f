// Runs smartcity's stream against the real Kafka broker of a test, into a
// local lake seen through the fault-injecting storage, and switches an
// outage on and off while it runs: every storage call fails from
// OUTAGE_AT_S for OUTAGE_S seconds (every storage the stream opens during
// it too), then the stream runs on until RUN_S and stops as on Ctrl-C.
// tests/integration/test_stream_lake_outage.py checks the lake afterwards.
//
// Usage: stream_under_lake_outage BROKERS LAKE OUTAGE_AT_S OUTAGE_S RUN_S
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <thread>

#include "base/errors.h"
#include "base/shutdown_signal.h"
#include "lake/faulty_lake_storage.h"
#include "lake/local_lake_storage.h"
#include "stream/stream_job.h"

int main(int argc, char** argv) {
  using namespace smartcity;
  if (argc != 6) {
    std::fprintf(stderr, "usage: %s BROKERS LAKE OUTAGE_AT_S OUTAGE_S RUN_S\n", argv[0]);
    return 2;
  }
  const auto seconds = [](const char* text) { return std::chrono::seconds(std::atoi(text)); };
  stream::StreamOptions options;
  options.brokers = argv[1];
  options.lake = argv[2];
  options.roll_interval = std::chrono::milliseconds(300);
  options.progress_interval = std::chrono::seconds(1);
  lake::LocalLakeStorage local(options.lake);
  auto outage = std::make_shared<std::atomic<bool>>(false);

  std::thread schedule([&] {
    std::this_thread::sleep_for(seconds(argv[3]));
    spdlog::warn("test: the lake's storage fails from now on");
    *outage = true;
    std::this_thread::sleep_for(seconds(argv[4]));
    spdlog::warn("test: the lake's storage works again");
    *outage = false;
    std::this_thread::sleep_for(seconds(argv[5]) - seconds(argv[3]) - seconds(argv[4]));
    ShutdownSignal::request();
  });
  int exit_code = 0;
  try {
    const stream::StreamTotals totals =
        stream::run_stream(options, system_clock(), [&]() -> std::unique_ptr<lake::LakeStorage> {
          auto storage = std::make_unique<lake::FaultyLakeStorage>(local, UINT64_MAX);
          storage->fail_while(outage);
          return storage;
        });
    std::printf("{\"records\": %llu, \"commits\": %llu}\n",
                static_cast<unsigned long long>(totals.records),
                static_cast<unsigned long long>(totals.commits));
  } catch (const Error& e) {
    std::fprintf(stderr, "stream_under_lake_outage: %s\n", e.what());
    exit_code = 1;
  }
  schedule.join();
  return exit_code;
}
