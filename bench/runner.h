// The closed loop: `clients` threads, each with its own session, each doing one step of its
// workload at a time and the next as soon as it is answered. A warmup period runs first and is
// not counted; then the measured window, in which every call that completes is counted by kind
// and its latency recorded (in per-thread histograms, merged at the end). A progress line goes
// to stderr once per second.
//
// A step is one Reserve (uniform, skewed, flash; or one ReserveBatch of --batch orders), one
// checkout (lifecycle: reserve, confirm, then fulfil or, one time in five, release), one
// SyncCounts call (counts), or one draw of the omnichannel mix (see runner.cc).
#ifndef OMNISTOCK_BENCH_RUNNER_H_
#define OMNISTOCK_BENCH_RUNNER_H_

#include <array>
#include <cstdint>
#include <optional>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bench/driver.h"
#include "bench/histogram.h"
#include "bench/workload.h"

namespace omnistock::bench {

enum class OpKind { kReserve, kConfirm, kRelease, kFulfill, kSale, kReceive, kCount, kRead };
inline constexpr int kOpKindCount = 8;
const char* OpKindName(OpKind kind);

// What calls of one kind were answered. Units are orders for Reserve (a batch call carries
// many), rows for counts, one otherwise; codes are counted per unit. No histogram: a client
// makes one of these per call.
struct KindCounts {
  uint64_t calls = 0;
  uint64_t units = 0;
  std::array<uint64_t, kStatusCodeCount> by_code{};
  uint64_t stale = 0;  // count rows answered OK but ignored as stale (counts only)
  // Calls that failed: neither OK nor a stock-out (FAILED_PRECONDITION) answer, such as
  // UNAVAILABLE from a server going down or DEADLINE_EXCEEDED; and the units they carried.
  uint64_t failed_calls = 0;
  uint64_t failed_units = 0;
  uint64_t calls_not_ok = 0;  // calls answered with a status other than OK, stock-outs included

  // What the workload's headline counts of these calls (HeadlineOf).
  uint64_t Headline(Workload workload) const;
  uint64_t ok() const { return by_code[0] - stale; }
  uint64_t errors() const { return units - by_code[0]; }
  // The units of the calls that did not fail: answered, whatever the answer.
  uint64_t answered_units() const { return units - failed_units; }
  void Add(const KindCounts& other);
};

// The calls of one kind in the measured window, with their latency. Failed calls' latency is
// kept apart, so that neither hides the other: fast failures do not pass for fast service, and
// calls that waited out their deadline still show.
struct KindStats : KindCounts {
  LatencyHistogram latency;         // per answered call
  LatencyHistogram failed_latency;  // per failed call

  void Merge(const KindStats& other);
};

struct RunConfig {
  Workload workload = Workload::kUniform;
  int clients = 16;
  double warmup_seconds = 2;
  double duration_seconds = 10;
  uint64_t seed = 0;
  int batch = 1;            // orders per Reserve call (uniform, skewed, flash)
  int count_rows = 50'000;  // rows per SyncCounts call (counts)
  // Steps per second across all clients, each client on its own even schedule; 0: closed loop
  // (each client starts its next step when the last is answered). Paced latency is counted from
  // the scheduled start, so a client that falls behind counts its waiting too.
  double rate = 0;
  // Set (by a signal handler) to end the run early: the measured window ends there, and the
  // result says it was interrupted.
  const std::atomic<bool>* interrupt = nullptr;
};

// A client ahead of its schedule sleeps until its next step is due, and the timer and the
// scheduler wake it some time after that (`woke_late`: the load generator's own delay, tens of
// microseconds to milliseconds on a busy VM). A client still busy with its last step when the
// next falls due starts it late by that much (`behind`: mostly the system under test's delay,
// but a late wake-up that made the last step overrun carries over into it).
struct PacedStarts {
  uint64_t steps = 0;
  uint64_t behind = 0;  // steps that were already due when the client got to them
  // Steps due in the measured window that no client started before it ended: the system was
  // that far behind the rate (their latency is in no histogram).
  uint64_t never_started = 0;
  LatencyHistogram woke_late;  // per step that slept: from due to awake
  // Each step's first call (the one whose latency counts from due) counted from when it was
  // due less the load generator's share of its lateness (its late wake-up, or, when behind,
  // what the last late wake-up carried over): the latency the system under test caused.
  LatencyHistogram less_wake_up;

  void Merge(const PacedStarts& other);
};

struct RunResult {
  double measured_seconds = 0;  // the actual length of the measured window
  absl::Time ended;             // when the measured window ended (wall clock)
  std::array<KindStats, kOpKindCount> kinds;
  // Every Reserve of the run, warmup included: what the flash check compares with the ledger.
  // Attempts are the orders answered (held or out of stock); an order whose call failed
  // (UNAVAILABLE from a server going down, a deadline) may or may not be held: unknown.
  uint64_t reserve_attempts_total = 0;
  uint64_t reserve_successes_total = 0;
  uint64_t reserve_unknown_total = 0;
  bool interrupted = false;  // ended early by RunConfig::interrupt
  // POS sale acknowledged -> the same change on the feed (omnichannel, grpc mode).
  std::optional<LatencyHistogram> feed_latency;
  uint64_t feed_unmatched = 0;
  // Paced runs: how each measured step began, which its latency (counted from when it was due)
  // includes.
  std::optional<PacedStarts> paced;

  const KindStats& kind(OpKind k) const { return kinds[static_cast<size_t>(k)]; }
  // Answers other than OK, stock-outs included: the headline kind's units for the reserve
  // workloads and counts, every kind's calls for the mixes (whose kinds count different units).
  uint64_t errors(Workload workload) const;
  // Calls that did not fail, of every kind.
  uint64_t answered_calls() const;
};

// Runs the loop against `driver` (already seeded with `catalog`). Fails only when a client
// session or the watcher cannot be created.
absl::StatusOr<RunResult> RunClosedLoop(Driver& driver, const Catalog& catalog,
                                        const RunConfig& config);

}  // namespace omnistock::bench

#endif  // OMNISTOCK_BENCH_RUNNER_H_
