#include "app/registered_commands.h"

#include "app/commands.h"

namespace smartcity::app {

void add_registered_commands([[maybe_unused]] CLI::App& app) {}

}  // namespace smartcity::app
