// expect: input_2 \(InputLayer\): input<> can only be the first layer, but it is layer 2
// Mistake: a second input<> in the middle of the network.
#include "constnet/constnet.hpp"
using namespace constnet;
using net = sequential<input<32, 32, 3>, conv2d<8, kernel<3>>, input<30, 30, 8>, flatten<>>;
static_assert(net::size == 4);
