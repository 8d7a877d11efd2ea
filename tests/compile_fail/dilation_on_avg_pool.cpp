// expect: dilation<> only applies to max_pool: PyTorch's AvgPool2d has no dilation
// Mistake: a dilated average pool (PyTorch's and ONNX's average pools have no dilation to import).
#include "constnet/constnet.hpp"
using namespace constnet;
using net = sequential<input<8, 8, 3>, avg_pool<pool_size<2>, dilation<2>>>;
static_assert(net::size == 2);
