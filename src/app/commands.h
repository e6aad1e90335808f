// The verbs of the smartcity command line. Each add_*_command adds one
// subcommand to `app`, with its flags, its --help text and a callback that runs
// the verb. A verb reports an operational failure by throwing a typed error
// from base/errors.h; main() turns it into one line and an exit code.
#pragma once

#include <CLI/CLI.hpp>

namespace smartcity::app {

void add_simulate_command(CLI::App& app);
void add_broker_command(CLI::App& app);
void add_stream_command(CLI::App& app);
void add_crawl_command(CLI::App& app);
void add_query_command(CLI::App& app);
void add_serve_command(CLI::App& app);
void add_demo_command(CLI::App& app);

}  // namespace smartcity::app
