#pragma once
// An owned, zero-initialized, cache-line-aligned block: the storage behind a model's weights and arena.

#include <cstddef>
#include <cstring>
#include <memory>
#include <new>
#include <span>

namespace constnet {

template <class T, std::size_t Alignment = 64>
class aligned_buffer {
 public:
  aligned_buffer() = default;
  explicit aligned_buffer(std::size_t count) : count_(count) {
    if (count == 0) return;
    data_.reset(static_cast<T*>(::operator new(count * sizeof(T), std::align_val_t{Alignment})));
    std::memset(static_cast<void*>(data_.get()), 0, count * sizeof(T));
  }

  T* data() { return data_.get(); }
  const T* data() const { return data_.get(); }
  std::size_t size() const { return count_; }
  std::span<T> span() { return {data_.get(), count_}; }
  std::span<const T> span() const { return {data_.get(), count_}; }

 private:
  struct release {
    void operator()(T* p) const { ::operator delete(static_cast<void*>(p), std::align_val_t{Alignment}); }
  };
  std::unique_ptr<T, release> data_;
  std::size_t count_ = 0;
};

}  // namespace constnet
