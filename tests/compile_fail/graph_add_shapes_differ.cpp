// expect: shortcut_add \(Add\): block_in is 16x16x32 but block_conv2 is 16x16x64; add needs inputs of one shape
// Mistake: a residual add whose branches disagree in channels (the shortcut needs a 1x1 projection).
#include "constnet/constnet.hpp"
using namespace constnet;
using net = graph<input<16, 16, 32, named<"block_in">>,
                  conv2d<64, kernel<3>, same, act::relu, named<"block_conv1">>,
                  conv2d<64, kernel<3>, same, named<"block_conv2">>,
                  add<named<"shortcut_add">, from<"block_in", "block_conv2">>>;
static_assert(net::size == 4);
