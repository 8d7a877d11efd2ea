// The commands of `constnet` for InceptionV3, compiled apart (see zoo_parts.hpp).
#include "zoo_parts.hpp"
CONSTNET_CLI_DEFINE(constnet::models::inception_v3)
