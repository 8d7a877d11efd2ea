// expect: count_padding only applies to average and mixed pooling
// Mistake: count_padding on max_pool (padded cells never win a max, so it means nothing there).
#include "constnet/constnet.hpp"
using namespace constnet;
using net = sequential<input<8, 8, 3>, max_pool<pad<1>, count_padding>>;
static_assert(net::size == 2);
