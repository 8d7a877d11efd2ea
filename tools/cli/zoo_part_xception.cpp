// The commands of `constnet` for Xception, compiled apart (see zoo_parts.hpp).
#include "zoo_parts.hpp"
CONSTNET_CLI_DEFINE(constnet::models::xception)
