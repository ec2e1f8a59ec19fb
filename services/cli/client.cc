#include "services/cli/client.h"

#include <pthread.h>
#include <signal.h>

#include <csignal>
#include <cstdlib>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/synchronization/mutex.h"
#include "engine/limits.h"
#include "google/protobuf/util/json_util.h"

namespace omnistock::cli {
namespace {

// The watch in progress, for the signal thread to end (TakeStopSignals), and the signal that
// ended it.
absl::Mutex g_stop_mu;
grpc::ClientContext* g_watching ABSL_GUARDED_BY(g_stop_mu) = nullptr;
int g_stopped_by ABSL_GUARDED_BY(g_stop_mu) = 0;

// Registers a watch's context for the length of the watch.
class StoppableWatch {
 public:
  explicit StoppableWatch(grpc::ClientContext* context) {
    absl::MutexLock lock(&g_stop_mu);
    g_watching = context;
  }
  ~StoppableWatch() {
    absl::MutexLock lock(&g_stop_mu);
    g_watching = nullptr;
  }
  // The signal that ended the watch; 0 if none did.
  int stopped_by() const {
    absl::MutexLock lock(&g_stop_mu);
    return g_stopped_by;
  }
};

// One update as a line of fixed columns (the rows come one at a time, so no table).
struct WatchRow {
  static std::string Header() {
    return absl::StrFormat("%-10s %-27s %-13s %-14s %-16s %9s %9s %7s %9s %10s %12s  %s", "SEQ",
                           "TIME", "KIND", "SKU", "LOCATION", "ON_HAND", "RESERVED", "SAFETY",
                           "AVAILABLE", "IN_TRANSIT", "NON_SELLABLE", "REFERENCE AT_RISK");
  }
  static std::string Of(const v1::AvailabilityUpdate& u) {
    std::string line =
        absl::StrFormat("%-10d %-27s %-13s %-14s %-16s %9d %9d %7d %9d %10d %12d  %s", u.sequence(),
                        TimeUtil::ToString(u.time()), v1::MovementKind_Name(u.kind()), u.sku(),
                        u.location_id(), u.on_hand(), u.reserved(), u.safety_stock(), u.available(),
                        u.in_transit(), u.non_sellable(), OrDash(u.reference()));
    if (u.oversold()) absl::StrAppend(&line, " OVERSOLD");
    if (!u.at_risk_reservation_ids().empty()) {
      absl::StrAppend(&line, " at-risk:", absl::StrJoin(u.at_risk_reservation_ids(), ","));
    }
    return line;
  }
};

// Ends the process by `signal`, as its default action does (so that a shell running it in a
// loop stops too, and a supervisor sees a signal, not an exit code).
[[noreturn]] void DieBy(int signal) {
  std::cout.flush();
  std::signal(signal, SIG_DFL);
  sigset_t one;
  sigemptyset(&one);
  sigaddset(&one, signal);
  pthread_sigmask(SIG_UNBLOCK, &one, nullptr);
  std::raise(signal);
  std::_Exit(128 + signal);  // not reached
}

// How long a watch may take to end once a signal cancelled it (its output may be stuck in a
// full pipe): then the process ends anyway.
constexpr absl::Duration kStopWatchMax = absl::Seconds(2);

}  // namespace

void TakeStopSignals() {
  sigset_t stop;
  sigemptyset(&stop);
  // Only those at their default action: one the CLI was started with ignored (a background job
  // of a script ignores SIGINT) stays ignored.
  for (const int signal : {SIGINT, SIGTERM}) {
    struct sigaction action {};
    if (sigaction(signal, nullptr, &action) == 0 && action.sa_handler == SIG_DFL) {
      sigaddset(&stop, signal);
    }
  }
  if (sigisemptyset(&stop) || pthread_sigmask(SIG_BLOCK, &stop, nullptr) != 0) return;
  std::thread([stop] {
    for (;;) {
      int signal = 0;
      if (sigwait(&stop, &signal) != 0) continue;
      absl::MutexLock lock(&g_stop_mu);
      // No watch, or a second signal: at once.
      if (g_watching == nullptr || g_stopped_by != 0) DieBy(signal);
      g_stopped_by = signal;
      g_watching->TryCancel();
      auto ended = [] { return g_watching == nullptr; };
      if (!g_stop_mu.AwaitWithTimeout(absl::Condition(&ended), kStopWatchMax)) DieBy(signal);
      // The watch has said where to resume; EndIfStopped ends the process.
    }
  }).detach();
}

void EndIfStopped() {
  int signal = 0;
  {
    absl::MutexLock lock(&g_stop_mu);
    signal = g_stopped_by;
  }
  if (signal != 0) DieBy(signal);
}

int Client::Watch(const v1::WatchRequest& request, int64_t count,
                  std::optional<absl::Duration> deadline) const {
  v1::Availability::Stub stub(channel_);
  grpc::ClientContext context;
  if (deadline) context.set_deadline(absl::ToChronoTime(absl::Now() + *deadline));
  const StoppableWatch stoppable(&context);
  std::unique_ptr<grpc::ClientReader<v1::AvailabilityUpdate>> stream =
      stub.Watch(&context, request);
  // Where to resume: the last update seen, or where this watch replayed from.
  std::optional<uint64_t> last;
  if (request.has_resume_after_sequence()) last = request.resume_after_sequence();
  int64_t seen = 0;
  v1::AvailabilityUpdate update;
  google::protobuf::util::JsonPrintOptions json_options;
  json_options.always_print_primitive_fields = true;
  // The header as soon as the server says the watch is on (before any update: a quiet feed
  // still shows it), and not for a watch it refused.
  stream->WaitForInitialMetadata();
  const auto subscribed = context.GetServerInitialMetadata().find(omnistock::kWatchSubscribedKey);
  if (!options_.json && subscribed != context.GetServerInitialMetadata().end() &&
      subscribed->second == omnistock::kWatchSubscribedValue) {
    std::cout << WatchRow::Header() << std::endl;
  }
  while ((count == 0 || seen < count) && stream->Read(&update)) {
    ++seen;
    last = update.sequence();
    if (!options_.json) {
      std::cout << WatchRow::Of(update) << std::endl;
      continue;
    }
    std::string json;
    if (!google::protobuf::util::MessageToJsonString(update, &json, json_options).ok()) {
      std::cerr << "error: cannot print the update of sequence " << update.sequence()
                << " as JSON\n";
      context.TryCancel();
      stream->Finish();
      return kExitRpcError;
    }
    std::cout << json << std::endl;
  }
  const std::string resume =
      last ? absl::StrCat("; resume with --after ", *last) : std::string("; no update came");
  if (const int signal = stoppable.stopped_by(); signal != 0) {
    stream->Finish();  // CANCELLED by the signal
    std::cerr << "stopped by " << (signal == SIGINT ? "SIGINT" : "SIGTERM") << resume << '\n';
    return 128 + signal;
  }
  if (count > 0 && seen >= count) {
    context.TryCancel();
    stream->Finish();  // CANCELLED, as asked
    return kExitOk;
  }
  const grpc::Status status = stream->Finish();
  if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED && deadline) {
    std::cerr << "watched for " << absl::FormatDuration(*deadline);
    if (count > 0) std::cerr << ", " << seen << " of " << count << " updates came";
    std::cerr << resume << '\n';
    return count > 0 ? kExitRpcError : kExitOk;
  }
  if (!status.ok()) {
    // Once updates came, an UNAVAILABLE is the server going away, not "cannot reach".
    const int exit_code = ReportError(status, options_.target, seen > 0, options_.json);
    // Not after OUT_OF_RANGE: the point asked for is past the journal's end, and the message
    // says where that is; nor after DATA_LOSS: the damaged journal would end the watch again.
    if (last && status.error_code() != grpc::StatusCode::OUT_OF_RANGE &&
        status.error_code() != grpc::StatusCode::DATA_LOSS) {
      std::cerr << "resume with --after " << *last << '\n';
    }
    return exit_code;
  }
  std::cerr << "the server ended the watch" << resume << '\n';
  return kExitOk;
}

}  // namespace omnistock::cli
