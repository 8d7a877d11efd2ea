// expect: add \(Add\): reads conv2_blok1_0_bn, but no layer is named conv2_blok1_0_bn; the closest name is conv2_block1_0_bn
// Mistake: from<> names a layer that does not exist (a typo).
#include "constnet/constnet.hpp"
using namespace constnet;
using net = graph<input<8, 8, 4>,
                  conv2d<4, kernel<1>, named<"conv2_block1_0_conv">>,
                  batch_norm<named<"conv2_block1_0_bn">>,
                  conv2d<4, kernel<3>, same, named<"conv2_block1_1_conv">, from<"input_1">>,
                  add<from<"conv2_blok1_0_bn", "conv2_block1_1_conv">>>;
static_assert(net::size == 5);
