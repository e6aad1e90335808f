#include "app/registered_commands.h"

#include "app/commands.h"

namespace smartcity::app {

void add_registered_commands(CLI::App& app) {
  add_simulate_command(app);
  add_broker_command(app);
  add_stream_command(app);
  add_crawl_command(app);
  add_query_command(app);
  add_serve_command(app);
  add_demo_command(app);
}

}  // namespace smartcity::app
