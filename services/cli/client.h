// The omnistock command line's connection to omnistockd: unary calls with the --timeout
// deadline, client streams of a file's rows with progress, and the availability watch.
#ifndef OMNISTOCK_SERVICES_CLI_CLIENT_H_
#define OMNISTOCK_SERVICES_CLI_CLIENT_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "omnistock/v1/availability.grpc.pb.h"
#include "services/cli/options.h"
#include "services/cli/output.h"

namespace omnistock::cli {

// SIGINT (Ctrl-C) and SIGTERM, unless ignored, taken by a thread of their own: they end the
// process as their default action does, but a watch in progress is ended first (within 2 s),
// so that it can say where to resume; EndIfStopped then ends the process. Called first in main,
// before any thread starts (threads inherit the blocked signals).
void TakeStopSignals();
// Ends the process by the signal that stopped a watch, if one did.
void EndIfStopped();

// The channel to omnistockd and what every call shares: the deadline and the output format.
class Client {
  // A ReserveBatch answer can be larger than gRPC's default 4 MiB receive limit
  // (reservations.proto).
  static std::shared_ptr<grpc::Channel> ChannelTo(const std::string& target) {
    grpc::ChannelArguments arguments;
    arguments.SetMaxReceiveMessageSize(-1);
    return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), arguments);
  }

 public:
  explicit Client(const Options& options)
      : options_(options), channel_(ChannelTo(options.target)) {}

  // Makes one unary call, e.g. Call(&v1::Inventory::Stub::Receive, request, PrintPosition), and
  // prints the response with `print` (or as JSON) or the error status. Returns the exit code:
  // the call's, or else `exit_of(response)` (health: 1 unless SERVING).
  template <typename Stub, typename Request, typename Response, typename Print,
            typename ExitOf = int (*)(const Response&)>
  int Call(
      grpc::Status (Stub::*rpc)(grpc::ClientContext*, const Request&, Response*),
      const Request& request, Print print,
      ExitOf exit_of = [](const Response&) { return kExitOk; }) const {
    Response response;
    if (const grpc::Status status = Invoke(rpc, request, response); !status.ok()) {
      return Report(status);
    }
    if (const int shown = Show(response, print); shown != kExitOk) return shown;
    return exit_of(response);
  }

  // Prints a response with `print`, or as JSON with --json. Returns the exit code.
  template <typename Response, typename Print>
  int Show(const Response& response, Print print) const {
    if (options_.json) return PrintJson(response);
    print(response);
    return kExitOk;
  }

  // One unary call with the deadline of --timeout; prints nothing.
  template <typename Stub, typename Request, typename Response>
  grpc::Status Invoke(grpc::Status (Stub::*rpc)(grpc::ClientContext*, const Request&, Response*),
                      const Request& request, Response& response) const {
    Stub stub(channel_);
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(options_.timeout_seconds)));
    return (stub.*rpc)(&context, request, &response);
  }

  // Prints a failed call's status (ReportError) and returns the exit code for it. Still
  // connected: the server itself answered (an UNAVAILABLE of its own: a storage failure, a
  // shutdown), which is no "cannot reach".
  int Report(const grpc::Status& status) const {
    return ReportError(status, options_.target, channel_->GetState(false) == GRPC_CHANNEL_READY,
                       options_.json);
  }

  // Follows the availability feed, printing each update as it arrives (as a line of JSON with
  // --json), until `count` updates have come (0: no limit), the server ends the stream, the
  // deadline passes, or a stop signal comes (TakeStopSignals: exits 128 + the signal, as the
  // shell's default would). A watch is meant to run until it is stopped, so it has a deadline
  // only when `deadline` is set (--timeout given); reaching it ends the watch normally, unless
  // `count` updates were asked for and fewer came. On any end but `count`, says on stderr where
  // to resume from.
  int Watch(const v1::WatchRequest& request, int64_t count,
            std::optional<absl::Duration> deadline) const;

  // Streams `messages` in one client-streaming call (SyncCounts, UploadSales) into `response`.
  // While it sends more than one message, says how far it got on stderr, at most once a second
  // and when all are sent (`progress(sent)`). Like a watch, it has a deadline only when
  // `deadline` is set (--timeout given): a large file takes as long as it takes.
  template <typename Stub, typename Request, typename Response>
  grpc::Status Upload(
      std::unique_ptr<grpc::ClientWriter<Request>> (Stub::*rpc)(grpc::ClientContext*, Response*),
      const std::vector<Request>& messages, std::optional<absl::Duration> deadline,
      const std::function<std::string(size_t)>& progress, Response& response) const {
    Stub stub(channel_);
    grpc::ClientContext context;
    if (deadline) context.set_deadline(absl::ToChronoTime(absl::Now() + *deadline));
    std::unique_ptr<grpc::ClientWriter<Request>> writer = (stub.*rpc)(&context, &response);
    absl::Time last_said = absl::Now();
    size_t sent = 0;
    for (const Request& message : messages) {
      if (!writer->Write(message)) break;  // the server ended the call: Finish says why
      ++sent;
      if (messages.size() > 1 &&
          (sent == messages.size() || absl::Now() - last_said >= absl::Seconds(1))) {
        std::cerr << progress(sent) << std::endl;
        last_said = absl::Now();
      }
    }
    writer->WritesDone();
    return writer->Finish();
  }

 private:
  const Options& options_;
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace omnistock::cli

#endif  // OMNISTOCK_SERVICES_CLI_CLIENT_H_
