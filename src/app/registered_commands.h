// Which verbs this build offers. A verb appears here once its stage works; the
// list is the single place to add one.
#pragma once

#include <CLI/CLI.hpp>

namespace smartcity::app {

void add_registered_commands(CLI::App& app);

}  // namespace smartcity::app
