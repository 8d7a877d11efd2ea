#pragma once
// The compile-time activation planner: every tensor of a forward pass and every kernel's scratch space
// gets an offset in one arena, and buffers whose lifetimes do not overlap share memory.
//
// Lifetimes are measured in steps: layer i runs at step i (the input is copied in at step 0), in
// declaration order, which is a topological order of the graph (a layer reads only earlier layers). A
// tensor lives from the step that writes it to the step its last consumer reads it, whichever layers
// those are (XNNPACK's value lifecycle); a tap (a tensor the caller wants to read after forward) and the
// network's output live to the end. flatten and dropout are their input buffer; batch_norm and
// activations overwrite their input in place when they are its last reader and it holds no tap.
//
// A layer fused with the next one (a convolution that also computes the following max pool) writes
// the next layer's output while it reads its input and its scratch: both then live through the next
// step, so none of the three shares memory. Its own output is only written when forward_to stops at
// it, and then nothing runs after it: it lives for its own step only and may share the next output's
// memory, so fusing never raises the arena's lower bound.
//
// `lower_bound` is the largest total of buffers live at one step: no arrangement fits in less. Offsets
// come from the best of three greedy placements (see continue_placement): largest first into the smallest
// gap (TFLite's and XNNPACK's "greedy by size"), alternating the bottom and the top of an arena of
// exactly the lower bound (optimal for chains: neighbours sit on opposite ends), and first fit in
// execution order. Chains always meet the bound; taps and scratch can leave a plan above it.
//
// plan_arena_with_backward adds the input-gradient pass (explain/gradient_model.hpp) to the same
// timeline: the backward of layer i runs at step 2N - i, after the forward's N steps. Every activation
// lives until the backward has used it (its layer's backward reads its output, its consumers' read it as
// input), so nothing runs in place; the gradient w.r.t. layer i's output lives from the step that first
// writes it (the backward of its last consumer, or the objective) to the backward of layer i, and shares
// its buffer with its consumer's gradient when that is its only consumer and is element-wise or an
// alias. Where a tensor feeds several layers its gradient is the sum of theirs: the first to run writes
// it, the others add to it (a layer that cannot add computes into a staging buffer first). Gradients of
// early layers thus reuse the memory of activations the backward is done with.

#include <algorithm>
#include <array>
#include <cstddef>

#include "constnet/core/layer_facts.hpp"

namespace constnet {

inline constexpr std::size_t arena_alignment = 64;  // one cache line; also the widest SIMD load

constexpr std::size_t align_up(std::size_t bytes, std::size_t alignment = arena_alignment) {
  return (bytes + alignment - 1) / alignment * alignment;
}

template <std::size_t Layers>
struct arena_plan {
  static constexpr std::size_t layer_count = Layers;
  // per layer: a tensor and a scratch block, and with a backward pass its gradient, backward scratch and
  // input-gradient staging
  static constexpr std::size_t max_buffers = 5 * Layers;

  std::size_t arena_bytes = 0;
  std::size_t lower_bound = 0;    // the largest live set: no arrangement fits in less
  std::size_t separate_bytes = 0; // what one buffer per tensor (and per scratch) would take
  std::array<std::size_t, Layers> tensor_offset{};   // output of layer i (i = 0: the input)
  std::array<std::size_t, Layers> tensor_buffer{};   // which buffer holds it
  std::array<std::size_t, Layers> scratch_offset{};
  std::array<std::size_t, Layers> scratch_bytes{};
  std::array<bool, Layers> in_place{};               // layer i writes over its input

  // Only with a backward pass (plan_arena_with_backward):
  bool with_backward = false;
  std::array<std::size_t, Layers> gradient_offset{};           // d objective / d (output of layer i)
  std::array<std::size_t, Layers> gradient_buffer{};
  std::array<std::size_t, Layers> backward_scratch_offset{};
  std::array<std::size_t, Layers> backward_scratch_bytes{};
  std::array<bool, Layers> needs_staging{};             // layer i's input gradient is computed aside, then added
  std::array<std::size_t, Layers> staging_offset{};

  // Which buffer holds each scratch block (meaningful where its bytes are not 0), for placing later.
  std::array<std::size_t, Layers> scratch_buffer{}, backward_scratch_buffer{}, staging_buffer{};

  struct buffer {
    std::size_t bytes = 0;
    std::size_t first = 0, last = 0;  // steps, inclusive
    std::size_t offset = 0;
    bool has_tap = false;
  };
  std::size_t buffer_count = 0;
  std::array<buffer, max_buffers> buffers{};
};

namespace detail {

enum class placement { largest_first_best_fit, alternate_ends_within_bound, in_order_first_fit };

/// A placement in progress: buffers are placed in `order`, `placed` of them so far, each at the lowest
/// (or, alternating, highest) gap among the placed buffers alive at the same time. It can be carried on
/// in several steps (continue_placement up to a position), each of which may be a constant expression
/// of its own should a network outgrow the compiler's per-expression operation limit.
template <class Plan>
struct placement_state {
  Plan plan;
  placement how{};
  std::array<std::size_t, Plan::max_buffers> order{};      // the order buffers are placed in
  std::array<std::size_t, Plan::max_buffers> by_offset{};  // placed buffers that may still meet others, by offset
  std::size_t placed = 0;  // how many by_offset holds
  std::size_t next = 0;    // the position in `order` of the next buffer to place
  bool failed = false;  // alternate_ends_within_bound found no gap within the lower bound
};

template <class Plan>
constexpr placement_state<Plan> start_placement(const Plan& p, placement how) {
  placement_state<Plan> s{p, how};
  const auto& buffers = s.plan.buffers;
  for (std::size_t b = 0; b < p.buffer_count; ++b) s.order[b] = b;
  const auto first = s.order.begin(), last = s.order.begin() + static_cast<std::ptrdiff_t>(p.buffer_count);
  if (how == placement::largest_first_best_fit)
    std::sort(first, last, [&](std::size_t a, std::size_t b) {
      return buffers[a].bytes != buffers[b].bytes ? buffers[a].bytes > buffers[b].bytes : a < b;
    });
  else
    std::sort(first, last, [&](std::size_t a, std::size_t b) {
      return buffers[a].first != buffers[b].first ? buffers[a].first < buffers[b].first : a < b;
    });
  return s;
}

/// Places the buffers of the order up to (not including) `until`.
template <class Plan>
constexpr placement_state<Plan> continue_placement(placement_state<Plan> s, std::size_t until) {
  constexpr std::size_t none = static_cast<std::size_t>(-1);
  const placement how = s.how;
  const std::size_t bound = s.plan.lower_bound;
  // Raw pointers: in the compiler's constant evaluator an index through std::array::operator[] is a
  // function call, and this loop runs about a million times for a large network's backward plan.
  auto* buffers = s.plan.buffers.data();
  std::size_t* by_offset = s.by_offset.data();
  // Placing in order of first step, a placed buffer that ended before the current one starts ends before
  // every later one starts too: it leaves the list for good, which keeps the list to about the buffers
  // alive at one step instead of all placed ones.
  const bool in_step_order = how != placement::largest_first_best_fit;
  for (std::size_t& k = s.next; k < std::min(until, s.plan.buffer_count) && !s.failed; ++k) {
    auto& b = buffers[s.order[k]];
    if (in_step_order) {
      std::size_t kept = 0;
      for (std::size_t r = 0; r < s.placed; ++r)
        if (buffers[by_offset[r]].last >= b.first) by_offset[kept++] = by_offset[r];
      s.placed = kept;
    }
    std::size_t chosen = none, chosen_gap = none, cursor = 0;
    const bool from_top = how == placement::alternate_ends_within_bound && k % 2 == 1;
    for (std::size_t r = 0; r <= s.placed; ++r) {
      const auto* rival = r < s.placed ? buffers + by_offset[r] : nullptr;
      if (rival && (rival->first > b.last || b.first > rival->last)) continue;  // not alive with b
      const std::size_t gap_end = rival ? rival->offset : (how == placement::alternate_ends_within_bound ? bound : none);
      if (gap_end != none && gap_end >= cursor && gap_end - cursor >= b.bytes) {
        const std::size_t gap = gap_end - cursor;
        if (how == placement::largest_first_best_fit) {
          if (rival && gap < chosen_gap) chosen = cursor, chosen_gap = gap;
        } else if (from_top) {
          chosen = gap_end - b.bytes;  // keep the highest gap that fits: placed flush with its top
        } else if (chosen == none) {
          chosen = cursor;
        }
      }
      if (rival) cursor = std::max(cursor, rival->offset + rival->bytes);
    }
    if (chosen == none) {
      if (how == placement::alternate_ends_within_bound) {
        s.failed = true;
        break;
      }
      chosen = cursor;  // above everything alive
    }
    b.offset = chosen;
    std::size_t at = s.placed++;
    for (; at > 0 && buffers[by_offset[at - 1]].offset > chosen; --at) by_offset[at] = by_offset[at - 1];
    by_offset[at] = s.order[k];
  }
  return s;
}

/// The plan once every buffer is placed, its arena_bytes the top of the highest buffer (size_t(-1) when
/// the strategy failed).
template <class Plan>
constexpr Plan finish_placement(const placement_state<Plan>& s) {
  Plan p = s.plan;
  p.arena_bytes = 0;
  for (std::size_t b = 0; b < p.buffer_count; ++b) p.arena_bytes = std::max(p.arena_bytes, p.buffers[b].offset + p.buffers[b].bytes);
  if (s.failed || s.next < p.buffer_count) p.arena_bytes = static_cast<std::size_t>(-1);
  return p;
}

/// The lower bound over steps [0, end] and the separate-buffers total, from the buffers' lifetimes: a sweep
/// over the steps (each buffer adds its bytes where it starts and takes them off after its last step).
template <class Plan>
constexpr void measure_plan(Plan& p, std::size_t end) {
  std::array<long long, 2 * Plan::layer_count + 3> change{};
  for (std::size_t b = 0; b < p.buffer_count; ++b) {
    const auto& buffer = p.buffers[b];
    change[buffer.first] += static_cast<long long>(buffer.bytes);
    change[std::min(buffer.last, end) + 1] -= static_cast<long long>(buffer.bytes);
    p.separate_bytes += buffer.bytes;
  }
  long long live = 0;
  for (std::size_t step = 0; step <= end; ++step) {
    live += change[step];
    p.lower_bound = std::max(p.lower_bound, static_cast<std::size_t>(live));
  }
}

/// The plan with its buffers placed by one strategy (arena_bytes: size_t(-1) when the strategy fails).
/// Each strategy can be evaluated on its own (a constant expression of its own, so a large network's
/// planning is split under the compiler's per-expression operation limit), then best_placement picks.
template <class Plan>
constexpr Plan placed(const Plan& p, placement how) {
  return finish_placement(continue_placement(start_placement(p, how), p.buffer_count));
}

/// The smallest of the placed plans, with every tensor's and scratch block's offset filled in. Greedy by
/// size is strong when a few large tensors dominate; alternating bottom/top within the lower bound is
/// optimal for chains (neighbours always sit on opposite sides) and usually survives taps and scratch;
/// first-fit in execution order is the fallback that always succeeds.
template <class Plan, class... More>
constexpr Plan best_placement(const Plan& first, const More&... more) {
  Plan p = first;
  ((more.arena_bytes < p.arena_bytes ? (p = more, 0) : 0), ...);
  for (std::size_t i = 0; i < Plan::layer_count; ++i) {
    p.tensor_offset[i] = p.buffers[p.tensor_buffer[i]].offset;
    if (p.with_backward) p.gradient_offset[i] = p.buffers[p.gradient_buffer[i]].offset;
    if (p.scratch_bytes[i] != 0) p.scratch_offset[i] = p.buffers[p.scratch_buffer[i]].offset;
    if (p.backward_scratch_bytes[i] != 0) p.backward_scratch_offset[i] = p.buffers[p.backward_scratch_buffer[i]].offset;
    if (p.needs_staging[i]) p.staging_offset[i] = p.buffers[p.staging_buffer[i]].offset;
  }
  return p;
}

/// All three placements and the best, in one constant expression (fine for networks of tens of layers).
template <class Plan>
constexpr Plan place_all(const Plan& p) {
  return best_placement(placed(p, placement::largest_first_best_fit), placed(p, placement::alternate_ends_within_bound),
                        placed(p, placement::in_order_first_fit));
}

}  // namespace detail

namespace detail {
/// The step at which layer j reads its inputs: its own, or the next one's when it is fused with the next
/// layer (it then also writes that layer's output, in the same kernel call, see the top of this file).
template <std::size_t N>
constexpr std::size_t read_step(std::size_t j, const std::array<bool, N>& fused_with_next) {
  return j + (fused_with_next[j] ? 1 : 0);
}
}  // namespace detail

/// The buffers of a forward pass and their lifetimes, before placement (plan_arena below says the rest).
template <std::size_t N>
constexpr arena_plan<N> forward_lifetimes(const std::array<layer_facts, N>& facts, std::size_t batch,
                                   const std::array<bool, N>& tapped, const std::array<std::size_t, N>& scratch,
                                   const std::array<bool, N>& fused_with_next = {}) {
  arena_plan<N> p{};
  const std::size_t end = N;  // the step after the last layer: when the caller reads the results
  auto& buffers = p.buffers;

  for (std::size_t i = 0; i < N; ++i) {
    const bool kept = tapped[i] || i + 1 == N;
    // A tensor lives until its last consumer has read it. A fused layer's own output is written only when
    // a forward_to stops at it (otherwise the layer writes the next one's output instead), so nothing
    // reads it at a later step.
    std::size_t last_read = i;
    if (kept) {
      last_read = end;
    } else if (!fused_with_next[i]) {
      for (std::size_t j = i + 1; j < N; ++j)
        if (facts[j].inputs.reads(i)) last_read = std::max(last_read, detail::read_step(j, fused_with_next));
    }
    const buffer_use use = i == 0 ? buffer_use::separate : facts[i].buffers;
    const std::size_t source = i == 0 ? 0 : p.tensor_buffer[facts[i].inputs.front()];
    // In place only when this layer is the last to read its input's buffer: no later reader sees the
    // overwritten values, and no tap does.
    const bool share = use == buffer_use::alias ||
                       (use == buffer_use::in_place && !buffers[source].has_tap && buffers[source].last <= i);
    if (share) {
      p.in_place[i] = use == buffer_use::in_place;
      auto& b = buffers[source];
      b.last = std::max(b.last, last_read);
      b.has_tap = b.has_tap || kept;
      p.tensor_buffer[i] = source;
    } else {
      buffers[p.buffer_count] = {align_up(facts[i].output.bytes() * batch), i, last_read, 0, kept};
      p.tensor_buffer[i] = p.buffer_count++;
    }
  }
  for (std::size_t i = 0; i < N; ++i) {
    p.scratch_bytes[i] = scratch[i];
    if (scratch[i] == 0) continue;
    buffers[p.buffer_count] = {align_up(scratch[i]), i, detail::read_step(i, fused_with_next), 0, false};
    p.scratch_buffer[i] = p.buffer_count++;
  }
  detail::measure_plan(p, end);
  return p;
}

/// Plans the arena for `facts` at the given batch size. `tapped[i]` keeps layer i's output to the end;
/// `scratch[i]` is the scratch space layer i's kernel asks for; `fused_with_next[i]`: layer i may also
/// write layer i + 1's output (see the top of this file). (engine/model.hpp runs the same steps as
/// separate constant expressions, for networks of hundreds of layers.)
template <std::size_t N>
constexpr arena_plan<N> plan_arena(const std::array<layer_facts, N>& facts, std::size_t batch,
                                   const std::array<bool, N>& tapped, const std::array<std::size_t, N>& scratch,
                                   const std::array<bool, N>& fused_with_next = {}) {
  return detail::place_all(forward_lifetimes(facts, batch, tapped, scratch, fused_with_next));
}

/// The buffers of a forward and an input-gradient pass and their lifetimes, before placement. Steps:
/// layer i's forward at i, the caller at N (reads the output, writes the objective's gradient), layer
/// i's backward at 2N - i, the caller again at 2N (reads the input gradient).
template <std::size_t N>
constexpr arena_plan<N> backward_lifetimes(const std::array<layer_facts, N>& facts, std::size_t batch,
                                                 const std::array<bool, N>& tapped,
                                                 const std::array<std::size_t, N>& scratch,
                                                 const std::array<std::size_t, N>& backward_scratch) {
  arena_plan<N> p{};
  p.with_backward = true;
  const std::size_t end = 2 * N;
  auto backward_step = [&](std::size_t i) { return 2 * N - i; };
  auto& buffers = p.buffers;
  // The last layer that reads layer i (its backward is the first to write i's gradient), or i itself.
  std::array<std::size_t, N> last_consumer{};
  for (std::size_t i = 0; i < N; ++i) last_consumer[i] = i;
  for (std::size_t j = 1; j < N; ++j)
    for (std::size_t producer : facts[j].inputs) last_consumer[producer] = std::max(last_consumer[producer], j);
  auto first_consumer = [&](std::size_t i) {
    for (std::size_t j = i + 1; j < N; ++j)
      if (facts[j].inputs.reads(i)) return j;
    return i;
  };

  for (std::size_t i = 0; i < N; ++i) {
    // Read by its consumers' backward (as their input) and by its own (as its output); the input image
    // only by its consumers'. The last layer's output is read by the caller at step N, before any backward.
    std::size_t last_read = i == 0 ? backward_step(first_consumer(0)) : backward_step(i);
    if (tapped[i]) last_read = end;
    const buffer_use use = i == 0 ? buffer_use::separate : facts[i].buffers;
    if (use == buffer_use::alias) {
      const std::size_t source = p.tensor_buffer[facts[i].inputs.front()];
      auto& b = buffers[source];
      b.last = std::max(b.last, last_read);
      p.tensor_buffer[i] = source;
    } else {
      buffers[p.buffer_count] = {align_up(facts[i].output.bytes() * batch), i, last_read, 0, tapped[i]};
      p.tensor_buffer[i] = p.buffer_count++;
    }
  }
  for (std::size_t k = 0; k < N; ++k) {
    const std::size_t i = N - 1 - k;  // gradients are written back to front
    // Written by the backward of its last consumer (or by the caller's seed, at step N), read by its own.
    const std::size_t written = last_consumer[i] == i ? N : backward_step(last_consumer[i]);
    const std::size_t last_read = i == 0 ? end : backward_step(i);
    const std::size_t only = last_consumer[i];
    const bool share = facts[i].consumers == 1 && facts[only].inputs.count == 1 && facts[only].buffers != buffer_use::separate;
    if (share) {
      auto& b = buffers[p.gradient_buffer[only]];
      b.last = std::max(b.last, last_read);
      p.gradient_buffer[i] = p.gradient_buffer[only];
    } else {
      buffers[p.buffer_count] = {align_up(facts[i].output.bytes() * batch), written, last_read, 0, false};
      p.gradient_buffer[i] = p.buffer_count++;
    }
  }
  for (std::size_t i = 0; i < N; ++i) {
    p.scratch_bytes[i] = scratch[i];
    if (scratch[i] != 0) {
      buffers[p.buffer_count] = {align_up(scratch[i]), i, i, 0, false};
      p.scratch_buffer[i] = p.buffer_count++;
    }
    p.backward_scratch_bytes[i] = backward_scratch[i];
    if (backward_scratch[i] != 0) {
      buffers[p.buffer_count] = {align_up(backward_scratch[i]), backward_step(i), backward_step(i), 0, false};
      p.backward_scratch_buffer[i] = p.buffer_count++;
    }
    // A layer whose input also feeds other layers computes its input gradient aside and adds it to what
    // the others contributed (merge layers add directly; element-wise ones work in place on their own).
    p.needs_staging[i] = i > 0 && facts[i].buffers == buffer_use::separate && facts[i].inputs.count == 1 &&
                         facts[facts[i].inputs.front()].consumers > 1 && !facts[i].merges;
    if (p.needs_staging[i]) {
      buffers[p.buffer_count] = {align_up(facts[i].input.bytes() * batch), backward_step(i), backward_step(i), 0, false};
      p.staging_buffer[i] = p.buffer_count++;
    }
  }
  detail::measure_plan(p, end);
  return p;
}

/// Plans one arena for a forward pass and the input-gradient pass after it (see the top of this file).
/// `backward_scratch[i]` is the scratch space layer i's backward kernel asks for.
template <std::size_t N>
constexpr arena_plan<N> plan_arena_with_backward(const std::array<layer_facts, N>& facts, std::size_t batch,
                                                 const std::array<bool, N>& tapped,
                                                 const std::array<std::size_t, N>& scratch,
                                                 const std::array<std::size_t, N>& backward_scratch) {
  return detail::place_all(backward_lifetimes(facts, batch, tapped, scratch, backward_scratch));
}

}  // namespace constnet
