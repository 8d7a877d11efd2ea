// expect: zero_padding2d takes pad<p>, pad<ph, pw> or pad<top, bottom, left, right>
// Mistake: 'same' given to zero_padding2d, which has no window to place.
#include "constnet/constnet.hpp"
using namespace constnet;
using net = sequential<input<4, 4, 3>, zero_padding2d<same>>;
static_assert(net::size == 2);
