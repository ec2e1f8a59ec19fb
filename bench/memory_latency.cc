// memory-latency: how long one dependent load takes on this machine when it misses the caches,
// over working sets from 1 MiB to --max-mb, with the kernel's usual 4 KiB pages and with
// transparent huge pages (madvise). The engine's single-line reservation is a chain of such
// misses (bench/README.md, "Where the time goes"), so this is the figure that bounds it.
//
// A random cyclic permutation of 64-byte lines is walked for --hops loads per size: each load's
// address comes from the previous load, so no two overlap (the worst case, and the ledger's:
// a map's control bytes, then its slot, then the node).
#include <sys/mman.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <random>
#include <vector>

#include "CLI/CLI.hpp"

namespace {

struct alignas(64) Line {
  uint64_t next;
  char pad[56];
};

constexpr size_t kHugePage = size_t{2} << 20;

// Nanoseconds per dependent load over `megabytes`, on huge pages if `huge`.
double NanosPerLoad(size_t megabytes, bool huge, uint64_t hops) {
  const size_t bytes = (megabytes << 20) / kHugePage * kHugePage;
  const size_t lines = bytes / sizeof(Line);
  void* memory = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) return -1;
  madvise(memory, bytes, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
  Line* table = static_cast<Line*>(memory);

  std::vector<uint64_t> order(lines);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937_64(42));
  for (size_t i = 0; i < lines; ++i) table[order[i]].next = order[(i + 1) % lines];

  uint64_t at = order[0];
  for (uint64_t i = 0; i < std::min<uint64_t>(hops, lines); ++i) at = table[at].next;  // warm
  const auto start = std::chrono::steady_clock::now();
  for (uint64_t i = 0; i < hops; ++i) at = table[at].next;
  const std::chrono::duration<double, std::nano> elapsed = std::chrono::steady_clock::now() - start;
  volatile uint64_t sink = at;  // keeps the walk
  (void)sink;
  munmap(memory, bytes);
  return elapsed.count() / static_cast<double>(hops);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Nanoseconds per dependent memory load (cache and TLB misses) by working set"};
  size_t max_mb = 2048;
  uint64_t hops = 4'000'000;
  app.add_option("--max-mb", max_mb, "largest working set, MiB (from 2, times 4)")
      ->check(CLI::Range(2, 16384));
  app.add_option("--hops", hops, "dependent loads timed per working set")
      ->check(CLI::Range(1000, 100'000'000));
  CLI11_PARSE(app, argc, argv);

  std::printf("%10s %14s %14s\n", "MiB", "4 KiB pages", "huge pages");
  for (size_t mb = 2; mb <= max_mb; mb *= 4) {
    const double small = NanosPerLoad(mb, false, hops);
    const double huge = NanosPerLoad(mb, true, hops);
    if (small < 0 || huge < 0) {
      std::fprintf(stderr, "cannot map %zu MiB\n", mb);
      return 1;
    }
    std::printf("%10zu %11.1f ns %11.1f ns\n", mb, small, huge);
    std::fflush(stdout);
  }
  return 0;
}
