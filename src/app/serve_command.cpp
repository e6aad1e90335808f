#include <cstdlib>

#include "app/commands.h"
#include "serve/dashboard_server.h"

namespace smartcity::app {

void add_serve_command(CLI::App& app) {
  auto options = std::make_shared<serve::ServerOptions>();
  CLI::App* command = app.add_subcommand(
      "serve",
      "Serve the live dashboard and its JSON API over the lake (replaces Power BI).\n"
      "Example: smartcity serve --lake ./lake   then open http://127.0.0.1:8080/");
  command->add_option("--lake", options->lake, "Lake folder or s3://bucket/prefix")->required();
  command->add_option("--host", options->host, "Address to listen on")->capture_default_str();
  command->add_option("--port", options->port, "Port")
      ->capture_default_str()
      ->check(CLI::Range(1, 65535));
  command->add_option("--token", options->token,
                      "Bearer token every API call must carry (default: $SMARTCITY_TOKEN); "
                      "required off loopback");
  command->add_option("--web", options->web_dir, "Folder of the page (default: web/)");
  command->callback([options] {
    if (options->token.empty()) {
      if (const char* token = std::getenv("SMARTCITY_TOKEN"); token && *token) {
        options->token = token;
      }
    }
    serve::run_dashboard_server(*options);
  });
}

}  // namespace smartcity::app
