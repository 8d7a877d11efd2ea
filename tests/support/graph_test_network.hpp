#pragma once
// The small graph the graph and gradient suites share: a stem that feeds three layers (one a batch_norm
// without gamma, which then cannot run in place), a three-input add (a residual block with an identity
// shortcut), map and vector concatenations, a flatten whose output feeds two dense layers.

#include "constnet/constnet.hpp"

namespace constnet::testing {

using net_g = graph<
    input<8, 7, 3>,
    conv2d<4, kernel<3>, same, act::relu, named<"stem">>,
    conv2d<4, kernel<3>, same, act::tanh, named<"branch">>,
    batch_norm<no_scale, named<"bn">, from<"stem">>,
    add<named<"sum">, from<"branch", "bn", "stem">>,
    activation_layer<act::relu, named<"sum_relu">>,
    max_pool<pool_size<2>, named<"pool">>,
    conv2d<3, kernel<1>, act::sigmoid, named<"side">, from<"sum_relu">>,
    avg_pool<pool_size<2>, named<"side_pool">>,
    concatenate<named<"cat">, from<"pool", "side_pool">>,
    flatten<named<"flat">>,
    dense<5, act::tanh, named<"fc_a">>,
    dense<3, act::sigmoid, named<"fc_b">, from<"flat">>,
    global_avg_pool<named<"gap">, from<"cat">>,
    concatenate<named<"heads">, from<"fc_a", "fc_b", "gap">>,
    dense<4, act::softmax, named<"classes">>>;

}  // namespace constnet::testing
