#include "serve/dashboard_server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <sstream>
#include <thread>

#include "base/errors.h"
#include "base/shutdown_signal.h"
#include "query/result_format.h"
#include "serve/lake_api.h"

#ifndef SMARTCITY_SOURCE_DIR
#define SMARTCITY_SOURCE_DIR "."
#endif
#ifndef SMARTCITY_DEFAULT_DEPS_DIR
#define SMARTCITY_DEFAULT_DEPS_DIR ".deps"
#endif

namespace smartcity::serve {
namespace {

constexpr std::size_t kMaxBodyBytes = 64 * 1024;

void send_json(httplib::Response& response, int status, const nlohmann::json& body) {
  response.status = status;
  response.set_content(body.dump(), "application/json");
}

void send_error(httplib::Response& response, int status, const std::string& message) {
  send_json(response, status, {{"error", message}});
}

// JSON by default; CSV (as `smartcity query --format csv` writes it) on request.
void send_result(httplib::Response& response, const query::QueryResult& result, bool csv) {
  if (!csv) {
    send_json(response, 200, result_json(result));
    return;
  }
  std::ostringstream text;
  query::write_result(result, query::ResultFormat::kCsv, text);
  response.set_content(text.str(), "text/csv");
}

std::optional<std::string> param(const httplib::Request& request, const char* name) {
  if (!request.has_param(name)) return std::nullopt;
  const std::string value = request.get_param_value(name);
  if (value.empty()) return std::nullopt;
  return value;
}

// Runs an API handler, turning our typed errors into JSON error responses.
template <typename Handler>
httplib::Server::Handler api(Handler handler) {
  return [handler](const httplib::Request& request, httplib::Response& response) {
    try {
      handler(request, response);
    } catch (const UsageError& e) {
      send_error(response, 400, e.what());
    } catch (const QueryError& e) {
      send_error(response, 400, e.what());
    } catch (const std::exception& e) {
      send_error(response, 500, e.what());
    }
  };
}

}  // namespace

bool is_loopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.starts_with("127.");
}

void run_dashboard_server(const ServerOptions& options) {
  if (!is_loopback(options.host) && options.token.empty()) {
    throw UsageError("--host " + options.host +
                     " is not a loopback address: give --token (or SMARTCITY_TOKEN) so that "
                     "only callers with it can read the lake");
  }
  const std::filesystem::path web = options.web_dir.empty()
                                        ? std::filesystem::path(SMARTCITY_SOURCE_DIR) / "web"
                                        : options.web_dir;
  const std::filesystem::path vendor =
      options.vendor_dir.empty()
          ? std::filesystem::path(SMARTCITY_DEFAULT_DEPS_DIR) / "node" / "node_modules"
          : options.vendor_dir;
  auto lake = std::make_shared<LakeApi>(options.lake);
  (void)lake->pipeline();  // fails early on an unreadable lake folder

  httplib::Server server;
  server.set_payload_max_length(kMaxBodyBytes);
  const std::string token = options.token;
  server.set_pre_routing_handler(
      [token](const httplib::Request& request, httplib::Response& response) {
        const bool protected_path = request.path.starts_with("/api/") || request.path == "/metrics";
        if (!token.empty() && protected_path &&
            request.get_header_value("Authorization") != "Bearer " + token) {
          send_error(response, 401, "missing or wrong bearer token");
          return httplib::Server::HandlerResponse::Handled;
        }
        return httplib::Server::HandlerResponse::Unhandled;
      });

  server.Get("/api/health", api([&](const httplib::Request&, httplib::Response& response) {
               send_json(response, 200, {{"status", "ok"}, {"lake", options.lake}});
             }));
  server.Get("/api/tables", api([lake](const httplib::Request&, httplib::Response& response) {
               send_json(response, 200, lake->tables());
             }));
  server.Get(R"(/api/reports/([a-z\-]+))",
             api([lake](const httplib::Request& request, httplib::Response& response) {
               ReportFilters filters;
               filters.from = param(request, "from");
               filters.to = param(request, "to");
               filters.device = param(request, "device");
               filters.condition = param(request, "condition");
               filters.incident_type = param(request, "incident_type");
               filters.status = param(request, "status");
               const std::string name = request.matches[1];
               if (!query::report_sql(name)) {
                 send_error(response, 404, "no report named " + name);
                 return;
               }
               send_result(response, lake->report(name, filters),
                           request.get_param_value("format") == "csv");
             }));
  server.Get("/api/vehicles/latest",
             api([lake](const httplib::Request&, httplib::Response& response) {
               send_json(response, 200, lake->latest_vehicles());
             }));
  server.Get("/api/vehicles/tracks",
             api([lake](const httplib::Request& request, httplib::Response& response) {
               int points = 60;
               if (const auto given = param(request, "points")) {
                 try {
                   points = std::stoi(*given);
                 } catch (const std::exception&) {
                   points = -1;
                 }
                 if (points < 2 || points > 1000) {
                   send_error(response, 400, "points must be a number from 2 to 1000");
                   return;
                 }
               }
               send_json(response, 200, lake->vehicle_tracks(points));
             }));
  server.Get("/api/pipeline", api([lake](const httplib::Request&, httplib::Response& response) {
               send_json(response, 200, lake->pipeline());
             }));
  server.Post("/api/query",
              api([lake](const httplib::Request& request, httplib::Response& response) {
                nlohmann::json body;
                try {
                  body = nlohmann::json::parse(request.body);
                } catch (const nlohmann::json::exception&) {
                  send_error(response, 400, "the body must be JSON: {\"sql\": \"...\"}");
                  return;
                }
                if (!body.is_object() || !body.contains("sql") || !body["sql"].is_string()) {
                  send_error(response, 400, "the body must be {\"sql\": \"...\"}");
                  return;
                }
                send_result(response, lake->sql(body["sql"].get<std::string>()),
                            body.value("format", "json") == "csv");
              }));
  server.Get("/metrics", api([lake](const httplib::Request&, httplib::Response& response) {
               response.set_content(lake->metrics(), "text/plain; version=0.0.4");
             }));
  server.Get(R"(/api/.*)", [](const httplib::Request&, httplib::Response& response) {
    send_error(response, 404, "no such API endpoint");
  });
  // Static files: httplib refuses paths that climb out of a mount point.
  if (!server.set_mount_point("/vendor", vendor.string())) {
    spdlog::warn("no npm packages in {} (run scripts/install-deps): charts will not load",
                 vendor.string());
  }
  if (!server.set_mount_point("/", web.string())) {
    throw IoError("the dashboard's files are not in " + web.string());
  }
  server.set_error_handler([](const httplib::Request& request, httplib::Response& response) {
    if (response.body.empty()) {
      send_error(response, response.status, "cannot " + request.method + " " + request.path);
    }
  });

  if (!server.bind_to_port(options.host, options.port)) {
    throw IoError("cannot listen on " + options.host + ":" + std::to_string(options.port) +
                  " (in use?); choose another with --port");
  }
  spdlog::info("dashboard at http://{}:{}/ (lake {}); Ctrl-C stops it",
               options.host == "::1" ? "[::1]" : options.host, options.port, options.lake);
  std::thread stopper([&server] {
    while (!ShutdownSignal::wait_for(std::chrono::milliseconds(200))) {
    }
    server.stop();
  });
  server.listen_after_bind();
  ShutdownSignal::request();
  stopper.join();
}

}  // namespace smartcity::serve
