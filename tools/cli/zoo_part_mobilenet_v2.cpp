// The commands of `constnet` for MobileNetV2, compiled apart (see zoo_parts.hpp).
#include "zoo_parts.hpp"
CONSTNET_CLI_DEFINE(constnet::models::mobilenet_v2)
