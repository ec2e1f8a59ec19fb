#include "services/fulfillment_service.h"

#include <span>
#include <string>

#include "engine/check.h"
#include "google/protobuf/util/time_util.h"
#include "services/convert.h"
#include "services/validation.h"

namespace omnistock::services {
namespace {

using google::protobuf::util::TimeUtil;

v1::FulfillmentMethod ToProto(routing::Method method) {
  switch (method) {
    case routing::Method::kDeliveryParcel:
      return v1::DELIVERY_PARCEL;
    case routing::Method::kShipFromStore:
      return v1::SHIP_FROM_STORE;
    case routing::Method::kBopis:
      return v1::BOPIS_PICKUP;
    case routing::Method::kCurbside:
      return v1::CURBSIDE_PICKUP;
    case routing::Method::kUnspecified:
      break;
  }
  return v1::FULFILLMENT_METHOD_UNSPECIFIED;
}

// Values match omnistock.v1 (see plan.h and fulfillment.proto).
v1::PlanStatus ToProto(routing::PlanStatus status) { return static_cast<v1::PlanStatus>(status); }
v1::RejectReason ToProto(routing::RejectReason reason) {
  return static_cast<v1::RejectReason>(reason);
}
v1::LocationKind ToProto(LocationKind kind) { return static_cast<v1::LocationKind>(kind); }

void ToProto(absl::Duration duration, google::protobuf::Duration* out) {
  *out = TimeUtil::NanosecondsToDuration(absl::ToInt64Nanoseconds(duration));
}

}  // namespace

void ToProto(const routing::Plan& plan, const std::vector<routing::OrderLine>& lines,
             v1::PlanResponse* out) {
  out->set_status(ToProto(plan.status));
  for (const routing::Shipment& s : plan.shipments) {
    v1::Shipment* shipment = out->add_shipments();
    shipment->set_location_id(s.location_id.value());
    shipment->set_location_kind(ToProto(s.location_kind));
    shipment->set_method(ToProto(s.method));
    for (const routing::ShipmentLine& line : s.lines) {
      v1::OrderLine* out_line = shipment->add_lines();
      out_line->set_sku(line.sku.value());
      out_line->set_quantity(line.quantity);
    }
    shipment->set_distance_km(s.distance_km);
    ToProto(s.ready_at, shipment->mutable_ready_at());
    ToProto(s.estimated_delivery, shipment->mutable_estimated_delivery());
    v1::CostBreakdown* cost = shipment->mutable_cost();
    cost->set_carrier_base(s.cost.carrier_base);
    cost->set_handling(s.cost.handling);
    cost->set_picking(s.cost.picking);
    cost->set_carrier_units(s.cost.carrier_units);
    cost->set_carrier_distance(s.cost.carrier_distance);
    cost->set_pickup_distance(s.cost.pickup_distance);
    cost->set_capacity_balancing(s.cost.capacity_balancing);
    cost->set_method_fallback(s.cost.method_fallback);
    cost->set_total(s.cost_total);
  }
  v1::PlanTotals* totals = out->mutable_totals();
  totals->set_cost(plan.totals.cost);
  totals->set_shipments(plan.totals.shipments);
  totals->set_is_split(plan.totals.is_split);
  totals->set_preference_honoured(plan.totals.preference_honoured);
  totals->set_split_penalty(plan.totals.split_penalty);
  totals->set_units(plan.totals.units);
  totals->set_units_ordered(plan.totals.units_ordered);
  if (!plan.shipments.empty()) {
    ToProto(plan.totals.estimated_delivery, totals->mutable_estimated_delivery());
  }
  for (const routing::RejectedCandidate& r : plan.rejected) {
    v1::RejectedCandidate* rejected = out->add_rejected();
    const Location& location = plan.LocationOf(r);
    rejected->set_location_id(location.id.value());
    rejected->set_location_kind(ToProto(location.kind));
    rejected->set_method(ToProto(r.method));
    rejected->set_reason(ToProto(r.reason));
    rejected->set_distance_km(r.distance_km);
    rejected->set_orders_today(r.orders_today);
    rejected->set_daily_capacity(r.daily_capacity);
    rejected->set_cost(r.cost);
    if (r.reason == routing::RejectReason::kDominated) {
      rejected->set_winner_cost(plan.totals.cost);
    }
    for (const routing::LineStock& stock : plan.LinesOf(r)) {
      v1::LineStock* line = rejected->add_lines();
      const std::string& sku = lines[static_cast<size_t>(stock.line)].sku.value();
      line->set_sku(sku);
      line->set_needed(stock.needed);
      line->set_on_hand(stock.on_hand);
      line->set_reserved(stock.reserved);
      line->set_safety_stock(stock.safety_stock);
      if (r.reason == routing::RejectReason::kPickupIncomplete &&
          stock.available() < stock.needed) {
        rejected->add_missing_skus(sku);
      }
    }
  }
  out->set_config_version(plan.config_version);
  out->set_network_version(plan.network_version);
}

// Field by field from routing_config.h's lists of settings, whose names are the message's.
void ToProto(const routing::RoutingConfig& c, v1::RoutingConfig* out) {
  const google::protobuf::Descriptor* descriptor = out->GetDescriptor();
  const google::protobuf::Reflection* reflection = out->GetReflection();
  auto field = [descriptor](absl::string_view name) {
    const google::protobuf::FieldDescriptor* found = descriptor->FindFieldByName(std::string(name));
    OMNISTOCK_CHECK(found != nullptr);
    return found;
  };
  using Doubles = std::span<const routing::RoutingSetting<double>>;
  for (const Doubles settings :
       {Doubles(routing::kRoutingCostTerms), Doubles(routing::kRoutingDistances)}) {
    for (const auto& [name, member] : settings) reflection->SetDouble(out, field(name), c.*member);
  }
  for (const auto& [name, member] : routing::kRoutingSafetyStocks) {
    reflection->SetInt64(out, field(name), c.*member);
  }
  for (const auto& [name, member] : routing::kRoutingLeadTimes) {
    ToProto(c.*member,
            static_cast<google::protobuf::Duration*>(reflection->MutableMessage(out, field(name))));
  }
  for (const auto& [name, member] : routing::kRoutingNames) {
    reflection->SetString(out, field(name), c.*member);
  }
}

grpc::ServerUnaryReactor* FulfillmentService::Plan(grpc::CallbackServerContext* context,
                                                   const v1::PlanRequest* request,
                                                   v1::PlanResponse* response) {
  TransientIds ids;
  absl::StatusOr<routing::PlanRequest> plan_request = ValidatePlan(*request, *ctx_.ledger, ids);
  if (!plan_request.ok()) return AnswerNow(context, ToGrpc(plan_request.status()));
  absl::StatusOr<routing::Plan> plan = ctx_.ledger->Plan(*plan_request, ctx_.clock->Now());
  if (!plan.ok()) return AnswerNow(context, ToGrpc(plan.status()));
  ToProto(*plan, plan_request->lines, response);
  return AnswerNow(context, grpc::Status::OK);
}

grpc::ServerUnaryReactor* FulfillmentService::RouteAndReserve(
    grpc::CallbackServerContext* context, const v1::RouteAndReserveRequest* request,
    v1::RouteAndReserveResponse* response) {
  if (grpc::ServerUnaryReactor* refused = RefuseUnlessStorageAdmits(context, ctx_)) return refused;
  TransientIds ids;
  absl::StatusOr<RouteCommand> command = ValidateRouteAndReserve(*request, *ctx_.ledger, ids);
  if (!command.ok()) return AnswerNow(context, ToGrpc(command.status()));
  absl::StatusOr<Routed> routed = ctx_.ledger->RouteAndReserve(*command, ctx_.clock->Now());
  if (!routed.ok()) return AnswerNow(context, ToGrpc(routed.status()));
  response->set_attempts(routed->attempts);
  if (routed->attempts > 0) ToProto(routed->plan, command->plan.lines, response->mutable_plan());
  if (!routed->held) return AnswerNow(context, grpc::Status::OK);  // REJECTED: nothing held
  return Answer(context, ctx_, *std::move(routed->held),
                [&](const Reservation& value) { ToProto(value, response->mutable_reservation()); });
}

grpc::ServerUnaryReactor* FulfillmentService::GetRoutingConfig(grpc::CallbackServerContext* context,
                                                               const v1::GetRoutingConfigRequest*,
                                                               v1::RoutingConfig* response) {
  ToProto(ctx_.ledger->routing_config(), response);
  return AnswerNow(context, grpc::Status::OK);
}

}  // namespace omnistock::services
