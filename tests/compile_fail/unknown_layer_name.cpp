// expect: no layer is named block1_con1; the closest name is block1_conv1
// Mistake: a misspelt layer name in Net::index_of<"...">.
#include "constnet/constnet.hpp"
using namespace constnet;
using net = sequential<input<32, 32, 3>, conv2d<8, kernel<3>, same, named<"block1_conv1">>,
                       conv2d<8, kernel<3>, same, named<"block1_conv2">>>;
static_assert(net::index_of<"block1_con1"> == 1);
