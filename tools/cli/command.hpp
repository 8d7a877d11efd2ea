#pragma once
// One subcommand of the `constnet` tool: its documented options and what it does.

#include <functional>

#include "command_line.hpp"

namespace constnet::cli {

struct command {
  command_spec spec;
  std::function<int(const arguments&)> run;  // returns the exit status
};

}  // namespace constnet::cli
