// forward() makes no heap allocation: every operator new and (outside sanitizer builds, which own
// malloc) every malloc/calloc/realloc is counted while forward runs, for several networks, batch sizes,
// taps and forward_to.

#include <cstdio>
#include <cstdlib>
#include <new>
#include <vector>

#include "constnet/constnet.hpp"
#include "constnet/models/seed_cnns.hpp"
#include "constnet/models/vgg.hpp"

// The replacements below pair malloc with free on purpose.
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace {
bool counting = false;
std::size_t allocations = 0;
void note_allocation() {
  if (counting) ++allocations;
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
  std::printf("%-40s %zu allocations (arena %zu bytes)\n", what, allocations, Model::arena_bytes);
  return allocations == 0 ? 0 : 1;
}

int main() {
  using namespace constnet;
  int failures = 0;
  auto forward = [](auto& m, auto input) { m.forward(input); };

  // Sanity check of the counter itself: it must see an allocation when one happens.
  allocations = 0;
  counting = true;
  delete new int(1);
  void* raw = std::malloc(16);
  std::free(raw);
  counting = false;
#if !defined(__SANITIZE_ADDRESS__)
  if (allocations != 2) {
    std::printf("the allocation counter is broken: saw %zu of 2\n", allocations);
    return 1;
  }
#else
  if (allocations != 1) {
    std::printf("the allocation counter is broken: saw %zu of 1\n", allocations);
    return 1;
  }
#endif

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
  return failures == 0 ? 0 : 1;
}
