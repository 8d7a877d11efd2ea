#pragma once
// A fixed set of worker threads, created once (by the model's constructor) and reused by every forward
// pass. parallel_for splits [0, tasks) into one contiguous range per thread, always the same way, so a
// task's result never depends on the number of threads. Dispatch allocates nothing: the work is a
// function pointer and a context pointer, and threads meet on C++20 atomic wait/notify.

#include <algorithm>
#include <atomic>
#include <chrono>
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

  /// Calls body(thread, begin, end) on each thread for its share of [0, tasks); returns when all are
  /// done. `thread` (0 = the caller) lets a task use that thread's own scratch space.
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
    spin_while([&] { return pending_.load(std::memory_order_acquire) != 0; });
    for (std::size_t left = pending_.load(std::memory_order_acquire); left != 0;
         left = pending_.load(std::memory_order_acquire))
      pending_.wait(left, std::memory_order_acquire);
  }

 private:
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

  /// Spins, yielding the core to anyone else who wants it, while `waiting()` holds, for at most
  /// spin_budget; the callers then sleep on a futex. Why: a futex wake-up took 25 us (median; 55 us at
  /// the 99th percentile) on the 2-core VM this was measured on, and a forward wakes the workers once
  /// per layer and the caller once more when they finish: 50 us against a 1 ms layer. Yielding instead
  /// of pausing keeps a spinning worker from delaying other programs' threads on its core.
  template <class Waiting>
  static void spin_while(Waiting waiting) {
    const auto deadline = std::chrono::steady_clock::now() + spin_budget;
    while (waiting() && std::chrono::steady_clock::now() < deadline) std::this_thread::yield();
  }

  void work(std::size_t t) {
    std::uint64_t seen = 0;
    for (;;) {
      spin_while([&] { return generation_.load(std::memory_order_acquire) == seen; });
      generation_.wait(seen, std::memory_order_acquire);
      seen = generation_.load(std::memory_order_acquire);
      if (stopping_.load(std::memory_order_relaxed)) return;
      run_share(t);
      if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) pending_.notify_one();
    }
  }

  static constexpr std::chrono::microseconds spin_budget{50};

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
