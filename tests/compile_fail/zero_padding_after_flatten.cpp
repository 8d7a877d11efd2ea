// expect: zero_padding2d \(ZeroPadding2D\): needs an H x W x C feature map, but its input is a flat vector of 48 features
// Mistake: zero padding a flat vector (there are no rows or columns to pad).
#include "constnet/constnet.hpp"
using namespace constnet;
using net = sequential<input<4, 4, 3>, flatten<>, zero_padding2d<pad<1>>>;
static_assert(net::size == 3);
