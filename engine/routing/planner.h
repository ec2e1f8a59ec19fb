// The Planner chooses where an order is fulfilled from: the cheapest plan under the cost model
// (cost_model.h) that keeps every hard rule (fulfilment_rules.h), with ties broken by PlanRank.
// It is exact: the plan it returns is the one a brute-force enumeration of every candidate set
// (brute_force.h) returns, found with bounds instead of enumeration.
//
// Candidates. A candidate is one method of one location. The planner looks only at the
// locations that hold a position of one of the order's SKUs (the snapshot's rows) and, for
// pickup, the stores the network's spatial grid finds within the pickup radius of the pickup
// centre; it never scans the whole network. Each is either usable or rejected with a reason
// (plan.h, RejectReason).
//
// Pickup. A pickup is never split: one store, every line in full. Its cost does not depend on
// anything but the store, so every usable pickup candidate is priced and the best kept. A
// preferred pickup store that can serve the whole order by the preferred pickup method is
// the plan, with nothing else considered; otherwise the search is centred on it.
//
// Delivery, and why the search is exact. Fix a set S of delivery candidates. Each candidate l
// has a fixed cost F_l and a per-unit cost c_l that does not depend on the SKU, and the lines
// are independent given S, so the cheapest allocation fills every line from the members of S
// in ascending c_l (ties by location id) up to what each may give: a fractional knapsack per
// line, which greedy solves exactly, and integrally. The cost of S is then
//   sum F_l + split_penalty * (|S| - 1) + sum over lines of that greedy fill.
// A set in which some member ships nothing is never needed: the same set without it costs no
// more and has fewer shipments. So the optimum is the best set, of at most max_shipments
// members, that covers every unit and in which every member ships.
//
// The search enumerates those sets in ascending (c_l, id) order, depth first: the members
// already chosen fill first, so each new member's fill is final when it is added (cost is
// exact and incremental), and a new member is only worth adding when it holds a line that
// the members before it leave short. Children are therefore drawn only from the holders of the
// short lines, merged in order. At each step, for the rest of the candidates from the current
// one on, it knows per line the cheapest per-unit cost (the first holder: they are sorted), the
// units still held (suffix sums) and the cheapest fixed cost (suffix minima), which give
//   feasibility:  every short line's remaining holders must hold its shortfall, and
//   a lower bound: cost so far + split penalty + the largest, over short lines, of the cheapest
//                  fixed cost among their holders + sum of shortfall x cheapest per-unit cost;
// both only worsen as the step advances, so the loop stops at the first step that fails
// either against the best plan found so far (a pickup, or the best single location, to
// start). At the last member a set may take, only candidates that cover every short line
// alone qualify, so only the holders of the rarest short line are walked. Nothing cut off can
// beat or tie the incumbent, so the result is the optimum.
//
// Pricing only what can matter. Computing a candidate's exact unit cost needs its haversine
// distance; before that, every usable candidate has an exact fixed cost and a unit cost bound
// (its unit cost at distance zero). Any full plan through candidate l costs at least
//   F_l + sum over lines of q_i x the cheapest unit bound among line i's holders
//       (+ split penalty + the cheapest other fixed cost, when l cannot cover alone),
// so once an incumbent exists (a pickup, the best covering location, or failing both a greedy
// cover) only the candidates whose bound does not exceed it are priced and searched; the
// others can neither beat nor tie it. Their bound is what a DOMINATED reason reports.
//
// Hubs first (PlanRequest::explain = false). Without an explanation to give, the planner
// first reads only the hubs (warehouses, the DC) and the pickup stores near the centre. Any
// plan with another store ships from it by ship-from-store, so it costs at least
//   min(store fixed + Q x store unit bound                       (that store alone),
//       store fixed + cheapest fixed + split + Q x cheapest unit bound  (with others));
// when that exceeds the best plan found, it is the optimum and the thousands of store
// positions of popular SKUs are never looked at beyond their location. Otherwise (and for an order
// that cannot be fulfilled, which is always explained) the planner reads everything.
//
// Partial. With allow_partial and no full plan, the same enumeration maximises units planned,
// then cost (delivery only: a pickup is never partial), bounded by the units still held.
//
// Thread-safety: a Planner reuses its buffers between calls, so use one per thread. The inputs
// are only read.
#ifndef OMNISTOCK_ENGINE_ROUTING_PLANNER_H_
#define OMNISTOCK_ENGINE_ROUTING_PLANNER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "engine/routing/network.h"
#include "engine/routing/plan.h"
#include "engine/routing/routing_config.h"
#include "engine/routing/stock_snapshot.h"

namespace omnistock::routing {

class Planner {
 public:
  Planner() = default;
  Planner(const Planner&) = delete;
  Planner& operator=(const Planner&) = delete;

  // Plans `request` against `stock` and the day's order counts (`orders_today[i]` >= 0 for the
  // location of index i, 0 past its end). `stock` must be indexed by `network` (rows name its
  // LocationIndex values; checked) and hold no negative safety-stock override. Fails only on an
  // invalid config or request (see ValidatePlanRequest); an order that cannot be served is a
  // REJECTED plan, not an error.
  absl::StatusOr<Plan> PlanOrder(const std::shared_ptr<const Network>& network,
                                 const RoutingConfig& config, const StockSnapshot& stock,
                                 std::span<const int64_t> orders_today, const PlanRequest& request);

  // Planning without explanations in two steps, for a caller whose stock is costly to read
  // (the ledger copies it under locks). FirstReads names the locations the hubs-first pass
  // reads: the hubs, the pickup stores near the centre, the preferred store (empty when the
  // request explains). PlanFromFirstReads, given a snapshot holding at least their rows, returns
  // the plan when they settle it (the plan PlanOrder returns with every row) and std::nullopt
  // when the order needs every row: then PlanOrder with all of them.
  absl::StatusOr<std::vector<LocationIndex>> FirstReads(
      const std::shared_ptr<const Network>& network, const RoutingConfig& config,
      const PlanRequest& request);
  absl::StatusOr<std::optional<Plan>> PlanFromFirstReads(
      const std::shared_ptr<const Network>& network, const RoutingConfig& config,
      const StockSnapshot& stock, std::span<const int64_t> orders_today,
      const PlanRequest& request);

  struct Scratch;  // defined in planner.cc

 private:
  std::shared_ptr<Scratch> scratch_;
};

// One-off planning with a fresh Planner.
absl::StatusOr<Plan> PlanOrder(const std::shared_ptr<const Network>& network,
                               const RoutingConfig& config, const StockSnapshot& stock,
                               std::span<const int64_t> orders_today, const PlanRequest& request);

}  // namespace omnistock::routing

#endif  // OMNISTOCK_ENGINE_ROUTING_PLANNER_H_
