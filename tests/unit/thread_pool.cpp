// thread_pool::parallel_for: every task runs exactly once, on a thread index below size(), in ranges
// that never overlap, for any number of tasks and threads; the pool is reusable call after call.

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <mutex>
#include <utility>
#include <vector>

#include "constnet/engine/thread_pool.hpp"

namespace cn = constnet;  // the suite is a namespace named like the class it tests

BOOST_AUTO_TEST_SUITE(thread_pool)

BOOST_AUTO_TEST_CASE(every_task_runs_once_in_disjoint_ranges) {
  for (std::size_t threads : {1u, 2u, 3u, 5u}) {
    cn::thread_pool pool(threads);
    BOOST_TEST(pool.size() == threads);
    for (std::size_t tasks : {0u, 1u, 2u, 3u, 7u, 64u, 224u, 1001u}) {
      std::vector<std::atomic<int>> runs(tasks);
      std::mutex ranges_mutex;
      std::vector<std::pair<std::size_t, std::size_t>> ranges;
      std::atomic<bool> bad_thread{false};
      auto body = [&](std::size_t thread, std::size_t begin, std::size_t end) {
        if (thread >= threads || begin > end || end > tasks) bad_thread = true;
        for (std::size_t t = begin; t < std::min(end, tasks); ++t) runs[t].fetch_add(1);
        const std::lock_guard lock(ranges_mutex);
        ranges.emplace_back(begin, end);
      };
      pool.parallel_for(tasks, body);
      BOOST_TEST_CONTEXT("threads " << threads << ", tasks " << tasks) {
        BOOST_TEST(!bad_thread);
        std::size_t once = 0;
        for (const auto& r : runs) once += r.load() == 1;
        BOOST_TEST(once == tasks);
        std::size_t covered = 0;
        for (const auto& [begin, end] : ranges) covered += end - begin;
        BOOST_TEST(covered == tasks);  // with every task run once: no range overlaps another
      }
    }
  }
}

BOOST_AUTO_TEST_CASE(the_pool_is_reused_call_after_call) {
  cn::thread_pool pool(2);
  std::vector<int> hits(100, 0);
  auto body = [&](std::size_t, std::size_t begin, std::size_t end) {
    for (std::size_t t = begin; t < end; ++t) ++hits[t];  // tasks are disjoint: no two threads share an element
  };
  for (int call = 0; call < 2000; ++call) pool.parallel_for(hits.size(), body);
  std::size_t right = 0;
  for (int h : hits) right += h == 2000;
  BOOST_TEST(right == hits.size());
}

BOOST_AUTO_TEST_SUITE_END()
