// The ILP cross-check: the order's routing problem written as a mixed-integer program in CPLEX
// LP format and solved by GLPK's glpsol (Debian: glpk-utils). Built on the AuditCandidates, so
// it shares nothing with the planner but the geometry.
//
//   min  sum_k (F_k + split) y_k + sum_k,i c_k x_ki + sum_p (P_p + split) z_p  - split
//   s.t. sum_k x_ki + sum_p q_i z_p = q_i          every line i in full
//        x_ki <= u_ki y_k                            only from a used location, within stock
//        sum_k y_k <= max_shipments
//        y_k + sum_p z_p <= 1, sum_p z_p <= 1        a pickup is the whole plan
//        y, z binary; x integer
// For full plans only (no preferred store, no partial): that is what the evaluator sends it.
#ifndef OMNISTOCK_BENCH_ROUTING_ILP_CHECK_H_
#define OMNISTOCK_BENCH_ROUTING_ILP_CHECK_H_

#include <string>

#include "bench/routing/audit.h"
#include "engine/routing/plan.h"
#include "engine/routing/routing_config.h"

namespace omnistock::routing_bench {

struct IlpOutcome {
  bool solved = false;  // glpsol ran and reported a status we understand
  bool feasible = false;
  double objective = 0;
  std::string error;
};

bool GlpsolAvailable();

// `scratch_prefix`: a path prefix for the model and solution files (e.g. /tmp/routing-ilp-1).
IlpOutcome SolveIlp(const routing::RoutingConfig& config, const routing::PlanRequest& request,
                    const AuditCandidates& candidates, const std::string& scratch_prefix);

}  // namespace omnistock::routing_bench

#endif  // OMNISTOCK_BENCH_ROUTING_ILP_CHECK_H_
