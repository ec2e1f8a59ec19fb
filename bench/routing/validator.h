// The hard-rule audit of a plan: every rule of issue 4 that a plan must never break, checked
// against the independent AuditCandidates (audit.h) rather than the planner's own reasoning.
// A false reject (REJECTED or PARTIAL while a full plan exists) is a violation too.
#ifndef OMNISTOCK_BENCH_ROUTING_VALIDATOR_H_
#define OMNISTOCK_BENCH_ROUTING_VALIDATOR_H_

#include <string>
#include <vector>

#include "bench/routing/audit.h"
#include "bench/routing/instance.h"
#include "engine/routing/plan.h"

namespace omnistock::routing_bench {

struct Violations {
  std::vector<std::string> messages;  // empty: the plan keeps every rule
  bool feasibility_unknown = false;   // the false-reject check ran out of budget
};

Violations ValidatePlan(const Instance& instance, const routing::PlanRequest& request,
                        const routing::Plan& plan, const AuditCandidates& candidates);

}  // namespace omnistock::routing_bench

#endif  // OMNISTOCK_BENCH_ROUTING_VALIDATOR_H_
