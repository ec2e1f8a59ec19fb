// An independent reading of the routing rules, for auditing plans: which (location, method)
// pairs may serve an order, how many units of each line each may give, and what a shipment
// costs, re-derived from the rules and the RoutingConfig's figures without the
// engine's fulfilment_rules.h or cost_model.h. The validator, the greedy baseline, the
// feasibility check and the ILP cross-check all stand on it, so a mistake in the engine's
// rules shows up as a disagreement instead of being copied.
#ifndef OMNISTOCK_BENCH_ROUTING_AUDIT_H_
#define OMNISTOCK_BENCH_ROUTING_AUDIT_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/time/time.h"
#include "bench/routing/instance.h"
#include "engine/routing/method.h"
#include "engine/routing/network.h"
#include "engine/routing/plan.h"

namespace omnistock::routing_bench {

struct AuditOption {
  routing::LocationIndex index = 0;
  routing::Method method = routing::Method::kUnspecified;
  double km = 0;                // to the destination (delivery) or the pickup centre (pickup)
  std::vector<Quantity> units;  // per line: what it may give, at most the line's quantity
  bool covers_all = false;
  double fixed = 0;     // per-shipment cost
  double per_unit = 0;  // per-unit cost
  absl::Time delivered;
};

struct AuditCandidates {
  std::vector<AuditOption> pickups;     // in radius, every line in full
  std::vector<AuditOption> deliveries;  // at least one unit of some line
  // The preferred pickup store serves the whole order by the preferred method.
  std::optional<AuditOption> preferred_serves;
};

AuditCandidates DeriveCandidates(const Instance& instance, const routing::PlanRequest& request);

// The safety stock an online order must leave at a position (the rule, re-derived).
Quantity AuditSafetyStock(const Location& location, routing::Method method,
                          const std::optional<Quantity>& override,
                          const routing::RoutingConfig& config);

// Whether any plan within max_shipments covers every unit: exact, by exhaustive search with
// simple bounds; nullopt when the search would take more than `node_budget` nodes.
std::optional<bool> FullPlanExists(const AuditCandidates& candidates,
                                   const routing::PlanRequest& request,
                                   int64_t node_budget = 2'000'000);

// The cost of a shipment of `units` from `option` (the audit's own arithmetic).
double AuditShipmentCost(const AuditOption& option, Quantity units);

}  // namespace omnistock::routing_bench

#endif  // OMNISTOCK_BENCH_ROUTING_AUDIT_H_
