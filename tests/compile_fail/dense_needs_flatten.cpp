// expect: dense \(Dense\): dense after a 26x26x8 feature map needs flatten
// Mistake: dense directly after a conv; a feature map must be flattened (or globally pooled) first.
#include "constnet/constnet.hpp"
using namespace constnet;
using net = sequential<input<28, 28, 1>, conv2d<8, kernel<3>>, dense<10>>;
static_assert(net::size == 3);
