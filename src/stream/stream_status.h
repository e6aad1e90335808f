// The stream's live numbers: printed as a progress line on stderr and kept in
// the lake's status files (lake/status_files.h) for `serve` and for people.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "base/clock.h"

namespace smartcity::stream {

struct StreamStatus {
  std::string writer;  // this process's writer id
  std::string state;   // "starting", "running", "stopped"
  UnixMicros started_at;
  UnixMicros updated_at;
  std::uint64_t records = 0;       // consumed since start
  std::uint64_t rows = 0;          // committed since start
  std::uint64_t dead_letters = 0;  // committed since start
  double events_per_second = 0;    // over the last progress interval
  std::uint64_t last_commit_sequence = 0;
  UnixMicros last_commit_at;
  std::map<std::string, std::int64_t> lag;  // per topic, records not yet read
  std::uint64_t held_bytes = 0;             // decoded, not yet committed
};

std::string encode_status_json(const StreamStatus& status);

// "12,345 ev/s · 1.2M read · lag vehicle_data=10 … · 3 dead · commit #42 2s ago"
std::string progress_line(const StreamStatus& status);

}  // namespace smartcity::stream
