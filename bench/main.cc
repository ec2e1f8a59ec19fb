// omnistock-bench: a closed-loop load generator, in process against the ledger (engine) or
// against a running omnistockd (grpc), for every workload of bench/README.md.
//
// Exit codes: 0 done, 1 the flash check (or --strict) failed or no call was answered in the
// measured window, 2 bad usage or the run could not be set up, 128 + N a run ended early by
// signal N (SIGINT, SIGTERM) after printing what it measured.
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <optional>
#include <random>
#include <string>
#include <thread>

#include "CLI/CLI.hpp"
#include "bench/driver.h"
#include "bench/report.h"
#include "bench/runner.h"
#include "bench/workload.h"
#include "engine/limits.h"
#include "services/command_line.h"
#include "services/tuning.h"

namespace {

using omnistock::bench::Workload;
using omnistock::bench::WorkloadName;

constexpr int kExitCheckFailed = 1;
constexpr int kExitSetupFailed = 2;  // command_line::kExitUsage too
constexpr double kRateMin = 0.001;   // steps per second

// A SIGINT or SIGTERM during the run: the run stops there and reports what it measured. The
// first one puts both back as they were, so a second one (either) ends the process at once. A
// signal the tool was started ignoring (SIGINT in a script's background job) stays ignored.
constexpr int kInterrupts[] = {SIGINT, SIGTERM};
std::atomic<bool> g_interrupt{false};
volatile std::sig_atomic_t g_interrupt_signal = 0;
struct sigaction g_interrupt_before[std::size(kInterrupts)];  // what CatchInterrupts replaced
static_assert(std::atomic<bool>::is_always_lock_free);        // set in a signal handler

void RestoreInterrupts() {  // async-signal-safe
  for (size_t i = 0; i < std::size(kInterrupts); ++i) {
    ::sigaction(kInterrupts[i], &g_interrupt_before[i], nullptr);
  }
}

void OnInterrupt(int signal) {
  RestoreInterrupts();
  g_interrupt_signal = signal;
  g_interrupt.store(true);
}

void CatchInterrupts() {
  struct sigaction action {};
  action.sa_handler = OnInterrupt;
  sigemptyset(&action.sa_mask);
  for (int signal : kInterrupts) sigaddset(&action.sa_mask, signal);  // one handler at a time
  for (size_t i = 0; i < std::size(kInterrupts); ++i) {
    ::sigaction(kInterrupts[i], nullptr, &g_interrupt_before[i]);
    if (g_interrupt_before[i].sa_handler != SIG_IGN) {
      ::sigaction(kInterrupts[i], &action, nullptr);
    }
  }
}

// Writes `text` to `path` (appending or replacing), false when it could not be written whole:
// the stream is closed before it is asked, so a write the buffer held back counts too.
bool WriteResults(const std::string& path, const std::string& text, std::ios::openmode mode) {
  std::ofstream out(path, mode);
  out << text;
  out.close();
  return !out.fail();
}

struct Options {
  std::string mode;
  std::string target = "127.0.0.1:50051";
  std::string workload = "uniform";
  int clients = 16;
  int connections = 2;
  double duration = 10;
  double warmup = 2;
  int batch = 1;
  double rate = 0;
  int count_rows = 50'000;
  int skus = 10000;
  int locations = 50;
  int max_lines = 3;
  uint64_t seed = 0;
  std::string json;
  std::string jsonl;
  std::string catalog;
  bool strict = false;
};

int Run(const Options& options, bool seed_given) {
  using namespace omnistock::bench;
  const Workload workload = *ParseWorkload(options.workload);
  uint64_t seed = options.seed;
  if (!seed_given)
    seed = (static_cast<uint64_t>(std::random_device{}()) << 32) | std::random_device{}();
  const std::string nonce = MakeNonce();
  const std::string catalog_name = options.catalog.empty() ? nonce : options.catalog;
  Catalog catalog = MakeCatalog(workload, options.skus, options.locations, catalog_name, nonce);
  catalog.max_lines = options.max_lines;

  std::unique_ptr<Driver> driver = options.mode == "engine"
                                       ? MakeEngineDriver()
                                       : MakeGrpcDriver(options.target, options.connections);
  std::fprintf(stderr, "omnistock-bench: %s, workload %s, %d clients, seed %llu, run nonce %s\n",
               driver->Describe().c_str(), WorkloadName(workload), options.clients,
               static_cast<unsigned long long>(seed), nonce.c_str());

  // Seeding: as many workers as clients, at least the machine's cores.
  const int parallelism =
      std::max<int>(options.clients, static_cast<int>(std::thread::hardware_concurrency()));
  std::fprintf(stderr, "seeding %zu locations and %lld positions ...\n", catalog.locations.size(),
               static_cast<long long>(catalog.positions()));
  driver->Attach(catalog);
  const auto seed_start = std::chrono::steady_clock::now();
  bool reuse = false;
  if (catalog_name != nonce) {
    const absl::StatusOr<PositionFigures> last =
        driver->PositionAt(catalog.skus.back(), catalog.locations.back().id);
    reuse = last.ok() && last->on_hand > 0;
  }
  if (reuse) {
    std::fprintf(stderr, "catalog %s is already seeded: reusing it\n", catalog_name.c_str());
  } else if (absl::Status s = driver->Seed(parallelism); !s.ok()) {
    std::fprintf(stderr, "omnistock-bench: seeding failed: %s\n", s.ToString().c_str());
    return kExitSetupFailed;
  }
  const double seed_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - seed_start).count();
  if (!reuse) {
    std::fprintf(stderr, "seeded %lld positions in %.2f s (%.0f positions/s)\n",
                 static_cast<long long>(catalog.positions()), seed_seconds,
                 seed_seconds > 0 ? catalog.positions() / seed_seconds : 0.0);
  }

  RunConfig config;
  config.clients = options.clients;
  config.warmup_seconds = options.warmup;
  config.duration_seconds = options.duration;
  config.seed = seed;
  config.workload = workload;
  config.batch = options.batch;
  // A call counts distinct positions: at most the catalog's.
  config.count_rows = static_cast<int>(std::min<int64_t>(options.count_rows, catalog.positions()));
  if (workload == Workload::kCounts && config.count_rows < options.count_rows) {
    std::fprintf(stderr,
                 "omnistock-bench: --count-rows %d is more than the catalog's %d positions: "
                 "%d rows per call\n",
                 options.count_rows, config.count_rows, config.count_rows);
  }
  config.rate = options.rate;
  config.interrupt = &g_interrupt;
  CatchInterrupts();
  absl::StatusOr<RunResult> run = RunClosedLoop(*driver, catalog, config);
  RestoreInterrupts();
  if (!run.ok()) {
    std::fprintf(stderr, "omnistock-bench: %s\n", run.status().ToString().c_str());
    return kExitSetupFailed;
  }

  Report report;
  report.mode = options.mode;
  if (options.mode == "grpc") {
    report.target = options.target;
    report.connections = std::min(options.connections, options.clients);
  }
  report.workload = workload;
  report.clients = options.clients;
  report.batch = options.batch;
  if (workload == Workload::kCounts) report.count_rows = config.count_rows;
  report.rate = options.rate;
  report.duration_seconds = options.duration;
  report.warmup_seconds = options.warmup;
  report.skus = static_cast<int64_t>(catalog.skus.size());
  report.locations = static_cast<int64_t>(catalog.locations.size());
  report.positions = catalog.positions();
  report.on_hand_per_position = catalog.on_hand_per_position;
  report.max_lines = catalog.order_lines_max();
  report.seed = seed;
  report.nonce = nonce;
  report.seed_seconds = seed_seconds;
  report.run = std::move(*run);

  if (workload == Workload::kFlash) {
    FlashCheck& check = report.check;
    check.performed = true;
    check.attempts = report.run.reserve_attempts_total;
    check.successes = report.run.reserve_successes_total;
    check.unknown = report.run.reserve_unknown_total;
    const int64_t successes = static_cast<int64_t>(check.successes);
    absl::StatusOr<PositionFigures> position =
        driver->PositionAt(catalog.skus[0], catalog.locations[0].id);
    if (position.ok()) {
      check.reserved = position->reserved;
      if (check.unknown == 0) {
        check.expected =
            std::min<int64_t>(static_cast<int64_t>(check.attempts), catalog.on_hand_per_position);
        check.passed = successes == check.reserved && check.reserved == check.expected;
      } else {
        // What the failed calls held is unknown: the bounds, no oversell above all.
        check.expected = std::min<int64_t>(successes + static_cast<int64_t>(check.unknown),
                                           catalog.on_hand_per_position);
        check.passed = successes <= check.reserved && check.reserved <= check.expected;
      }
    } else {
      check.error = position.status().ToString();
    }
  }

  PrintTable(report, stdout);
  if (report.check.performed) {
    std::printf("%s\n", report.check.passed          ? "PASS"
                        : report.check.error.empty() ? "FAIL"
                                                     : "NOT CHECKED");
  }

  bool written = true;
  if (!options.json.empty() &&
      !WriteResults(options.json, ToJson(report).dump(2) + "\n", std::ios::trunc)) {
    std::fprintf(stderr, "omnistock-bench: cannot write --json %s\n", options.json.c_str());
    written = false;
  }
  if (!options.jsonl.empty() &&
      !WriteResults(options.jsonl, ToJson(report).dump() + "\n", std::ios::app)) {
    std::fprintf(stderr, "omnistock-bench: cannot append to --jsonl %s\n", options.jsonl.c_str());
    written = false;
  }
  // A failed (or undone) check says more than an interrupt, or a results file that could not be
  // written.
  if (report.check.performed && !report.check.passed) return kExitCheckFailed;
  if (report.run.interrupted) {
    std::fprintf(stderr, "omnistock-bench: interrupted by signal %d after %.2f s measured\n",
                 static_cast<int>(g_interrupt_signal), report.run.measured_seconds);
    return 128 + static_cast<int>(g_interrupt_signal);
  }
  // A run in which nothing was answered measured nothing (a server down, or not reachable).
  if (report.run.answered_calls() == 0) {
    std::fprintf(stderr, "omnistock-bench: no call was answered in the measured window\n");
    return kExitCheckFailed;
  }
  if (options.strict) {
    uint64_t calls = 0;
    uint64_t failures = 0;
    for (const KindStats& k : report.run.kinds) {
      calls += k.calls;
      failures += k.errors() - k.by_code[kFailedPrecondition];
    }
    if (calls == 0 || failures > 0) {
      std::fprintf(stderr, "omnistock-bench: --strict: %llu calls completed, %llu failed\n",
                   static_cast<unsigned long long>(calls),
                   static_cast<unsigned long long>(failures));
      return kExitCheckFailed;
    }
  }
  return written ? 0 : kExitSetupFailed;
}

}  // namespace

int main(int argc, char** argv) {
  omnistock::services::TuneProcessForServing();  // as omnistockd: engine mode is comparable
  Options options;
  CLI::App app{
      "omnistock-bench: closed-loop Reserve load, in process (engine) or against omnistockd "
      "(grpc)"};
  app.add_option("mode", options.mode, "engine: in-process ledger; grpc: a running omnistockd")
      ->required()
      ->check(CLI::IsMember({"engine", "grpc"}));
  app.add_option("--target", options.target, "grpc mode: omnistockd host:port")
      ->capture_default_str();
  app.add_option("--connections", options.connections,
                 "grpc mode: channels (HTTP/2 connections) the clients share, client i on the "
                 "(i mod N)-th; --connections equal to --clients gives each client its own")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  std::vector<std::string> workloads;
  for (Workload w : omnistock::bench::kWorkloads) workloads.push_back(WorkloadName(w));
  app.add_option("--workload", options.workload,
                 "uniform: 1-3 line orders, SKU and location uniform; skewed: SKUs Zipf(0.99); "
                 "flash: one hot position of 100,000; lifecycle: reserve, confirm, fulfil or "
                 "release; omnichannel: the peak-hour mix of every channel; counts: WMS cycle "
                 "counts")
      ->check(CLI::IsMember(workloads))
      ->capture_default_str();
  app.add_option("--batch", options.batch,
                 "uniform, skewed, flash: orders per call (ReserveBatch when above 1)")
      ->check(CLI::Range(1, omnistock::kReserveBatchOrdersMax))
      ->capture_default_str();
  app.add_option("--count-rows", options.count_rows, "counts: rows per SyncCounts call")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  app.add_option("--rate", options.rate,
                 "paced load: steps (calls, or checkouts) per second across all clients, latency "
                 "counted from each step's scheduled start; 0: closed loop")
      ->check(omnistock::command_line::Finite() & CLI::Range(0.0, 1e9))
      ->capture_default_str();
  app.add_option("--clients", options.clients, "closed-loop client threads")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  app.add_option("--duration", options.duration, "measured seconds")
      ->check(omnistock::command_line::Finite() & CLI::Range(0.1, 86400.0))
      ->capture_default_str();
  app.add_option("--warmup", options.warmup, "seconds run first and not counted")
      ->check(omnistock::command_line::Finite() & CLI::Range(0.0, 3600.0))
      ->capture_default_str();
  app.add_option("--skus", options.skus,
                 "every workload but flash (one position): SKUs in the catalog")
      ->check(CLI::Range(1, 1'000'000))
      ->capture_default_str();
  app.add_option("--locations", options.locations,
                 "every workload but flash (one position): locations in the catalog")
      ->check(CLI::Range(1, 9999))
      ->capture_default_str();
  app.add_option("--max-lines", options.max_lines,
                 "uniform, skewed, lifecycle, omnichannel: orders have 1 to N lines "
                 "(1: single-line orders)")
      ->check(CLI::Range(1, 3))
      ->capture_default_str();
  CLI::Option* seed = app.add_option("--seed", options.seed,
                                     "seed of the order generators "
                                     "(default: random, printed)")
                          ->check(omnistock::command_line::NotNegative() &
                                  omnistock::command_line::WholeNumber<uint64_t>());
  app.add_option("--catalog", options.catalog,
                 "grpc: name the catalog and reuse it if a previous run seeded it (not flash)")
      ->check(CLI::Validator(
          [](std::string& v) {
            return v.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789") == std::string::npos
                       ? std::string()
                       : std::string("letters a-z and digits only");
          },
          "[a-z0-9]+"));
  app.add_option("--json", options.json, "also write the results as a JSON object to FILE");
  app.add_option("--jsonl", options.jsonl,
                 "also append the results as one JSON line to FILE (bench/results/*.jsonl)");
  app.add_flag("--strict", options.strict,
               "exit 1 unless calls completed and none failed (stock-outs excepted)");
  if (std::optional<int> exit = omnistock::command_line::Parse(app, argc, argv)) return *exit;
  if (options.mode == "engine") {
    for (const char* grpc_only : {"--target", "--connections", "--catalog"}) {
      if (app.get_option(grpc_only)->count() > 0) {
        std::fprintf(stderr,
                     "omnistock-bench: %s applies to grpc mode only (engine runs the ledger in "
                     "process, with a fresh catalog each run)\n",
                     grpc_only);
        return kExitSetupFailed;
      }
    }
  }
  // A pace slower than this would put a client's next step further off than a clock counts.
  if (options.rate > 0 && options.rate < kRateMin) {
    std::fprintf(stderr, "omnistock-bench: --rate must be 0 (closed loop) or at least %g, got %g\n",
                 kRateMin, options.rate);
    return kExitSetupFailed;
  }
  if (options.batch > 1 &&
      !omnistock::bench::ReserveWorkload(*omnistock::bench::ParseWorkload(options.workload))) {
    std::fprintf(stderr,
                 "omnistock-bench: --batch applies to uniform, skewed and flash only, "
                 "not %s\n",
                 options.workload.c_str());
    return kExitSetupFailed;
  }
  // A flash sale sells its one position out: it always seeds a fresh one.
  if (!options.catalog.empty() &&
      omnistock::bench::ParseWorkload(options.workload) == omnistock::bench::Workload::kFlash) {
    std::fprintf(stderr,
                 "omnistock-bench: --catalog does not apply to flash, which seeds a fresh "
                 "position every run (it sells out)\n");
    return kExitSetupFailed;
  }
  // A file that cannot be written is said before the run, not after it.
  for (const std::string* file : {&options.json, &options.jsonl}) {
    if (file->empty()) continue;
    if (std::optional<std::string> why = omnistock::command_line::CannotWrite(*file)) {
      std::fprintf(stderr, "omnistock-bench: %s\n", why->c_str());
      return kExitSetupFailed;
    }
  }
  try {
    return Run(options, seed->count() > 0);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "omnistock-bench: %s\n", e.what());
    return kExitSetupFailed;
  }
}
