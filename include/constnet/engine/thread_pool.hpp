#pragma once
// A fixed set of worker threads, created once (by the model's constructor) and reused by every forward
// pass. parallel_for hands out [0, tasks) in contiguous chunks that shrink as the work runs out (a
// quarter of what is left on two threads, down to one task), taken by whichever thread is free: a
// thread that wakes late or that the system preempts leaves its share to the others. Which thread
// runs a task then varies from call to call, so tasks must not depend on it (each writes its own
// outputs, using only its thread's scratch as workspace): results are the same bits for any number of
// threads. Dispatch allocates nothing: the work is a function pointer and a context pointer, and
// threads meet on C++20 atomic wait/notify.

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>
#include <type_traits>
#include <vector>

namespace constnet {

class thread_pool {
 public:
  explicit thread_pool(std::size_t threads) : threads_(threads == 0 ? 1 : threads) {
    workers_.reserve(threads_ - 1);
    for (std::size_t t = 1; t < threads_; ++t) workers_.emplace_back([this, t] { work(t); });
  }
  thread_pool(const thread_pool&) = delete;
  thread_pool& operator=(const thread_pool&) = delete;
  ~thread_pool() {
    stopping_.store(true, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
    generation_.notify_all();
    for (auto& w : workers_) w.join();
  }

  std::size_t size() const { return threads_; }

  /// Calls body(thread, begin, end) for chunks [begin, end) that together cover [0, tasks) once, on
  /// the caller and the workers; returns when all are done. `thread` (0 = the caller, below size())
  /// lets a task use that thread's own scratch space. A thread may get several chunks or none.
  template <class Body>
  void parallel_for(std::size_t tasks, Body& body) {
    if (threads_ == 1 || tasks <= 1) {
      body(std::size_t{0}, std::size_t{0}, tasks);
      return;
    }
    context_ = &body;
    invoke_ = [](void* context, std::size_t thread, std::size_t begin, std::size_t end) {
      (*static_cast<Body*>(context))(thread, begin, end);
    };
    tasks_ = tasks;
    next_.store(0, std::memory_order_relaxed);
    pending_.store(threads_ - 1, std::memory_order_relaxed);
    generation_.fetch_add(1, std::memory_order_release);
    generation_.notify_all();
    run_share(0);
    for (std::size_t left = pending_.load(std::memory_order_acquire); left != 0;
         left = pending_.load(std::memory_order_acquire))
      pending_.wait(left, std::memory_order_acquire);
  }

 private:
  /// Takes chunks until none are left: what is left over 2 x threads, at least one task. Large first
  /// chunks keep the claims few (about 2 x threads x ln(tasks)); the last ones, of one task, even out
  /// the finish. Kernels whose adjacent tasks share work (the row kernels transform each input row once
  /// for the output rows that read it) redo that work once per chunk.
  void run_share(std::size_t t) {
    std::size_t begin = next_.load(std::memory_order_relaxed), count = 0;
    for (;;) {
      do {
        if (begin >= tasks_) return;
        count = std::max<std::size_t>(1, (tasks_ - begin) / (2 * threads_));
      } while (!next_.compare_exchange_weak(begin, begin + count, std::memory_order_relaxed));
      invoke_(context_, t, begin, begin + count);
      begin = next_.load(std::memory_order_relaxed);
    }
  }

  void work(std::size_t t) {
    std::uint64_t seen = 0;
    for (;;) {
      generation_.wait(seen, std::memory_order_acquire);
      seen = generation_.load(std::memory_order_acquire);
      if (stopping_.load(std::memory_order_relaxed)) return;
      run_share(t);
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) pending_.notify_one();
    }
  }

  std::size_t threads_;
  std::vector<std::thread> workers_;
  std::atomic<std::uint64_t> generation_{0};
  std::atomic<std::size_t> pending_{0};
  std::atomic<std::size_t> next_{0};
  std::atomic<bool> stopping_{false};
  void* context_ = nullptr;
  void (*invoke_)(void*, std::size_t, std::size_t, std::size_t) = nullptr;
  std::size_t tasks_ = 0;
};

}  // namespace constnet
