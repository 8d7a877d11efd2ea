#pragma once
// The zoo's large graph networks (ResNet, MobileNet, Inception, Xception) have each command that builds a
// model compiled in a translation unit of its own (zoo_part_<network>.cpp): a 300-layer network's model
// and gradient model take tens of seconds and most of a gigabyte to compile, so one TU for the whole zoo
// would take many minutes on one core and several gigabytes. main.cpp declares these instantiations
// extern; the part files define them, in parallel with the rest of the build.

#include "explain_commands.hpp"
#include "run_commands.hpp"

/// The commands whose body depends on the network, for one network: `extern template` or `template`.
#define CONSTNET_CLI_NETWORK_COMMANDS(how, network)                                   \
  how int constnet::cli::predict_on<network>(const constnet::cli::arguments&);       \
  how int constnet::cli::features_on<network>(const constnet::cli::arguments&);      \
  how int constnet::cli::filters_on<network>(const constnet::cli::arguments&);       \
  how int constnet::cli::maximize_on<network>(const constnet::cli::arguments&);

#define CONSTNET_CLI_EXTERN(network) CONSTNET_CLI_NETWORK_COMMANDS(extern template, network)
#define CONSTNET_CLI_DEFINE(network) CONSTNET_CLI_NETWORK_COMMANDS(template, network)

/// Every network compiled apart; each has a zoo_part_*.cpp that applies CONSTNET_CLI_DEFINE to it.
#define CONSTNET_CLI_SEPARATE_NETWORKS(apply) \
  apply(constnet::models::inception_v3)       \
  apply(constnet::models::xception)
