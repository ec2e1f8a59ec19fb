// The brute-force reference planner: the answer the Planner must give, by the plainest means.
// It scans every location of the network (no spatial index), prices every usable pickup, and
// enumerates every set of at most max_shipments usable delivery candidates with no bound and
// no pruning, filling each set canonically (cheapest unit cost first, ties by location id);
// a set in which a member ships nothing is not a plan with that many shipments and is skipped.
// The best plan under PlanRank wins.
//
// Exponential in max_shipments: for tests and the evaluator on small networks only. It fills
// status, shipments and totals of the Plan; it does not explain rejected candidates.
//
// Pure; thread-safe.
#ifndef OMNISTOCK_ENGINE_ROUTING_BRUTE_FORCE_H_
#define OMNISTOCK_ENGINE_ROUTING_BRUTE_FORCE_H_

#include <cstdint>
#include <memory>
#include <span>

#include "absl/status/statusor.h"
#include "engine/routing/network.h"
#include "engine/routing/plan.h"
#include "engine/routing/routing_config.h"
#include "engine/routing/stock_snapshot.h"

namespace omnistock::routing {

absl::StatusOr<Plan> BruteForcePlan(const std::shared_ptr<const Network>& network,
                                    const RoutingConfig& config, const StockSnapshot& stock,
                                    std::span<const int64_t> orders_today,
                                    const PlanRequest& request);

}  // namespace omnistock::routing

#endif  // OMNISTOCK_ENGINE_ROUTING_BRUTE_FORCE_H_
