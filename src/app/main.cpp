// The one place errors become exit codes: 0 success, 1 an operational failure
// (one line on stderr), 2 a bad flag or argument (the line plus a usage hint).
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "app/commands.h"
#include "app/registered_commands.h"
#include "base/errors.h"
#include "base/shutdown_signal.h"

namespace {

// The deepest subcommand the user named, for a usage hint that fits.
std::string command_path(CLI::App& app) {
  std::string path = app.get_name();
  CLI::App* current = &app;
  while (true) {
    auto chosen = current->get_subcommands();
    if (chosen.empty()) break;
    current = chosen.front();
    path += " " + current->get_name();
  }
  return path;
}

void print_error(const std::string& message) {
  std::fprintf(stderr, "smartcity: error: %s\n", message.c_str());
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{
      "smartcity: a real-time smart-city data platform.\n"
      "Simulated city events flow through Kafka into a Parquet lake you can query and watch.",
      "smartcity"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "smartcity 0.1.0");
  bool verbose = false;
  bool quiet = false;
  app.add_flag("-v,--verbose", verbose, "Log debug detail to stderr");
  app.add_flag("-q,--quiet", quiet, "Log only warnings and errors");
  // The AWS tools' AWS_ENDPOINT_URL, as a flag: set before any lake opens, so
  // every verb that takes an s3:// --lake reads it the same way.
  app.add_option_function<std::string>(
      "--s3-endpoint", [](const std::string& url) { ::setenv("AWS_ENDPOINT_URL", url.c_str(), 1); },
      "S3-compatible endpoint for s3:// lakes (e.g. http://127.0.0.1:9000); "
      "default $AWS_ENDPOINT_URL or AWS");
  app.fallthrough();
  app.footer("Run 'smartcity VERB --help' for the flags of one verb.");
  smartcity::app::add_registered_commands(app);

  auto logger = spdlog::stderr_color_mt("smartcity");
  logger->set_pattern("%H:%M:%S %^%-5l%$ %v");
  spdlog::set_default_logger(logger);
  app.parse_complete_callback([&] {
    spdlog::set_level(verbose ? spdlog::level::debug
                      : quiet ? spdlog::level::warn
                              : spdlog::level::info);
  });
  smartcity::ShutdownSignal::install();

  try {
    app.parse(argc, argv);
    return 0;
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    print_error(e.what());
    std::fprintf(stderr, "Usage: %s [OPTIONS]; run '%s --help' for details.\n",
                 command_path(app).c_str(), command_path(app).c_str());
    return 2;
  } catch (const smartcity::UsageError& e) {
    print_error(e.what());
    std::fprintf(stderr, "Run '%s --help' for usage.\n", command_path(app).c_str());
    return 2;
  } catch (const smartcity::Error& e) {
    print_error(e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "smartcity: internal error (please report): %s\n", e.what());
    return 70;
  }
}
