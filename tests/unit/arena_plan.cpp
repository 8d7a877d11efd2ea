// The compile-time arena planner: lifetimes, sharing, taps, aliasing, in-place layers, scratch, and
// that buffers alive at the same time never overlap in memory.

#include <boost/test/unit_test.hpp>

#include <array>
#include <vector>

#include "constnet/constnet.hpp"
#include "constnet/core/random.hpp"
#include "constnet/models/seed_cnns.hpp"
#include "constnet/models/vgg.hpp"

using namespace constnet;

namespace {

/// A chain of layers with the given output sizes (flat vectors), each reading the one before and writing
/// a separate tensor unless told otherwise: enough to drive plan_arena without declaring network types.
template <std::size_t N>
constexpr std::array<layer_facts, N> chain(const std::array<std::size_t, N>& floats, const std::array<buffer_use, N>& uses) {
  std::array<layer_facts, N> facts{};
  for (std::size_t i = 0; i < N; ++i) {
    facts[i].index = i;
    facts[i].output = features(floats[i]);
    facts[i].buffers = uses[i];
    if (i > 0) {
      facts[i].inputs.index[0] = i - 1;
      facts[i].inputs.count = 1;
      facts[i].input = facts[i - 1].output;
      facts[i - 1].consumers = 1;
    }
  }
  return facts;
}

template <std::size_t N>
void check_no_overlap(const arena_plan<N>& p) {
  for (std::size_t a = 0; a < p.buffer_count; ++a) {
    const auto& x = p.buffers[a];
    BOOST_TEST(x.offset % arena_alignment == 0u);
    BOOST_TEST(x.offset + x.bytes <= p.arena_bytes);
    for (std::size_t b = a + 1; b < p.buffer_count; ++b) {
      const auto& y = p.buffers[b];
      const bool alive_together = x.first <= y.last && y.first <= x.last;
      const bool share_memory = x.offset < y.offset + y.bytes && y.offset < x.offset + x.bytes;
      BOOST_TEST(!(alive_together && share_memory), "buffers " << a << " and " << b << " collide");
    }
  }
  BOOST_TEST(p.arena_bytes >= p.lower_bound);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(arena_plan)

BOOST_AUTO_TEST_CASE(vgg16_reaches_the_lower_bound) {
  using m = model<models::vgg16>;
  check_no_overlap(m::plan);
  // 24.5 MiB of activations and block1_conv2's kernel scratch (Winograd's per-thread blocks).
  BOOST_TEST(m::arena_bytes == 25'690'112u + m::plan.scratch_bytes[models::vgg16::index_of<"block1_conv2">]);
  BOOST_TEST(m::arena_bytes == m::plan.lower_bound);
  // block1_conv1 and block1_conv2 live together, so they never share memory.
  BOOST_TEST(m::plan.tensor_offset[1] != m::plan.tensor_offset[2]);
  // flatten is its input buffer.
  constexpr std::size_t flatten = models::vgg16::index_of<"flatten">;
  BOOST_TEST(m::plan.tensor_buffer[flatten] == m::plan.tensor_buffer[flatten - 1]);
}

BOOST_AUTO_TEST_CASE(taps_stay_alive_to_the_end) {
  // The reference kernels need no scratch, so only the taps make the two plans differ.
  using tapped = model<models::vgg16_at<64, 64, 10>, taps<"block1_conv1", "block3_conv2">, kernels::reference_only>;
  using plain = model<models::vgg16_at<64, 64, 10>, kernels::reference_only>;
  check_no_overlap(tapped::plan);
  const auto& p = tapped::plan;
  for (std::size_t tap : {std::size_t{1}, models::vgg16::index_of<"block3_conv2">}) {
    const auto& b = p.buffers[p.tensor_buffer[tap]];
    BOOST_TEST(b.last == tapped::layers);
    // No later tensor is placed over a tap.
    for (std::size_t i = tap + 1; i < tapped::layers; ++i) {
      if (p.tensor_buffer[i] == p.tensor_buffer[tap]) continue;
      const auto& other = p.buffers[p.tensor_buffer[i]];
      BOOST_TEST(!(other.offset < b.offset + b.bytes && b.offset < other.offset + other.bytes));
    }
  }
  BOOST_TEST(tapped::arena_bytes > plain::arena_bytes);
}

BOOST_AUTO_TEST_CASE(batch_norm_runs_in_place_unless_its_input_is_a_tap) {
  using net = models::bn_cnn_64;
  constexpr std::size_t conv = net::index_of<"conv2d">, bn = net::index_of<"batch_normalization_1">;
  static_assert(bn == conv + 1);
  using plain = model<net>;
  using tapped = model<net, taps<"conv2d">>;
  BOOST_TEST(plain::plan.in_place[bn]);
  BOOST_TEST(plain::plan.tensor_offset[bn] == plain::plan.tensor_offset[conv]);
  BOOST_TEST(!tapped::plan.in_place[bn]);
  BOOST_TEST(tapped::plan.tensor_offset[bn] != tapped::plan.tensor_offset[conv]);
  check_no_overlap(plain::plan);
  check_no_overlap(tapped::plan);
}

BOOST_AUTO_TEST_CASE(scratch_lives_only_during_its_layer) {
  constexpr std::array<std::size_t, 4> floats{100, 1000, 1000, 10};
  constexpr std::array<buffer_use, 4> uses{buffer_use::separate, buffer_use::separate, buffer_use::separate,
                                           buffer_use::separate};
  constexpr std::array<bool, 4> no_taps{};
  constexpr std::array<std::size_t, 4> scratch{0, 0, 640, 0};
  constexpr auto p = plan_arena(chain(floats, uses), 1, no_taps, scratch);
  check_no_overlap(p);
  BOOST_TEST(p.scratch_bytes[2] == 640u);
  // At step 2 tensors 1 and 2 and the scratch are live: 4000 + 4032 (aligned) + 640 bytes.
  BOOST_TEST(p.lower_bound == 4032u + 4032u + 640u);
  BOOST_TEST(p.arena_bytes == p.lower_bound);
}

BOOST_AUTO_TEST_CASE(a_fused_layer_keeps_its_input_and_scratch_apart_from_the_next_output) {
  // input, conv (fused with the pool after it), pool, dense.
  constexpr std::array<std::size_t, 4> floats{1000, 1000, 250, 10};
  constexpr std::array<buffer_use, 4> uses{};
  constexpr std::array<bool, 4> no_taps{};
  constexpr std::array<std::size_t, 4> scratch{0, 640, 0, 0};
  constexpr std::array<bool, 4> fused{false, true, false, false};
  constexpr auto p = plan_arena(chain(floats, uses), 1, no_taps, scratch, fused);
  check_no_overlap(p);
  auto disjoint = [&](std::size_t a, std::size_t a_bytes, std::size_t b, std::size_t b_bytes) {
    return a + a_bytes <= b || b + b_bytes <= a;
  };
  const std::size_t pooled = p.tensor_offset[2], pooled_bytes = 1024;  // 250 floats, aligned
  BOOST_TEST(disjoint(pooled, pooled_bytes, p.tensor_offset[0], 4032));
  BOOST_TEST(disjoint(pooled, pooled_bytes, p.scratch_offset[1], 640));
  // The conv's own output (written only by a forward_to stopping there) is not needed with the pool's:
  // the bound stays input + conv output + scratch, as without fusion.
  BOOST_TEST(p.lower_bound == 4032u + 4032u + 640u);
  BOOST_TEST(p.arena_bytes == p.lower_bound);
  constexpr auto unfused = plan_arena(chain(floats, uses), 1, no_taps, scratch);
  BOOST_TEST(unfused.lower_bound == p.lower_bound);
}

BOOST_AUTO_TEST_CASE(plain_chains_meet_the_lower_bound) {
  // Without taps or scratch every tensor overlaps only its neighbours, and the planner is optimal.
  random_source random(99);
  constexpr std::size_t n = 16;
  for (int c = 0; c < 500; ++c) {
    std::array<std::size_t, n> floats{};
    for (auto& f : floats) f = 1 + static_cast<std::size_t>(random.uniform() * 100000);
    const auto p = plan_arena(chain(floats, std::array<buffer_use, n>{}), 1, std::array<bool, n>{},
                              std::array<std::size_t, n>{});
    check_no_overlap(p);
    BOOST_TEST(p.arena_bytes == p.lower_bound);
  }
}

BOOST_AUTO_TEST_CASE(random_chains_never_collide) {
  random_source random(2024);
  constexpr std::size_t n = 12;
  std::size_t at_bound = 0, cases = 300;
  for (std::size_t c = 0; c < cases; ++c) {
    std::array<std::size_t, n> floats{};
    std::array<buffer_use, n> uses{};
    std::array<bool, n> taps_mask{};
    std::array<std::size_t, n> scratch{};
    for (std::size_t i = 0; i < n; ++i) {
      floats[i] = 1 + static_cast<std::size_t>(random.uniform() * 5000);
      const double u = random.uniform();
      uses[i] = u < 0.7 ? buffer_use::separate : u < 0.85 ? buffer_use::in_place : buffer_use::alias;
      taps_mask[i] = random.uniform() < 0.15;
      scratch[i] = random.uniform() < 0.3 ? static_cast<std::size_t>(random.uniform() * 8000) : 0;
    }
    uses[0] = buffer_use::separate;
    for (std::size_t i = 1; i < n; ++i)
      if (uses[i] != buffer_use::separate) floats[i] = floats[i - 1];  // same-shape layers
    const auto p = plan_arena(chain(floats, uses), 1 + c % 3, taps_mask, scratch);
    check_no_overlap(p);
    if (p.arena_bytes == p.lower_bound) ++at_bound;
  }
  BOOST_TEST_MESSAGE("random chains planned at the lower bound: " << at_bound << " of " << cases);
}

BOOST_AUTO_TEST_SUITE_END()
