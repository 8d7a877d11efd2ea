#include <constnet/io/keras_hdf5.hpp>

#include <array>
#include <cstddef>

#ifndef CONSTNET_HAS_HDF5
#error "constnet::hdf5 defines CONSTNET_HAS_HDF5"
#endif

int main() {
  const std::array<std::byte, 16> not_hdf5{};
  try {
    constnet::io::read_keras_hdf5(std::span<const std::byte>(not_hdf5));
  } catch (const constnet::format_error&) {
    return 0;  // HDF5 was linked, ran, and refused the bytes
  }
  return 1;
}
