// expect: conv2d \(Conv2D\): a 5x5 kernel does not fit the 4x4 padded input \(2x2 plus padding\)
// Mistake: pad<1> makes a 2x2 input 4x4, still too small for a 5x5 kernel.
#include "constnet/constnet.hpp"
using namespace constnet;
using net = sequential<input<2, 2, 3>, conv2d<8, kernel<5>, pad<1>>>;
static_assert(net::size == 2);
