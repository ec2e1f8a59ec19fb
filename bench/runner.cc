#include "bench/runner.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <latch>
#include <memory>
#include <thread>
#include <vector>

namespace omnistock::bench {
namespace {

using Clock = std::chrono::steady_clock;

enum Phase : int { kWarmup = 0, kMeasure = 1, kStop = 2 };

const char* PhaseName(int phase) {
  switch (phase) {
    case kWarmup:
      return "warmup";
    case kMeasure:
      return "run";
    default:
      return "stop";
  }
}

// What the progress line reads while the clients run: one cache line per client, written only
// by its client.
struct alignas(64) LiveCounters {
  std::atomic<uint64_t> ops{0};
  std::atomic<uint64_t> errors{0};
};

struct ClientResult {
  uint64_t ops = 0;
  std::array<uint64_t, kStatusCodeCount> by_code{};
  LatencyHistogram latency;
  uint64_t attempts = 0;
  uint64_t successes = 0;
  uint64_t errors = 0;
};

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

Clock::duration FromSeconds(double seconds) {
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
}

}  // namespace

absl::StatusOr<RunResult> RunClosedLoop(Driver& driver, const Catalog& catalog,
                                        const RunConfig& config) {
  const int n = config.clients;
  std::vector<std::unique_ptr<ClientSession>> sessions;
  for (int i = 0; i < n; ++i) {
    absl::StatusOr<std::unique_ptr<ClientSession>> session = driver.NewClient(i);
    if (!session.ok()) return session.status();
    sessions.push_back(std::move(*session));
  }

  std::atomic<int> phase{config.warmup_seconds > 0 ? kWarmup : kMeasure};
  std::latch ready(n + 1);
  auto live = std::make_unique<LiveCounters[]>(static_cast<size_t>(n));
  std::vector<ClientResult> results(static_cast<size_t>(n));

  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      ClientSession& session = *sessions[static_cast<size_t>(i)];
      ClientResult& result = results[static_cast<size_t>(i)];
      LiveCounters& counters = live[static_cast<size_t>(i)];
      OrderGenerator orders(catalog, i, config.seed);
      ready.arrive_and_wait();
      for (;;) {
        const Order& order = orders.Next();
        const Clock::time_point start = Clock::now();
        int code = session.Reserve(order);
        const Clock::time_point end = Clock::now();
        if (code < 0 || code >= kStatusCodeCount) code = 2;  // UNKNOWN
        ++result.attempts;
        if (code == 0) {
          ++result.successes;
        } else {
          counters.errors.store(++result.errors, std::memory_order_relaxed);
        }
        counters.ops.store(result.attempts, std::memory_order_relaxed);
        const int now_phase = phase.load(std::memory_order_acquire);
        if (now_phase == kMeasure) {
          ++result.ops;
          ++result.by_code[static_cast<size_t>(code)];
          result.latency.Record(
              std::chrono::duration_cast<std::chrono::nanoseconds>(end - start).count());
        } else if (now_phase == kStop) {
          break;
        }
      }
    });
  }

  const bool tty = ::isatty(STDERR_FILENO) == 1;
  ready.arrive_and_wait();
  const Clock::time_point started = Clock::now();
  Clock::time_point measure_start =
      phase.load() == kMeasure ? started : started + FromSeconds(config.warmup_seconds);
  Clock::time_point measure_end = measure_start + FromSeconds(config.duration_seconds);
  Clock::time_point measure_stopped = measure_end;
  Clock::time_point next_tick = started + std::chrono::seconds(1);
  Clock::time_point last_tick = started;
  uint64_t last_ops = 0;

  for (;;) {
    const int current = phase.load();
    const Clock::time_point boundary = current == kWarmup ? measure_start : measure_end;
    std::this_thread::sleep_until(std::min(next_tick, boundary));
    const Clock::time_point now = Clock::now();
    if (current == kWarmup && now >= measure_start) {
      phase.store(kMeasure, std::memory_order_release);
      measure_start = now;
      measure_end = measure_start + FromSeconds(config.duration_seconds);
      continue;
    }
    if (current == kMeasure && now >= measure_end) {
      phase.store(kStop, std::memory_order_release);
      measure_stopped = now;
      break;
    }
    if (now >= next_tick) {
      uint64_t ops = 0;
      uint64_t errors = 0;
      for (int i = 0; i < n; ++i) {
        ops += live[static_cast<size_t>(i)].ops.load(std::memory_order_relaxed);
        errors += live[static_cast<size_t>(i)].errors.load(std::memory_order_relaxed);
      }
      const double interval = Seconds(now - last_tick);
      std::fprintf(stderr, "%s[%6.1fs %-6s] ops %llu  ops/s %.0f  errors %llu%s",
                   tty ? "\r" : "", Seconds(now - started), PhaseName(current),
                   static_cast<unsigned long long>(ops),
                   interval > 0 ? static_cast<double>(ops - last_ops) / interval : 0.0,
                   static_cast<unsigned long long>(errors), tty ? "\033[K" : "\n");
      std::fflush(stderr);
      last_ops = ops;
      last_tick = now;
      next_tick += std::chrono::seconds(1);
    }
  }
  for (std::thread& thread : threads) thread.join();
  if (tty) std::fprintf(stderr, "\n");

  RunResult run;
  run.measured_seconds = Seconds(measure_stopped - measure_start);
  for (const ClientResult& result : results) {
    run.ops += result.ops;
    for (int c = 0; c < kStatusCodeCount; ++c) {
      run.by_code[static_cast<size_t>(c)] += result.by_code[static_cast<size_t>(c)];
    }
    run.latency.Merge(result.latency);
    run.attempts_total += result.attempts;
    run.successes_total += result.successes;
  }
  return run;
}

}  // namespace omnistock::bench
