#include "stream/stream_status.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "events/timestamp.h"

namespace smartcity::stream {
namespace {

std::string iso(UnixMicros t) {
  return t.value == 0 ? "" : events::format_timestamp(t, events::TimestampStyle::kUtcZulu);
}

}  // namespace

std::string encode_status_json(const StreamStatus& status) {
  nlohmann::ordered_json json;
  json["writer"] = status.writer;
  json["state"] = status.state;
  json["started_at"] = iso(status.started_at);
  json["updated_at"] = iso(status.updated_at);
  json["records"] = status.records;
  json["rows"] = status.rows;
  json["dead_letters"] = status.dead_letters;
  json["events_per_second"] = status.events_per_second;
  json["held_bytes"] = status.held_bytes;
  json["last_commit"] = {{"sequence", status.last_commit_sequence},
                         {"at", iso(status.last_commit_at)}};
  json["lag"] = status.lag;
  return json.dump(2) + "\n";
}

std::string progress_line(const StreamStatus& status) {
  std::int64_t total_lag = 0;
  for (const auto& [topic, lag] : status.lag)
    total_lag += lag;
  std::string line = fmt::format(
      "{:.0f} ev/s, {} read, {} rows + {} dead letters committed, lag {}", status.events_per_second,
      status.records, status.rows, status.dead_letters, total_lag);
  if (status.last_commit_sequence != 0) {
    const double age =
        static_cast<double>(status.updated_at.value - status.last_commit_at.value) / 1e6;
    line += fmt::format(", commit #{} {:.1f}s ago", status.last_commit_sequence, age);
  }
  return line;
}

}  // namespace smartcity::stream
