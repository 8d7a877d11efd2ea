// expect: conv2d \(Conv2D\): reads head, which is layer 3, not declared before it \(layer 1\); a layer reads only earlier layers, so the network has no cycle
// Mistake: a layer reads a layer declared after it, which would make a cycle.
#include "constnet/constnet.hpp"
using namespace constnet;
using net = graph<input<8, 8, 4>,
                  conv2d<4, kernel<3>, same, from<"head">>,
                  conv2d<4, kernel<3>, same>,
                  add<named<"head">, from<"conv2d", "conv2d_1">>>;
static_assert(net::size == 4);
