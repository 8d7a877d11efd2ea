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
// come from the best of three greedy placements (see place_buffers): largest first into the smallest
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

/// Assigns offsets to buffers[0, count) and returns the arena size, or size_t(-1) when the strategy
/// cannot fit within `bound` (only alternate_ends_within_bound has a bound).
template <class Buffer, std::size_t Capacity>
constexpr std::size_t place_buffers(std::array<Buffer, Capacity>& buffers, std::size_t count, placement how,
                                    std::size_t bound) {
  constexpr std::size_t none = static_cast<std::size_t>(-1);
  std::array<std::size_t, Capacity> order{};
  for (std::size_t b = 0; b < count; ++b) order[b] = b;
  const auto first = order.begin(), last = order.begin() + static_cast<std::ptrdiff_t>(count);
  if (how == placement::largest_first_best_fit)
    std::sort(first, last, [&](std::size_t a, std::size_t b) {
      return buffers[a].bytes != buffers[b].bytes ? buffers[a].bytes > buffers[b].bytes : a < b;
    });
  else
    std::sort(first, last, [&](std::size_t a, std::size_t b) {
      return buffers[a].first != buffers[b].first ? buffers[a].first < buffers[b].first : a < b;
    });

  std::array<bool, Capacity> placed{};
  std::size_t arena = 0;
  for (std::size_t k = 0; k < count; ++k) {
    auto& b = buffers[order[k]];
    // The placed buffers alive at the same time, by offset; the free gaps lie between them.
    std::array<std::size_t, Capacity> rivals{};
    std::size_t n = 0;
    for (std::size_t o = 0; o < count; ++o)
      if (placed[o] && buffers[o].first <= b.last && b.first <= buffers[o].last) rivals[n++] = o;
    std::sort(rivals.begin(), rivals.begin() + static_cast<std::ptrdiff_t>(n),
              [&](std::size_t x, std::size_t y) { return buffers[x].offset < buffers[y].offset; });
    std::size_t chosen = none, chosen_gap = none, cursor = 0;
    const bool from_top = how == placement::alternate_ends_within_bound && k % 2 == 1;
    for (std::size_t r = 0; r <= n; ++r) {
      const std::size_t gap_end = r < n ? buffers[rivals[r]].offset : (how == placement::alternate_ends_within_bound ? bound : none);
      if (gap_end != none && gap_end >= cursor && gap_end - cursor >= b.bytes) {
        const std::size_t gap = gap_end - cursor;
        if (how == placement::largest_first_best_fit) {
          if (r < n && gap < chosen_gap) chosen = cursor, chosen_gap = gap;
        } else if (from_top) {
          chosen = gap_end - b.bytes;  // keep the highest gap that fits: placed flush with its top
        } else if (chosen == none) {
          chosen = cursor;
        }
      }
      if (r < n) cursor = std::max(cursor, buffers[rivals[r]].offset + buffers[rivals[r]].bytes);
    }
    if (chosen == none) {
      if (how == placement::alternate_ends_within_bound) return none;
      chosen = cursor;  // above everything alive
    }
    b.offset = chosen;
    placed[order[k]] = true;
    arena = std::max(arena, b.offset + b.bytes);
  }
  return arena;
}

/// The lower bound over steps [0, end], the separate-buffers total, and the best of the placements.
template <class Plan>
constexpr void place_plan(Plan& p, std::size_t end) {
  auto& buffers = p.buffers;
  for (std::size_t step = 0; step <= end; ++step) {
    std::size_t live = 0;
    for (std::size_t b = 0; b < p.buffer_count; ++b)
      if (buffers[b].first <= step && step <= buffers[b].last) live += buffers[b].bytes;
    p.lower_bound = std::max(p.lower_bound, live);
  }
  for (std::size_t b = 0; b < p.buffer_count; ++b) p.separate_bytes += buffers[b].bytes;

  // Three strategies; the smallest arena wins. Greedy by size is strong when a few large tensors
  // dominate; alternating bottom/top within the lower bound is optimal for chains (neighbours always
  // sit on opposite sides) and usually survives taps and scratch; first-fit in execution order is the
  // fallback that always succeeds.
  using strategy = detail::placement;
  const strategy strategies[] = {strategy::largest_first_best_fit, strategy::alternate_ends_within_bound,
                                 strategy::in_order_first_fit};
  std::size_t best = static_cast<std::size_t>(-1);
  for (strategy s : strategies) {
    auto trial = buffers;
    const std::size_t bytes = detail::place_buffers(trial, p.buffer_count, s, p.lower_bound);
    if (bytes < best) {
      best = bytes;
      buffers = trial;
    }
  }
  p.arena_bytes = best;
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

/// Plans the arena for `facts` at the given batch size. `tapped[i]` keeps layer i's output to the end;
/// `scratch[i]` is the scratch space layer i's kernel asks for; `fused_with_next[i]`: layer i may also
/// write layer i + 1's output (see the top of this file).
template <std::size_t N>
constexpr arena_plan<N> plan_arena(const std::array<layer_facts, N>& facts, std::size_t batch,
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
  std::array<std::size_t, N> scratch_buffer{};
  for (std::size_t i = 0; i < N; ++i) {
    p.scratch_bytes[i] = scratch[i];
    if (scratch[i] == 0) continue;
    buffers[p.buffer_count] = {align_up(scratch[i]), i, detail::read_step(i, fused_with_next), 0, false};
    scratch_buffer[i] = p.buffer_count++;
  }

  detail::place_plan(p, end);

  for (std::size_t i = 0; i < N; ++i) {
    p.tensor_offset[i] = buffers[p.tensor_buffer[i]].offset;
    if (scratch[i] != 0) p.scratch_offset[i] = buffers[scratch_buffer[i]].offset;
  }
  return p;
}

/// Plans one arena for a forward pass and the input-gradient pass after it (see the top of this file).
/// `backward_scratch[i]` is the scratch space layer i's backward kernel asks for. Steps: layer i's forward
/// at i, the caller at N (reads the output, writes the objective's gradient), layer i's backward at
/// 2N - i, the caller again at 2N (reads the input gradient).
template <std::size_t N>
constexpr arena_plan<N> plan_arena_with_backward(const std::array<layer_facts, N>& facts, std::size_t batch,
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
  std::array<std::size_t, N> scratch_buffer{}, backward_scratch_buffer{}, staging_buffer{};
  for (std::size_t i = 0; i < N; ++i) {
    p.scratch_bytes[i] = scratch[i];
    if (scratch[i] != 0) {
      buffers[p.buffer_count] = {align_up(scratch[i]), i, i, 0, false};
      scratch_buffer[i] = p.buffer_count++;
    }
    p.backward_scratch_bytes[i] = backward_scratch[i];
    if (backward_scratch[i] != 0) {
      buffers[p.buffer_count] = {align_up(backward_scratch[i]), backward_step(i), backward_step(i), 0, false};
      backward_scratch_buffer[i] = p.buffer_count++;
    }
    // A layer whose input also feeds other layers computes its input gradient aside and adds it to what
    // the others contributed (merge layers add directly; element-wise ones work in place on their own).
    p.needs_staging[i] = i > 0 && facts[i].buffers == buffer_use::separate && facts[i].inputs.count == 1 &&
                         facts[facts[i].inputs.front()].consumers > 1 && !facts[i].merges;
    if (p.needs_staging[i]) {
      buffers[p.buffer_count] = {align_up(facts[i].input.bytes() * batch), backward_step(i), backward_step(i), 0, false};
      staging_buffer[i] = p.buffer_count++;
    }
  }

  detail::place_plan(p, end);

  for (std::size_t i = 0; i < N; ++i) {
    p.tensor_offset[i] = buffers[p.tensor_buffer[i]].offset;
    p.gradient_offset[i] = buffers[p.gradient_buffer[i]].offset;
    if (scratch[i] != 0) p.scratch_offset[i] = buffers[scratch_buffer[i]].offset;
    if (backward_scratch[i] != 0) p.backward_scratch_offset[i] = buffers[backward_scratch_buffer[i]].offset;
    if (p.needs_staging[i]) p.staging_offset[i] = buffers[staging_buffer[i]].offset;
  }
  return p;
}

}  // namespace constnet
