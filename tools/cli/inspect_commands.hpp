#pragma once
// `constnet models` and `constnet summary MODEL`: what the zoo holds and what a network looks like,
// without weights.

#include <cstdio>
#include <iostream>
#include <string>

#include "command.hpp"
#include "constnet/models/zoo.hpp"
#include "constnet/network/summary.hpp"

namespace constnet::cli {

inline command models_command() {
  return {{"models", "", "List the networks compiled into this tool (the model zoo).", "", {}},
          [](const arguments&) {
            for (std::size_t i = 0; i < models::zoo_size; ++i)
              std::printf("%-20s %s\n", std::string(models::zoo_names[i]).c_str(),
                          std::string(models::zoo_descriptions[i]).c_str());
            return 0;
          }};
}

inline command summary_command() {
  return {{"summary", "MODEL",
           "Print a network's layers, output shapes, parameters, receptive fields, MACs and activation memory.",
           "MODEL is a name from `constnet models`. Everything printed is computed at compile time.",
           {}},
          [](const arguments& args) {
            models::with_zoo_network(args.positionals()[0], [](auto network) {
              summary<typename decltype(network)::type>(std::cout);
            });
            return 0;
          }};
}

}  // namespace constnet::cli
