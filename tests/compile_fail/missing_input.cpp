// expect: conv2d \(Conv2D\): a network starts with input<H, W, C>
// Mistake: the network has no input<> layer at all.
#include "constnet/constnet.hpp"
using namespace constnet;
using net = sequential<conv2d<8, kernel<3>>, flatten<>, dense<10>>;
static_assert(net::size == 3);
