// `smartcity serve`: the HTTP API and the dashboard page (files in web/),
// on cpp-httplib. Loopback by default; on any other address it refuses to
// start without a token, and then every /api and /metrics call must carry
// "Authorization: Bearer <token>".
#pragma once

#include <filesystem>
#include <string>

namespace smartcity::serve {

struct ServerOptions {
  std::string lake;
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string token;                 // required unless host is loopback
  std::filesystem::path web_dir;     // the page; empty: the source tree's web/
  std::filesystem::path vendor_dir;  // npm packages (ECharts); empty: .deps/node/node_modules
};

// Serves until ShutdownSignal. Throws UsageError (bad host/token), or
// IoError if the port cannot be bound.
void run_dashboard_server(const ServerOptions& options);

// True for 127.0.0.0/8, ::1 and "localhost".
bool is_loopback(const std::string& host);

}  // namespace smartcity::serve
