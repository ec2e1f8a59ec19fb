#include "bench/runner.h"

#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <latch>
#include <memory>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "absl/time/clock.h"

namespace omnistock::bench {

const char* OpKindName(OpKind kind) {
  static constexpr const char* kNames[kOpKindCount] = {
      "reserve", "confirm", "release", "fulfill", "pos_sale", "receive", "count_rows", "read"};
  return kNames[static_cast<int>(kind)];
}

void KindCounts::Add(const KindCounts& other) {
  calls += other.calls;
  units += other.units;
  stale += other.stale;
  failed_calls += other.failed_calls;
  failed_units += other.failed_units;
  calls_not_ok += other.calls_not_ok;
  for (size_t c = 0; c < by_code.size(); ++c) by_code[c] += other.by_code[c];
}

void KindStats::Merge(const KindStats& other) {
  Add(other);
  latency.Merge(other.latency);
  failed_latency.Merge(other.failed_latency);
}

uint64_t KindCounts::Headline(Workload workload) const {
  if (ReserveWorkload(workload)) return ok() + by_code[kFailedPrecondition];
  if (workload == Workload::kCounts) return ok();
  return calls - failed_calls;
}

void PacedStarts::Merge(const PacedStarts& other) {
  steps += other.steps;
  behind += other.behind;
  never_started += other.never_started;
  woke_late.Merge(other.woke_late);
  less_wake_up.Merge(other.less_wake_up);
}

uint64_t RunResult::errors(Workload workload) const {
  if (ReserveWorkload(workload)) return kind(OpKind::kReserve).errors();
  if (workload == Workload::kCounts) return kind(OpKind::kCount).errors();
  uint64_t total = 0;
  for (const KindStats& k : kinds) total += k.calls_not_ok;
  return total;
}

uint64_t RunResult::answered_calls() const {
  uint64_t total = 0;
  for (const KindStats& k : kinds) total += k.calls - k.failed_calls;
  return total;
}

void FeedLatency::Acknowledged(uint64_t sequence, int64_t at_nanos) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = arrivals_.find(sequence); it != arrivals_.end()) {
    histogram_.Record(0);  // the feed was faster than the acknowledgement
    arrivals_.erase(it);
    return;
  }
  acks_.emplace(sequence, at_nanos);
}

void FeedLatency::Arrived(uint64_t sequence, int64_t at_nanos) {
  std::lock_guard<std::mutex> lock(mu_);
  if (auto it = acks_.find(sequence); it != acks_.end()) {
    histogram_.Record(at_nanos - it->second);
    acks_.erase(it);
    return;
  }
  // Most updates are not of a bench sale (reserves, receipts ...); keep a bounded window.
  if (arrivals_.size() > 1'000'000) arrivals_.clear();
  arrivals_.emplace(sequence, at_nanos);
}

LatencyHistogram FeedLatency::Histogram() const {
  std::lock_guard<std::mutex> lock(mu_);
  return histogram_;
}

uint64_t FeedLatency::unmatched() const {
  std::lock_guard<std::mutex> lock(mu_);
  return acks_.size();
}

namespace {

using Clock = std::chrono::steady_clock;

// How long a closed-loop client waits after an UNAVAILABLE answer before its next step: enough
// not to spin on a server that is down (hundreds of thousands of failed calls a second, taking
// the cores from its restart). The gRPC session's pause ends as soon as its connection is back
// (ClientSession::PauseAfterUnavailable).
constexpr auto kUnavailablePause = std::chrono::milliseconds(10);
// After an UNAVAILABLE answer, a paced client watches its channel for at most this long, and
// never past its next step's due time.
constexpr auto kPacedWatchMax = std::chrono::milliseconds(100);

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

int64_t Nanos(Clock::duration d) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
}

int64_t Nanos(Clock::time_point t) { return Nanos(t.time_since_epoch()); }

// What the progress line reads while the clients run: one cache line per client, written only
// by its client.
struct alignas(64) LiveCounters {
  std::atomic<uint64_t> done{0};        // what the headline counts (KindStats::Headline)
  std::atomic<uint64_t> stock_outs{0};  // units answered FAILED_PRECONDITION (out of stock, ...)
  std::atomic<uint64_t> failed_calls{0};
};

// What the progress line shows of the clients' LiveCounters, summed.
struct LiveTotals {
  uint64_t done = 0;
  uint64_t stock_outs = 0;
  uint64_t failed_calls = 0;
};

// One client's records; counts only in the measured window.
class Recorder {
 public:
  Recorder(Workload workload, const std::atomic<int>& phase, LiveCounters& live)
      : workload_(workload), phase_(phase), live_(live) {}

  // Records one call of `kind` that carried `units` units, all answered with `code`.
  void Record(OpKind kind, int code, Clock::duration took, uint64_t units = 1, uint64_t stale = 0) {
    if (code < 0 || code >= kStatusCodeCount) code = 2;  // UNKNOWN
    const bool failed = code != 0 && code != kFailedPrecondition;
    if (kind == OpKind::kReserve) {
      (failed ? reserve_unknown_ : reserve_attempts_) += units;
      if (code == 0) reserve_successes_ += units;
    }
    if (code == kUnavailable) unavailable_ = true;
    KindCounts call;  // this call alone, as the run counts it
    call.calls = 1;
    call.units = units;
    call.by_code[static_cast<size_t>(code)] = units;
    if (code == 0) call.stale = stale;
    call.failed_calls = failed ? 1 : 0;
    call.failed_units = failed ? units : 0;
    call.calls_not_ok = code != 0 ? 1 : 0;
    Count(call);
    if (!measuring()) return;
    KindStats& k = kinds_[static_cast<size_t>(kind)];
    k.Add(call);
    (failed ? k.failed_latency : k.latency).Record(Nanos(took));
  }

  // Records one ReserveBatch call: its own status, and each order's when the call succeeded.
  void RecordBatch(int call_code, const std::vector<int>& codes, size_t orders,
                   Clock::duration took) {
    if (call_code != 0) return Record(OpKind::kReserve, call_code, took, orders);
    KindCounts call;  // this call alone, as the run counts it
    call.calls = 1;
    call.units = codes.size();
    for (int code : codes) {
      ++call.by_code[static_cast<size_t>(code < 0 || code >= kStatusCodeCount ? 2 : code)];
    }
    reserve_attempts_ += codes.size();
    reserve_successes_ += call.by_code[0];
    Count(call);
    if (!measuring()) return;
    KindStats& k = kinds_[static_cast<size_t>(OpKind::kReserve)];
    k.Add(call);
    k.latency.Record(Nanos(took));
  }

  // Records how a paced step began: after sleeping until it was due and waking `late` past
  // that, or (`slept` false) already behind its schedule.
  // False once the run has stopped: the step is not to run (nor counted as started).
  bool RecordStart(bool slept, Clock::duration late) {
    const int phase = phase_.load(std::memory_order_acquire);
    if (phase == kStop) return false;
    if (phase != kMeasure) return true;
    ++paced_.steps;
    if (!slept) {
      ++paced_.behind;
      return true;
    }
    paced_.woke_late.Record(Nanos(late));
    return true;
  }

  // Records a paced step's first call, counted from when it was due less the load generator's
  // share of its lateness (see DueAt).
  void RecordLessWakeUp(Clock::duration took) {
    if (!measuring()) return;
    paced_.less_wake_up.Record(Nanos(took));
  }

  // Whether a call since the last time asked was answered UNAVAILABLE (the server gone, or
  // not reachable yet): the client then pauses instead of spinning on failures.
  bool TakeUnavailable() { return std::exchange(unavailable_, false); }

  bool stopped() const { return phase_.load(std::memory_order_acquire) == kStop; }
  bool measuring() const { return phase_.load(std::memory_order_acquire) == kMeasure; }

  std::array<KindStats, kOpKindCount> kinds_;
  uint64_t reserve_attempts_ = 0;
  uint64_t reserve_successes_ = 0;
  uint64_t reserve_unknown_ = 0;
  PacedStarts paced_;
  // Paced: when the client's next step was due as the run stopped, and its interval.
  Clock::time_point next_due_{};
  Clock::duration interval_{};

 private:
  // One call, warmup included, for the progress line.
  void Count(const KindCounts& call) {
    done_ += call.Headline(workload_);
    stock_outs_ += call.by_code[kFailedPrecondition];
    failed_calls_ += call.failed_calls;
    live_.done.store(done_, std::memory_order_relaxed);
    live_.stock_outs.store(stock_outs_, std::memory_order_relaxed);
    live_.failed_calls.store(failed_calls_, std::memory_order_relaxed);
  }

  const Workload workload_;
  const std::atomic<int>& phase_;
  LiveCounters& live_;
  uint64_t done_ = 0;
  uint64_t stock_outs_ = 0;
  uint64_t failed_calls_ = 0;
  bool unavailable_ = false;
};

// One client's work: a step at a time, by workload.
class ClientLoop {
 public:
  ClientLoop(const Catalog& catalog, const RunConfig& config, int client, ClientSession& session,
             Recorder& recorder, FeedLatency* feed)
      : catalog_(catalog),
        config_(config),
        random_(catalog, client, config.seed),
        session_(session),
        recorder_(recorder),
        feed_(feed) {}

  // Paced: the step about to run was due at `at`; its first call's latency counts from there.
  // `generator_late` of its lateness is the load generator's: its client's late wake-up.
  void DueAt(Clock::time_point at, Clock::duration generator_late) {
    due_ = at;
    generator_late_ = generator_late;
  }

  void Step() {
    switch (config_.workload) {
      case Workload::kUniform:
      case Workload::kSkewed:
      case Workload::kFlash:
        if (config_.batch > 1) return ReserveBatch();
        Reserve(absl::ZeroDuration());
        return;
      case Workload::kLifecycle:
        return Checkout(/*release_percent=*/20, /*abandon_percent=*/0);
      case Workload::kCounts:
        return Counts(config_.count_rows);
      case Workload::kOmnichannel:
        return Omnichannel();
    }
  }

 private:
  // Runs `call` and returns its code and how long it took: from when the step was due, for the
  // first call of a paced step.
  template <typename Call>
  std::pair<int, Clock::duration> Timed(Call&& call) {
    const std::optional<Clock::time_point> due = std::exchange(due_, std::nullopt);
    const Clock::time_point start = due.value_or(Clock::now());
    const int code = call();
    const Clock::time_point end = Clock::now();
    if (due) recorder_.RecordLessWakeUp(end - (*due + generator_late_));
    return {code, end - start};
  }

  // Reserves the next order; returns its id when it was held.
  std::optional<std::string> Reserve(absl::Duration ttl) {
    const Order& order = random_.NextOrder();
    const auto [code, took] = Timed([&] { return session_.Reserve(order, ttl); });
    recorder_.Record(OpKind::kReserve, code, took);
    if (code != 0) return std::nullopt;
    return order.reservation_id;
  }

  void ReserveBatch() {
    const std::vector<Order> orders = random_.NextOrders(config_.batch);
    std::vector<int> codes;
    const auto [code, took] = Timed([&] { return session_.ReserveBatch(orders, codes); });
    recorder_.RecordBatch(code, codes, orders.size(), took);
  }

  void Transit(OpKind kind, Transition transition, const std::string& id) {
    const auto [code, took] = Timed([&] { return session_.Transit(transition, id); });
    recorder_.Record(kind, code, took);
  }

  // A checkout: hold, then (unless abandoned: a short hold left to expire) confirm, then
  // fulfil or release.
  void Checkout(int release_percent, int abandon_percent) {
    const bool abandon = random_.Percent() < abandon_percent;
    std::optional<std::string> id = Reserve(abandon ? absl::Seconds(1) : absl::ZeroDuration());
    if (!id || abandon) return;
    Transit(OpKind::kConfirm, Transition::kConfirm, *id);
    if (random_.Percent() < release_percent) {
      Transit(OpKind::kRelease, Transition::kRelease, *id);
    } else {
      Transit(OpKind::kFulfill, Transition::kFulfill, *id);
    }
  }

  void Sale() {
    const std::string transaction = random_.NextId("s");
    uint64_t sequence = 0;
    const auto [code, took] =
        Timed([&] { return session_.Sale(random_.Store(), random_.Sku(), transaction, sequence); });
    // Only the measured window's sales: a warmup sale's update would count as a measured one.
    if (code == 0 && feed_ != nullptr && recorder_.measuring()) {
      feed_->Acknowledged(sequence, Nanos(Clock::now()));
    }
    recorder_.Record(OpKind::kSale, code, took);
  }

  // `rows` consecutive positions from a random one (distinct while rows <= positions), each
  // counted at its starting stock.
  void Counts(int rows) {
    const int64_t positions = catalog_.positions();
    const int64_t first =
        static_cast<int64_t>(random_.Sku()) * static_cast<int64_t>(catalog_.locations.size()) +
        random_.Location();
    const int64_t n = std::min<int64_t>(rows, positions);
    count_rows_.clear();
    const int64_t locations = static_cast<int64_t>(catalog_.locations.size());
    for (int64_t i = 0; i < n; ++i) {
      const int64_t p = (first + i) % positions;
      count_rows_.push_back(CountLine{static_cast<int>(p / locations),
                                      static_cast<int>(p % locations),
                                      catalog_.on_hand_per_position});
    }
    int64_t stale = 0;
    const auto [code, took] = Timed([&] { return session_.Counts(count_rows_, stale); });
    recorder_.Record(OpKind::kCount, code, took, static_cast<uint64_t>(n),
                     static_cast<uint64_t>(stale));
  }

  // The peak-hour mix: 40% EC checkouts (one in ten released after confirm, one in twenty
  // abandoned to expire), 30% till sales, 20% availability reads, 5% receipts, 5% WMS count
  // batches of 1,000 rows.
  void Omnichannel() {
    const int draw = random_.Percent();
    if (draw < 40) return Checkout(/*release_percent=*/10, /*abandon_percent=*/5);
    if (draw < 70) return Sale();
    if (draw < 90) {
      const auto [code, took] = Timed([&] { return session_.Read(random_.Sku()); });
      return recorder_.Record(OpKind::kRead, code, took);
    }
    if (draw < 95) {
      const auto [code, took] =
          Timed([&] { return session_.Receive(random_.Location(), random_.Sku(), 10); });
      return recorder_.Record(OpKind::kReceive, code, took);
    }
    Counts(1000);
  }

  const Catalog& catalog_;
  const RunConfig& config_;
  ClientRandom random_;
  ClientSession& session_;
  std::optional<Clock::time_point> due_;
  Clock::duration generator_late_{};
  Recorder& recorder_;
  FeedLatency* feed_;
  std::vector<CountLine> count_rows_;
};

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// How many of the steps due at `first`, `first` + `interval`, ... fall in [from, to).
uint64_t StepsDueIn(Clock::time_point first, Clock::duration interval, Clock::time_point from,
                    Clock::time_point to) {
  if (interval <= Clock::duration::zero()) return 0;
  auto due_before = [&](Clock::time_point t) -> int64_t {  // ceil((t - first) / interval)
    return t <= first ? 0 : (t - first - Clock::duration(1)) / interval + 1;
  };
  return static_cast<uint64_t>(std::max<int64_t>(0, due_before(to) - due_before(from)));
}

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

  // The omnichannel mix measures till sale -> feed where there is a feed.
  std::unique_ptr<FeedLatency> feed;
  if (config.workload == Workload::kOmnichannel) {
    feed = std::make_unique<FeedLatency>();
    absl::Status watching = driver.StartWatcher(feed.get());
    if (absl::IsUnimplemented(watching)) {
      feed.reset();
    } else if (!watching.ok()) {
      return watching;
    }
  }

  std::atomic<int> phase{config.warmup_seconds > 0 ? kWarmup : kMeasure};
  std::latch ready(n + 1);
  auto live = std::make_unique<LiveCounters[]>(static_cast<size_t>(n));
  std::vector<std::unique_ptr<Recorder>> recorders;
  for (int i = 0; i < n; ++i) {
    recorders.push_back(
        std::make_unique<Recorder>(config.workload, phase, live[static_cast<size_t>(i)]));
  }

  std::vector<std::thread> threads;
  threads.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      Recorder& recorder = *recorders[static_cast<size_t>(i)];
      ClientSession& session = *sessions[static_cast<size_t>(i)];
      ClientLoop loop(catalog, config, i, session, recorder, feed.get());
      ready.arrive_and_wait();
      if (config.rate <= 0) {
        while (!recorder.stopped()) {
          loop.Step();
          if (recorder.TakeUnavailable()) session.PauseAfterUnavailable(kUnavailablePause);
        }
        return;
      }
      // Client i of n steps at (i / n + k) x n / rate seconds from the start. Its timer may
      // fire up to the thread's timer slack (50 us by default) late: none asked for here, so
      // what is left of a late wake-up is the scheduler's (reported as the paced starts).
      ::prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
      const auto interval = std::chrono::duration_cast<Clock::duration>(
          std::chrono::duration<double>(n / config.rate));
      // In floating point: interval * i overflows nanoseconds at slow paces and many clients.
      Clock::time_point due = Clock::now() + FromSeconds(i / config.rate);
      // The load generator's share of how late this client is. A step that is behind (its
      // previous one ran past its due time) inherits at most the last late wake-up: had the
      // client woken on time, it would be that much less late.
      Clock::duration generator_late{};
      while (!recorder.stopped()) {
        if (recorder.TakeUnavailable()) {
          // Watches the channel until its next step, less a margin for the wait's own timer
          // (gRPC rounds its deadline up to a millisecond), so that the step is not made late;
          // at most as long as a sleep slice below, so that the run still stops promptly.
          const auto until_due = std::chrono::duration_cast<std::chrono::milliseconds>(
              due - Clock::now() - std::chrono::milliseconds(2));
          if (until_due.count() > 0) {
            session.PauseAfterUnavailable(
                std::min<std::chrono::milliseconds>(kPacedWatchMax, until_due));
          }
        }
        const Clock::time_point ready = Clock::now();
        const bool slept = ready < due;
        Clock::duration late;
        if (slept) {
          // In slices, so that a step due after the run's end does not hold the run open.
          for (Clock::time_point now = ready; now < due && !recorder.stopped();
               now = Clock::now()) {
            std::this_thread::sleep_until(std::min(due, now + std::chrono::milliseconds(100)));
          }
          late = Clock::now() - due;
          generator_late = late;
        } else {
          late = ready - due;
          generator_late = std::min(generator_late, late);
        }
        if (!recorder.RecordStart(slept, late)) break;
        loop.DueAt(due, generator_late);
        loop.Step();
        due += interval;
      }
      recorder.next_due_ = due;
      recorder.interval_ = interval;
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
  // The progress line counts what the result's headline does (HeadlineOf), its rate over the
  // last second and over the phase so far, the units answered FAILED_PRECONDITION (out of stock
  // for the reserve workloads; in the mixes also a hold expired or a transition not allowed) and
  // the failed calls (answered neither OK nor FAILED_PRECONDITION), within the phase. Orders of a
  // ReserveBatch answered OK that were refused otherwise (invalid) are in neither count.
  auto live_totals = [&] {
    LiveTotals totals;
    for (int i = 0; i < n; ++i) {
      const LiveCounters& c = live[static_cast<size_t>(i)];
      totals.done += c.done.load(std::memory_order_relaxed);
      totals.stock_outs += c.stock_outs.load(std::memory_order_relaxed);
      totals.failed_calls += c.failed_calls.load(std::memory_order_relaxed);
    }
    return totals;
  };
  LiveTotals phase_start;  // when the phase began
  const char* const refused_label =
      ReserveWorkload(config.workload) ? "stock-outs" : "FAILED_PRECONDITION";
  uint64_t last_done = 0;
  auto rate = [](uint64_t count, double seconds) {
    return seconds > 0 ? static_cast<double>(count) / seconds : 0.0;
  };

  bool interrupted = false;
  absl::Time window_ended;
  for (;;) {
    const int current = phase.load();
    const Clock::time_point boundary = current == kWarmup ? measure_start : measure_end;
    // In slices of at most 100 ms, so that an interrupt is seen soon.
    std::this_thread::sleep_until(
        std::min({next_tick, boundary, Clock::now() + std::chrono::milliseconds(100)}));
    const Clock::time_point now = Clock::now();
    interrupted = config.interrupt != nullptr && config.interrupt->load();
    // The second's line first, for the phase it was in.
    if (now >= next_tick) {
      const LiveTotals totals = live_totals();
      const uint64_t done = totals.done - phase_start.done;
      // measure_start is the measured phase's start once it has begun.
      const Clock::time_point phase_started = current == kWarmup ? started : measure_start;
      const char* what = HeadlineOf(config.workload).unit;
      std::fprintf(stderr,
                   "%s[%6.1fs %-6s] %s %llu  %s/s %.0f (%.0f so far)  %s %llu  "
                   "failed calls %llu%s",
                   tty ? "\r" : "", Seconds(now - started), PhaseName(current), what,
                   static_cast<unsigned long long>(done), what,
                   rate(totals.done - last_done, Seconds(now - last_tick)),
                   rate(done, Seconds(now - phase_started)), refused_label,
                   static_cast<unsigned long long>(totals.stock_outs - phase_start.stock_outs),
                   static_cast<unsigned long long>(totals.failed_calls - phase_start.failed_calls),
                   tty ? "\033[K" : "\n");
      std::fflush(stderr);
      last_done = totals.done;
      last_tick = now;
      next_tick += std::chrono::seconds(1);
    }
    if (interrupted || (current == kMeasure && now >= measure_end)) {
      // Interrupted in the warmup, the measured window is empty.
      if (current == kWarmup) measure_start = now;
      phase.store(kStop, std::memory_order_release);
      measure_stopped = now;
      window_ended = absl::Now();
      break;
    }
    if (current == kWarmup && now >= measure_start) {
      phase.store(kMeasure, std::memory_order_release);
      phase_start = live_totals();
      last_done = phase_start.done;
      last_tick = now;
      measure_start = now;
      measure_end = measure_start + FromSeconds(config.duration_seconds);
    }
  }
  for (std::thread& thread : threads) thread.join();
  if (tty) std::fprintf(stderr, "\n");

  RunResult run;
  run.measured_seconds = Seconds(measure_stopped - measure_start);
  run.interrupted = interrupted;
  run.ended = window_ended;
  for (const auto& recorder : recorders) {
    for (size_t k = 0; k < run.kinds.size(); ++k) run.kinds[k].Merge(recorder->kinds_[k]);
    run.reserve_attempts_total += recorder->reserve_attempts_;
    run.reserve_successes_total += recorder->reserve_successes_;
    run.reserve_unknown_total += recorder->reserve_unknown_;
    if (config.rate > 0) {
      if (!run.paced) run.paced.emplace();
      run.paced->Merge(recorder->paced_);
      // The client's steps due in the window after its last one started.
      run.paced->never_started +=
          StepsDueIn(recorder->next_due_, recorder->interval_, measure_start, measure_stopped);
    }
  }
  if (feed) {
    // Let the last updates of the run arrive before the watcher stops.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    driver.StopWatcher();
    run.feed_latency = feed->Histogram();
    run.feed_unmatched = feed->unmatched();
  }
  return run;
}

}  // namespace omnistock::bench
