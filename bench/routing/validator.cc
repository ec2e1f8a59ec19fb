#include "bench/routing/validator.h"

#include <cmath>
#include <set>

#include "absl/strings/str_cat.h"

namespace omnistock::routing_bench {

using routing::LocationIndex;
using routing::Method;
using routing::MethodName;
using routing::Plan;
using routing::PlanRequest;
using routing::PlanStatus;
using routing::Shipment;

namespace {

const AuditOption* FindOption(const AuditCandidates& candidates, LocationIndex index,
                              Method method) {
  for (const auto* list : {&candidates.pickups, &candidates.deliveries}) {
    for (const AuditOption& option : *list) {
      if (option.index == index && option.method == method) return &option;
    }
  }
  return nullptr;
}

}  // namespace

Violations ValidatePlan(const Instance& instance, const PlanRequest& request, const Plan& plan,
                        const AuditCandidates& candidates) {
  Violations out;
  auto fail = [&](auto&&... parts) { out.messages.push_back(absl::StrCat(parts...)); };
  const routing::Network& network = *instance.network;
  const routing::RoutingConfig& config = instance.config;
  const int lines = static_cast<int>(request.lines.size());
  Quantity ordered = 0;
  for (const auto& line : request.lines) ordered += line.quantity;

  if (static_cast<int>(plan.shipments.size()) > request.max_shipments) {
    fail("more shipments than max_shipments: ", plan.shipments.size());
  }
  std::vector<Quantity> planned(lines, 0);
  std::set<LocationIndex> seen;
  double cost = 0;
  for (const Shipment& shipment : plan.shipments) {
    const auto index = network.Find(shipment.location_id);
    if (!index) {
      fail("unknown location ", shipment.location_id.value());
      continue;
    }
    if (!seen.insert(*index).second) fail("two shipments from ", shipment.location_id.value());
    const Location& location = network.location(*index);
    const AuditOption* option = FindOption(candidates, *index, shipment.method);
    if (option == nullptr) {
      fail(shipment.location_id.value(), " may not serve by ", MethodName(shipment.method),
           location.disabled ? " (disabled)" : "",
           " (not capable, not allowed, at capacity, out of radius or incomplete)");
      continue;
    }
    Quantity units = 0;
    for (const auto& line : shipment.lines) {
      int at = -1;
      for (int i = 0; i < lines; ++i) {
        if (request.lines[i].sku == line.sku) at = i;
      }
      if (at < 0) {
        fail("shipment line for a SKU not in the order: ", line.sku.value());
        continue;
      }
      if (line.quantity < 1) fail("shipment line of ", line.quantity, " units");
      if (line.quantity > option->units[at]) {
        fail(shipment.location_id.value(), " ships ", line.quantity, " of ", line.sku.value(),
             ", more than on_hand - reserved - safety stock allows (", option->units[at], ")");
      }
      planned[at] += line.quantity;
      units += line.quantity;
    }
    cost += option->fixed + option->per_unit * static_cast<double>(units);
    const bool pickup = shipment.method == Method::kBopis || shipment.method == Method::kCurbside;
    if (pickup) {
      if (plan.shipments.size() != 1) fail("a pickup is split");
      if (option->km > config.pickup_radius_km) fail("pickup beyond the radius");
    }
  }
  for (int i = 0; i < lines; ++i) {
    if (planned[i] > request.lines[i].quantity) fail("line ", i, " over-planned");
  }
  if (!plan.shipments.empty()) {
    cost += config.split_penalty * static_cast<double>(plan.shipments.size() - 1);
    if (std::abs(cost - plan.totals.cost) > 1e-6 * std::max(1.0, cost)) {
      fail("totals.cost ", plan.totals.cost, " but the shipments cost ", cost);
    }
  }
  if (candidates.preferred_serves.has_value() &&
      (plan.shipments.size() != 1 ||
       network.Find(plan.shipments[0].location_id) != candidates.preferred_serves->index ||
       plan.shipments[0].method != candidates.preferred_serves->method)) {
    fail("the preferred pickup store can serve the order but was not planned");
  }

  Quantity units = 0;
  for (Quantity q : planned) units += q;
  switch (plan.status) {
    case PlanStatus::kFulfilled:
      for (int i = 0; i < lines; ++i) {
        if (planned[i] != request.lines[i].quantity) fail("FULFILLED but line ", i, " is short");
      }
      break;
    case PlanStatus::kPartial:
    case PlanStatus::kRejected: {
      if (plan.status == PlanStatus::kPartial) {
        if (!request.allow_partial) fail("PARTIAL without allow_partial");
        if (units == 0 || units >= ordered) fail("PARTIAL with ", units, " of ", ordered, " units");
      } else {
        if (!plan.shipments.empty()) fail("REJECTED with shipments");
        if (request.allow_partial && !candidates.deliveries.empty()) {
          fail("false reject: partial plan possible");
        }
      }
      const std::optional<bool> exists = FullPlanExists(candidates, request);
      if (!exists.has_value()) {
        out.feasibility_unknown = true;
      } else if (*exists) {
        fail("false reject: a full plan exists but the plan is ",
             routing::PlanStatusName(plan.status));
      }
      break;
    }
  }
  return out;
}

}  // namespace omnistock::routing_bench
