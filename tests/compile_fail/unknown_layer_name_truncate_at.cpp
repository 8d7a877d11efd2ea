// expect: no layer is named block1_con1; the closest name is block1_conv1
// Mistake: a misspelt layer name in truncate_at<Net, "...">.
#include "constnet/constnet.hpp"
using namespace constnet;
using net = sequential<input<32, 32, 3>, conv2d<8, kernel<3>, same, named<"block1_conv1">>,
                       conv2d<8, kernel<3>, same, named<"block1_conv2">>>;
using features = truncate_at<net, "block1_con1">;
static_assert(features::size == 2);
