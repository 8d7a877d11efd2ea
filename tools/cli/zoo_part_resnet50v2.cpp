// The commands of `constnet` for ResNet50V2, compiled apart (see zoo_parts.hpp).
#include "zoo_parts.hpp"
CONSTNET_CLI_DEFINE(constnet::models::resnet50v2)
