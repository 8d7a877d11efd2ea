// expect: global_average_pooling2d \(GlobalAveragePooling2D\): needs an H x W x C feature map, but its input is a flat vector of 48 features
// Mistake: a global pool after flatten (the map is already a vector).
#include "constnet/constnet.hpp"
using namespace constnet;
using net = sequential<input<4, 4, 3>, flatten<>, global_avg_pool<>>;
static_assert(net::size == 3);
