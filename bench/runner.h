// The closed loop: `clients` threads, each with its own session, each issuing one Reserve at a
// time and the next as soon as it is answered. A warmup period runs first and is not counted;
// then the measured window, in which every op that completes is counted and its latency
// recorded (in a per-thread histogram, merged at the end). A progress line goes to stderr once
// per second.
#ifndef OMNISTOCK_BENCH_RUNNER_H_
#define OMNISTOCK_BENCH_RUNNER_H_

#include <array>
#include <cstdint>

#include "absl/status/statusor.h"
#include "bench/driver.h"
#include "bench/histogram.h"
#include "bench/workload.h"

namespace omnistock::bench {

struct RunConfig {
  int clients = 16;
  double warmup_seconds = 2;
  double duration_seconds = 10;
  uint64_t seed = 0;
};

struct RunResult {
  double measured_seconds = 0;  // the actual length of the measured window
  // Ops that completed in the measured window, by status code ([0] = OK), and their latency.
  uint64_t ops = 0;
  std::array<uint64_t, kStatusCodeCount> by_code{};
  LatencyHistogram latency;
  // Every op of the run, warmup included: what the flash check compares with the ledger.
  uint64_t attempts_total = 0;
  uint64_t successes_total = 0;

  uint64_t errors() const { return ops - by_code[0]; }
};

// Runs the loop against `driver` (already seeded with `catalog`). Fails only when a client
// session cannot be created.
absl::StatusOr<RunResult> RunClosedLoop(Driver& driver, const Catalog& catalog,
                                        const RunConfig& config);

}  // namespace omnistock::bench

#endif  // OMNISTOCK_BENCH_RUNNER_H_
