#pragma once
// Winograd convolution F(m x m, 3 x 3), m = 2, 4, 6, for 3x3 stride-1 undilated convolutions (any
// padding, any image size), written once against the SIMD shim. Activations stay NHWC like every
// other kernel.
//
// The output is cut into m x m tiles (ceil(out.h / m) x ceil(out.w / m); border tiles are computed
// whole and only their pixels inside the image are stored). With alpha = m + 2 and T = alpha^2, a task
// takes a block of `rows` consecutive tiles (raster order) of one image and a range of output-channel
// chunks, and runs the whole pipeline on them in its own scratch:
//   1. input transform: each tile's alpha x alpha input patch (zeros outside the image), B^T d B, for
//      every input channel -> V[t][tile][cin]                    (rows x T x cin floats)
//   2. per chunk of oc_chunk output channels: for every t, the GEMM V_t[rows x cin] U_t[cin x chunk]
//      with the register-blocked micro-kernel (gemm.hpp) -> Mt[t][tile][chunk]   (rows x T x chunk)
//   3. output transform of the chunk: A^T Mt A per tile, plus bias, the clamp (relu, relu6), stored into
//      the image.
// So the transformed input and output of the whole layer never exist: only one block of tiles (and of
// its output one chunk of channels) at a time. `rows` is chosen per layer at compile time so both fit
// in scratch_target (L2 is 512 KiB per core on this Zen 3) and never more than max_scratch (2 MiB): the
// GEMM of one t then reads rows x cin inputs and cin x chunk filters, both L2-resident. Each task reads
// all transformed filters once, for rows tiles: the larger the block, the fewer passes over them.
//
// Filters are transformed (G g G^T, in double, rounded once) and packed once at load, in panels of
// [cin_p][block] ordered [chunk][t][oc_block in the chunk] (see panel_offset), then the bias [cout_p],
// cin_p = cin rounded up to the vector width, cout_p = cout rounded up to block = OcVectors * W, the
// padding zero. Input channels are padded the same way in V (masked loads), so no tail handling is left
// in the GEMM.
//
// Tasks never share outputs and always split the same way (the block plan depends on the layer only),
// so results are bitwise identical for any thread count. A layer with few tile blocks (small images)
// also splits its output-channel chunks over tasks (redoing the cheap input transform), so two threads
// still get balanced work. Activations other than linear and the clamps run over each task's pixels at the
// end (softmax needs every channel of a pixel, so those layers do not split channels).
//
// A following 2x2 stride-2 max pool can be fused (run_tasks_pooled; the engine decides, see
// model::fuses_max_pool): tiles are m x m with m even and start on even rows and columns, so each 2x2
// window lies inside one tile, and the output transform stores the window's maximum instead of its four
// pixels. The layer's full-size output is then never written: about 1.25x its size in memory traffic
// saved (the pool's read and its own write of a quarter). Bias and the clamp are applied after the
// maximum: x -> fl(x + b), relu and relu6 are monotonic, so the result is bit for bit what the two layers
// give apart.

#include <algorithm>
#include <cstddef>
#include <span>
#include <string_view>

#include "constnet/core/geometry.hpp"
#include "constnet/core/integer_math.hpp"
#include "constnet/kernels/kernel_name.hpp"
#include "constnet/kernels/reference/activation.hpp"
#include "constnet/kernels/simd/activation_in_registers.hpp"
#include "constnet/kernels/simd/backends.hpp"
#include "constnet/kernels/winograd/gemm.hpp"
#include "constnet/kernels/winograd/tile_transform.hpp"
#include "constnet/kernels/winograd/transforms.hpp"

namespace constnet::kernels::winograd {

/// How one layer is blocked (all sizes in floats or counts).
struct block_plan {
  std::size_t cin_p = 0, cout_p = 0;          // channels padded to the vector width / the oc block
  std::size_t tiles_y = 0, tiles_x = 0, tiles = 0;
  std::size_t rows = 0, tile_blocks = 0;      // tiles per block (a multiple of the micro-kernel's rows)
  std::size_t oc_chunk = 0, chunks = 0;       // output channels per GEMM + output-transform pass
  std::size_t oc_groups = 0;                  // tasks per tile block, each a range of chunks
  std::size_t v_floats = 0, m_floats = 0;     // scratch: transformed inputs, GEMM outputs
  constexpr std::size_t tasks_per_image() const { return tile_blocks * oc_groups; }
  constexpr std::size_t scratch_floats() const { return v_floats + m_floats; }
};

template <class Backend, std::size_t M, std::size_t OcVectors = 2, std::size_t Rows = 6>
struct conv2d_nhwc {
  using B = Backend;
  using vec = typename B::vec;
  using tf = transform<M>;
  static constexpr std::size_t W = B::width;
  static constexpr std::size_t block = OcVectors * W;  // output channels per micro-kernel
  static constexpr std::size_t output_tile = M;
  static constexpr std::size_t alpha = tf::alpha, T = alpha * alpha;

  /// Scratch per thread: never above max_scratch; blocks are sized to scratch_target.
  static constexpr std::size_t max_scratch = std::size_t{2} << 20;
  static constexpr std::size_t scratch_target = std::size_t{1} << 20;
  static constexpr std::size_t max_rows = 16 * Rows;
  static constexpr std::size_t chunk_blocks = 4;  // oc_chunk = 4 blocks (64 channels on AVX2)
  static constexpr std::size_t min_tasks = 16;    // per image, so 2 threads split within 1/16

 private:
  static constexpr diagnostic name_storage = compose_name("f32_conv2d_winograd_f", M, "x", M, "_3x3_nhwc_", block, "o",
                                                          Rows, "t_", B::name, "_", B::isa);

 public:
  static constexpr std::string_view name = name_storage.view();

  static constexpr block_plan plan(const conv2d_geometry& g) {
    block_plan p;
    p.cin_p = round_up(g.in.c, W);
    p.cout_p = round_up(g.out.c, block);
    p.tiles_y = ceil_div(g.out.h, M);
    p.tiles_x = ceil_div(g.out.w, M);
    p.tiles = p.tiles_y * p.tiles_x;
    p.oc_chunk = std::min(p.cout_p, chunk_blocks * block);
    p.chunks = ceil_div(p.cout_p, p.oc_chunk);
    const std::size_t per_tile = T * (p.cin_p + p.oc_chunk) * sizeof(float);
    std::size_t rows = scratch_target / per_tile / Rows * Rows;
    rows = std::clamp<std::size_t>(rows, Rows, max_rows);
    rows = std::min(rows, round_up(p.tiles, Rows));
    p.tile_blocks = ceil_div(p.tiles, rows);
    p.rows = round_up(ceil_div(p.tiles, p.tile_blocks), Rows);  // the same work in every block
    const bool split_channels = simd::applied_in_registers(g.act);
    p.oc_groups = split_channels ? std::min(p.chunks, ceil_div(min_tasks, p.tile_blocks)) : 1;
    p.v_floats = p.rows * T * p.cin_p;
    p.m_floats = p.rows * T * p.oc_chunk;
    return p;
  }

  static constexpr bool supports(const conv2d_geometry& g) {
    return g.kernel.h == 3 && g.kernel.w == 3 && g.stride.h == 1 && g.stride.w == 1 && g.dilation.h == 1 &&
           g.dilation.w == 1 && g.in.c > 0 && g.out.c > 0 &&
           plan(g).scratch_floats() * sizeof(float) <= max_scratch;
  }
  static constexpr std::size_t scratch_bytes(const conv2d_geometry& g, std::size_t) {
    return plan(g).scratch_floats() * sizeof(float);
  }

  /// Where the panel of transform element t and output-channel block ob starts: chunk by chunk, and in
  /// a chunk t by t, so the GEMMs of a chunk read its filters as one sequential stream.
  static constexpr std::size_t panel_offset(const block_plan& p, std::size_t t, std::size_t ob) {
    const std::size_t chunk = ob / chunk_blocks, first = chunk * chunk_blocks;
    const std::size_t width = std::min(chunk_blocks, p.cout_p / block - first);
    return (first * T + t * width + (ob - first)) * p.cin_p * block;
  }
  static constexpr std::size_t filter_floats(const conv2d_geometry& g) { return T * plan(g).cout_p * plan(g).cin_p; }
  static constexpr std::size_t packed_floats(const conv2d_geometry& g) { return filter_floats(g) + plan(g).cout_p; }

  /// canonical: HWIO 3x3 kernel then bias (Keras). packed: U = G g G^T per (cin, cout), see above.
  static void pack(const conv2d_geometry& g, std::span<const float> canonical, std::span<float> packed) {
    const block_plan p = plan(g);
    const std::size_t cin = g.in.c, cout = g.out.c;
    std::fill(packed.begin(), packed.end(), 0.0f);
    double gm[alpha][3];
    for (std::size_t i = 0; i < alpha; ++i)
      for (std::size_t k = 0; k < 3; ++k) gm[i][k] = tf::G_exact[i][k].to_double();
    // A block of output channels at a time, channels innermost: the canonical rows and the panel rows
    // are both contiguous in oc, so the compiler vectorizes the transform. VGG16's 13 layers: 0.43-0.59 s
    // one (ic, oc) pair at a time, 0.09-0.11 s so (the doubles may now round to the other float in about
    // 1 value in 2000: fused multiply-adds are placed differently).
    for (std::size_t ic = 0; ic < cin; ++ic)
      for (std::size_t ob = 0; ob * block < cout; ++ob) {
        const std::size_t oc0 = ob * block, lanes = std::min(block, cout - oc0);
        double w[3][3][block] = {}, half[alpha][3][block];
        for (std::size_t ky = 0; ky < 3; ++ky)
          for (std::size_t kx = 0; kx < 3; ++kx)
            for (std::size_t l = 0; l < lanes; ++l) w[ky][kx][l] = canonical[((ky * 3 + kx) * cin + ic) * cout + oc0 + l];
        for (std::size_t i = 0; i < alpha; ++i)
          for (std::size_t kx = 0; kx < 3; ++kx)
            for (std::size_t l = 0; l < block; ++l)
              half[i][kx][l] = gm[i][0] * w[0][kx][l] + gm[i][1] * w[1][kx][l] + gm[i][2] * w[2][kx][l];
        for (std::size_t i = 0; i < alpha; ++i)
          for (std::size_t j = 0; j < alpha; ++j) {
            float* panel_row = packed.data() + panel_offset(p, i * alpha + j, ob) + ic * block;
            for (std::size_t l = 0; l < lanes; ++l)
              panel_row[l] = static_cast<float>(half[i][0][l] * gm[j][0] + half[i][1][l] * gm[j][1] + half[i][2][l] * gm[j][2]);
          }
      }
    if (g.bias)
      for (std::size_t oc = 0; oc < cout; ++oc) packed[filter_floats(g) + oc] = canonical[9 * cin * cout + oc];
  }

  static void run(const conv2d_geometry& g, std::span<const float> packed, const float* in, float* out,
                  std::byte* scratch, std::size_t batch) {
    run_tasks(g, packed, in, out, scratch, batch, 0, tasks(g, batch));
  }
  /// Whether run_tasks_pooled can give this layer's output through a 2x2 stride-2 unpadded max pool:
  /// only linear, relu and relu6 layers (other activations would run after the maximum).
  static constexpr bool can_fuse_max_pool_2x2(const conv2d_geometry& g) {
    return supports(g) && simd::applied_in_registers(g.act);
  }
  static constexpr std::size_t tasks(const conv2d_geometry& g, std::size_t batch) {
    return batch * plan(g).tasks_per_image();
  }
  /// scratch: this thread's own scratch_bytes(g), aligned for the backend's vectors.
  static void run_tasks(const conv2d_geometry& g, std::span<const float> packed, const float* in, float* out,
                        std::byte* scratch, std::size_t, std::size_t begin, std::size_t end) {
    const block_plan p = plan(g);
    for (std::size_t task = begin; task < end; ++task)
      run_task<false>(g, p, packed.data(), in, out, reinterpret_cast<float*>(scratch), task);
  }
  /// The same tasks, writing max_pool(2x2, stride 2) of the output into `pooled` (floor(out.h / 2) x
  /// floor(out.w / 2) x cout per image). requires: can_fuse_max_pool_2x2(g).
  static void run_tasks_pooled(const conv2d_geometry& g, std::span<const float> packed, const float* in,
                               float* pooled, std::byte* scratch, std::size_t, std::size_t begin, std::size_t end) {
    const block_plan p = plan(g);
    for (std::size_t task = begin; task < end; ++task)
      run_task<true>(g, p, packed.data(), in, pooled, reinterpret_cast<float*>(scratch), task);
  }

 private:
  using micro_kernel = gemm_micro_kernel<B, Rows, OcVectors>;

  template <bool Pool>
  static void run_task(const conv2d_geometry& g, const block_plan& p, const float* packed, const float* in,
                       float* out, float* scratch, std::size_t task) {
    static_assert(!Pool || M % 2 == 0, "pooled tiles must hold whole 2x2 windows");
    const std::size_t n = task / p.tasks_per_image(), in_image = task % p.tasks_per_image();
    const std::size_t tile_block = in_image / p.oc_groups, group = in_image % p.oc_groups;
    const std::size_t first_tile = tile_block * p.rows;
    const std::size_t count = std::min(p.rows, p.tiles - first_tile);
    const float* image = in + n * g.in.elements();
    float* out_image = out + n * (Pool ? (g.out.h / 2) * (g.out.w / 2) * g.out.c : g.out.elements());
    float* v = scratch;
    float* mt = scratch + p.v_floats;

    input_transform(g, p, image, first_tile, count, v);
    const std::size_t used_rows = round_up(count, Rows);
    const std::size_t chunk_begin = group * p.chunks / p.oc_groups, chunk_end = (group + 1) * p.chunks / p.oc_groups;
    for (std::size_t chunk = chunk_begin; chunk < chunk_end; ++chunk) {
      const std::size_t oc0 = chunk * p.oc_chunk, width = std::min(p.oc_chunk, p.cout_p - oc0);
      // The chunk's panels, t by t, are one sequential stream: while the first row group runs on a
      // panel, the next one is prefetched.
      const float* u = packed + panel_offset(p, 0, oc0 / block);
      const std::size_t panels = T * (width / block), panel = p.cin_p * block;
      for (std::size_t t = 0; t < T; ++t)
        for (std::size_t b = 0; b < width / block; ++b, u += panel) {
          const bool last = t * (width / block) + b + 1 == panels;
          for (std::size_t r = 0; r < used_rows; r += Rows)
            micro_kernel::run(v + (t * p.rows + r) * p.cin_p, p.cin_p, u, p.cin_p,
                              mt + (t * p.rows + r) * p.oc_chunk + b * block, p.oc_chunk,
                              r == 0 && !last ? u + panel : nullptr);
        }
      output_transform<Pool>(g, p, packed + filter_floats(g), mt, first_tile, count, oc0, width, out_image);
    }
    if (!Pool && !simd::applied_in_registers(g.act))
      for (std::size_t r = 0; r < count; ++r)
        for_tile_pixels(g, p, first_tile + r, [&](float* pixel) { reference::apply_activation(g.act, pixel, g.out.c); },
                        out_image);
  }

  /// Calls f(pointer to the pixel's channels) for every output pixel of a tile inside the image.
  template <class F>
  static void for_tile_pixels(const conv2d_geometry& g, const block_plan& p, std::size_t tile, F&& f, float* out_image) {
    const std::size_t oy0 = tile / p.tiles_x * M, ox0 = tile % p.tiles_x * M;
    for (std::size_t i = 0; i < M && oy0 + i < g.out.h; ++i)
      for (std::size_t j = 0; j < M && ox0 + j < g.out.w; ++j) f(out_image + ((oy0 + i) * g.out.w + ox0 + j) * g.out.c);
  }

  /// V[t][r][c] = (B^T d B)[t] for tiles first .. first + count; rows past count are zeroed (the GEMM
  /// runs on whole micro-kernel row groups).
  static void input_transform(const conv2d_geometry& g, const block_plan& p, const float* image, std::size_t first,
                              std::size_t count, float* v) {
    const std::size_t cin = g.in.c;
    const auto ih = static_cast<std::ptrdiff_t>(g.in.h), iw = static_cast<std::ptrdiff_t>(g.in.w);
    alignas(64) vec d[T], work[T], x[T];
    for (std::size_t r = 0; r < count; ++r) {
      const std::size_t tile = first + r;
      const std::ptrdiff_t y0 = static_cast<std::ptrdiff_t>(tile / p.tiles_x * M) - static_cast<std::ptrdiff_t>(g.pad.top);
      const std::ptrdiff_t x0 = static_cast<std::ptrdiff_t>(tile % p.tiles_x * M) - static_cast<std::ptrdiff_t>(g.pad.left);
      const bool inside = y0 >= 0 && x0 >= 0 && y0 + static_cast<std::ptrdiff_t>(alpha) <= ih &&
                          x0 + static_cast<std::ptrdiff_t>(alpha) <= iw;
      for (std::size_t c = 0; c < p.cin_p; c += W) {
        const std::size_t lanes = std::min(W, cin - c);
        if (inside && lanes == W) {
          const float* origin = image + (static_cast<std::size_t>(y0) * g.in.w + static_cast<std::size_t>(x0)) * cin + c;
#pragma GCC unroll 8
          for (std::size_t i = 0; i < alpha; ++i)
#pragma GCC unroll 8
            for (std::size_t j = 0; j < alpha; ++j) d[i * alpha + j] = B::loadu(origin + (i * g.in.w + j) * cin);
        } else {
          for (std::size_t i = 0; i < alpha; ++i)
            for (std::size_t j = 0; j < alpha; ++j) {
              const std::ptrdiff_t y = y0 + static_cast<std::ptrdiff_t>(i), xx = x0 + static_cast<std::ptrdiff_t>(j);
              if (y < 0 || y >= ih || xx < 0 || xx >= iw) {
                d[i * alpha + j] = B::zero();
                continue;
              }
              const float* src = image + (static_cast<std::size_t>(y) * g.in.w + static_cast<std::size_t>(xx)) * cin + c;
              d[i * alpha + j] = lanes == W ? B::loadu(src) : B::load_first(src, lanes);
            }
        }
        transform_tile<B, tf::BT>(d, work, x);
#pragma GCC unroll 8
        for (std::size_t t = 0; t < T; ++t) B::store(v + (t * p.rows + r) * p.cin_p + c, x[t]);
      }
    }
    for (std::size_t r = count; r < round_up(count, Rows); ++r)
      for (std::size_t t = 0; t < T; ++t) std::fill_n(v + (t * p.rows + r) * p.cin_p, p.cin_p, 0.0f);
  }

  /// out = A^T Mt A + bias, clamp, for output channels [oc0, oc0 + width) of tiles first .. first + count;
  /// with Pool, the maximum of each 2x2 window (both of its rows and columns inside the image) instead.
  template <bool Pool>
  static void output_transform(const conv2d_geometry& g, const block_plan& p, const float* bias, const float* mt,
                               std::size_t first, std::size_t count, std::size_t oc0, std::size_t width,
                               float* out_image) {
    const std::size_t cout = g.out.c;
    alignas(64) vec m[T], work[M * alpha], y[M * M];
    for (std::size_t r = 0; r < count; ++r) {
      const std::size_t tile = first + r;
      const std::size_t oy0 = tile / p.tiles_x * M, ox0 = tile % p.tiles_x * M;
      const std::size_t rows = std::min(M, g.out.h - oy0), cols = std::min(M, g.out.w - ox0);
      for (std::size_t o = 0; o < width && oc0 + o < cout; o += W) {
        const std::size_t oc = oc0 + o, lanes = std::min(W, cout - oc);
#pragma GCC unroll 8
        for (std::size_t t = 0; t < T; ++t) m[t] = B::load(mt + (t * p.rows + r) * p.oc_chunk + o);
        transform_tile<B, tf::AT>(m, work, y);
        const vec b = g.bias ? B::loadu(bias + oc) : B::zero();
        auto store = [&](vec value, float* dst) {
          value = B::add(value, b);
          value = simd::apply_in_registers<B>(g.act, value);
          if (lanes == W) B::storeu(dst, value);
          else B::store_first(dst, value, lanes);
        };
        if constexpr (Pool) {
          const std::size_t pooled_w = g.out.w / 2;
          for (std::size_t i = 0; i + 1 < rows; i += 2)
            for (std::size_t j = 0; j + 1 < cols; j += 2) {
              const vec top = B::max(y[i * M + j], y[i * M + j + 1]);
              const vec bottom = B::max(y[(i + 1) * M + j], y[(i + 1) * M + j + 1]);
              store(B::max(top, bottom), out_image + (((oy0 + i) / 2) * pooled_w + (ox0 + j) / 2) * cout + oc);
            }
        } else {
          for (std::size_t i = 0; i < rows; ++i)
            for (std::size_t j = 0; j < cols; ++j) store(y[i * M + j], out_image + ((oy0 + i) * g.out.w + ox0 + j) * cout + oc);
        }
      }
    }
  }
};

}  // namespace constnet::kernels::winograd
