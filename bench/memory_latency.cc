// memory-latency: how long one dependent load takes on this machine when it misses the caches,
// over working sets from 1 MiB to --max-mb, with the kernel's usual 4 KiB pages and with
// transparent huge pages (madvise). The engine's single-line reservation is a chain of such
// misses (bench/README.md, "Where the time goes"), so this is the figure that bounds it.
//
// A random cyclic permutation of 64-byte lines is walked for --hops loads per size: each load's
// address comes from the previous load, so no two overlap (the worst case, and the ledger's:
// a map's control bytes, then its slot, then the node). Then the same permutation is walked by
// kInFlight cursors at once, each load independent of the other cursors': what the loads cost
// when several can be in flight, as a batch that looks many orders up before it uses them
// would have them. The two columns bound what overlapping an order's misses can gain.
#include <sys/mman.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <numeric>
#include <optional>
#include <random>
#include <vector>

#include "CLI/CLI.hpp"

namespace {

struct alignas(64) Line {
  uint64_t next;
  char pad[56];
};

constexpr size_t kHugePage = size_t{2} << 20;
constexpr int kInFlight = 8;

struct Figures {
  double dependent;  // ns per load, one at a time
  double in_flight;  // ns per load, kInFlight independent walks interleaved
};

// Nanoseconds per load over `megabytes`, on huge pages if `huge`; nullopt if it cannot map them.
std::optional<Figures> NanosPerLoad(size_t megabytes, bool huge, uint64_t hops) {
  const size_t bytes = (megabytes << 20) / kHugePage * kHugePage;
  const size_t lines = bytes / sizeof(Line);
  void* memory = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (memory == MAP_FAILED) return std::nullopt;
  madvise(memory, bytes, huge ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
  Line* table = static_cast<Line*>(memory);

  std::vector<uint64_t> order(lines);
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937_64(42));
  for (size_t i = 0; i < lines; ++i) table[order[i]].next = order[(i + 1) % lines];

  using Clock = std::chrono::steady_clock;
  uint64_t at = order[0];
  for (uint64_t i = 0; i < std::min<uint64_t>(hops, lines); ++i) at = table[at].next;  // warm
  auto start = Clock::now();
  for (uint64_t i = 0; i < hops; ++i) at = table[at].next;
  const std::chrono::duration<double, std::nano> dependent = Clock::now() - start;

  std::array<uint64_t, kInFlight> cursors;  // spread evenly over the cycle
  for (int k = 0; k < kInFlight; ++k) cursors[k] = order[lines / kInFlight * k];
  start = Clock::now();
  for (uint64_t i = 0; i < hops / kInFlight; ++i) {
    for (uint64_t& cursor : cursors) cursor = table[cursor].next;
  }
  const std::chrono::duration<double, std::nano> in_flight = Clock::now() - start;

  volatile uint64_t sink = at;  // keeps the walks
  for (uint64_t cursor : cursors) sink = sink + cursor;
  munmap(memory, bytes);
  return Figures{dependent.count() / static_cast<double>(hops),
                 in_flight.count() / static_cast<double>(hops / kInFlight * kInFlight)};
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

  std::printf("%10s %14s %14s %11s %d at once %11s %d at once\n", "MiB", "4 KiB pages",
              "huge pages", "4 KiB,", kInFlight, "huge,", kInFlight);
  for (size_t mb = 2; mb <= max_mb; mb *= 4) {
    const std::optional<Figures> small = NanosPerLoad(mb, false, hops);
    const std::optional<Figures> huge = NanosPerLoad(mb, true, hops);
    if (!small || !huge) {
      std::fprintf(stderr, "cannot map %zu MiB\n", mb);
      return 1;
    }
    std::printf("%10zu %11.1f ns %11.1f ns %18.1f ns %18.1f ns\n", mb, small->dependent,
                huge->dependent, small->in_flight, huge->in_flight);
    std::fflush(stdout);
  }
  return 0;
}
