// omnistockd: the omnistock server. See README.md for the quick start and --help for flags.
#include <signal.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/internal/parse.h"
#include "absl/flags/internal/usage.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/flags/usage_config.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "boost/asio.hpp"
#include "engine/limits.h"
#include "services/clock.h"
#include "services/routing_config_file.h"
#include "services/server.h"
#include "services/tuning.h"
#include "spdlog/sinks/stdout_color_sinks.h"
#include "spdlog/spdlog.h"
#include "storage/files.h"
#include "systemd/sd-daemon.h"

ABSL_FLAG(std::string, listen, "127.0.0.1:50051",
          "host:port to serve gRPC on, port 0 to 65535 (0 picks a free one); refused when "
          "another socket listens there");
ABSL_FLAG(std::string, data_dir, "./var/data", "directory of the embedded RocksDB database");
ABSL_FLAG(bool, demo, false,
          "seed the demo network when the data directory holds none (or finish a seeding cut "
          "short)");
ABSL_FLAG(std::string, metrics_listen, "",
          "host:port to serve Prometheus metrics on (http://HOST:PORT/metrics; 8 scrapes at "
          "once); empty: none");
ABSL_FLAG(std::string, ready_file, "",
          "once serving, write the bound host:port to this file (for supervisors and tests); "
          "an earlier run's is removed at start-up, once the data dir is this server's, and this "
          "one's when the drain begins");
ABSL_FLAG(int64_t, watchers_max, omnistock::kWatchersMaxDefault,
          "watches of the availability feed at once (1 to 100000); more are refused "
          "RESOURCE_EXHAUSTED");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(10),
          "on SIGTERM, SIGINT or SIGHUP, how long in-flight calls may take to finish (0 to "
          "1h)");
ABSL_FLAG(absl::Duration, expiry_interval, absl::Milliseconds(200),
          "how often HELD reservations past their deadline are expired (and what is past the "
          "idempotency retention forgotten, and a stalled storage write looked for) (1ms to "
          "1m)");
ABSL_FLAG(
    absl::Duration, idempotency_retention, omnistock::kIdempotencyRetentionDefault,
    "how long FULFILLED, RELEASED and EXPIRED reservations, recorded till transactions, "
    "received transfers and the idempotency keys of receipts and adjustments are kept "
    "so that retried calls and re-uploads stay "
    "idempotent, before they are forgotten (48h to 8784h, 366 days); a new till transaction dated "
    "further back than this is refused");
ABSL_FLAG(std::string, wal_recovery, "strict",
          "strict: refuse to start when the write-ahead log is damaged before its end (the "
          "records after the damage may be acknowledged writes); point_in_time: recover up to "
          "the damage and drop what follows it, for an operator who copied the data "
          "directory aside first");
ABSL_FLAG(uint64_t, commit_backlog_max, omnistock::storage::kCommitBacklogMaxDefault,
          "writes are refused (UNAVAILABLE) while this many applied changes wait for the disk, "
          "so that a slow or stalled disk does not grow memory without bound");
ABSL_FLAG(absl::Duration, storage_stall, absl::Seconds(5),
          "while a storage write has taken this long, new writes are refused (UNAVAILABLE) and "
          "health turns NOT_SERVING, until it returns (the health name omnistock.liveness "
          "stays SERVING: for liveness probes) (100ms to 1h)");
ABSL_FLAG(std::string, log_level, "info",
          "trace, debug, info, warn, error, critical or off (off silences even why a start was "
          "refused)");
ABSL_FLAG(std::string, routing_config, "",
          "a TOML file of routing costs and rules (deploy/routing.toml lists every setting and "
          "its default); empty: the built-in defaults");

namespace {

constexpr int kExitStorageFailure = 70;  // EX_SOFTWARE: a supervisor should restart us

// Tells a service manager that started omnistockd with a notification socket (systemd's
// Type=notify, in NOTIFY_SOCKET) how the service stands: `state` is "READY=1" once it serves,
// "STOPPING=1" as the drain begins, or empty; `status` is one line for `systemctl status`. Does
// nothing without the socket; a message that cannot be sent is not worth stopping the server for.
void NotifyServiceManager(const std::string& state, const std::string& status) {
  std::string message = state;
  if (!message.empty()) message += '\n';
  // One assignment per line: a line break in a message would end it.
  absl::StrAppend(&message, "STATUS=", absl::StrReplaceAll(status, {{"\n", " "}}));
  static_cast<void>(sd_notify(/*unset_environment=*/0, message.c_str()));
}

// Stop signals received during the start (main): the first is acted on once the start is done,
// a second ends the process at once.
volatile std::sig_atomic_t g_stops_during_start = 0;
// When the drain began (CLOCK_MONOTONIC nanoseconds; 0 before it): set once the first stop,
// taken by the signal set while serving, has stopped serving.
std::atomic<int64_t> g_drain_began{0};
static_assert(std::atomic<int64_t>::is_always_lock_free);  // read in a signal handler
// A write failed: the process's end is a storage failure's, whatever ends it.
volatile std::sig_atomic_t g_storage_failed = 0;
// A stop signal this soon after the drain began is the same stop delivered twice (a wrapper
// that forwards a Ctrl-C the terminal also sent), not a second one.
constexpr int64_t kSameStopNanos = 1'000'000'000;

int64_t MonotonicNanos() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);  // async-signal-safe
  return int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

// A stop signal during the start (recovery, the demo seeding) or the drain. During the start a
// first one takes effect once the start is done; a second one, or one during the drain (held by
// calls that do not end, or by a disk that stopped answering), ends the process at once, with
// 128 + the signal's number (70 after a storage failure). Nothing acknowledged is lost: an
// acknowledgement waits for the synced write, and recovery replays it, as after a kill.
void StopDuringStartOrDrain(int signal) {
  const int64_t drain_began = g_drain_began.load(std::memory_order_relaxed);
  if (drain_began == 0) {
    g_stops_during_start = g_stops_during_start + 1;
    if (g_stops_during_start < 2) return;
  } else if (MonotonicNanos() - drain_began < kSameStopNanos) {
    return;
  }
  // write(2) and _Exit only: what a signal handler may call.
  constexpr char kSaid[] =
      "omnistockd: a second stop signal: exiting at once, without waiting for the start or the "
      "drain to end; nothing acknowledged is lost\n";
  [[maybe_unused]] const ssize_t written = ::write(STDERR_FILENO, kSaid, sizeof(kSaid) - 1);
  std::_Exit(g_storage_failed != 0 ? kExitStorageFailure : 128 + signal);
}

// Sends every stop signal to StopDuringStartOrDrain.
void TakeStopSignals(const std::vector<int>& stop_signals) {
  for (int signal : stop_signals) {
    struct sigaction action {};
    action.sa_handler = StopDuringStartOrDrain;
    ::sigemptyset(&action.sa_mask);
    ::sigaction(signal, &action, nullptr);
  }
}

void ScheduleSweeps(boost::asio::steady_timer& timer, omnistock::services::Server& server,
                    absl::Duration interval) {
  timer.expires_after(absl::ToChronoMilliseconds(interval));
  timer.async_wait([&timer, &server, interval](const boost::system::error_code& error) {
    if (error) return;
    server.Sweep();
    ScheduleSweeps(timer, server, interval);
  });
}

}  // namespace

int main(int argc, char** argv) {
  omnistock::services::TuneProcessForServing();
  // An allocation that fails stops the process rather than throwing: the ledger changes its
  // memory before it hands the change to the disk, and gRPC would answer a handler's exception
  // and serve on with memory the disk does not have (an idempotency key kept for a sale never
  // written, so that the till's retry is told "duplicate"). A restart recovers every
  // acknowledged change instead.
  std::set_new_handler([] {
    static constexpr char kLine[] =
        "omnistockd: out of memory: stopping at once; a restart recovers every acknowledged "
        "change\n";
    (void)!::write(STDERR_FILENO, kLine, sizeof(kLine) - 1);
    std::abort();
  });
  absl::FlagsUsageConfig usage;
  usage.contains_helpshort_flags = [](absl::string_view file) {
    return absl::StrContains(file, "omnistockd");
  };
  usage.contains_help_flags = usage.contains_helpshort_flags;
  absl::SetProgramUsageMessage(
      "the omnistock inventory and order-fulfilment server.\n"
      "  omnistockd --listen=127.0.0.1:50051 --data_dir=./var/data [--demo]");
  usage.version_string = [] { return std::string("omnistockd " OMNISTOCK_VERSION "\n"); };
  absl::SetFlagsUsageConfig(usage);
  // absl::ParseCommandLine, but --help and the like exit 0, as they do in the other tools:
  // abseil 20220623 exits 1 after printing the help that was asked for.
  const std::vector<char*> positional = absl::flags_internal::ParseCommandLineImpl(
      argc, argv, absl::flags_internal::ArgvListAction::kRemoveParsedArgs,
      absl::flags_internal::UsageFlagsAction::kIgnoreUsage,
      absl::flags_internal::OnUndefinedFlag::kAbortIfUndefined);
  // --only_check_args goes through omnistockd's own checks too, and stops before the start.
  const bool only_check_args =
      absl::flags_internal::GetFlagsHelpMode() == absl::flags_internal::HelpMode::kOnlyCheckArgs;
  if (!only_check_args &&
      absl::flags_internal::HandleUsageFlags(std::cout, absl::ProgramUsageMessage()) != -1) {
    return 0;
  }
  if (positional.size() > 1) {
    std::fprintf(stderr, "omnistockd takes flags only (--help lists them), not '%s'\n",
                 positional[1]);
    return 1;
  }

  // To stderr, as a service's log (stdout stays free), with the UTC offset in every stamp.
  spdlog::set_default_logger(spdlog::stderr_color_mt("omnistockd"));
  spdlog::set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %^%l%$ omnistockd: %v");
  // spdlog takes a name it does not know for "off": a typo would silence the server.
  const std::string log_level = absl::GetFlag(FLAGS_log_level);
  const spdlog::level::level_enum level = spdlog::level::from_str(log_level);
  if (level == spdlog::level::off && log_level != "off") {
    spdlog::critical(
        "--log_level must be trace, debug, info, warn, error, critical or off, got '{}'",
        log_level);
    return 1;
  }
  spdlog::set_level(level);

  boost::asio::io_context io;
  int exit_code = 0;

  omnistock::SystemClock clock;
  omnistock::services::ServerOptions options;
  options.listen = absl::GetFlag(FLAGS_listen);
  options.data_dir = absl::GetFlag(FLAGS_data_dir);
  options.demo = absl::GetFlag(FLAGS_demo);
  options.metrics_listen = absl::GetFlag(FLAGS_metrics_listen);
  options.idempotency_retention = absl::GetFlag(FLAGS_idempotency_retention);
  const std::string wal_recovery = absl::GetFlag(FLAGS_wal_recovery);
  if (wal_recovery == "strict") {
    options.wal_recovery = omnistock::storage::WalRecovery::kStrict;
  } else if (wal_recovery == "point_in_time") {
    options.wal_recovery = omnistock::storage::WalRecovery::kPointInTime;
    spdlog::warn(
        "--wal_recovery=point_in_time: a damaged write-ahead log is recovered up to the "
        "damage, and what follows it is dropped; the journal's sequences jump past those "
        "the dropped movements may have had, and a watch resuming after one of them is refused "
        "DATA_LOSS, telling its client to reload its figures (GetAvailability)");
  } else {
    spdlog::critical("--wal_recovery must be strict or point_in_time, got '{}'", wal_recovery);
    return 1;
  }
  options.commit_backlog_max = absl::GetFlag(FLAGS_commit_backlog_max);
  if (options.commit_backlog_max < 1) {
    spdlog::critical("--commit_backlog_max must be at least 1");
    return 1;
  }
  options.storage_stall_max = absl::GetFlag(FLAGS_storage_stall);
  const int64_t watchers = absl::GetFlag(FLAGS_watchers_max);
  if (watchers < 1 || watchers > omnistock::kWatchersMaxLimit) {
    spdlog::critical("--watchers_max must be from 1 to {}, got {}", omnistock::kWatchersMaxLimit,
                     watchers);
    return 1;
  }
  options.watchers_max = static_cast<size_t>(watchers);
  // Each duration within its bounds, and why.
  struct Bounded {
    const char* flag;
    absl::Duration value, min, max;
    const char* why;  // of the upper bound
  };
  for (const Bounded& d : {
           Bounded{"--storage_stall", options.storage_stall_max, absl::Milliseconds(100),
                   absl::Hours(1), "a disk stalled longer must show in health"},
           Bounded{"--shutdown_grace", absl::GetFlag(FLAGS_shutdown_grace), absl::ZeroDuration(),
                   absl::Hours(1), "a supervisor's stop timeout must exceed it"},
           Bounded{"--expiry_interval", absl::GetFlag(FLAGS_expiry_interval), absl::Milliseconds(1),
                   absl::Minutes(1),
                   "reads count a hold past its deadline until a sweep expires it, and the sweep "
                   "also notices a stalled disk"},
       }) {
    if (d.value < d.min || d.value > d.max) {
      spdlog::critical("--{} must be from {} to {} ({}), got {}", d.flag + 2,
                       absl::FormatDuration(d.min), absl::FormatDuration(d.max), d.why,
                       absl::FormatDuration(d.value));
      return 1;
    }
  }
  const absl::Duration expiry_interval = absl::GetFlag(FLAGS_expiry_interval);
  if (const std::string routing_file = absl::GetFlag(FLAGS_routing_config); !routing_file.empty()) {
    absl::StatusOr<omnistock::routing::RoutingConfig> routing =
        omnistock::services::LoadRoutingConfig(routing_file);
    if (!routing.ok()) {
      spdlog::critical("--routing_config: {}", std::string(routing.status().message()));
      return 1;
    }
    options.routing_config = *std::move(routing);
    spdlog::info("routing cost model '{}' from {}", options.routing_config.version, routing_file);
  }
  if (only_check_args) {
    if (absl::Status s = omnistock::services::CheckServerOptions(options); !s.ok()) {
      spdlog::critical("cannot start: {}", s.ToString());
      return 1;
    }
    return 0;
  }

  // Set once serving; read on the committer's thread when a write fails.
  std::atomic<omnistock::services::Server*> serving{nullptr};
  auto on_storage_failure = [&io, &exit_code, &serving](const absl::Status& status) {
    g_storage_failed = 1;
    spdlog::critical("{}; no write is acknowledged from now on, exiting for a restart",
                     status.ToString());
    NotifyServiceManager(
        "", absl::StrCat("storage failure, exiting for a restart: ", status.message()));
    if (omnistock::services::Server* server = serving.load()) server->SetNotServing();
    boost::asio::post(io, [&io, &exit_code] {
      exit_code = kExitStorageFailure;
      io.stop();
    });
  };

  const std::string ready_file = absl::GetFlag(FLAGS_ready_file);
  options.ready_file = ready_file;

  // A hangup stops the server as SIGTERM does, unless it was started ignoring it (nohup).
  struct sigaction hangup {};
  const bool take_hangup =
      ::sigaction(SIGHUP, nullptr, &hangup) == 0 && hangup.sa_handler != SIG_IGN;
  std::vector<int> stop_signals = {SIGINT, SIGTERM};
  if (take_hangup) stop_signals.push_back(SIGHUP);
  // During the start (recovery, the demo seeding), a first stop takes effect once the start is
  // done, before serving (a container's PID 1 would otherwise ignore it); a second one ends the
  // process at once: nothing is served yet, and both survive a kill.
  TakeStopSignals(stop_signals);

  NotifyServiceManager("", absl::StrCat("recovering the ledger from ", options.data_dir));
  auto server = omnistock::services::Server::Start(options, &clock, on_storage_failure);
  if (!server.ok()) {
    spdlog::critical("cannot start: {}", server.status().ToString());
    NotifyServiceManager("", absl::StrCat("cannot start: ", server.status().message()));
    return 1;
  }
  serving.store(server->get());

  bool stop_requested = false;
  // Never destroyed: its destructor would give the stop signals back to their default action
  // as the process ends, after StopDuringStartOrDrain has taken them over, and a stop arriving
  // then would kill the process by the signal instead of letting it exit with its code.
  boost::asio::signal_set& signals = *new boost::asio::signal_set(io);
  for (int signal : stop_signals) signals.add(signal);
  signals.async_wait([&io, &stop_requested](const boost::system::error_code& error, int signal) {
    if (error) return;
    spdlog::info("received signal {}, draining in-flight calls", signal);
    stop_requested = true;
    io.stop();
  });
  if (g_stops_during_start > 0) {
    spdlog::info("a stop was asked for during the start: draining without serving");
    stop_requested = true;
  } else if ((*server)->storage_failed()) {
    stop_requested = true;  // the failure's handler, posted to `io`, sets the exit code
  } else {
    spdlog::info("serving omnistock.v1 on {} with data in {}", (*server)->address(),
                 options.data_dir);
  }

  if (!stop_requested && !ready_file.empty()) {
    if (absl::Status written =
            omnistock::storage::ReplaceFile(ready_file, absl::StrCat((*server)->address(), "\n"),
                                            omnistock::storage::Durability::kUnsynced);
        !written.ok()) {
      spdlog::critical("cannot write --ready_file: {}", std::string(written.message()));
      return 1;
    }
  }
  if (!stop_requested && !(*server)->storage_failed()) {
    NotifyServiceManager("READY=1", absl::StrCat("serving omnistock.v1 on ", (*server)->address(),
                                                 " with data in ", options.data_dir));
  }

  boost::asio::steady_timer sweeper(io);
  ScheduleSweeps(sweeper, **server, expiry_interval);

  if (stop_requested) {
    io.poll();  // a storage failure's handler, if one was posted
  } else {
    io.run();
  }
  if (!ready_file.empty()) std::remove(ready_file.c_str());  // draining: not ready any more
  NotifyServiceManager("STOPPING=1",
                       (*server)->storage_failed()
                           ? "storage failure: ending the calls in flight, then exiting for a "
                             "restart"
                           : "draining in-flight calls, then writing what was applied");
  // From here a second stop ends the process at once (StopDuringStartOrDrain): its handler
  // takes the signals over from the signal set's, with no moment left to the default action.
  g_drain_began.store(MonotonicNanos(), std::memory_order_relaxed);
  TakeStopSignals(stop_signals);
  (*server)->Shutdown(absl::GetFlag(FLAGS_shutdown_grace));  // a second after a storage failure
  // A write that failed while draining (after io stopped, so the handler posted above never
  // ran) is a storage failure all the same: a supervisor must not take it for a clean stop.
  if ((*server)->storage_failed()) exit_code = kExitStorageFailure;
  // Everything applied is durable now. Close RocksDB and the rest, but do not free the
  // ledger's rows one by one: 500,000 positions took 1.5 s to free, for nothing.
  std::unique_ptr<omnistock::Ledger> ledger = (*server)->ReleaseLedger();
  server->reset();
  static_cast<void>(ledger.release());
  return exit_code;
}
