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

}  // namespace constnet
