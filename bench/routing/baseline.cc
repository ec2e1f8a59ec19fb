#include "bench/routing/baseline.h"

#include <algorithm>
#include <vector>

#include "engine/routing/method.h"

namespace omnistock::routing_bench {

using routing::Method;
using routing::PlanRequest;

namespace {

bool Nearer(const AuditOption* a, const AuditOption* b) {
  return a->km != b->km ? a->km < b->km : a->index < b->index;
}

std::optional<BaselinePlan> NearestPickup(const PlanRequest& request,
                                          const AuditCandidates& candidates, bool preferred_only) {
  const AuditOption* best = nullptr;
  for (const AuditOption& option : candidates.pickups) {
    if (preferred_only && !routing::Honours(request.preference, option.method)) continue;
    if (best == nullptr || Nearer(&option, best)) best = &option;
  }
  if (best == nullptr) return std::nullopt;
  Quantity units = 0;
  for (const auto& line : request.lines) units += line.quantity;
  return BaselinePlan{true, 1, AuditShipmentCost(*best, units)};
}

std::optional<BaselinePlan> GreedyDelivery(const routing::RoutingConfig& config,
                                           const PlanRequest& request,
                                           const AuditCandidates& candidates) {
  std::vector<const AuditOption*> order;
  for (const AuditOption& option : candidates.deliveries) order.push_back(&option);
  if (order.empty()) return std::nullopt;
  std::sort(order.begin(), order.end(), Nearer);
  std::vector<Quantity> shipped(order.size(), 0);
  for (size_t line = 0; line < request.lines.size(); ++line) {
    Quantity left = request.lines[line].quantity;
    for (size_t k = 0; k < order.size() && left > 0; ++k) {
      const Quantity take = std::min(left, order[k]->units[line]);
      shipped[k] += take;
      left -= take;
    }
    if (left > 0) return std::nullopt;
  }
  BaselinePlan plan{true, 0, 0};
  for (size_t k = 0; k < order.size(); ++k) {
    if (shipped[k] == 0) continue;
    ++plan.shipments;
    plan.cost += AuditShipmentCost(*order[k], shipped[k]);
  }
  if (plan.shipments > request.max_shipments) return std::nullopt;
  plan.cost += config.split_penalty * (plan.shipments - 1);
  return plan;
}

}  // namespace

BaselinePlan GreedyNearest(const routing::RoutingConfig& config, const PlanRequest& request,
                           const AuditCandidates& candidates) {
  if (candidates.preferred_serves.has_value()) {
    Quantity units = 0;
    for (const auto& line : request.lines) units += line.quantity;
    return BaselinePlan{true, 1, AuditShipmentCost(*candidates.preferred_serves, units)};
  }
  std::optional<BaselinePlan> plan;
  if (request.preference == routing::Preference::kDelivery) {
    plan = GreedyDelivery(config, request, candidates);
    if (!plan) plan = NearestPickup(request, candidates, /*preferred_only=*/false);
  } else {
    plan = NearestPickup(request, candidates, /*preferred_only=*/true);
    if (!plan) plan = GreedyDelivery(config, request, candidates);
    if (!plan) plan = NearestPickup(request, candidates, /*preferred_only=*/false);
  }
  return plan.value_or(BaselinePlan{});
}

}  // namespace omnistock::routing_bench
