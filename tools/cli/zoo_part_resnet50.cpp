// The commands of `constnet` for ResNet50, compiled apart (see zoo_parts.hpp).
#include "zoo_parts.hpp"
CONSTNET_CLI_DEFINE(constnet::models::resnet50)
