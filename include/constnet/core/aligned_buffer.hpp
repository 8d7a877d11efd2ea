#pragma once
// An owned, zero-initialized, cache-line-aligned block: the storage behind a model's weights and arena.
//
// Blocks of huge_page_bytes or more start on a huge-page boundary and, on Linux, ask for transparent
// huge pages (madvise MADV_HUGEPAGE: in THP mode "madvise", Debian's and this machine's, nothing gets
// huge pages unless it asks). With 4 KiB pages a layer that sweeps a 12 MiB activation touches 3000 pages, more than
// the TLB holds, and hardware prefetchers stop at every page boundary. VGG16's first layer, output
// evicted between calls: 1.66-1.75 ms on huge pages, 1.74-2.03 ms on 4 KiB pages (which of the two
// depended on the process: how the pages happened to land). The advice is best effort: where the
// kernel has none to give, the block is the same memory on small pages. Finding huge pages may make the
// kernel compact memory (THP defrag "madvise", Debian's default) while the zeroing faults them in: a
// cost of construction, never of forward, which touches no new page.

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <span>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace constnet {

/// Size and alignment of an x86-64 / AArch64 (4 KiB granule) transparent huge page.
inline constexpr std::size_t huge_page_bytes = std::size_t{2} << 20;

template <class T, std::size_t Alignment = 64>
class aligned_buffer {
 public:
  aligned_buffer() = default;
  explicit aligned_buffer(std::size_t count) : count_(count) {
    if (count == 0) return;
    const std::size_t bytes = count * sizeof(T);
    const std::size_t alignment = bytes >= huge_page_bytes ? std::max(Alignment, huge_page_bytes) : Alignment;
    data_ = {static_cast<T*>(::operator new(bytes, std::align_val_t{alignment})), release{alignment}};
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    // Before the first touch: the zeroing below is what faults the pages in.
    if (bytes >= huge_page_bytes) ::madvise(static_cast<void*>(data_.get()), bytes, MADV_HUGEPAGE);
#endif
    std::memset(static_cast<void*>(data_.get()), 0, bytes);
  }

  T* data() { return data_.get(); }
  const T* data() const { return data_.get(); }
  std::size_t size() const { return count_; }
  std::span<T> span() { return {data_.get(), count_}; }
  std::span<const T> span() const { return {data_.get(), count_}; }

 private:
  struct release {
    std::size_t alignment = Alignment;  // what the block was allocated with: delete must be told the same
    void operator()(T* p) const { ::operator delete(static_cast<void*>(p), std::align_val_t{alignment}); }
  };
  std::unique_ptr<T, release> data_;
  std::size_t count_ = 0;
};

}  // namespace constnet
