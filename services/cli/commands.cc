#include "services/cli/commands.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/clock.h"
#include "engine/limits.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "omnistock/v1/fulfillment.grpc.pb.h"
#include "omnistock/v1/inventory.grpc.pb.h"
#include "omnistock/v1/network.grpc.pb.h"
#include "omnistock/v1/store_sales.grpc.pb.h"
#include "omnistock/v1/warehouse.grpc.pb.h"
#include "services/cli/input.h"
#include "services/cli/output.h"

namespace omnistock::cli {
namespace {

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

// Why the server did not apply a count row, as the CLI says it.
std::string NotAppliedWhy(v1::CountRowNotApplied::Reason reason) {
  switch (reason) {
    case v1::CountRowNotApplied::UNKNOWN_LOCATION:
      return "a location the server does not know";
    case v1::CountRowNotApplied::OVER_LIMIT:
      return absl::StrCat("with the changes since, on_hand would pass its limit of ",
                          omnistock::kOnHandMax);
    case v1::CountRowNotApplied::HOLDS_NO_STOCK:
      return "would raise stock at a pickup point, which holds none";
    case v1::CountRowNotApplied::UNRECONCILED:
      return absl::StrCat("counted before the ", omnistock::kOnHandHistoryMax,
                          " on_hand changes its position keeps: count it again");
    default:
      return "not applied";
  }
}

// On stderr, the rows `summary` did not apply, each with its line in `file` (the counts in
// the summary when it lists none: an older server). Returns how many there were.
int64_t PrintNotApplied(const v1::SyncCountsSummary& summary,
                        const FileRows<v1::CountBatch>& file) {
  const int64_t not_applied = summary.rows_unknown() + summary.rows_over_limit() +
                              summary.rows_holding_no_stock() + summary.rows_unreconciled();
  if (not_applied == 0) return 0;
  if (summary.rows_not_applied().empty()) {
    std::cerr << not_applied
              << " rows were not applied (at a location the server does not know, past the "
                 "on_hand limit, raising stock at a pickup point, or counted before the "
              << omnistock::kOnHandHistoryMax << " changes their position keeps)\n";
    return not_applied;
  }
  std::cerr << not_applied << " rows were not applied"
            << (summary.rows_not_applied_truncated()
                    ? absl::StrCat(" (the first ", summary.rows_not_applied_size(), " below)")
                    : "")
            << ":\n";
  for (const v1::CountRowNotApplied& row : summary.rows_not_applied()) {
    const size_t index = row.batch() * omnistock::kCountRowsPerBatchMax + row.row();
    std::cerr << "  line " << (index < file.line_of.size() ? file.line_of[index] : 0) << " "
              << row.location_id() << "," << row.sku() << ": " << NotAppliedWhy(row.reason())
              << '\n';
  }
  return not_applied;
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

}  // namespace

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

int OnReservation(const Client& client, const Options& o, ReservationRpc rpc) {
  v1::ReservationRef request;
  request.set_reservation_id(o.reservation_id);
  return client.Call(rpc, request, PrintReservation);
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
        // A replay has no plan: its reservation alone, with no blank line before it.
        if (response.has_plan()) {
          PrintPlan(response.plan());
          std::cout << "\n";
        }
        if (response.has_reservation()) {
          PrintReservation(response.reservation());
        } else {
          std::cout << "nothing reserved\n";
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

int Counts(const Client& client, const Options& o, std::optional<absl::Duration> deadline) {
  // Rows without a date: by default the time the file was last written, so that the same file
  // sent again (a retry after a timeout) is stale at the server instead of a new count taking
  // the sales since off again. Standard input has no such time: now. To the microsecond as the
  // server keeps times (protobuf's TimeUtil::GetCurrentTime() is whole seconds here, which
  // would date the count before changes made in the same second).
  absl::Time default_at = absl::Now();
  std::string default_is = "now";
  if (struct stat written; o.at.empty() && o.file != "-" && ::stat(o.file.c_str(), &written) == 0) {
    default_at = absl::TimeFromTimespec(written.st_mtim);
    default_is = absl::StrCat("when ", o.file, " was last written");
  }
  google::protobuf::Timestamp counted_at =
      TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(default_at));
  std::vector<std::string> lines;
  FileRows<v1::CountBatch> file;
  size_t undated = 0;
  if (std::string error;
      (!o.at.empty() && (!ParseTimestamp(o.at, "--counted-at", counted_at, error) ||
                         !(error = ClockFault("--counted-at", counted_at, absl::Now())).empty())) ||
      !ReadLines(o.file, lines, error) ||
      !CountBatchesOf(lines, counted_at, file, undated, error)) {
    return UsageError(error);
  }
  // The default date only matters for the rows that take it (a copy keeps its source's time).
  if (undated > 0 && o.at.empty()) {
    if (std::string fault = ClockFault(absl::StrCat(undated,
                                                    " rows without a COUNTED_AT are "
                                                    "dated ",
                                                    default_is, ", which"),
                                       counted_at, absl::Now());
        !fault.empty()) {
      return UsageError(absl::StrCat(fault, ": give the time they were counted, --counted-at"));
    }
    std::cerr << undated << " rows without a COUNTED_AT are dated " << default_is << ", "
              << TimeUtil::ToString(counted_at) << " (--counted-at gives another time)\n";
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
    // The batches before it: their rows not applied, as the status's details list them.
    if (const std::optional<v1::SyncCountsSummary> before =
            StatusDetail<v1::SyncCountsSummary>(status)) {
      PrintNotApplied(*before, file);
    }
    return code;
  }
  if (const int shown =
          client.Show(summary, [](const v1::SyncCountsSummary& s) { PrintCountsSummary(s); });
      shown != kExitOk) {
    return shown;
  }
  return PrintNotApplied(summary, file) == 0 ? kExitOk : kExitRpcError;
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
  if (std::string error;
      !AddSkuLines(o.order_lines, *request.mutable_received_lines(), error, /*least=*/0)) {
    return UsageError(error);
  }
  return client.Call(&v1::Warehouse::Stub::ReceiveTransfer, request, PrintTransfer);
}

int RoutingConfig(const Client& client, const Options&) {
  return client.Call(&v1::Fulfillment::Stub::GetRoutingConfig, v1::GetRoutingConfigRequest(),
                     PrintRoutingConfig);
}

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
  // A known location is changed by the fields given alone (update_mask), so that a concurrent
  // change of others is kept; the whole location is sent too, as an older server, which knows
  // no mask, replaces it.
  google::protobuf::FieldMask* mask =
      known != listed.locations().end() ? request.mutable_update_mask() : nullptr;
  auto changed = [mask](CLI::Option* option, const char* path) {
    const bool given = option->count() > 0;
    if (given && mask != nullptr) mask->add_paths(path);
    return given;
  };
  if (changed(given.kind, "kind")) {
    location.set_kind(EnumOf(o.kind, &v1::LocationKind_Parse, v1::LOCATION_KIND_UNSPECIFIED));
  }
  if (changed(given.name, "name")) location.set_name(o.name);
  if (changed(given.latitude, "latitude")) location.set_latitude(o.latitude);
  if (changed(given.longitude, "longitude")) location.set_longitude(o.longitude);
  if (changed(given.capabilities, "capabilities")) {
    *location.mutable_capabilities() = capabilities;
  }
  if (changed(given.capacity, "daily_capacity")) location.set_daily_capacity(o.capacity);
  if (changed(given.disabled, "disabled")) location.set_disabled(true);
  if (changed(given.enabled, "disabled")) location.set_disabled(false);
  if (changed(given.timezone, "timezone")) location.set_timezone(o.timezone);
  if (mask != nullptr && mask->paths().empty()) request.clear_update_mask();  // none given
  return client.Call(&v1::Network::Stub::UpsertLocation, request, [](const v1::Location& saved) {
    v1::ListLocationsResponse one;
    *one.add_locations() = saved;
    PrintLocations(one);
  });
}

}  // namespace omnistock::cli
