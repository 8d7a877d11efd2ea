#pragma once
// The one exception hierarchy of constnet. Everything the library throws derives from constnet::error,
// so `catch (const constnet::error&)` handles every bad input; the subclasses say what kind it was.

#include <stdexcept>
#include <string>

namespace constnet {

class error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A buffer of the wrong size or shape was handed to the library.
class shape_error : public error {
 public:
  using error::error;
};

/// A layer or tensor name that the network does not have. what() names the closest one that exists.
class unknown_name_error : public error {
 public:
  using error::error;
};

/// A file or buffer that cannot be opened or read (missing, unreadable, short read, failed write).
class io_error : public error {
 public:
  using error::error;
};

/// Bytes that do not follow their format: a truncated or malformed safetensors, HDF5 or image file,
/// a header past the end of the data, overlapping offsets, an unknown dtype, a shape that overflows.
class format_error : public error {
 public:
  using error::error;
};

/// A well-formed weight file that does not fit the network: missing, unexpected or mis-shaped tensors,
/// or (when asked to check) NaN and Inf values. what() lists every problem, one per line.
class weights_mismatch_error : public error {
 public:
  using error::error;
};

/// An image the network cannot take: zero size, or a channel count that cannot be converted.
class image_error : public error {
 public:
  using error::error;
};

}  // namespace constnet
