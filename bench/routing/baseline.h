// The greedy baseline a planner should beat: what a simple order router does. Each line, in
// order, is taken from the nearest location that has units of it (then the next nearest for
// what is left); a pickup goes to the nearest store that has everything. It keeps the hard
// rules (it picks only among the AuditCandidates) but ignores cost, so it splits more and
// costs more than the optimum. Priced with the same cost model.
#ifndef OMNISTOCK_BENCH_ROUTING_BASELINE_H_
#define OMNISTOCK_BENCH_ROUTING_BASELINE_H_

#include "bench/routing/audit.h"
#include "engine/routing/plan.h"

namespace omnistock::routing_bench {

struct BaselinePlan {
  bool fulfilled = false;
  int shipments = 0;
  double cost = 0;
};

BaselinePlan GreedyNearest(const routing::RoutingConfig& config,
                           const routing::PlanRequest& request, const AuditCandidates& candidates);

}  // namespace omnistock::routing_bench

#endif  // OMNISTOCK_BENCH_ROUTING_BASELINE_H_
