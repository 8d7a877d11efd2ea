// expect: mixed \(Concatenate\): branch_a is 17x17x8 but branch_b is 8x8x8; concatenate joins the channels of maps whose height and width agree
// Mistake: concatenating a strided branch with an unstrided one.
#include "constnet/constnet.hpp"
using namespace constnet;
using net = graph<input<17, 17, 3>,
                  conv2d<8, kernel<1>, named<"branch_a">>,
                  conv2d<8, kernel<3>, strides<2>, named<"branch_b">, from<"input_1">>,
                  concatenate<named<"mixed">, from<"branch_a", "branch_b">>>;
static_assert(net::size == 4);
