#pragma once
// A one-line progress bar for activation maximization (explain/maximize.hpp), redrawn in place:
//   [##########----------]  100/200  octave 1/1  objective 12.3456
// It draws only when its stream is a terminal (isatty), so logs and tests see nothing, unless forced.
//   maximize(m, target, options, progress_bar{});   // stderr
//
// A POSIX header (unistd.h) gives isatty; the library targets Linux.

#include <unistd.h>

#include <cstddef>
#include <cstdio>

#include "constnet/explain/maximize.hpp"

namespace constnet {

class progress_bar {
 public:
  /// Draws on `stream` when it is a terminal, or always when `force` is set.
  explicit progress_bar(std::FILE* stream = stderr, bool force = false)
      : stream_(stream), enabled_(force || (stream != nullptr && ::isatty(::fileno(stream)) == 1)) {}

  bool enabled() const { return enabled_; }

  void operator()(const ascent_progress& p) const {
    if (!enabled_) return;
    constexpr std::size_t width = 30;
    const std::size_t done = p.steps == 0 ? width : p.step * width / p.steps;
    char bar[width + 1];
    for (std::size_t i = 0; i < width; ++i) bar[i] = i < done ? '#' : '-';
    bar[width] = '\0';
    std::fprintf(stream_, "\r[%s] %5zu/%zu  octave %zu/%zu  objective %.6g", bar, p.step, p.steps, p.octave + 1,
                 p.octaves, p.objective);
    if (p.step == p.steps) std::fprintf(stream_, "\n");
    std::fflush(stream_);
  }

 private:
  std::FILE* stream_;
  bool enabled_;
};

}  // namespace constnet
