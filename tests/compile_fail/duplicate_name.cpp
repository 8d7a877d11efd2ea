// expect: the layer name block1_conv1 is used twice: by layer 1 \(Conv2D\) and layer 2 \(Conv2D\)
// Mistake: two layers given the same name (a copy-pasted named<> that was not renamed).
#include "constnet/constnet.hpp"
using namespace constnet;
using net = sequential<input<32, 32, 3>, conv2d<8, kernel<3>, same, named<"block1_conv1">>,
                       conv2d<8, kernel<3>, same, named<"block1_conv1">>>;
static_assert(net::size == 3);
