// forward() makes no heap allocation: every operator new and (outside sanitizer builds, which own
// malloc) every malloc/calloc/realloc is counted while forward runs, for several networks, batch sizes,
// taps, forward_to and thread counts, and while gradient_model runs forward + backward (input
// gradients). With threads<N> the workers run kernels too, so the counter is atomic and counts
// allocations on every thread.

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <new>
#include <thread>
#include <vector>

#include "constnet/constnet.hpp"
#include "constnet/explain/gradient_model.hpp"
#include "constnet/models/mobilenet.hpp"
#include "constnet/models/seed_cnns.hpp"
#include "constnet/models/vgg.hpp"

// The replacements below pair malloc with free on purpose.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace {
std::atomic<bool> counting{false};
std::atomic<std::size_t> allocations{0};
void note_allocation() {
  if (counting.load(std::memory_order_relaxed)) allocations.fetch_add(1, std::memory_order_relaxed);
}
}  // namespace

#if !defined(__SANITIZE_ADDRESS__)
// glibc's own entry points, so malloc itself can be counted without a sanitizer in the way.
extern "C" void* __libc_malloc(std::size_t);
extern "C" void* __libc_calloc(std::size_t, std::size_t);
extern "C" void* __libc_realloc(void*, std::size_t);
static void* uncounted_malloc(std::size_t n) { return __libc_malloc(n); }
#else
static void* uncounted_malloc(std::size_t n) { return std::malloc(n); }
#endif

void* operator new(std::size_t n) {
  note_allocation();
  if (void* p = uncounted_malloc(n ? n : 1)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n) { return ::operator new(n); }
void* operator new(std::size_t n, std::align_val_t a) {
  note_allocation();
  const std::size_t alignment = static_cast<std::size_t>(a);
  if (void* p = std::aligned_alloc(alignment, (n + alignment - 1) / alignment * alignment)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t n, std::align_val_t a) { return ::operator new(n, a); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }

#if !defined(__SANITIZE_ADDRESS__)
extern "C" void* malloc(std::size_t n) {
  note_allocation();
  return __libc_malloc(n);
}
extern "C" void* calloc(std::size_t n, std::size_t size) {
  note_allocation();
  return __libc_calloc(n, size);
}
extern "C" void* realloc(void* p, std::size_t n) {
  note_allocation();
  return __libc_realloc(p, n);
}
#endif

template <class Model, class Run>
int expect_no_allocation(const char* what, Model& m, Run run) {
  std::vector<float> image(Model::input_elements, 0.25f);
  constnet::he_normal(m, 7);
  allocations = 0;
  counting = true;
  run(m, std::span<const float, Model::input_elements>(image));
  counting = false;
  const std::size_t seen = allocations;
  std::printf("%-48s %zu allocations (arena %zu bytes, %zu threads)\n", what, seen, Model::arena_bytes,
              Model::thread_count);
  return seen == 0 ? 0 : 1;
}

int main() {
  using namespace constnet;
  int failures = 0;
  auto forward = [](auto& m, auto input) { m.forward(input); };

  // Sanity check of the counter itself: it must see an allocation when one happens.
  allocations = 0;
  counting = true;
  // volatile pointers: the compiler may otherwise elide an unused new/delete or malloc/free pair.
  int* volatile object = new int(1);
  delete object;
  void* volatile raw = std::malloc(16);
  std::free(raw);
  counting = false;
#if !defined(__SANITIZE_ADDRESS__)
  if (allocations != 2) {
    std::printf("the allocation counter is broken: saw %zu of 2\n", allocations.load());
    return 1;
  }
#else
  if (allocations != 1) {
    std::printf("the allocation counter is broken: saw %zu of 1\n", allocations.load());
    return 1;
  }
#endif

  // ... and on another thread too, as the pool's workers would.
  {
    std::atomic<bool> go{false};
    std::thread other([&go] {
      while (!go.load()) std::this_thread::yield();
      int* volatile object2 = new int(2);
      delete object2;
    });
    allocations = 0;
    counting = true;
    go = true;
    other.join();
    counting = false;
    if (allocations != 1) {
      std::printf("the allocation counter misses other threads: saw %zu of 1\n", allocations.load());
      return 1;
    }
  }

  {
    model<models::cifar10_cnn> m;
    failures += expect_no_allocation("cifar10_cnn forward", m, forward);
  }
  {
    model<models::cifar10_cnn, batch<4>, taps<"conv2d", "conv2d_1">> m;
    failures += expect_no_allocation("cifar10_cnn batch 4 with taps", m, forward);
  }
  {
    model<models::bn_cnn_64, batch<2>> m;
    failures += expect_no_allocation("bn_cnn_64 batch 2", m, forward);
  }
  {
    model<models::vgg16_at<32, 32, 10>> m;
    failures += expect_no_allocation("vgg16 at 32x32 forward_to block3_conv2", m,
                                     [](auto& mm, auto input) { mm.template forward_to<"block3_conv2">(input); });
  }
  // A graph: residual adds, a depthwise inverted residual block, concatenations (MobileNetV2 at 32x32).
  {
    model<models::mobilenet_v2_at<32, 32, 10>, threads<2>> m;
    failures += expect_no_allocation("mobilenet_v2 at 32x32 threads 2", m, forward);
  }
  {
    model<models::mobilenet_v2_at<32, 32, 10>> m;
    failures += expect_no_allocation("mobilenet_v2 at 32x32 forward_to block_5_add (run-time name)", m,
                                     [](auto& mm, auto input) { mm.forward_to("block_5_add", input); });
  }
  // Threads: the pool's workers are created with the model; forward only wakes them.
  {
    model<models::cifar10_cnn, threads<2>> m;
    failures += expect_no_allocation("cifar10_cnn threads 2", m, forward);
  }
  {
    model<models::cifar10_cnn, batch<2>, threads<2>, taps<"conv2d_1">> m;
    failures += expect_no_allocation("cifar10_cnn batch 2 threads 2 with a tap", m, forward);
  }
  {
    model<models::bn_cnn_64, batch<2>, threads<2>> m;
    failures += expect_no_allocation("bn_cnn_64 batch 2 threads 2", m, forward);
  }
  {
    model<models::bn_cnn_64, batch<3>, threads<3>> m;
    failures += expect_no_allocation("bn_cnn_64 batch 3 threads 3", m, forward);
  }
  {
    model<models::vgg16_at<32, 32, 10>, batch<2>, threads<2>> m;
    failures += expect_no_allocation("vgg16 at 32x32 batch 2 threads 2", m, forward);
  }
  {
    // Twice in a row: nothing is allocated lazily on a later pass either.
    model<models::cifar10_cnn, batch<2>, threads<2>> m;
    failures += expect_no_allocation("cifar10_cnn batch 2 threads 2, two passes", m, [](auto& mm, auto input) {
      mm.forward(input);
      mm.forward(input);
    });
  }
  // Input gradients: forward + backward of a gradient_model (explain/gradient_model.hpp), every layer
  // kind of the seed CNNs, objectives on the last and on an inner layer, one and two threads.
  auto ascent_step = [](std::size_t layer, std::size_t channel) {
    return [layer, channel](auto& mm, auto input) {
      mm.value_and_gradient(objective::filter(layer, channel), input);
      mm.value_and_gradient(objective::class_logit(std::decay_t<decltype(mm)>::layers - 1, 1), input);
    };
  };
  {
    gradient_model<models::cifar10_cnn> m;
    failures += expect_no_allocation("cifar10_cnn input gradients", m, ascent_step(3, 5));
  }
  {
    gradient_model<models::bn_cnn_64, batch<2>, threads<2>> m;
    failures += expect_no_allocation("bn_cnn_64 batch 2 threads 2 input gradients", m, ascent_step(5, 1));
  }
  {
    gradient_model<models::vgg16_at<32, 32, 10>, threads<2>> m;
    failures += expect_no_allocation("vgg16 at 32x32 threads 2 input gradients", m, ascent_step(9, 3));
  }
  {
    // A graph: gradients summed where a tensor feeds a block and its shortcut.
    using net = models::mobilenet_v2_at<32, 32, 10>;
    gradient_model<net, threads<2>> m;
    failures += expect_no_allocation("mobilenet_v2 at 32x32 threads 2 input gradients", m,
                                     ascent_step(net::index_of<"block_5_add">, 3));
  }
  return failures == 0 ? 0 : 1;
}
