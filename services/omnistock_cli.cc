// omnistock: the command-line client of omnistockd, the omnistock inventory and reservation
// server. Each subcommand makes a call to the omnistock.v1 gRPC API and prints the answer as
// a table, or with --json as the response message in JSON; `watch` follows the availability
// feed and prints each update as it comes (with --json, one JSON object per line); `counts` and
// `upload-sales` stream a file's rows (SyncCounts, UploadSales) with their progress on stderr.
//
//   omnistock [--target HOST:PORT] [--timeout SECONDS] [--json] SUBCOMMAND ...
//
// Exit codes: 0 the call succeeded, 1 it failed (the server's status is printed), 2 the command
// line is wrong.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <functional>
#include <iostream>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "engine/ids.h"
#include "engine/limits.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "google/rpc/status.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "omnistock/v1/availability.grpc.pb.h"
#include "omnistock/v1/fulfillment.grpc.pb.h"
#include "omnistock/v1/inventory.grpc.pb.h"
#include "omnistock/v1/network.grpc.pb.h"
#include "omnistock/v1/reservations.grpc.pb.h"
#include "omnistock/v1/store_sales.grpc.pb.h"
#include "omnistock/v1/warehouse.grpc.pb.h"
#include "services/command_line.h"

namespace {

namespace v1 = omnistock::v1;
using google::protobuf::util::TimeUtil;
using omnistock::command_line::kExitUsage;
using omnistock::command_line::NotNegative;
using omnistock::command_line::WholeNumber;

constexpr int kExitOk = 0;
constexpr int kExitRpcError = 1;

// Everything the command line sets. A subcommand reads only the fields it declared.
struct Options {
  // Global options.
  std::string target = "127.0.0.1:50051";
  double timeout_seconds = 10;
  bool json = false;
  // Subcommand arguments.
  std::vector<std::string> skus;
  std::vector<std::string> locations;
  std::vector<std::string> lines;
  std::string reservation_id;
  std::string channel;
  std::string ttl;
  std::string order_ref;
  std::string location;
  std::string sku;
  int64_t quantity = 0;  // QTY, or DELTA for adjust
  std::string reason;
  std::string reference;
  std::string idempotency_key;  // receive, adjust
  bool non_sellable = false;    // adjust
  std::string health_service;   // health: "" is the server's own
  uint64_t after_sequence = 0;
  std::string after_sku;
  int32_t limit = 0;
  int64_t count = 0;  // watch: stop after this many updates (0: no limit)
  // plan and route
  std::vector<std::string> order_lines;  // SKU:QTY
  std::string to;                        // LAT,LON
  std::string pickup;
  std::string preference = "delivery";
  bool fallback = false;
  bool partial = false;
  bool brief = false;
  int32_t max_shipments = 0;
  // sale, return, transfer: SKU:QTY lines (order_lines above), and
  std::string terminal;
  std::string transaction;
  std::string at;  // RFC 3339; empty: the server's now
  std::string transfer_id;
  std::string from_location;
  std::string to_location;
  // counts, upload-sales
  std::string file;  // "-": standard input
  // set-location
  std::string kind;
  std::string name;
  double latitude = 0;
  double longitude = 0;
  std::string capabilities;
  int64_t capacity = 0;
  bool disabled = false;
  bool enabled = false;
  std::string timezone;
};

int UsageError(const std::string& message) {
  std::cerr << "error: " << message << '\n';
  return kExitUsage;
}

// ---------------------------------------------------------------------------------------------
// Output

using Row = std::vector<std::string>;

// Prints rows as left-aligned columns two spaces apart, each as wide as its widest cell.
void PrintTable(const std::vector<Row>& rows, std::ostream& out = std::cout) {
  std::vector<size_t> widths;
  for (const Row& row : rows) {
    widths.resize(std::max(widths.size(), row.size()), 0);
    for (size_t i = 0; i < row.size(); ++i) widths[i] = std::max(widths[i], row[i].size());
  }
  for (const Row& row : rows) {
    std::string line;
    for (size_t i = 0; i < row.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) line.append(widths[i] - row[i].size() + 2, ' ');
    }
    out << line << '\n';
  }
}

int PrintJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  std::string json;
  const auto status = google::protobuf::util::MessageToJsonString(message, &json, options);
  if (!status.ok()) {
    std::cerr << "error: cannot print the response as JSON: " << status.ToString() << '\n';
    return kExitRpcError;
  }
  std::cout << json;  // with add_whitespace, ends with a newline
  return kExitOk;
}

std::string OrDash(const std::string& text) { return text.empty() ? "-" : text; }

std::string Signed(int64_t value) { return value == 0 ? "0" : absl::StrFormat("%+d", value); }

// SHORTFALL: units held for orders beyond what is on hand (the position is oversold).
Row PositionHeader() {
  return {"SKU",       "LOCATION",   "ON_HAND",      "RESERVED", "SAFETY",
          "AVAILABLE", "IN_TRANSIT", "NON_SELLABLE", "SHORTFALL"};
}

Row PositionRow(const v1::PositionView& p) {
  return {p.sku(),
          p.location_id(),
          absl::StrCat(p.on_hand()),
          absl::StrCat(p.reserved()),
          absl::StrCat(p.safety_stock()),
          absl::StrCat(p.available()),
          absl::StrCat(p.in_transit()),
          absl::StrCat(p.non_sellable()),
          absl::StrCat(p.shortfall())};
}

void PrintPosition(const v1::PositionView& position) {
  PrintTable({PositionHeader(), PositionRow(position)});
  if (position.duplicate()) std::cout << "duplicate: nothing changed, it was already so\n";
}

template <typename Response>  // GetAvailabilityResponse, ListPositionsResponse
void PrintPositions(const Response& response) {
  std::vector<Row> rows = {PositionHeader()};
  for (const v1::PositionView& position : response.positions())
    rows.push_back(PositionRow(position));
  PrintTable(rows);
}

void PrintStock(const v1::ListPositionsResponse& response) {
  PrintPositions(response);
  if (!response.next_after_sku().empty()) {
    std::cerr << "more follow: pass --after " << response.next_after_sku() << '\n';
  }
}

void PrintReservation(const v1::Reservation& reservation) {
  std::vector<Row> fields = {
      {"id", reservation.reservation_id()},
      {"state", v1::ReservationState_Name(reservation.state())},
      {"channel", OrDash(reservation.channel())},
      {"order_ref", OrDash(reservation.order_ref())},
  };
  if (reservation.has_expires_at()) {
    fields.push_back({"expires_at", TimeUtil::ToString(reservation.expires_at())});
  }
  PrintTable(fields);
  std::cout << '\n';
  std::vector<Row> lines = {{"SKU", "LOCATION", "QUANTITY"}};
  for (const v1::Line& line : reservation.lines()) {
    lines.push_back({line.sku(), line.location_id(), absl::StrCat(line.quantity())});
  }
  PrintTable(lines);
}

// A location's capabilities by the names the command line uses for them.
struct CapabilityName {
  const char* name;
  bool (v1::Capabilities::*get)() const;
  void (v1::Capabilities::*set)(bool);
};
constexpr CapabilityName kCapabilityNames[] = {
    {"pickup", &v1::Capabilities::pickup, &v1::Capabilities::set_pickup},
    {"curbside", &v1::Capabilities::curbside, &v1::Capabilities::set_curbside},
    {"ship", &v1::Capabilities::ship_from_store, &v1::Capabilities::set_ship_from_store},
    {"pos", &v1::Capabilities::walk_in_sales, &v1::Capabilities::set_walk_in_sales},
};

std::string CapabilityList(const v1::Capabilities& capabilities) {
  std::vector<std::string> names;
  for (const CapabilityName& c : kCapabilityNames) {
    if ((capabilities.*c.get)()) names.push_back(c.name);
  }
  return names.empty() ? "-" : absl::StrJoin(names, ",");
}

// daily_capacity 0 means none at a store but unlimited at a warehouse or EC DC (network.proto).
std::string Capacity(const v1::Location& location) {
  const bool zero_is_unlimited = location.kind() == v1::WAREHOUSE || location.kind() == v1::EC_DC;
  if (location.daily_capacity() == 0 && zero_is_unlimited) return "unlimited";
  return absl::StrCat(location.daily_capacity());
}

void PrintLocations(const v1::ListLocationsResponse& response) {
  std::vector<Row> rows = {
      {"ID", "KIND", "NAME", "LAT", "LON", "CAPABILITIES", "CAPACITY", "DISABLED", "TIMEZONE"}};
  for (const v1::Location& location : response.locations()) {
    rows.push_back({location.location_id(), v1::LocationKind_Name(location.kind()), location.name(),
                    absl::StrFormat("%.4f", location.latitude()),
                    absl::StrFormat("%.4f", location.longitude()),
                    CapabilityList(location.capabilities()), Capacity(location),
                    location.disabled() ? "yes" : "no", OrDash(location.timezone())});
  }
  PrintTable(rows);
}

void PrintMovements(const v1::ListMovementsResponse& response) {
  std::vector<Row> rows = {{"SEQ", "TIME", "KIND", "SKU", "LOCATION", "ON_HAND_DELTA",
                            "RESERVED_DELTA", "IN_TRANSIT_DELTA", "SAFETY_DELTA",
                            "NON_SELLABLE_DELTA", "REFERENCE", "ACTOR"}};
  for (const v1::Movement& m : response.movements()) {
    rows.push_back({absl::StrCat(m.sequence()), TimeUtil::ToString(m.time()),
                    v1::MovementKind_Name(m.kind()), m.sku(), m.location_id(),
                    Signed(m.on_hand_delta()), Signed(m.reserved_delta()),
                    Signed(m.in_transit_delta()), Signed(m.safety_stock_delta()),
                    Signed(m.non_sellable_delta()), OrDash(m.reference()), OrDash(m.actor())});
  }
  PrintTable(rows);
  if (response.next_after_sequence() != 0) {
    std::cerr << "more may follow: pass --after " << response.next_after_sequence() << '\n';
  }
}

// Reservations a sale, a return or a count left uncovered, if any.
void PrintAtRisk(const google::protobuf::RepeatedPtrField<v1::AtRiskReservation>& at_risk) {
  if (at_risk.empty()) return;
  std::cout << "\nreservations at risk (their stock is no longer on hand):\n";
  std::vector<Row> rows = {{"RESERVATION", "SKU", "LOCATION"}};
  for (const v1::AtRiskReservation& r : at_risk) {
    rows.push_back({r.reservation_id(), r.sku(), r.location_id()});
  }
  PrintTable(rows);
}

void PrintPosResult(const v1::PosResult& result) {
  if (result.duplicate()) {
    std::cout << "duplicate: recorded before, nothing changed\n";
  } else {
    std::cout << "recorded, journal sequence " << result.sequence() << "\n";
  }
  std::vector<Row> rows = {PositionHeader()};
  for (const v1::PositionView& position : result.positions()) {
    rows.push_back(PositionRow(position));
  }
  PrintTable(rows);
  PrintAtRisk(result.at_risk());
}

void PrintTransfer(const v1::TransferView& transfer) {
  std::vector<Row> fields = {
      {"id", transfer.transfer_id()},
      {"state", v1::TransferState_Name(transfer.state())},
      {"from", transfer.from_location_id()},
      {"to", transfer.to_location_id()},
      {"shipped_at", TimeUtil::ToString(transfer.shipped_at())},
      {"received_at",
       transfer.has_received_at() ? TimeUtil::ToString(transfer.received_at()) : "-"},
  };
  PrintTable(fields);
  std::cout << '\n';
  std::vector<Row> lines = {{"SKU", "QUANTITY"}};
  for (const v1::PosLine& line : transfer.lines()) {
    lines.push_back({line.sku(), absl::StrCat(line.quantity())});
  }
  PrintTable(lines);
}

// `line_of[i]`: the file line of the i-th sale sent.
void PrintUploadSummary(const v1::UploadSalesSummary& summary, const std::vector<size_t>& line_of) {
  PrintTable({{"received", absl::StrCat(summary.received())},
              {"applied", absl::StrCat(summary.applied())},
              {"duplicates", absl::StrCat(summary.duplicates())},
              {"rejected", absl::StrCat(summary.rejected())},
              {"at_risk_results", absl::StrCat(summary.at_risk_results())}});
  if (!summary.rejections().empty()) {
    std::cout << "\nrejected sales";
    if (summary.rejections_size() < summary.rejected()) {
      std::cout << " (the first " << summary.rejections_size() << " of " << summary.rejected()
                << ")";
    }
    std::cout << ":\n";
    std::vector<Row> rows = {{"LINE", "POS_TRANSACTION", "WHY"}};
    for (const v1::UploadRejection& r : summary.rejections()) {
      const size_t index = static_cast<size_t>(r.index());
      rows.push_back({index < line_of.size() ? absl::StrCat(line_of[index]) : "?",
                      OrDash(r.pos_transaction_id()), r.message()});
    }
    PrintTable(rows);
  }
  PrintAtRisk(summary.at_risk());
}

void PrintCountsSummary(const v1::SyncCountsSummary& summary) {
  PrintTable({{"batches", absl::StrCat(summary.batches())},
              {"rows_applied", absl::StrCat(summary.rows_applied())},
              {"rows_stale", absl::StrCat(summary.rows_stale())},
              {"rows_unknown", absl::StrCat(summary.rows_unknown())},
              {"rows_over_limit", absl::StrCat(summary.rows_over_limit())},
              {"rows_holding_no_stock", absl::StrCat(summary.rows_holding_no_stock())},
              {"total_absolute_discrepancy", absl::StrCat(summary.total_absolute_discrepancy())}});
  PrintAtRisk(summary.at_risk());
}

// Every field of the routing configuration as NAME VALUE, in the message's order (durations as
// "7200s", strings as they are, numbers as protobuf's text format writes them).
void PrintRoutingConfig(const v1::RoutingConfig& config) {
  const google::protobuf::Descriptor* descriptor = config.GetDescriptor();
  const google::protobuf::Reflection* reflection = config.GetReflection();
  std::vector<Row> rows;
  for (int i = 0; i < descriptor->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* field = descriptor->field(i);
    std::string value;
    if (field->message_type() == google::protobuf::Duration::descriptor()) {
      value = TimeUtil::ToString(
          static_cast<const google::protobuf::Duration&>(reflection->GetMessage(config, field)));
    } else if (field->cpp_type() == google::protobuf::FieldDescriptor::CPPTYPE_STRING) {
      value = OrDash(reflection->GetString(config, field));
    } else {
      google::protobuf::TextFormat::PrintFieldValueToString(config, field, -1, &value);
    }
    rows.push_back({field->name(), value});
  }
  PrintTable(rows);
}

// Prints a failed call's status to stderr and returns the exit code for it. A FAILED_PRECONDITION
// for lack of stock carries the lines it could not cover among its google.rpc.Status details.
// `reached`: the server answered (still connected after a unary call; a stream's updates came),
// so an UNAVAILABLE is its own (a storage failure, a shutdown), not "cannot reach". Neither that
// nor a failure to connect (a server that answered, then closed the connection as it stopped):
// the call was ended, whoever ended it.
int ReportError(const grpc::Status& status, const std::string& target, bool reached = false) {
  std::string message = status.error_message();
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE) {
    // gRPC's words for a connection it could not make (1.51).
    const bool not_connected = absl::StrContains(message, "failed to connect") ||
                               absl::StrContains(message, "DNS resolution failed") ||
                               absl::StrContains(message, "Connection refused");
    if (reached) {
      message = absl::StrCat("omnistockd at ", target, " answered: ", message);
    } else if (not_connected) {
      message = absl::StrCat("cannot reach omnistockd at ", target, ": ", message);
    } else {
      message = absl::StrCat("the call to omnistockd at ", target, " ended: ", message);
    }
  }
  std::cerr << "error: "
            << absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code())) << ": "
            << message << '\n';

  google::rpc::Status rich;
  if (status.error_code() != grpc::StatusCode::FAILED_PRECONDITION ||
      status.error_details().empty() || !rich.ParseFromString(status.error_details())) {
    return kExitRpcError;
  }
  for (const google::protobuf::Any& detail : rich.details()) {
    v1::ReserveShortfall shortfall;
    if (!detail.UnpackTo(&shortfall)) continue;
    std::vector<Row> rows = {{"SKU", "LOCATION", "REQUESTED", "AVAILABLE"}};
    for (const v1::ShortLine& line : shortfall.short_lines()) {
      rows.push_back({line.sku(), line.location_id(), absl::StrCat(line.requested()),
                      absl::StrCat(line.available())});
    }
    PrintTable(rows, std::cerr);
  }
  return kExitRpcError;
}

// ---------------------------------------------------------------------------------------------
// Calls

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
    return ReportError(status, options_.target, channel_->GetState(false) == GRPC_CHANNEL_READY);
  }

  // Follows the availability feed, printing each update as it arrives (as a line of JSON with
  // --json), until `count` updates have come (0: no limit), the server ends the stream, or the
  // deadline passes. A watch is meant to run until it is stopped, so it has a deadline only
  // when `deadline` is set (--timeout given); reaching it ends the watch normally, unless
  // `count` updates were asked for and fewer came. On any end but `count`, says on stderr where
  // to resume from.
  int Watch(const v1::WatchRequest& request, int64_t count,
            std::optional<absl::Duration> deadline) const {
    v1::Availability::Stub stub(channel_);
    grpc::ClientContext context;
    if (deadline) context.set_deadline(absl::ToChronoTime(absl::Now() + *deadline));
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
    if (count > 0 && seen >= count) {
      context.TryCancel();
      stream->Finish();  // CANCELLED, as asked
      return kExitOk;
    }
    const grpc::Status status = stream->Finish();
    const std::string resume =
        last ? absl::StrCat("; resume with --after ", *last) : std::string("; no update came");
    if (status.error_code() == grpc::StatusCode::DEADLINE_EXCEEDED && deadline) {
      std::cerr << "watched for " << absl::FormatDuration(*deadline);
      if (count > 0) std::cerr << ", " << seen << " of " << count << " updates came";
      std::cerr << resume << '\n';
      return count > 0 ? kExitRpcError : kExitOk;
    }
    if (!status.ok()) {
      // Once updates came, an UNAVAILABLE is the server going away, not "cannot reach".
      const int exit_code = ReportError(status, options_.target, seen > 0);
      // Not after OUT_OF_RANGE: the point asked for is past the journal's end, and the message
      // says where that is.
      if (last && status.error_code() != grpc::StatusCode::OUT_OF_RANGE) {
        std::cerr << "resume with --after " << *last << '\n';
      }
      return exit_code;
    }
    std::cerr << "the server ended the watch" << resume << '\n';
    return kExitOk;
  }

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
  // One update as a line of fixed columns (the rows come one at a time, so no table).
  struct WatchRow {
    static std::string Header() {
      return absl::StrFormat("%-10s %-27s %-13s %-14s %-16s %9s %9s %7s %9s %10s %12s  %s", "SEQ",
                             "TIME", "KIND", "SKU", "LOCATION", "ON_HAND", "RESERVED", "SAFETY",
                             "AVAILABLE", "IN_TRANSIT", "NON_SELLABLE", "REFERENCE AT_RISK");
    }
    static std::string Of(const v1::AvailabilityUpdate& u) {
      std::string line = absl::StrFormat(
          "%-10d %-27s %-13s %-14s %-16s %9d %9d %7d %9d %10d %12d  %s", u.sequence(),
          TimeUtil::ToString(u.time()), v1::MovementKind_Name(u.kind()), u.sku(), u.location_id(),
          u.on_hand(), u.reserved(), u.safety_stock(), u.available(), u.in_transit(),
          u.non_sellable(), OrDash(u.reference()));
      if (u.oversold()) absl::StrAppend(&line, " OVERSOLD");
      if (!u.at_risk_reservation_ids().empty()) {
        absl::StrAppend(&line, " at-risk:", absl::StrJoin(u.at_risk_reservation_ids(), ","));
      }
      return line;
    }
  };

  const Options& options_;
  std::shared_ptr<grpc::Channel> channel_;
};

// An enum value by its command-line name, which CLI11 already checked: "ec-dc" is EC_DC.
template <typename Enum>
Enum EnumOf(std::string name, bool (*parse)(const std::string&, Enum*), Enum otherwise) {
  name = absl::AsciiStrToUpper(name);
  std::replace(name.begin(), name.end(), '-', '_');
  Enum value = otherwise;
  parse(name, &value);
  return value;
}

// A whole number written in digits only (no sign, no spaces), or nullopt.
std::optional<int64_t> ParseWholeNumber(absl::string_view text) {
  int64_t value = 0;
  const bool digits_only = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return absl::ascii_isdigit(static_cast<unsigned char>(c));
  });
  if (!digits_only || !absl::SimpleAtoi(text, &value)) return std::nullopt;
  return value;
}

// TEXT:QTY with QTY a whole number of at least 1 after the last ':' (location ids may contain
// ':'): TEXT and QTY, or nullopt.
std::optional<std::pair<std::string, int64_t>> WithQuantity(const std::string& text) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  const std::optional<int64_t> quantity =
      ParseWholeNumber(absl::string_view(text).substr(colon + 1));
  if (!quantity || *quantity <= 0) return std::nullopt;
  return std::pair{text.substr(0, colon), *quantity};
}

// Parses SKU@LOCATION:QTY.
std::optional<v1::Line> ParseLine(const std::string& text) {
  const std::optional<std::pair<std::string, int64_t>> parsed = WithQuantity(text);
  if (!parsed) return std::nullopt;
  const std::string& head = parsed->first;
  const size_t at = head.find('@');
  if (at == std::string::npos || head.find('@', at + 1) != std::string::npos) return std::nullopt;
  v1::Line line;
  line.set_sku(head.substr(0, at));
  line.set_location_id(head.substr(at + 1));
  line.set_quantity(parsed->second);
  if (line.sku().empty() || line.location_id().empty()) return std::nullopt;
  return line;
}

// Adds each --line SKU:QTY to `lines` (OrderLine or PosLine: a sku and a quantity of at least
// 1). False, with `error`, at the first that is not so.
template <typename LineMessage>
bool AddSkuLines(const std::vector<std::string>& texts,
                 google::protobuf::RepeatedPtrField<LineMessage>& lines, std::string& error) {
  for (const std::string& text : texts) {
    const std::optional<std::pair<std::string, int64_t>> parsed = WithQuantity(text);
    if (!parsed || parsed->first.empty()) {
      error = absl::StrCat("--line '", text,
                           "' is not SKU:QTY with QTY a whole number of at least 1, e.g. "
                           "SKU-00042:2");
      return false;
    }
    LineMessage* line = lines.Add();
    line->set_sku(parsed->first);
    line->set_quantity(parsed->second);
  }
  return true;
}

// An RFC 3339 time (2026-12-01T09:30:00Z, or with an offset: +09:00) into `timestamp`. False,
// with `error` naming `option`, when it is not one.
bool ParseTimestamp(const std::string& text, const std::string& option,
                    google::protobuf::Timestamp& timestamp, std::string& error) {
  if (TimeUtil::FromString(text, &timestamp)) return true;
  error = absl::StrCat(option, " '", text,
                       "' is not an RFC 3339 time such as 2026-12-01T09:30:00Z or "
                       "2026-12-01T18:30:00+09:00");
  return false;
}

// The lines of a file, or of standard input for "-", without a Windows line end or the UTF-8
// byte-order mark a spreadsheet's "CSV UTF-8" export begins with. False, with `error`, when it
// cannot be read.
bool ReadLines(const std::string& path, std::vector<std::string>& lines, std::string& error) {
  std::ifstream file;
  if (path != "-") {
    file.open(path);
    if (!file) {
      error = absl::StrCat("cannot read '", path, "'");
      return false;
    }
  }
  std::istream& in = path == "-" ? std::cin : file;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (lines.empty() && absl::StartsWith(line, "\xEF\xBB\xBF")) line.erase(0, 3);
    lines.push_back(std::move(line));
  }
  if (in.bad()) {
    error = absl::StrCat("reading '", path, "' failed");
    return false;
  }
  return true;
}

// What a file's rows became, and where each came from: `line_of[i]` is the file line (from 1)
// of the i-th message's (or row's) first line.
template <typename Message>
struct FileRows {
  std::vector<Message> messages;
  std::vector<size_t> line_of;
};

// Why the server would refuse `at` as a WMS clock fault (at most 30 days back, 5 minutes
// ahead), naming `what`; empty when it would not.
std::string ClockFault(absl::string_view what, const google::protobuf::Timestamp& at,
                       absl::Time now) {
  const absl::Time when = absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(at));
  if (when >= now - omnistock::kClientTimeAgeMax && when <= now + omnistock::kPosClockSkewMax) {
    return std::string();
  }
  return absl::StrCat(what, " must be at most ", omnistock::kClientTimeAgeMaxDays,
                      " days back and at most ", absl::FormatDuration(omnistock::kPosClockSkewMax),
                      " ahead of now (the server refuses it as a clock fault)");
}

// The fields of one CSV line as spreadsheets and WMS exports write it (RFC 4180, one line): a
// field in double quotes may hold commas, and "" stands for a quote in it; spaces around a
// quoted field are dropped. False, with `error`, for a quote left open or text after one.
bool CsvFields(absl::string_view line, std::vector<std::string>& fields, std::string& error) {
  fields.clear();
  size_t i = 0;
  for (;;) {
    size_t quote = i;
    while (quote < line.size() && line[quote] == ' ') ++quote;
    std::string field;
    if (quote < line.size() && line[quote] == '"') {
      for (i = quote + 1;; ++i) {
        if (i >= line.size()) {
          error = "a field's opening quote is not closed";
          return false;
        }
        if (line[i] != '"') {
          field += line[i];
        } else if (i + 1 < line.size() && line[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          break;
        }
      }
      for (++i; i < line.size() && line[i] == ' ';) ++i;
      if (i < line.size() && line[i] != ',') {
        error = "a quoted field is followed by more than a comma";
        return false;
      }
    } else {
      const size_t comma = std::min(line.find(',', i), line.size());
      field = std::string(line.substr(i, comma - i));
      i = comma;
    }
    fields.push_back(std::move(field));
    if (i >= line.size()) return true;
    ++i;  // the comma
  }
}

// The columns of a count file.
enum class CountColumn { kLocation, kSku, kCounted, kCountedAt };
constexpr const char* kCountColumnNames[] = {"LOCATION", "SKU", "COUNTED", "COUNTED_AT"};

// A count file's first line as column names, in the file's order: nullopt when some field is
// not one of the names below (then the line is a row, in the default order).
std::optional<std::vector<CountColumn>> CountHeaderOf(const std::vector<std::string>& fields) {
  static const std::pair<const char*, CountColumn> kNames[] = {
      {"location", CountColumn::kLocation},
      {"location_id", CountColumn::kLocation},
      {"sku", CountColumn::kSku},
      {"counted", CountColumn::kCounted},
      {"counted_quantity", CountColumn::kCounted},
      {"quantity", CountColumn::kCounted},
      {"counted_at", CountColumn::kCountedAt}};
  std::vector<CountColumn> columns;
  for (absl::string_view field : fields) {
    field = absl::StripAsciiWhitespace(field);
    const auto* named = std::find_if(std::begin(kNames), std::end(kNames), [field](const auto& n) {
      return absl::EqualsIgnoreCase(field, n.first);
    });
    if (named == std::end(kNames)) return std::nullopt;
    columns.push_back(named->second);
  }
  return columns;
}

// A count file: one row per line, LOCATION,SKU,COUNTED[,COUNTED_AT] (COUNTED_AT in RFC 3339;
// left out or empty: `counted_at`), cut into SyncCounts batches of the largest size allowed.
// Fields may be quoted (CsvFields). Blank lines and lines starting with '#' are skipped. A first
// line of column names gives the columns' order instead (a spreadsheet's "sku,location,counted");
// it must name LOCATION, SKU and COUNTED once each, COUNTED_AT at most once. Each row is checked as
// the server checks it (ids, the count's bounds, a COUNTED_AT at most 30 days back and 5 minutes
// ahead of this machine's clock), and so that no position is counted twice at one time (the second
// would be stale). False, with `error` naming the file's line, at the first row that is not so:
// then nothing is sent. (The caller checks `counted_at` itself.)
bool CountBatchesOf(const std::vector<std::string>& lines,
                    const google::protobuf::Timestamp& counted_at, FileRows<v1::CountBatch>& file,
                    std::string& error) {
  const absl::Time now = absl::Now();
  std::set<std::tuple<std::string, std::string, int64_t, int32_t>> counted;  // position, time
  bool first = true;
  std::vector<CountColumn> columns;  // from a header; empty: the default order
  std::string shape = "LOCATION,SKU,COUNTED[,COUNTED_AT]";
  for (size_t i = 0; i < lines.size(); ++i) {
    const absl::string_view text = absl::StripAsciiWhitespace(lines[i]);
    if (text.empty() || text.front() == '#') continue;
    const std::string where = absl::StrCat("line ", i + 1, " '", text, "'");
    std::vector<std::string> fields;
    if (std::string problem; !CsvFields(text, fields, problem)) {
      error = absl::StrCat(where, ": ", problem);
      return false;
    }
    if (std::optional<std::vector<CountColumn>> header;
        std::exchange(first, false) && (header = CountHeaderOf(fields))) {
      for (CountColumn column : {CountColumn::kLocation, CountColumn::kSku, CountColumn::kCounted,
                                 CountColumn::kCountedAt}) {
        const auto named = std::count(header->begin(), header->end(), column);
        if (named > 1 || (named == 0 && column != CountColumn::kCountedAt)) {
          error = absl::StrCat(where, ": column names must name LOCATION, SKU and COUNTED once ",
                               "each, and COUNTED_AT at most once");
          return false;
        }
      }
      columns = *std::move(header);
      shape.clear();
      for (CountColumn column : columns) {
        const bool optional = column == CountColumn::kCountedAt && column == columns.back();
        absl::StrAppend(&shape, optional ? "[" : "", shape.empty() ? "" : ",",
                        kCountColumnNames[static_cast<int>(column)], optional ? "]" : "");
      }
      continue;
    }
    // A last COUNTED_AT column may be left out of a row.
    const size_t full = columns.empty() ? 4 : columns.size();
    const bool time_last = columns.empty() || columns.back() == CountColumn::kCountedAt;
    if (fields.size() != full && !(time_last && fields.size() + 1 == full)) {
      error = absl::StrCat(where, " is not ", shape);
      return false;
    }
    // The field of `column` ("" when the row has none).
    auto field = [&](CountColumn column) -> absl::string_view {
      size_t at = static_cast<size_t>(column);
      if (!columns.empty()) {
        at = static_cast<size_t>(std::find(columns.begin(), columns.end(), column) -
                                 columns.begin());
      }
      return at < fields.size() ? absl::StripAsciiWhitespace(fields[at]) : absl::string_view();
    };
    const std::string location(field(CountColumn::kLocation));
    const std::string sku(field(CountColumn::kSku));
    const std::optional<int64_t> quantity = ParseWholeNumber(field(CountColumn::kCounted));
    std::string problem =
        omnistock::IdProblem("LOCATION", location, omnistock::kLocationIdLengthMax);
    if (problem.empty()) problem = omnistock::IdProblem("SKU", sku, omnistock::kSkuLengthMax);
    if (problem.empty() && (!quantity || *quantity > omnistock::kOnHandMax)) {
      problem = absl::StrCat("COUNTED must be a whole number from 0 to ", omnistock::kOnHandMax);
    }
    google::protobuf::Timestamp at = counted_at;
    const absl::string_view time = field(CountColumn::kCountedAt);
    // A time that does not parse says so in `problem`; one that does is checked as the server
    // checks it.
    if (problem.empty() && !time.empty() &&
        ParseTimestamp(std::string(time), "COUNTED_AT", at, problem)) {
      problem = ClockFault("COUNTED_AT", at, now);
    }
    if (problem.empty() && !counted.emplace(location, sku, at.seconds(), at.nanos()).second) {
      problem = "counts a position already counted at the same time above (it would be stale)";
    }
    if (!problem.empty()) {
      error = absl::StrCat(where, ": ", problem);
      return false;
    }
    if (file.messages.empty() ||
        file.messages.back().rows_size() == omnistock::kCountRowsPerBatchMax) {
      file.messages.emplace_back();
    }
    v1::CountRow* row = file.messages.back().add_rows();
    row->set_location_id(location);
    row->set_sku(sku);
    row->set_counted_quantity(*quantity);
    *row->mutable_counted_at() = at;
    file.line_of.push_back(i + 1);
  }
  if (file.line_of.empty()) {
    error = "the file has no count rows (LOCATION,SKU,COUNTED[,COUNTED_AT] per line)";
    return false;
  }
  return true;
}

// A file (ReadLines) of `Message`s, one per line in protobuf's JSON form (upload-sales:
// RecordSaleRequest, reserve-batch: ReserveRequest), e.g. for a sale
// {"location_id":"ST-GINZA","terminal_id":"till-3","pos_transaction_id":"T-1001",
//  "sold_at":"2026-12-01T09:30:00Z","lines":[{"sku":"SKU-00042","quantity":1}]}.
// Blank lines are skipped. False, with `error` naming the file's line, at the first line that is
// not so: then nothing is sent. (The server checks each message's content, and refuses a bad one
// alone: the answer lists it.)
template <typename Message>
bool JsonLinesOf(const std::string& path, FileRows<Message>& file, std::string& error) {
  std::vector<std::string> lines;
  if (!ReadLines(path, lines, error)) return false;
  const std::string& type = Message::descriptor()->name();
  for (size_t i = 0; i < lines.size(); ++i) {
    const absl::string_view text = absl::StripAsciiWhitespace(lines[i]);
    if (text.empty()) continue;
    Message& message = file.messages.emplace_back();
    const auto status = google::protobuf::util::JsonStringToMessage(std::string(text), &message);
    if (!status.ok()) {
      error = absl::StrCat("line ", i + 1, " is not a ", type, " in JSON: ", status.ToString());
      return false;
    }
    file.line_of.push_back(i + 1);
  }
  if (file.messages.empty()) {
    error = absl::StrCat("the file has no ", type, " (one in JSON per line)");
    return false;
  }
  return true;
}

void PrintPlan(const v1::PlanResponse& plan) {
  std::cout << "plan " << v1::PlanStatus_Name(plan.status()) << ": "
            << (plan.status() == v1::PLAN_REJECTED
                    ? std::string("nothing can be planned: the candidates below say why")
                    : absl::StrFormat(
                          "cost %.2f, %d shipment(s)%s%s", plan.totals().cost(),
                          plan.totals().shipments(), plan.totals().is_split() ? ", split" : "",
                          plan.totals().preference_honoured() ? "" : ", preference not honoured"))
            << "  (" << plan.config_version() << ", " << plan.network_version() << ")\n\n";
  std::vector<Row> shipments = {
      {"LOCATION", "METHOD", "LINES", "KM", "READY_AT", "DELIVERY", "COST"}};
  for (const v1::Shipment& s : plan.shipments()) {
    std::vector<std::string> lines;
    for (const v1::OrderLine& line : s.lines()) {
      lines.push_back(absl::StrCat(line.sku(), ":", line.quantity()));
    }
    shipments.push_back(
        {s.location_id(), v1::FulfillmentMethod_Name(s.method()), absl::StrJoin(lines, ","),
         absl::StrFormat("%.1f", s.distance_km()), TimeUtil::ToString(s.ready_at()),
         TimeUtil::ToString(s.estimated_delivery()), absl::StrFormat("%.2f", s.cost().total())});
  }
  if (shipments.size() > 1) PrintTable(shipments);
  if (plan.rejected().empty()) return;
  std::cout << "\nnot used:\n";
  std::vector<Row> rejected = {{"LOCATION", "METHOD", "REASON", "DETAIL"}};
  for (const v1::RejectedCandidate& r : plan.rejected()) {
    std::string detail;
    switch (r.reason()) {
      case v1::DOMINATED:
        detail = absl::StrFormat("cost >= %.2f vs %.2f", r.cost(), r.winner_cost());
        break;
      case v1::CAPACITY_EXHAUSTED:
        detail = absl::StrCat(r.orders_today(), " of ", r.daily_capacity(), " orders today");
        break;
      case v1::PICKUP_INCOMPLETE:
        detail = absl::StrCat("missing ", absl::StrJoin(r.missing_skus(), ","));
        break;
      default:
        for (const v1::LineStock& line : r.lines()) {
          absl::StrAppend(&detail, detail.empty() ? "" : "; ", line.sku(), " needs ", line.needed(),
                          ": on_hand ", line.on_hand(), ", reserved ", line.reserved(), ", safety ",
                          line.safety_stock());
        }
    }
    rejected.push_back({r.location_id(),
                        r.method() == v1::FULFILLMENT_METHOD_UNSPECIFIED
                            ? "-"
                            : v1::FulfillmentMethod_Name(r.method()),
                        v1::RejectReason_Name(r.reason()), OrDash(detail)});
  }
  PrintTable(rejected);
}

// ---------------------------------------------------------------------------------------------
// Subcommands

int Availability(const Client& client, const Options& o) {
  v1::GetAvailabilityRequest request;
  for (const std::string& sku : o.skus) request.add_skus(sku);
  for (const std::string& location : o.locations) request.add_location_ids(location);
  if (request.skus().empty()) {
    return UsageError(
        "availability needs at least one SKU; for every SKU at one location: omnistock stock "
        "LOCATION");
  }
  return client.Call(&v1::Inventory::Stub::GetAvailability, request,
                     PrintPositions<v1::GetAvailabilityResponse>);
}

int Stock(const Client& client, const Options& o) {
  v1::ListPositionsRequest request;
  request.set_location_id(o.location);
  request.set_after_sku(o.after_sku);
  request.set_limit(o.limit);
  return client.Call(&v1::Inventory::Stub::ListPositions, request, PrintStock);
}

// --ttl into `request`'s ttl, unless empty (the server's default). False, with `error`, when it
// is not a positive duration.
template <typename Request>
bool SetTtl(const std::string& text, Request& request, std::string& error) {
  if (text.empty()) return true;
  absl::Duration ttl;
  if (!absl::ParseDuration(text, &ttl) || ttl <= absl::ZeroDuration() ||
      ttl == absl::InfiniteDuration()) {
    error = absl::StrCat("--ttl '", text, "' is not a positive duration such as 15m or 900s");
    return false;
  }
  *request.mutable_ttl() = TimeUtil::NanosecondsToDuration(absl::ToInt64Nanoseconds(ttl));
  return true;
}

// A reservation answered to a reserve or a route that holds no stock: a replay of an order
// that expired or was released since. Such a call exits 1, as one refused for stock does, so
// that `omnistock reserve ... && charge_card` stops there.
bool HoldsNothing(const v1::Reservation& reservation) {
  return reservation.state() == v1::EXPIRED || reservation.state() == v1::RELEASED;
}

int ExitUnlessHolding(const v1::Reservation& reservation) {
  if (!HoldsNothing(reservation)) return kExitOk;
  std::cerr << "reservation '" << reservation.reservation_id() << "' is "
            << v1::ReservationState_Name(reservation.state())
            << ": it holds no stock (this call replayed it); reserve again with a new id\n";
  return kExitRpcError;
}

int Reserve(const Client& client, const Options& o) {
  v1::ReserveRequest request;
  request.set_reservation_id(o.reservation_id);
  request.set_channel(o.channel);
  request.set_order_ref(o.order_ref);
  for (const std::string& text : o.lines) {
    std::optional<v1::Line> line = ParseLine(text);
    if (!line) {
      return UsageError(absl::StrCat("--line '", text,
                                     "' is not SKU@LOCATION:QTY with QTY a whole number of at "
                                     "least 1, e.g. SKU-00042@WH-KAWASAKI:2"));
    }
    *request.add_lines() = *std::move(line);
  }
  if (std::string error; !SetTtl(o.ttl, request, error)) return UsageError(error);
  return client.Call(&v1::Reservations::Stub::Reserve, request, PrintReservation,
                     ExitUnlessHolding);
}

// confirm, release, fulfill and get: one call naming a reservation, answered by the reservation.
using ReservationRpc = grpc::Status (v1::Reservations::Stub::*)(grpc::ClientContext*,
                                                                const v1::ReservationRef&,
                                                                v1::Reservation*);

int OnReservation(const Client& client, const Options& o, ReservationRpc rpc) {
  v1::ReservationRef request;
  request.set_reservation_id(o.reservation_id);
  return client.Call(rpc, request, PrintReservation);
}

// The plan request of `plan` and `route`, or a usage message.
std::optional<v1::PlanRequest> PlanRequestOf(const Options& o, std::string& error) {
  v1::PlanRequest request;
  if (!AddSkuLines(o.order_lines, *request.mutable_lines(), error)) return std::nullopt;
  if (!o.to.empty()) {
    const size_t comma = o.to.find(',');
    double latitude = 0;
    double longitude = 0;
    if (comma == std::string::npos || !absl::SimpleAtod(o.to.substr(0, comma), &latitude) ||
        !absl::SimpleAtod(o.to.substr(comma + 1), &longitude)) {
      error = absl::StrCat("--to '", o.to, "' is not LAT,LON, e.g. 35.6581,139.7017");
      return std::nullopt;
    }
    request.mutable_destination()->set_latitude(latitude);
    request.mutable_destination()->set_longitude(longitude);
  }
  request.set_preferred_pickup_location_id(o.pickup);
  request.set_preference(EnumOf(o.preference, &v1::FulfillmentPreference_Parse, v1::DELIVERY));
  request.set_allow_method_fallback(o.fallback);
  request.set_allow_partial(o.partial);
  request.set_max_shipments(o.max_shipments);
  request.set_brief(o.brief);
  return request;
}

int Plan(const Client& client, const Options& o) {
  std::string error;
  std::optional<v1::PlanRequest> request = PlanRequestOf(o, error);
  if (!request) return UsageError(error);
  return client.Call(&v1::Fulfillment::Stub::Plan, *request, PrintPlan);
}

int Route(const Client& client, const Options& o) {
  std::string error;
  std::optional<v1::PlanRequest> plan = PlanRequestOf(o, error);
  if (!plan) return UsageError(error);
  v1::RouteAndReserveRequest request;
  *request.mutable_plan() = *std::move(plan);
  request.set_reservation_id(o.reservation_id);
  request.set_channel(o.channel);
  request.set_order_ref(o.order_ref);
  if (std::string error; !SetTtl(o.ttl, request, error)) return UsageError(error);
  // A rejected plan reserves nothing: exit 1, as a reserve that cannot be covered does, so
  // that `omnistock route ... && print_label` stops there.
  return client.Call(
      &v1::Fulfillment::Stub::RouteAndReserve, request,
      [](const v1::RouteAndReserveResponse& response) {
        if (response.has_plan()) PrintPlan(response.plan());
        if (response.has_reservation()) {
          std::cout << "\n";
          PrintReservation(response.reservation());
        } else {
          std::cout << "\nnothing reserved\n";
        }
      },
      [](const v1::RouteAndReserveResponse& response) {
        return response.has_reservation() ? ExitUnlessHolding(response.reservation())
                                          : kExitRpcError;
      });
}

int Receive(const Client& client, const Options& o) {
  v1::ReceiveRequest request;
  request.set_location_id(o.location);
  request.set_sku(o.sku);
  request.set_quantity(o.quantity);
  request.set_reference(o.reference);
  request.set_idempotency_key(o.idempotency_key);
  return client.Call(&v1::Inventory::Stub::Receive, request, PrintPosition);
}

int Adjust(const Client& client, const Options& o) {
  v1::AdjustRequest request;
  request.set_location_id(o.location);
  request.set_sku(o.sku);
  request.set_delta(o.quantity);
  request.set_reason(EnumOf(o.reason, &v1::AdjustReason_Parse, v1::ADJUST_REASON_UNSPECIFIED));
  request.set_reference(o.reference);
  request.set_idempotency_key(o.idempotency_key);
  request.set_non_sellable(o.non_sellable);
  return client.Call(&v1::Inventory::Stub::Adjust, request, PrintPosition);
}

int SafetyStock(const Client& client, const Options& o) {
  v1::SetSafetyStockRequest request;
  request.set_location_id(o.location);
  request.set_sku(o.sku);
  request.set_safety_stock(o.quantity);
  return client.Call(&v1::Inventory::Stub::SetSafetyStock, request, PrintPosition);
}

int Locations(const Client& client, const Options&) {
  return client.Call(&v1::Network::Stub::ListLocations, v1::ListLocationsRequest(), PrintLocations);
}

// The server's grpc.health.v1 status: what probes and supervisors ask.
int Health(const Client& client, const Options& o) {
  using grpc::health::v1::HealthCheckResponse;
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(o.health_service);
  return client.Call(
      &grpc::health::v1::Health::Stub::Check, request,
      [](const HealthCheckResponse& response) {
        std::cout << HealthCheckResponse::ServingStatus_Name(response.status()) << '\n';
      },
      [](const HealthCheckResponse& response) {
        return response.status() == HealthCheckResponse::SERVING ? kExitOk : kExitRpcError;
      });
}

int Movements(const Client& client, const Options& o) {
  v1::ListMovementsRequest request;
  request.set_sku(o.sku);
  request.set_location_id(o.location);
  request.set_after_sequence(o.after_sequence);
  request.set_limit(o.limit);
  return client.Call(&v1::Inventory::Stub::ListMovements, request, PrintMovements);
}

int Extend(const Client& client, const Options& o) {
  v1::ExtendReservationRequest request;
  request.set_reservation_id(o.reservation_id);
  if (std::string error; !SetTtl(o.ttl, request, error)) return UsageError(error);
  // By this machine's clock, with room for the server's to differ a little: a hint only.
  const absl::Time asked_until = absl::Now() +
                                 absl::Nanoseconds(TimeUtil::DurationToNanoseconds(request.ttl())) +
                                 absl::Seconds(5);
  return client.Call(&v1::Reservations::Stub::ExtendReservation, request,
                     [asked_until](const v1::Reservation& reservation) {
                       PrintReservation(reservation);
                       // The server never brings a hold's expiry forward (the proto): say so,
                       // rather than leave a shorter --ttl looking applied.
                       if (reservation.state() == v1::HELD &&
                           absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(
                               reservation.expires_at())) > asked_until) {
                         std::cout << "expires_at unchanged: a hold is extended, never shortened\n";
                       }
                     });
}

// sale and return: a till's transaction at a store.
template <typename Request>
bool FillTill(const Options& o, Request& request,
              google::protobuf::Timestamp* (Request::*mutable_time)(), std::string& error) {
  request.set_location_id(o.location);
  request.set_terminal_id(o.terminal);
  request.set_pos_transaction_id(o.transaction);
  if (!AddSkuLines(o.order_lines, *request.mutable_lines(), error)) return false;
  return o.at.empty() || ParseTimestamp(o.at, "--at", *(request.*mutable_time)(), error);
}

int Sale(const Client& client, const Options& o) {
  v1::RecordSaleRequest request;
  std::string error;
  if (!FillTill(o, request, &v1::RecordSaleRequest::mutable_sold_at, error)) {
    return UsageError(error);
  }
  return client.Call(&v1::StoreSales::Stub::RecordSale, request, PrintPosResult);
}

int Return(const Client& client, const Options& o) {
  v1::RecordReturnRequest request;
  std::string error;
  if (!FillTill(o, request, &v1::RecordReturnRequest::mutable_returned_at, error)) {
    return UsageError(error);
  }
  request.set_non_sellable(o.non_sellable);
  request.set_reason(o.reason);
  request.set_original_order_ref(o.order_ref);
  return client.Call(&v1::StoreSales::Stub::RecordReturn, request, PrintPosResult);
}

// The deadline of a stream or a watch: none unless --timeout was given.
std::optional<absl::Duration> StreamDeadline(const CLI::Option* timeout, const Options& o) {
  if (timeout->count() == 0) return std::nullopt;
  return absl::Seconds(o.timeout_seconds);
}

int UploadSales(const Client& client, const Options& o, std::optional<absl::Duration> deadline) {
  FileRows<v1::RecordSaleRequest> file;
  if (std::string error; !JsonLinesOf(o.file, file, error)) {
    return UsageError(error);
  }
  v1::UploadSalesSummary summary;
  const grpc::Status status = client.Upload(
      &v1::StoreSales::Stub::UploadSales, file.messages, deadline,
      [total = file.messages.size()](size_t sent) {
        return absl::StrFormat("sent %d of %d sales", sent, total);
      },
      summary);
  if (!status.ok()) return client.Report(status);
  if (const int shown = client.Show(
          summary,
          [&file](const v1::UploadSalesSummary& s) { PrintUploadSummary(s, file.line_of); });
      shown != kExitOk) {
    return shown;
  }
  if (summary.rejected() == 0) return kExitOk;
  std::cerr << summary.rejected() << " of " << summary.received()
            << " sales were rejected and not recorded (listed above): correct them and upload "
               "them again\n";
  return kExitRpcError;
}

// reserve-batch: a file of orders, sent as ReserveBatch calls of up to 1,000 orders each, one
// after the other. Prints each order's result by its line in the file (with --json, one
// ReserveBatchResponse of every result); exit 1 unless every order was held (or replayed).
int ReserveBatch(const Client& client, const Options& o) {
  FileRows<v1::ReserveRequest> file;
  if (std::string error; !JsonLinesOf(o.file, file, error)) {
    return UsageError(error);
  }
  const size_t total = file.messages.size();
  const size_t per_call = omnistock::kReserveBatchOrdersMax;
  v1::ReserveBatchResponse all;
  grpc::Status status;
  for (size_t first = 0; first < total && status.ok(); first += per_call) {
    v1::ReserveBatchRequest request;
    for (size_t i = first; i < std::min(total, first + per_call); ++i) {
      *request.add_orders() = file.messages[i];
    }
    v1::ReserveBatchResponse response;
    status = client.Invoke(&v1::Reservations::Stub::ReserveBatch, request, response);
    for (v1::ReserveResult& result : *response.mutable_results()) {
      *all.add_results() = std::move(result);
    }
    if (status.ok() && total > per_call) {
      std::cerr << absl::StrFormat("sent %d of %d orders", all.results_size(), total) << std::endl;
    }
  }
  const int shown = client.Show(all, [&file](const v1::ReserveBatchResponse& response) {
    std::vector<Row> rows = {{"LINE", "RESERVATION", "RESULT", "DETAIL"}};
    for (int i = 0; i < response.results_size(); ++i) {
      const v1::ReserveResult& r = response.results(i);
      const v1::ReservationState state = r.reservation().state();
      std::string detail = r.message();
      if (r.code() == 0) {
        detail = state == v1::HELD
                     ? absl::StrCat("expires_at ", TimeUtil::ToString(r.reservation().expires_at()))
                     : "a replay: the order as it stands";
      }
      rows.push_back({absl::StrCat(file.line_of[static_cast<size_t>(i)]),
                      file.messages[static_cast<size_t>(i)].reservation_id(),
                      r.code() == 0
                          ? v1::ReservationState_Name(state)
                          : absl::StatusCodeToString(static_cast<absl::StatusCode>(r.code())),
                      detail});
    }
    PrintTable(rows);
  });
  if (!status.ok()) {
    client.Report(status);
    std::cerr << "the orders before line " << file.line_of[static_cast<size_t>(all.results_size())]
              << " were sent (their results are above); that call and the rest were not\n";
    return kExitRpcError;
  }
  if (shown != kExitOk) return shown;
  // A replay of an order that expired or was released holds nothing.
  const int refused = static_cast<int>(std::count_if(
      all.results().begin(), all.results().end(),
      [](const v1::ReserveResult& r) { return r.code() != 0 || HoldsNothing(r.reservation()); }));
  if (refused == 0) return kExitOk;
  std::cerr << refused << " of " << total << " orders were not held (listed above)\n";
  return kExitRpcError;
}

// The file line of the count row a server's message names ("batches[1].rows[7]..."), or empty.
std::string CountRowLine(const std::string& message, const FileRows<v1::CountBatch>& file) {
  size_t batch = 0;
  size_t row = 0;
  if (std::sscanf(message.c_str(), "batches[%zu].rows[%zu]", &batch, &row) != 2) return "";
  const size_t index = batch * omnistock::kCountRowsPerBatchMax + row;
  if (index >= file.line_of.size()) return "";
  return absl::StrCat("batches[", batch, "].rows[", row, "] is line ", file.line_of[index],
                      " of the file; the batches before it were applied");
}

int Counts(const Client& client, const Options& o, std::optional<absl::Duration> deadline) {
  // Now, to the microsecond as the server keeps it (protobuf's TimeUtil::GetCurrentTime() is
  // whole seconds here, which would date the count before changes made in the same second).
  google::protobuf::Timestamp counted_at =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(absl::Now()));
  std::vector<std::string> lines;
  FileRows<v1::CountBatch> file;
  if (std::string error;
      (!o.at.empty() && !ParseTimestamp(o.at, "--counted-at", counted_at, error)) ||
      !(error = ClockFault("--counted-at", counted_at, absl::Now())).empty() ||
      !ReadLines(o.file, lines, error) || !CountBatchesOf(lines, counted_at, file, error)) {
    return UsageError(error);
  }
  v1::SyncCountsSummary summary;
  const grpc::Status status = client.Upload(
      &v1::Warehouse::Stub::SyncCounts, file.messages, deadline,
      [&file](size_t sent) {
        const size_t rows = std::min(file.line_of.size(), sent * omnistock::kCountRowsPerBatchMax);
        return absl::StrFormat("sent %d of %d batches (%d of %d rows)", sent, file.messages.size(),
                               rows, file.line_of.size());
      },
      summary);
  if (!status.ok()) {
    const int code = client.Report(status);
    if (std::string line = CountRowLine(status.error_message(), file); !line.empty()) {
      std::cerr << line << '\n';
    }
    return code;
  }
  if (const int shown = client.Show(summary, PrintCountsSummary); shown != kExitOk) return shown;
  const int64_t not_applied =
      summary.rows_unknown() + summary.rows_over_limit() + summary.rows_holding_no_stock();
  if (not_applied == 0) return kExitOk;
  std::cerr << not_applied
            << " rows were not applied (at a location the server does not know, past the "
               "on_hand limit, or raising stock at a pickup point)\n";
  return kExitRpcError;
}

int Transfer(const Client& client, const Options& o) {
  v1::TransferRequest request;
  request.set_transfer_id(o.transfer_id);
  request.set_from_location_id(o.from_location);
  request.set_to_location_id(o.to_location);
  if (std::string error; !AddSkuLines(o.order_lines, *request.mutable_lines(), error)) {
    return UsageError(error);
  }
  return client.Call(&v1::Warehouse::Stub::Transfer, request, PrintTransfer);
}

int ReceiveTransfer(const Client& client, const Options& o) {
  v1::TransferRef request;
  request.set_transfer_id(o.transfer_id);
  return client.Call(&v1::Warehouse::Stub::ReceiveTransfer, request, PrintTransfer);
}

int RoutingConfig(const Client& client, const Options&) {
  return client.Call(&v1::Fulfillment::Stub::GetRoutingConfig, v1::GetRoutingConfigRequest(),
                     PrintRoutingConfig);
}

// set-location's options, and which of them were given.
struct LocationOptions {
  CLI::Option* kind;
  CLI::Option* name;
  CLI::Option* latitude;
  CLI::Option* longitude;
  CLI::Option* capabilities;
  CLI::Option* capacity;
  CLI::Option* disabled;
  CLI::Option* enabled;
  CLI::Option* timezone;
};

// --capabilities pickup,curbside,ship,pos (as `locations` shows them), or none.
bool ParseCapabilities(const std::string& text, v1::Capabilities& capabilities,
                       std::string& error) {
  capabilities.Clear();
  if (absl::EqualsIgnoreCase(text, "none")) return true;
  const std::vector<absl::string_view> names = absl::StrSplit(text, ',');
  for (const absl::string_view name : names) {
    const auto known = std::find_if(
        std::begin(kCapabilityNames), std::end(kCapabilityNames), [name](const CapabilityName& c) {
          return absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(name), c.name);
        });
    if (known == std::end(kCapabilityNames)) {
      error = absl::StrCat(
          "--capabilities: '", name,
          "' is none of pickup, curbside, ship (ship from store), pos (walk-in sales at a "
          "till), or the word none");
      return false;
    }
    (capabilities.*known->set)(true);
  }
  return true;
}

// Creates a location, or changes the given fields of one: the location as the server has it
// (ListLocations), with each option given applied (UpsertLocation replaces a location whole).
// A new location needs --kind, --lat and --lon.
int SetLocation(const Client& client, const Options& o, const LocationOptions& given) {
  v1::Capabilities capabilities;
  if (std::string error;
      given.capabilities->count() > 0 && !ParseCapabilities(o.capabilities, capabilities, error)) {
    return UsageError(error);
  }
  v1::ListLocationsResponse listed;
  if (const grpc::Status status =
          client.Invoke(&v1::Network::Stub::ListLocations, v1::ListLocationsRequest(), listed);
      !status.ok()) {
    return client.Report(status);
  }
  v1::UpsertLocationRequest request;
  v1::Location& location = *request.mutable_location();
  const auto known =
      std::find_if(listed.locations().begin(), listed.locations().end(),
                   [&o](const v1::Location& l) { return l.location_id() == o.location; });
  if (known != listed.locations().end()) {
    location = *known;
  } else if (given.kind->count() == 0 || given.latitude->count() == 0 ||
             given.longitude->count() == 0) {
    return UsageError(absl::StrCat("'", o.location,
                                   "' is a new location: give at least --kind, --lat and --lon"));
  }
  location.set_location_id(o.location);
  if (given.kind->count() > 0) {
    location.set_kind(EnumOf(o.kind, &v1::LocationKind_Parse, v1::LOCATION_KIND_UNSPECIFIED));
  }
  if (given.name->count() > 0) location.set_name(o.name);
  if (given.latitude->count() > 0) location.set_latitude(o.latitude);
  if (given.longitude->count() > 0) location.set_longitude(o.longitude);
  if (given.capabilities->count() > 0) *location.mutable_capabilities() = capabilities;
  if (given.capacity->count() > 0) location.set_daily_capacity(o.capacity);
  if (given.disabled->count() > 0) location.set_disabled(true);
  if (given.enabled->count() > 0) location.set_disabled(false);
  if (given.timezone->count() > 0) location.set_timezone(o.timezone);
  return client.Call(&v1::Network::Stub::UpsertLocation, request, [](const v1::Location& saved) {
    v1::ListLocationsResponse one;
    *one.add_locations() = saved;
    PrintLocations(one);
  });
}

// ---------------------------------------------------------------------------------------------
// Command line

// A subcommand and what runs when it is chosen.
struct Command {
  CLI::App* app;
  std::function<int(const Client&, const Options&)> run;
};

std::vector<Command> DefineCommands(CLI::App& app, Options& o) {
  std::vector<Command> commands;
  // The SKU:QTY lines of sale, return, transfer, plan and route.
  const auto add_sku_lines = [&o](CLI::App* command) {
    command->add_option("--line", o.order_lines, "SKU:QTY (repeatable)")
        ->required()
        ->allow_extra_args(false);
  };
  CLI::App* c = app.add_subcommand("availability",
                                   "Show the stock of SKUs, at every location or the given ones");
  c->add_option("SKU", o.skus, "SKUs to show (every SKU at one location: stock LOCATION)");
  c->add_option("--location", o.locations, "only this location (repeatable; default all)")
      ->allow_extra_args(false);
  commands.push_back({c, Availability});

  c = app.add_subcommand("reserve",
                         "Hold stock for an order, every line or none (exit 1: nothing held)");
  c->add_option("--id", o.reservation_id, "reservation id, the idempotency key")->required();
  c->add_option("--line", o.lines, "SKU@LOCATION:QTY (repeatable)")
      ->required()
      ->allow_extra_args(false);
  c->add_option("--channel", o.channel, "sales channel, e.g. web, app, call-centre");
  c->add_option("--ttl", o.ttl, "how long the hold lasts, e.g. 15m or 900s (default: server's)");
  c->add_option("--order-ref", o.order_ref, "the order system's reference");
  commands.push_back({c, Reserve});

  c = app.add_subcommand(
      "reserve-batch",
      "Hold many orders from a file of JSON lines, each all-or-nothing on its own");
  c->add_option("FILE", o.file,
                "one ReserveRequest in JSON per line, e.g. {\"reservation_id\":\"order-1\","
                "\"lines\":[{\"sku\":\"SKU-00042\",\"location_id\":\"WH-KAWASAKI\","
                "\"quantity\":1}]} ('-': standard input); sent 1,000 orders a call")
      ->required();
  commands.push_back({c, ReserveBatch});

  const struct {
    const char* name;
    const char* help;
    ReservationRpc rpc;
  } transitions[] = {
      {"confirm", "Payment succeeded: the hold no longer expires",
       &v1::Reservations::Stub::Confirm},
      {"release", "Cancel a reservation: its stock is available again",
       &v1::Reservations::Stub::Release},
      {"fulfill", "The goods left: on_hand and reserved drop", &v1::Reservations::Stub::Fulfill},
      {"get", "Show a reservation", &v1::Reservations::Stub::GetReservation},
  };
  for (const auto& t : transitions) {
    c = app.add_subcommand(t.name, t.help);
    c->add_option("ID", o.reservation_id, "reservation id")->required();
    commands.push_back({c, [rpc = t.rpc](const Client& client, const Options& options) {
                          return OnReservation(client, options, rpc);
                        }});
  }

  c = app.add_subcommand("extend", "Push a HELD reservation's expiry out to now + --ttl");
  c->add_option("ID", o.reservation_id, "reservation id")->required();
  c->add_option("--ttl", o.ttl, "from now, e.g. 30m (at most 24h)")->required();
  commands.push_back({c, Extend});

  c = app.add_subcommand("receive", "Add received units to on_hand");
  c->add_option("LOCATION", o.location, "location id")->required();
  c->add_option("SKU", o.sku, "SKU")->required();
  c->add_option("QTY", o.quantity, "units received")->required()->check(WholeNumber<int64_t>());
  c->add_option("--reference", o.reference, "e.g. the ASN or PO number");
  c->add_option("--idempotency-key", o.idempotency_key,
                "names this receipt: sent again, it is not added twice");
  commands.push_back({c, Receive});

  c = app.add_subcommand(
      "adjust", "Change on_hand (or with --non-sellable the units kept apart) by a signed delta");
  c->add_option("LOCATION", o.location, "location id")->required();
  c->add_option("SKU", o.sku, "SKU")->required();
  c->add_option("DELTA", o.quantity, "signed change, e.g. -1")
      ->required()
      ->check(WholeNumber<int64_t>());
  c->add_option("--reason", o.reason, "damage, shrink, found or correction")
      ->required()
      ->check(CLI::IsMember({"damage", "shrink", "found", "correction"}, CLI::ignore_case));
  c->add_option("--reference", o.reference, "recorded in the journal");
  c->add_option("--idempotency-key", o.idempotency_key,
                "names this adjustment: sent again, it is not applied twice");
  c->add_flag("--non-sellable", o.non_sellable,
              "change the returned units kept apart instead of on_hand (e.g. -2: sent back to "
              "the vendor)");
  commands.push_back({c, Adjust});

  c = app.add_subcommand("safety-stock", "Set the units kept back for walk-in shoppers");
  c->add_option("LOCATION", o.location, "location id")->required();
  c->add_option("SKU", o.sku, "SKU")->required();
  c->add_option("QTY", o.quantity, "units kept back")->required()->check(WholeNumber<int64_t>());
  commands.push_back({c, SafetyStock});

  CLI::App* const cli = &app;
  // sale and return share their options.
  const auto add_till_options = [&o, &add_sku_lines](CLI::App* command, const char* at_help) {
    command->add_option("STORE", o.location, "the store's location id")->required();
    command->add_option("--terminal", o.terminal, "the till's id")->required();
    command
        ->add_option("--transaction", o.transaction,
                     "the till's transaction id: with --terminal, recorded exactly once")
        ->required();
    add_sku_lines(command);
    command->add_option("--at", o.at, at_help);
  };
  c = app.add_subcommand("sale", "Record a sale at a store's till (never refused for stock)");
  add_till_options(c, "when it was sold, RFC 3339 (default: now), e.g. 2026-12-01T09:30:00Z");
  commands.push_back({c, Sale});

  c = app.add_subcommand("return", "Record a return at a store's till");
  add_till_options(c, "when it came back, RFC 3339 (default: now)");
  c->add_flag("--non-sellable", o.non_sellable,
              "the units cannot be sold again: kept apart, not added to on_hand");
  c->add_option("--reason", o.reason, "why it came back, e.g. damaged");
  c->add_option("--order-ref", o.order_ref, "the original order's reference");
  commands.push_back({c, Return});

  c = app.add_subcommand("upload-sales",
                         "Upload a till's buffered sales from a file of JSON lines, in order");
  c->add_option("FILE", o.file,
                "one RecordSaleRequest in JSON per line, e.g. {\"location_id\":\"ST-GINZA\","
                "\"terminal_id\":\"till-3\",\"pos_transaction_id\":\"T-1\",\"sold_at\":"
                "\"2026-12-01T09:30:00Z\",\"lines\":[{\"sku\":\"SKU-00042\",\"quantity\":1}]}"
                " ('-': standard input)")
      ->required();
  commands.push_back({c, [cli](const Client& client, const Options& options) {
                        return UploadSales(client, options,
                                           StreamDeadline(cli->get_option("--timeout"), options));
                      }});

  c = app.add_subcommand("counts", "Send cycle counts from a CSV file (SyncCounts)");
  c->add_option("FILE", o.file,
                "LOCATION,SKU,COUNTED[,COUNTED_AT] per line, COUNTED_AT in RFC 3339 ('-': "
                "standard input; fields may be \"quoted\"); lines starting with # are skipped, "
                "and a first line of column names (location or location_id, sku, counted or "
                "counted_quantity or quantity, counted_at)")
      ->required();
  c->add_option("--counted-at", o.at,
                "when the rows without a COUNTED_AT were counted, RFC 3339 (default: now)");
  commands.push_back({c, [cli](const Client& client, const Options& options) {
                        return Counts(client, options,
                                      StreamDeadline(cli->get_option("--timeout"), options));
                      }});

  c = app.add_subcommand("transfer",
                         "Ship stock from one location to another (in transit until received)");
  c->add_option("--id", o.transfer_id, "transfer id, the idempotency key")->required();
  c->add_option("--from", o.from_location, "source location id")->required();
  c->add_option("--to", o.to_location, "destination location id")->required();
  add_sku_lines(c);
  commands.push_back({c, Transfer});

  c = app.add_subcommand("receive-transfer", "A transfer arrived: into the destination's on_hand");
  c->add_option("ID", o.transfer_id, "transfer id")->required();
  commands.push_back({c, ReceiveTransfer});

  c = app.add_subcommand("locations", "List every location of the network");
  commands.push_back({c, Locations});

  c = app.add_subcommand(
      "set-location",
      "Create a location, or change the given fields of one (the others stay as they are)");
  c->add_option("ID", o.location, "location id")->required();
  LocationOptions given;
  given.kind =
      c->add_option("--kind", o.kind, "store, warehouse, ec-dc or pickup-point")
          ->check(CLI::IsMember({"store", "warehouse", "ec-dc", "pickup-point"}, CLI::ignore_case));
  given.name = c->add_option("--name", o.name, "display name");
  given.latitude = c->add_option("--lat", o.latitude, "latitude, WGS84 degrees");
  given.longitude = c->add_option("--lon", o.longitude, "longitude, WGS84 degrees");
  given.capabilities = c->add_option(
      "--capabilities", o.capabilities,
      "pickup,curbside,ship,pos: pickup, curbside, ship from store, walk-in sales at a till (a "
      "store's; pickup alone for a pickup point), or none");
  given.capacity = c->add_option("--capacity", o.capacity,
                                 "online orders a day (0: none at a store, unlimited at a "
                                 "warehouse or EC DC)")
                       ->check(NotNegative());
  given.disabled = c->add_flag("--disable", o.disabled, "take it out of routing and new holds")
                       ->disable_flag_override();
  given.enabled = c->add_flag("--enable", o.enabled, "put it back")
                      ->disable_flag_override()
                      ->excludes(given.disabled);
  given.timezone = c->add_option("--timezone", o.timezone,
                                 "IANA name, e.g. Asia/Tokyo: its day for daily capacity");
  commands.push_back({c, [given](const Client& client, const Options& options) {
                        return SetLocation(client, options, given);
                      }});

  c = app.add_subcommand("health", "SERVING (exit 0) or NOT_SERVING (exit 1): for probes");
  c->add_option("--service", o.health_service,
                "a health name: omnistock.liveness ignores a stalled disk (for liveness probes)");
  commands.push_back({c, Health});

  // plan and route share their options.
  const auto add_plan_options = [&o, &add_sku_lines](CLI::App* command) {
    add_sku_lines(command);
    command->add_option("--to", o.to, "delivery address as LAT,LON, e.g. 35.6581,139.7017");
    command->add_option("--pickup", o.pickup, "the store the customer chose for pickup");
    command->add_option("--preference", o.preference, "delivery, bopis or curbside")
        ->check(CLI::IsMember({"delivery", "bopis", "curbside"}, CLI::ignore_case))
        ->capture_default_str();
    command->add_flag("--fallback", o.fallback, "allow another method than the preferred one");
    command->add_flag("--partial", o.partial, "plan what can be covered when not everything can");
    command->add_option("--max-shipments", o.max_shipments, "at most this many (default 3)");
    command->add_flag("--brief", o.brief,
                      "leave out the candidates a fulfilled plan beat (about twice as fast)");
  };
  c = app.add_subcommand("plan", "Where should an order come from, and how? (changes nothing)");
  add_plan_options(c);
  commands.push_back({c, Plan});

  c = app.add_subcommand("route",
                         "Plan an order and reserve the plan at once (exit 1: nothing reserved)");
  c->add_option("--id", o.reservation_id, "reservation id, the idempotency key")->required();
  c->add_option("--channel", o.channel, "sales channel, e.g. web");
  c->add_option("--ttl", o.ttl, "how long the hold lasts, e.g. 15m or 900s (default: server's)");
  c->add_option("--order-ref", o.order_ref, "the order system's reference");
  add_plan_options(c);
  commands.push_back({c, Route});

  c = app.add_subcommand("routing-config", "The routing cost model and rules in force");
  commands.push_back({c, RoutingConfig});

  c = app.add_subcommand("stock", "Every SKU's position at one location, a page at a time");
  c->add_option("LOCATION", o.location, "location id")->required();
  c->add_option("--after", o.after_sku, "start after this SKU (the last one shown)");
  c->add_option("--limit", o.limit, "at most this many (server default 100, max 1000)");
  commands.push_back({c, Stock});

  c = app.add_subcommand("movements", "The journal of movements, oldest first");
  c->add_option("--sku", o.sku, "only this SKU");
  c->add_option("--location", o.location, "only this location");
  c->add_option("--after", o.after_sequence, "start after this sequence number")
      ->check(NotNegative() & WholeNumber<uint64_t>());
  c->add_option("--limit", o.limit, "at most this many (server default 100, max 1000)");
  commands.push_back({c, Movements});

  c = app.add_subcommand("watch",
                         "Follow availability as it changes (the live feed), until stopped");
  c->add_option("--sku", o.skus, "only this SKU (repeatable; default every SKU)")
      ->allow_extra_args(false);
  c->add_option("--location", o.locations, "only this location (repeatable; default all)")
      ->allow_extra_args(false);
  CLI::Option* after =
      c->add_option("--after", o.after_sequence,
                    "first replay the journal after this sequence (default: live changes only)")
          ->check(NotNegative() & WholeNumber<uint64_t>());
  c->add_option("--count", o.count, "stop after this many updates")
      ->check(WholeNumber<int64_t>() & CLI::Range(int64_t{1}, std::numeric_limits<int64_t>::max()));
  commands.push_back({c, [after, cli](const Client& client, const Options& options) {
                        v1::WatchRequest request;
                        for (const std::string& sku : options.skus) request.add_skus(sku);
                        for (const std::string& location : options.locations) {
                          request.add_location_ids(location);
                        }
                        if (after->count() > 0) {
                          request.set_resume_after_sequence(options.after_sequence);
                        }
                        return client.Watch(request, options.count,
                                            StreamDeadline(cli->get_option("--timeout"), options));
                      }});
  return commands;
}

// The first word of the command line that is neither an option nor the value of --target or
// --timeout given apart from it: the command, if there is one.
std::string FirstWord(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--target" || arg == "--timeout") {
      ++i;
    } else if (!arg.empty() && arg[0] != '-') {
      return arg;
    }
  }
  return std::string();
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  CLI::App app{"omnistock: the command-line client of omnistockd (inventory and reservations)",
               "omnistock"};
  app.footer(
      "Every command also takes --target HOST:PORT, --timeout SECONDS and --json (omnistock "
      "--help).\nExit codes: 0 success, 1 the call failed, 2 usage error.");
  app.add_option("--target", options.target, "omnistockd address HOST:PORT")
      ->envname("OMNISTOCK_TARGET")
      ->capture_default_str();
  app.add_option("--timeout", options.timeout_seconds,
                 "deadline of the call, in seconds (watch, counts, upload-sales: none unless "
                 "given)")
      ->check(CLI::Validator(
          [](const std::string& value) {
            double seconds = 0;
            if (absl::SimpleAtod(value, &seconds) && seconds > 0 && std::isfinite(seconds)) {
              return std::string();
            }
            return absl::StrCat("'", value, "' is not a number of seconds above 0");
          },
          "SECONDS > 0"))
      ->capture_default_str();
  app.add_flag("--json", options.json, "print the response message as JSON instead of a table");
  app.require_subcommand(1);
  app.fallthrough();  // global options may also follow the subcommand
  const std::vector<Command> commands = DefineCommands(app, options);

  try {
    app.parse(argc, argv);
  } catch (const CLI::RequiredError& e) {
    // CLI11 says "A subcommand is required" for a word it does not know as one, too; a known
    // command missing a required option keeps CLI11's message, which names the option.
    const std::string word = FirstWord(argc, argv);
    const bool known = std::any_of(commands.begin(), commands.end(), [&](const Command& command) {
      return command.app->check_name(word);
    });
    if (!word.empty() && !known) {
      return UsageError(absl::StrCat("'", word, "' is not a command; omnistock --help lists them"));
    }
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }

  const Client client(options);
  for (const Command& command : commands) {
    if (command.app->parsed()) return command.run(client, options);
  }
  return kExitUsage;  // not reached: require_subcommand(1)
}
