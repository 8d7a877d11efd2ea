// aligned_buffer: zeroed, aligned storage; blocks of a huge page or more start on a huge-page boundary
// and carry the kernel's huge-page advice where Linux has transparent huge pages.

#include <boost/test/unit_test.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>

#include "constnet/core/aligned_buffer.hpp"

namespace cn = constnet;  // the suite is a namespace named like the class it tests

namespace {

bool aligned_to(const void* p, std::size_t alignment) { return reinterpret_cast<std::uintptr_t>(p) % alignment == 0; }

/// The VmFlags line of the mapping that holds `p`, from /proc/self/smaps ("" if there is none).
std::string vm_flags_of(const void* p) {
  const auto address = reinterpret_cast<std::uintptr_t>(p);
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    std::uintptr_t begin = 0, end = 0;
    char dash = 0;
    std::istringstream header(line);
    if (header >> std::hex >> begin >> dash >> end && dash == '-') {
      inside = begin <= address && address < end;
    } else if (inside && line.rfind("VmFlags:", 0) == 0) {
      return line;
    }
  }
  return {};
}

}  // namespace

BOOST_AUTO_TEST_SUITE(aligned_buffer)

BOOST_AUTO_TEST_CASE(small_blocks_are_zeroed_and_cache_line_aligned) {
  cn::aligned_buffer<float> b(1000);
  BOOST_TEST(b.size() == 1000u);
  BOOST_TEST(aligned_to(b.data(), 64));
  BOOST_TEST(std::all_of(b.data(), b.data() + b.size(), [](float x) { return x == 0.0f; }));
  cn::aligned_buffer<float> empty(0);
  BOOST_TEST(empty.data() == nullptr);
  BOOST_TEST(empty.span().empty());
}

BOOST_AUTO_TEST_CASE(large_blocks_start_on_a_huge_page_and_survive_moves) {
  const std::size_t count = cn::huge_page_bytes / sizeof(float) * 3 + 5;  // not a whole number of huge pages
  cn::aligned_buffer<float> b(count);
  BOOST_TEST(aligned_to(b.data(), cn::huge_page_bytes));
  BOOST_TEST(std::all_of(b.data(), b.data() + count, [](float x) { return x == 0.0f; }));
  b.data()[count - 1] = 7.0f;
  float* const data = b.data();
  cn::aligned_buffer<float> moved = std::move(b);
  BOOST_TEST(moved.data() == data);
  BOOST_TEST(moved.data()[count - 1] == 7.0f);
  moved = cn::aligned_buffer<float>(16);  // frees the huge block with the alignment it was allocated with
  BOOST_TEST(aligned_to(moved.data(), 64));
}

BOOST_AUTO_TEST_CASE(large_blocks_ask_for_transparent_huge_pages) {
  // Whether the kernel then backs the block with huge pages depends on its free memory; the advice
  // itself shows in the mapping's flags ("hg": MADV_HUGEPAGE) wherever the kernel has THP at all.
  if (!std::filesystem::exists("/sys/kernel/mm/transparent_hugepage/enabled")) {
    BOOST_TEST_MESSAGE("no transparent huge pages in this kernel: nothing to check");
    return;
  }
  cn::aligned_buffer<std::byte> large(cn::huge_page_bytes * 2);
  const std::string flags = vm_flags_of(large.data());
  BOOST_TEST_INFO("mapping flags: " << flags);
  BOOST_TEST(flags.find(" hg") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
