#include "services/cli/output.h"

#include <algorithm>
#include <cstdint>

#include "absl/status/status.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/duration.pb.h"
#include "google/protobuf/text_format.h"
#include "google/protobuf/util/json_util.h"

namespace omnistock::cli {
namespace {

std::string Signed(int64_t value) { return value == 0 ? "0" : absl::StrFormat("%+d", value); }

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

// Reservations a sale, a return or a count left uncovered, if any; `truncated`: more were
// than the server listed.
void PrintAtRisk(const google::protobuf::RepeatedPtrField<v1::AtRiskReservation>& at_risk,
                 bool truncated = false, std::ostream& out = std::cout) {
  if (at_risk.empty()) return;
  out << "\nreservations at risk (their stock is no longer on hand)"
      << (truncated ? absl::StrCat(", the first ", at_risk.size(), "; more were put at risk") : "")
      << ":\n";
  std::vector<Row> rows = {{"RESERVATION", "SKU", "LOCATION"}};
  for (const v1::AtRiskReservation& r : at_risk) {
    rows.push_back({r.reservation_id(), r.sku(), r.location_id()});
  }
  PrintTable(rows, out);
}

}  // namespace

int UsageError(const std::string& message) {
  std::cerr << "error: " << message << '\n';
  return kExitUsage;
}

void PrintTable(const std::vector<Row>& rows, std::ostream& out) {
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
  if (transfer.duplicate()) std::cout << "duplicate: done before, nothing changed\n";
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
  // Once received, what arrived beside what was shipped (received_lines follows lines' order).
  const bool received = transfer.received_lines_size() == transfer.lines_size();
  std::vector<Row> lines = {{"SKU", "QUANTITY"}};
  if (received) lines[0].push_back("RECEIVED");
  for (int i = 0; i < transfer.lines_size(); ++i) {
    lines.push_back({transfer.lines(i).sku(), absl::StrCat(transfer.lines(i).quantity())});
    if (received) lines.back().push_back(absl::StrCat(transfer.received_lines(i).quantity()));
  }
  PrintTable(lines);
}

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
  PrintAtRisk(summary.at_risk(), summary.at_risk_truncated());
}

void PrintCountsSummary(const v1::SyncCountsSummary& summary, std::ostream& out) {
  PrintTable({{"batches", absl::StrCat(summary.batches())},
              {"rows_applied", absl::StrCat(summary.rows_applied())},
              {"rows_stale", absl::StrCat(summary.rows_stale())},
              {"rows_unknown", absl::StrCat(summary.rows_unknown())},
              {"rows_over_limit", absl::StrCat(summary.rows_over_limit())},
              {"rows_holding_no_stock", absl::StrCat(summary.rows_holding_no_stock())},
              {"rows_unreconciled", absl::StrCat(summary.rows_unreconciled())},
              {"total_absolute_discrepancy", absl::StrCat(summary.total_absolute_discrepancy())}},
             out);
  PrintAtRisk(summary.at_risk(), summary.at_risk_truncated(), out);
}

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

int ReportError(const grpc::Status& status, const std::string& target, bool reached, bool json) {
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

  // Details (gRPC's rich error model): the lines a reserve could not cover; what the count
  // batches before a refused one did.
  if (const std::optional<v1::ReserveShortfall> shortfall =
          StatusDetail<v1::ReserveShortfall>(status)) {
    if (json) {
      PrintJson(*shortfall);
    } else {
      std::vector<Row> rows = {{"SKU", "LOCATION", "REQUESTED", "AVAILABLE"}};
      for (const v1::ShortLine& line : shortfall->short_lines()) {
        rows.push_back({line.sku(), line.location_id(), absl::StrCat(line.requested()),
                        absl::StrCat(line.available())});
      }
      PrintTable(rows, std::cerr);
    }
  }
  if (const std::optional<v1::SyncCountsSummary> counted =
          StatusDetail<v1::SyncCountsSummary>(status)) {
    if (json) {
      PrintJson(*counted);
    } else {
      std::cerr << "the batches before it were applied:\n";
      PrintCountsSummary(*counted, std::cerr);
    }
  }
  return kExitRpcError;
}

void PrintPlan(const v1::PlanResponse& plan) {
  std::cout << "plan " << v1::PlanStatus_Name(plan.status()) << ": "
            << (plan.status() == v1::PLAN_REJECTED
                    ? std::string(plan.rejected().empty()
                                      ? "nothing can be planned: no location is a candidate "
                                        "(none holds any of the order's SKUs, nor, for a "
                                        "pickup, is a store within the radius)"
                                      : "nothing can be planned: the candidates below say why")
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

}  // namespace omnistock::cli
