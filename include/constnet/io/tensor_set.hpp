#pragma once
// tensor_set: the named tensors of a weight file, as every reader returns them (safetensors, Keras
// HDF5) and as load_weights() consumes them. The bytes stay in the file's dtype until they are copied
// into a model, so a memory-mapped file is read once, straight into the model's weights.

#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "constnet/core/errors.hpp"

namespace constnet::io {

/// Element types a weight file may hold; all are little-endian and converted to fp32 on load.
enum class dtype { f32, f16, bf16, f64 };

constexpr std::size_t size_of(dtype t) {
  switch (t) {
    case dtype::f16:
    case dtype::bf16: return 2;
    case dtype::f64: return 8;
    case dtype::f32: break;
  }
  return 4;
}

/// The safetensors spelling: "F32", "F16", "BF16", "F64".
constexpr std::string_view to_string(dtype t) {
  switch (t) {
    case dtype::f16: return "F16";
    case dtype::bf16: return "BF16";
    case dtype::f64: return "F64";
    case dtype::f32: break;
  }
  return "F32";
}

/// One tensor: name, shape and its raw bytes, which belong to the tensor_set that holds it.
struct tensor_entry {
  std::string name;
  std::vector<std::size_t> shape;
  dtype type = dtype::f32;
  std::span<const std::byte> bytes;

  std::size_t elements() const {
    std::size_t n = 1;
    for (std::size_t d : shape) n *= d;
    return n;
  }
};

/// "[3, 3, 64, 128]", for error messages.
inline std::string shape_string(std::span<const std::size_t> shape) {
  std::string s = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) {
    if (i > 0) s += ", ";
    s += std::to_string(shape[i]);
  }
  return s + "]";
}

namespace detail {
static_assert(std::endian::native == std::endian::little, "weight files are little-endian; so must the host be");

inline float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = static_cast<std::uint32_t>(h & 0x8000u) << 16;
  const std::uint32_t exponent = (h >> 10) & 0x1fu;
  const std::uint32_t mantissa = h & 0x3ffu;
  if (exponent == 0) {  // zero or subnormal: mantissa * 2^-24, exact in fp32
    const float magnitude = std::ldexp(static_cast<float>(mantissa), -24);
    return sign ? -magnitude : magnitude;
  }
  const std::uint32_t bits = exponent == 0x1f ? sign | 0x7f800000u | (mantissa << 13)            // Inf, NaN
                                              : sign | ((exponent + 112) << 23) | (mantissa << 13);  // rebias 15 -> 127
  return std::bit_cast<float>(bits);
}
}  // namespace detail

/// Converts one tensor's elements to fp32. Requires out.size() == entry.elements() and entry.bytes
/// holding exactly that many elements (readers check both before an entry exists).
inline void convert_to_f32(const tensor_entry& entry, std::span<float> out) {
  const std::byte* p = entry.bytes.data();
  switch (entry.type) {
    case dtype::f32: std::memcpy(out.data(), p, out.size() * 4); return;
    case dtype::f64:
      for (std::size_t i = 0; i < out.size(); ++i) {
        double v;
        std::memcpy(&v, p + 8 * i, 8);
        out[i] = static_cast<float>(v);
      }
      return;
    case dtype::f16:
      for (std::size_t i = 0; i < out.size(); ++i) {
        std::uint16_t h;
        std::memcpy(&h, p + 2 * i, 2);
        out[i] = detail::half_to_float(h);
      }
      return;
    case dtype::bf16:
      for (std::size_t i = 0; i < out.size(); ++i) {
        std::uint16_t b;
        std::memcpy(&b, p + 2 * i, 2);
        out[i] = std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16);
      }
      return;
  }
}

/// The tensors of one file, in file order, plus the file's free-form metadata. Owns (or maps) the
/// storage the entries point into; moving a tensor_set keeps the entries valid.
class tensor_set {
 public:
  /// Adds a tensor whose bytes live in storage this set keeps alive (see keep_alive). Throws
  /// format_error if the name repeats or the byte count does not match shape and dtype.
  void add(std::string name, std::vector<std::size_t> shape, dtype type, std::span<const std::byte> bytes) {
    if (index_.contains(name)) throw format_error("tensor " + name + " appears twice");
    tensor_entry e{std::move(name), std::move(shape), type, bytes};
    std::size_t needed = size_of(type);
    for (std::size_t d : e.shape)
      if (__builtin_mul_overflow(needed, d, &needed))
        throw format_error("tensor " + e.name + ": shape " + shape_string(e.shape) + " has more elements than memory can hold");
    if (needed != bytes.size())
      throw format_error("tensor " + e.name + ": shape " + shape_string(e.shape) + " of " + std::string(to_string(type)) +
                         " needs " + std::to_string(needed) + " bytes, the data has " + std::to_string(bytes.size()));
    index_.emplace(e.name, entries_.size());
    entries_.push_back(std::move(e));
  }
  /// Keeps a buffer or a mapping alive as long as the set (or any copy of it) lives.
  void keep_alive(std::shared_ptr<const void> storage) { storage_.push_back(std::move(storage)); }

  const tensor_entry* find(std::string_view name) const {
    const auto it = index_.find(name);
    return it == index_.end() ? nullptr : &entries_[it->second];
  }
  std::span<const tensor_entry> entries() const { return entries_; }
  std::size_t size() const { return entries_.size(); }

  std::map<std::string, std::string>& metadata() { return metadata_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

 private:
  std::vector<tensor_entry> entries_;
  std::map<std::string, std::size_t, std::less<>> index_;  // name -> entry: files may hold thousands of tensors
  std::map<std::string, std::string> metadata_;
  std::vector<std::shared_ptr<const void>> storage_;
};

}  // namespace constnet::io
