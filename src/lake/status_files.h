// Where streams report their live numbers inside a lake. Every stream writes
// `_smartcity/status.json` (the latest report of any stream: what one stream
// shows, and what `cat` shows) and, while it runs, its own
// `_smartcity/status/<writer id>.json`, removed when it stops cleanly. Several
// processes share one lake in a consumer group; only the per-writer files let
// a reader (`serve`) add their numbers up instead of showing whichever wrote
// last.
#pragma once

#include <string>
#include <string_view>

namespace smartcity::lake {

inline constexpr std::string_view kStatusPath = "_smartcity/status.json";
inline constexpr std::string_view kWriterStatusFolder = "_smartcity/status";

// "_smartcity/status/<writer_id>.json"
inline std::string writer_status_path(std::string_view writer_id) {
  return std::string(kWriterStatusFolder) + "/" + std::string(writer_id) + ".json";
}

}  // namespace smartcity::lake
