// routing-eval: how good and how fast the fulfilment planner is. Three phases, all seeded:
//
//   exact  small networks (about 60 locations), every order planned by the Planner and by the
//          brute-force reference: share of plans identical (cost to 1e-9 and the same shipments,
//          so the same tie-break), split rates of the optimum, the planner and the greedy
//          nearest-location baseline, and the cost saving against the baseline;
//   ilp    tiny networks (at most about 15 locations): the planner's cost against GLPK's optimum
//          of the same problem written as an integer program;
//   scale  a 2,000-location network and 5-line orders: latency p50 / p99 and plans per second
//          on one core, with the baseline comparison.
// Every plan of every phase is audited against the hard rules (bench/routing/validator.h),
// false rejects included. Progress goes to stderr, the table to stdout, --json FILE for tools.
#include <malloc.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/routing/audit.h"
#include "bench/routing/baseline.h"
#include "bench/routing/ilp_check.h"
#include "bench/routing/instance.h"
#include "bench/routing/validator.h"
#include "engine/check.h"
#include "engine/journal_sink.h"
#include "engine/ledger.h"
#include "engine/routing/brute_force.h"
#include "engine/routing/planner.h"
#include "nlohmann/json.hpp"
#include "services/command_line.h"

namespace omnistock::routing_bench {
namespace {

using routing::Plan;
using routing::PlanRequest;
using routing::PlanStatus;

using Clock = std::chrono::steady_clock;

double Seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// CPU time of this thread: on a machine shared with other work, the planner's own cost.
double ThreadCpuSeconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

double Percentile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t at = std::min(values.size() - 1, static_cast<size_t>(q * values.size()));
  return values[at];
}

bool SameShipments(const Plan& a, const Plan& b) {
  if (a.shipments.size() != b.shipments.size()) return false;
  for (size_t s = 0; s < a.shipments.size(); ++s) {
    const routing::Shipment& x = a.shipments[s];
    const routing::Shipment& y = b.shipments[s];
    if (x.location_id != y.location_id || x.method != y.method) return false;
    if (x.lines.size() != y.lines.size()) return false;
    for (size_t l = 0; l < x.lines.size(); ++l) {
      if (x.lines[l].sku != y.lines[l].sku || x.lines[l].quantity != y.lines[l].quantity) {
        return false;
      }
    }
  }
  return true;
}

// Audit figures shared by the phases.
struct Audit {
  int64_t orders = 0;
  int64_t fulfilled = 0;
  int64_t partial = 0;
  int64_t rejected = 0;
  int64_t split = 0;  // fulfilled plans with more than one shipment
  int64_t honoured = 0;
  int64_t violation_orders = 0;
  int64_t false_rejects = 0;
  int64_t feasibility_unknown = 0;
  int64_t baseline_fulfilled = 0;
  int64_t baseline_split = 0;
  int64_t both_fulfilled = 0;
  double planner_cost_both = 0;
  double baseline_cost_both = 0;
  std::vector<std::string> first_violations;

  void Add(const Instance& instance, const PlanRequest& request, const Plan& plan) {
    ++orders;
    const AuditCandidates candidates = DeriveCandidates(instance, request);
    const Violations violations = ValidatePlan(instance, request, plan, candidates);
    if (!violations.messages.empty()) {
      ++violation_orders;
      for (const std::string& message : violations.messages) {
        if (message.find("false reject") != std::string::npos) ++false_rejects;
        if (first_violations.size() < 10) first_violations.push_back(message);
      }
    }
    if (violations.feasibility_unknown) ++feasibility_unknown;
    switch (plan.status) {
      case PlanStatus::kFulfilled:
        ++fulfilled;
        if (plan.totals.is_split) ++split;
        break;
      case PlanStatus::kPartial:
        ++partial;
        break;
      case PlanStatus::kRejected:
        ++rejected;
        break;
    }
    if (plan.totals.preference_honoured) ++honoured;
    const BaselinePlan baseline = GreedyNearest(instance.config, request, candidates);
    if (baseline.fulfilled) {
      ++baseline_fulfilled;
      if (baseline.shipments > 1) ++baseline_split;
    }
    if (baseline.fulfilled && plan.status == PlanStatus::kFulfilled) {
      ++both_fulfilled;
      planner_cost_both += plan.totals.cost;
      baseline_cost_both += baseline.cost;
    }
  }

  double Share(int64_t part, int64_t whole) const {
    return whole == 0 ? 0 : static_cast<double>(part) / static_cast<double>(whole);
  }
  double Saving() const {
    return baseline_cost_both == 0 ? 0 : 1 - planner_cost_both / baseline_cost_both;
  }

  nlohmann::json Json() const {
    return {{"orders", orders},
            {"fulfilled", fulfilled},
            {"partial", partial},
            {"rejected", rejected},
            {"split_rate_planner", Share(split, fulfilled)},
            {"split_rate_baseline", Share(baseline_split, baseline_fulfilled)},
            {"baseline_fulfilled", baseline_fulfilled},
            {"cost_saving_vs_baseline", Saving()},
            {"planner_cost_where_both_fulfilled", planner_cost_both},
            {"baseline_cost_where_both_fulfilled", baseline_cost_both},
            {"preference_honoured_rate", Share(honoured, orders)},
            {"hard_rule_violation_orders", violation_orders},
            {"false_rejects", false_rejects},
            {"feasibility_unknown", feasibility_unknown},
            {"first_violations", first_violations}};
  }
};

struct Options {
  uint64_t seed = 42;
  int exact_orders = 10'000;
  int exact_networks = 20;
  int ilp_orders = 200;
  int scale_orders = 20'000;
  int scale_locations = 2'000;
  int scale_lines = 5;
  int scale_passes = 5;
  int ledger_orders = 1'000;
  std::string json_path;
  bool scale_audit = true;
};

void Progress(const char* phase, int done, int total) {
  if (done % 1000 == 0 || done == total) {
    std::fprintf(stderr, "\r%s: %d / %d", phase, done, total);
    if (done == total) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  }
}

nlohmann::json RunExact(const Options& options, Audit& audit) {
  routing::Planner planner;
  int64_t identical = 0;
  int64_t same_cost = 0;
  int64_t optimum_fulfilled = 0;
  int64_t optimum_split = 0;
  double max_cost_gap = 0;
  double planner_seconds = 0;
  double brute_seconds = 0;
  std::vector<std::string> mismatches;
  const int per_network = std::max(1, options.exact_orders / options.exact_networks);
  int done = 0;
  for (int n = 0; n < options.exact_networks; ++n) {
    const Instance instance =
        GenerateInstance(SmallNetworkOptions(options.seed * 1000 + n, per_network));
    for (PlanRequest request : instance.orders) {
      const auto t0 = Clock::now();
      absl::StatusOr<Plan> plan = planner.PlanOrder(instance.network, instance.config,
                                                    instance.stock, instance.orders_today, request);
      const auto t1 = Clock::now();
      absl::StatusOr<Plan> brute = routing::BruteForcePlan(
          instance.network, instance.config, instance.stock, instance.orders_today, request);
      const auto t2 = Clock::now();
      planner_seconds += Seconds(t1 - t0);
      brute_seconds += Seconds(t2 - t1);
      // The same order without explanations takes the hubs-first path: it must plan the same.
      request.explain = false;
      absl::StatusOr<Plan> quick = planner.PlanOrder(
          instance.network, instance.config, instance.stock, instance.orders_today, request);
      if (!plan.ok() || !brute.ok() || !quick.ok()) {
        mismatches.push_back(absl::StrFormat("network %d: error %s / %s", n,
                                             plan.status().ToString(), brute.status().ToString()));
        continue;
      }
      audit.Add(instance, request, *plan);
      const double gap = std::abs(plan->totals.cost - brute->totals.cost);
      const bool cost_equal = plan->status == brute->status && gap <= 1e-9;
      if (plan->status == brute->status) max_cost_gap = std::max(max_cost_gap, gap);
      if (cost_equal) ++same_cost;
      const bool quick_equal = quick->status == brute->status &&
                               std::abs(quick->totals.cost - brute->totals.cost) <= 1e-9 &&
                               SameShipments(*quick, *brute);
      if (cost_equal && SameShipments(*plan, *brute) && quick_equal) {
        ++identical;
      } else if (mismatches.size() < 10) {
        mismatches.push_back(absl::StrFormat(
            "network %d order %d: planner %s %.9f (%d shipments), brute force %s %.9f (%d)", n,
            done % per_network, routing::PlanStatusName(plan->status), plan->totals.cost,
            plan->totals.shipments, routing::PlanStatusName(brute->status), brute->totals.cost,
            brute->totals.shipments));
      }
      if (brute->status == PlanStatus::kFulfilled) {
        ++optimum_fulfilled;
        if (brute->totals.is_split) ++optimum_split;
      }
      Progress("exact", ++done, per_network * options.exact_networks);
    }
  }
  const double orders = static_cast<double>(std::max(1, done));
  nlohmann::json json = audit.Json();
  json["networks"] = options.exact_networks;
  json["identical_to_brute_force"] = identical;  // with and without explain
  json["identical_share"] = identical / orders;
  json["same_cost_share"] = same_cost / orders;
  json["max_cost_gap"] = max_cost_gap;
  json["split_rate_optimum"] =
      optimum_fulfilled == 0 ? 0.0 : static_cast<double>(optimum_split) / optimum_fulfilled;
  json["planner_mean_us"] = planner_seconds / orders * 1e6;
  json["brute_force_mean_us"] = brute_seconds / orders * 1e6;
  json["mismatches"] = mismatches;
  return json;
}

nlohmann::json RunIlp(const Options& options, Audit& audit) {
  nlohmann::json json;
  if (!GlpsolAvailable()) {
    std::fprintf(stderr, "ilp: glpsol not found (apt-get install glpk-utils); skipped\n");
    json["skipped"] = "glpsol not found";
    return json;
  }
  routing::Planner planner;
  int64_t agree = 0;
  int64_t solved = 0;
  int64_t feasible = 0;
  int64_t max_candidates = 0;
  double max_gap = 0;
  std::vector<std::string> disagreements;
  const int networks = std::max(1, options.ilp_orders / 20);
  const int per_network = std::max(1, options.ilp_orders / networks);
  const std::string prefix = absl::StrFormat("/tmp/routing-ilp-%d", static_cast<int>(getpid()));
  int done = 0;
  for (int n = 0; n < networks; ++n) {
    const Instance instance =
        GenerateInstance(TinyNetworkOptions(options.seed * 7000 + n, per_network));
    for (const PlanRequest& request : instance.orders) {
      absl::StatusOr<Plan> plan = planner.PlanOrder(instance.network, instance.config,
                                                    instance.stock, instance.orders_today, request);
      if (!plan.ok()) continue;
      audit.Add(instance, request, *plan);
      const AuditCandidates candidates = DeriveCandidates(instance, request);
      max_candidates = std::max<int64_t>(max_candidates,
                                         candidates.deliveries.size() + candidates.pickups.size());
      const IlpOutcome ilp = SolveIlp(instance.config, request, candidates, prefix);
      Progress("ilp", ++done, networks * per_network);
      if (!ilp.solved) {
        disagreements.push_back("glpsol: " + ilp.error);
        continue;
      }
      ++solved;
      if (ilp.feasible) ++feasible;
      const bool planner_full = plan->status == PlanStatus::kFulfilled;
      bool same = planner_full == ilp.feasible;
      if (same && ilp.feasible) {
        const double gap = std::abs(plan->totals.cost - ilp.objective);
        max_gap = std::max(max_gap, gap);
        same = gap <= 1e-7 * std::max(1.0, ilp.objective);
      }
      if (same) {
        ++agree;
      } else if (disagreements.size() < 10) {
        disagreements.push_back(absl::StrFormat(
            "network %d: planner %s %.9f, ILP %s %.9f", n, routing::PlanStatusName(plan->status),
            plan->totals.cost, ilp.feasible ? "optimal" : "infeasible", ilp.objective));
      }
    }
  }
  json["orders"] = done;
  json["solved"] = solved;
  json["ilp_feasible"] = feasible;
  json["agree"] = agree;
  json["agree_share"] = solved == 0 ? 0.0 : static_cast<double>(agree) / solved;
  json["max_cost_gap"] = max_gap;
  json["max_candidates"] = max_candidates;
  json["disagreements"] = disagreements;
  return json;
}

// The first `count` scale orders through Ledger::Plan, as the Fulfillment service calls it: the
// ledger holds the network and the stock of the orders' SKUs (on_hand - reserved as on_hand,
// the safety-stock overrides), reads it under the shard locks and plans. Each plan must be the
// planner's own on the same stock with no capacity used yet (the ledger counts capacity from
// its own reservations, and has none).
nlohmann::json RunLedger(const Instance& instance, int count) {
  count = std::min<int>(count, static_cast<int>(instance.orders.size()));
  DiscardingSink sink;
  Ledger ledger(&sink);
  const routing::Network& network = *instance.network;
  const auto l0 = Clock::now();
  for (routing::LocationIndex i = 0; i < network.size(); ++i) {
    const Applied<Location> applied = ledger.UpsertLocation(network.location(i));
    OMNISTOCK_CHECK(applied.outcome == Outcome::kOk);
  }
  absl::flat_hash_set<Sku> skus;
  for (int o = 0; o < count; ++o) {
    for (const routing::OrderLine& line : instance.orders[o].lines) skus.insert(line.sku);
  }
  const absl::Time t0 = instance.orders.front().now;
  int64_t positions = 0;
  for (const Sku& sku : skus) {
    for (const routing::StockRow& row : instance.stock.RowsFor(sku)) {
      const LocationId& location = network.location(row.location).id;
      if (row.on_hand - row.reserved > 0) {
        ledger.Receive(ReceiveCommand{location, sku, row.on_hand - row.reserved, "routing-eval"},
                       t0);
      }
      if (row.safety_stock_override.has_value()) {
        ledger.SetSafetyStock(SafetyStockCommand{location, sku, *row.safety_stock_override}, t0);
      }
      ++positions;
    }
  }
  std::fprintf(stderr, "ledger: %lld positions of %zu SKUs at %d locations loaded in %.1f s\n",
               static_cast<long long>(positions), skus.size(), network.size(),
               Seconds(Clock::now() - l0));
  routing::Planner planner;
  const std::vector<int64_t> no_orders_today(network.size(), 0);
  nlohmann::json json;
  json["orders"] = count;
  json["positions"] = positions;
  int64_t same = 0;
  // Twice: the first plan of a SKU also indexes where its positions are; later ones reuse it.
  for (const char* pass : {"first", "again"}) {
    std::vector<double> wall_us;
    double wall = 0;
    for (int o = 0; o < count; ++o) {
      PlanRequest request = instance.orders[o];
      request.explain = false;
      const auto c0 = Clock::now();
      absl::StatusOr<Plan> through = ledger.Plan(request, request.now);
      const double seconds = Seconds(Clock::now() - c0);
      wall += seconds;
      wall_us.push_back(seconds * 1e6);
      absl::StatusOr<Plan> direct = planner.PlanOrder(instance.network, instance.config,
                                                      instance.stock, no_orders_today, request);
      if (through.ok() && direct.ok() && through->status == direct->status &&
          std::abs(through->totals.cost - direct->totals.cost) <= 1e-9 &&
          SameShipments(*through, *direct)) {
        ++same;
      }
      Progress(absl::StrCat("ledger, ", pass).c_str(), o + 1, count);
    }
    json[pass] = {{"plans_per_second", count / std::max(wall, 1e-9)},
                  {"latency_p50_us", Percentile(wall_us, 0.50)},
                  {"latency_p99_us", Percentile(wall_us, 0.99)}};
  }
  json["plans"] = 2 * count;
  json["same_as_planner"] = same;
  return json;
}

nlohmann::json RunScale(const Options& options, Audit& audit) {
  InstanceOptions generate;
  generate.seed = options.seed;
  generate.regions = 10;
  generate.cities_per_region = 5;
  generate.warehouses_per_region = 2;
  generate.pickup_points = 40;
  generate.stores = options.scale_locations - generate.regions * generate.warehouses_per_region -
                    generate.pickup_points - 1;
  generate.skus = 5000;
  generate.orders = options.scale_orders;
  generate.min_lines = options.scale_lines;
  generate.max_lines = options.scale_lines;
  std::fprintf(stderr, "scale: generating %d locations, %d SKUs, %d orders\n",
               options.scale_locations, generate.skus, generate.orders);
  const auto g0 = Clock::now();
  const Instance instance = GenerateInstance(generate);
  std::fprintf(stderr, "scale: generated in %.1f s\n", Seconds(Clock::now() - g0));

  routing::Planner planner;
  // Warm up caches and the planner's buffers.
  for (int i = 0; i < std::min<int>(1000, instance.orders.size()); ++i) {
    (void)planner.PlanOrder(instance.network, instance.config, instance.stock,
                            instance.orders_today, instance.orders[i]);
  }
  // Each plan is timed alone, then audited and dropped, as a service would answer and free
  // it; plans per second is the number of plans over the time spent planning them. Twice:
  // without explanations (the checkout path) and with every rejected candidate listed.
  struct Timing {
    std::vector<double> wall_us;
    std::vector<double> cpu_us;
    double wall = 0;
    double cpu = 0;
  };
  Timing quick;
  Timing explained;
  int64_t candidates = 0;
  int64_t sets = 0;
  int64_t mode_mismatches = 0;
  int64_t quick_full_reads = 0;
  struct Slow {
    double cpu_us;
    std::string what;
  };
  std::vector<Slow> slowest;        // explained plans, the slowest few
  std::vector<Slow> slowest_quick;  // and without explanations  // fulfilled, but the hubs-first
                                    // path had to read every store
  std::vector<double> quick_fulfilled_us;
  std::map<std::string, std::pair<int64_t, double>> by_class;
  int done = 0;
  auto timed = [&](Timing& timing, const PlanRequest& request) {
    const double c0 = ThreadCpuSeconds();
    const auto t0 = Clock::now();
    absl::StatusOr<Plan> plan = planner.PlanOrder(instance.network, instance.config, instance.stock,
                                                  instance.orders_today, request);
    const auto t1 = Clock::now();
    const double c1 = ThreadCpuSeconds();
    timing.wall += Seconds(t1 - t0);
    timing.cpu += c1 - c0;
    timing.wall_us.push_back(Seconds(t1 - t0) * 1e6);
    timing.cpu_us.push_back((c1 - c0) * 1e6);
    return *std::move(plan);
  };
  for (PlanRequest request : instance.orders) {
    request.explain = false;
    const Plan fast = timed(quick, request);
    slowest_quick.push_back(
        {quick.cpu_us.back(),
         absl::StrFormat("%s, %d shipments, %d sets, read every store %d, %s, "
                         "partial %d, fallback %d, max %d, %d units",
                         routing::PlanStatusName(fast.status), fast.totals.shipments,
                         fast.sets_evaluated, fast.read_every_store,
                         routing::PreferenceName(request.preference), request.allow_partial,
                         request.allow_method_fallback, request.max_shipments,
                         fast.totals.units_ordered)});
    std::sort(slowest_quick.begin(), slowest_quick.end(),
              [](const Slow& a, const Slow& b) { return a.cpu_us > b.cpu_us; });
    if (slowest_quick.size() > 5) slowest_quick.pop_back();
    {
      auto& [n, us] = by_class[absl::StrCat(
          routing::PlanStatusName(fast.status), " ", routing::PreferenceName(request.preference),
          request.allow_method_fallback ? " fallback" : "", fast.read_every_store ? " full" : "")];
      ++n;
      us += quick.wall_us.back();
    }
    if (fast.status == PlanStatus::kFulfilled) {
      quick_fulfilled_us.push_back(quick.wall_us.back());
      if (fast.read_every_store) ++quick_full_reads;
    }
    request.explain = true;
    const Plan plan = timed(explained, request);
    slowest.push_back(
        {explained.cpu_us.back(),
         absl::StrFormat("%s, %d shipments, %d sets, %d rejected, %s, partial %d, "
                         "fallback %d, max %d",
                         routing::PlanStatusName(plan.status), plan.totals.shipments,
                         plan.sets_evaluated, plan.rejected.size(),
                         routing::PreferenceName(request.preference), request.allow_partial,
                         request.allow_method_fallback, request.max_shipments)});
    std::sort(slowest.begin(), slowest.end(),
              [](const Slow& a, const Slow& b) { return a.cpu_us > b.cpu_us; });
    if (slowest.size() > 5) slowest.pop_back();
    if (fast.status != plan.status || std::abs(fast.totals.cost - plan.totals.cost) > 1e-9 ||
        !SameShipments(fast, plan)) {
      ++mode_mismatches;
    }
    candidates += static_cast<int64_t>(plan.rejected.size() + plan.shipments.size());
    sets += plan.sets_evaluated;
    if (options.scale_audit) audit.Add(instance, request, plan);
    Progress("scale", ++done, static_cast<int>(instance.orders.size()));
  }
  // The checkout path alone, pass after pass: plans per second of each whole pass.
  std::vector<double> passes;
  for (int pass = 0; pass < options.scale_passes; ++pass) {
    const auto t0 = Clock::now();
    for (PlanRequest request : instance.orders) {
      request.explain = false;
      (void)planner.PlanOrder(instance.network, instance.config, instance.stock,
                              instance.orders_today, request);
    }
    passes.push_back(static_cast<double>(instance.orders.size()) / Seconds(Clock::now() - t0));
    std::fprintf(stderr, "scale pass %d / %d: %.0f plans/s\n", pass + 1, options.scale_passes,
                 passes.back());
  }
  const std::vector<double>& latencies = explained.wall_us;
  const double orders = static_cast<double>(std::max<size_t>(1, latencies.size()));
  nlohmann::json json = audit.Json();
  json["orders"] = static_cast<int64_t>(latencies.size());
  json["locations"] = instance.network->size();
  json["lines_per_order"] = options.scale_lines;
  json["explain_latency_p50_us"] = Percentile(explained.wall_us, 0.50);
  json["explain_latency_p99_us"] = Percentile(explained.wall_us, 0.99);
  json["explain_latency_max_us"] = Percentile(explained.wall_us, 1.0);
  json["explain_cpu_p50_us"] = Percentile(explained.cpu_us, 0.50);
  json["explain_cpu_p99_us"] = Percentile(explained.cpu_us, 0.99);
  json["explain_cpu_max_us"] = Percentile(explained.cpu_us, 1.0);
  json["explain_plans_per_second"] = orders / explained.wall;
  json["explain_plans_per_cpu_second"] = orders / explained.cpu;
  json["quick_latency_p50_us"] = Percentile(quick.wall_us, 0.50);
  json["quick_latency_p99_us"] = Percentile(quick.wall_us, 0.99);
  json["quick_latency_max_us"] = Percentile(quick.wall_us, 1.0);
  json["quick_cpu_p50_us"] = Percentile(quick.cpu_us, 0.50);
  json["quick_cpu_p99_us"] = Percentile(quick.cpu_us, 0.99);
  json["quick_cpu_max_us"] = Percentile(quick.cpu_us, 1.0);
  json["quick_plans_per_second"] = orders / quick.wall;
  json["quick_plans_per_cpu_second"] = orders / quick.cpu;
  json["explain_and_quick_plans_differ"] = mode_mismatches;
  for (const Slow& slow : slowest) {
    json["slowest_explained"].push_back(absl::StrFormat("%.0f us: %s", slow.cpu_us, slow.what));
  }
  for (const Slow& slow : slowest_quick) {
    json["slowest_quick"].push_back(absl::StrFormat("%.0f us: %s", slow.cpu_us, slow.what));
  }
  json["quick_fulfilled_latency_p50_us"] = Percentile(quick_fulfilled_us, 0.50);
  json["quick_fulfilled_latency_p99_us"] = Percentile(quick_fulfilled_us, 0.99);
  json["quick_fulfilled_read_every_store_share"] =
      quick_fulfilled_us.empty()
          ? 0.0
          : static_cast<double>(quick_full_reads) / quick_fulfilled_us.size();
  // Where the checkout path's time goes: by outcome, preference, fallback, and whether every
  // store had to be read.
  for (const auto& [name, v] : by_class) {
    json["quick_by_class"][name] = {{"orders", v.first},
                                    {"mean_us", v.second / static_cast<double>(v.first)},
                                    {"time_share", v.second / (quick.wall * 1e6)}};
  }
  json["quick_pass_plans_per_second"] = passes;
  if (options.ledger_orders > 0) json["ledger"] = RunLedger(instance, options.ledger_orders);
  json["mean_candidates_per_order"] = candidates / orders;
  json["mean_sets_evaluated"] = sets / orders;
  return json;
}

int Main(int argc, char** argv) {
  // Keep freed memory in the process: a plan with thousands of explained candidates allocates
  // a few hundred KB, and glibc's defaults would hand it back to the kernel and fault it in
  // again on the next plan. A long-running server reaches the same steady state (or uses a
  // caching allocator); without this, the page faults show as latency spikes.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  Options options;
  CLI::App app{"routing-eval: exactness, hard rules and speed of the fulfilment planner"};
  app.add_option("--seed", options.seed, "seed of every generated instance")
      ->check(command_line::NotNegative() & command_line::WholeNumber<uint64_t>());
  app.add_option("--exact-orders", options.exact_orders, "orders checked against brute force")
      ->check(CLI::Range(0, 10'000'000));
  app.add_option("--exact-networks", options.exact_networks, "small networks they are spread over")
      ->check(CLI::Range(1, 100'000));
  app.add_option("--ilp-orders", options.ilp_orders, "orders checked against glpsol (0: skip)")
      ->check(CLI::Range(0, 1'000'000));
  app.add_option("--scale-orders", options.scale_orders, "5-line orders on the large network")
      ->check(CLI::Range(0, 10'000'000));
  app.add_option("--scale-locations", options.scale_locations, "size of the large network")
      ->check(CLI::Range(100, 1'000'000));
  app.add_option("--scale-lines", options.scale_lines, "lines per order on the large network")
      ->check(CLI::Range(1, 100));
  app.add_option("--scale-passes", options.scale_passes,
                 "extra timed passes over the scale orders without explanations (plans/s of each; "
                 "a shared machine varies from run to run)")
      ->check(CLI::Range(0, 1000));
  app.add_option("--ledger-orders", options.ledger_orders,
                 "scale orders planned through an in-memory Ledger holding the network and their "
                 "SKUs' stock (0: skip)")
      ->check(CLI::Range(0, 1'000'000));
  app.add_flag("!--no-scale-audit", options.scale_audit,
               "skip the hard-rule audit of the scale phase (for profiling the planner alone)");
  app.add_option("--json", options.json_path, "write the figures as JSON to this file");
  if (std::optional<int> exit = command_line::Parse(app, argc, argv)) return *exit;
  if (!options.json_path.empty()) {
    if (std::optional<std::string> why = command_line::CannotWrite(options.json_path)) {
      std::fprintf(stderr, "routing-eval: %s\n", why->c_str());
      return command_line::kExitUsage;
    }
  }

  nlohmann::json report;
  report["seed"] = options.seed;
  report["config_version"] = routing::RoutingConfig().version;
  Audit exact_audit;
  Audit ilp_audit;
  Audit scale_audit;
  if (options.exact_orders > 0) report["exact"] = RunExact(options, exact_audit);
  if (options.ilp_orders > 0) report["ilp"] = RunIlp(options, ilp_audit);
  if (options.scale_orders > 0) report["scale"] = RunScale(options, scale_audit);
  const int64_t violations =
      exact_audit.violation_orders + ilp_audit.violation_orders + scale_audit.violation_orders;
  report["hard_rule_violation_orders"] = violations;

  std::printf("\nrouting-eval (seed %llu, config %s)\n",
              static_cast<unsigned long long>(options.seed),
              routing::RoutingConfig().version.c_str());
  std::printf("%-48s %s\n", "figure", "value");
  auto row = [](const char* name, const std::string& value) {
    std::printf("%-48s %s\n", name, value.c_str());
  };
  auto pct = [](double v) { return absl::StrFormat("%.2f%%", 100 * v); };
  if (report.contains("exact")) {
    const nlohmann::json& e = report["exact"];
    row("exact: orders (small networks)", absl::StrFormat("%d", e["orders"].get<int64_t>()));
    row("exact: identical to brute force", pct(e["identical_share"].get<double>()));
    row("exact: same cost as brute force", pct(e["same_cost_share"].get<double>()));
    row("exact: largest cost gap", absl::StrFormat("%.3g", e["max_cost_gap"].get<double>()));
    row("exact: fulfilled / partial / rejected",
        absl::StrFormat("%d / %d / %d", e["fulfilled"].get<int64_t>(), e["partial"].get<int64_t>(),
                        e["rejected"].get<int64_t>()));
    row("exact: split rate optimum / planner / baseline",
        absl::StrFormat("%s / %s / %s", pct(e["split_rate_optimum"].get<double>()),
                        pct(e["split_rate_planner"].get<double>()),
                        pct(e["split_rate_baseline"].get<double>())));
    row("exact: cost saving vs greedy baseline", pct(e["cost_saving_vs_baseline"].get<double>()));
    row("exact: baseline fulfilled (planner fulfilled)",
        absl::StrFormat("%d (%d)", e["baseline_fulfilled"].get<int64_t>(),
                        e["fulfilled"].get<int64_t>()));
    row("exact: mean us planner / brute force",
        absl::StrFormat("%.1f / %.1f", e["planner_mean_us"].get<double>(),
                        e["brute_force_mean_us"].get<double>()));
  }
  if (report.contains("ilp") && report["ilp"].contains("agree_share")) {
    const nlohmann::json& i = report["ilp"];
    row("ilp: orders agreeing with glpsol",
        absl::StrFormat("%d / %d (%s), largest gap %.3g", i["agree"].get<int64_t>(),
                        i["solved"].get<int64_t>(), pct(i["agree_share"].get<double>()),
                        i["max_cost_gap"].get<double>()));
  }
  if (report.contains("scale")) {
    const nlohmann::json& s = report["scale"];
    row("scale: locations / orders",
        absl::StrFormat("%d / %d (%d lines)", s["locations"].get<int64_t>(),
                        s["orders"].get<int64_t>(), s["lines_per_order"].get<int64_t>()));
    for (const char* mode : {"quick", "explain"}) {
      const std::string m = mode;
      const std::string label = m == "quick" ? "scale, no explain: " : "scale, explain:    ";
      row((label + "latency p50 / p99 / max (us)").c_str(),
          absl::StrFormat("%.1f / %.1f / %.1f", s[m + "_latency_p50_us"].get<double>(),
                          s[m + "_latency_p99_us"].get<double>(),
                          s[m + "_latency_max_us"].get<double>()));
      row((label + "thread CPU p50 / p99 / max (us)").c_str(),
          absl::StrFormat("%.1f / %.1f / %.1f", s[m + "_cpu_p50_us"].get<double>(),
                          s[m + "_cpu_p99_us"].get<double>(), s[m + "_cpu_max_us"].get<double>()));
      row((label + "plans/s (wall, CPU)").c_str(),
          absl::StrFormat("%.0f, %.0f", s[m + "_plans_per_second"].get<double>(),
                          s[m + "_plans_per_cpu_second"].get<double>()));
    }
    if (std::vector<double> passes = s["quick_pass_plans_per_second"]; !passes.empty()) {
      std::sort(passes.begin(), passes.end());
      row(absl::StrFormat("scale, no explain: plans/s in %d passes (min / median / max)",
                          passes.size())
              .c_str(),
          absl::StrFormat("%.0f / %.0f / %.0f", passes.front(), passes[passes.size() / 2],
                          passes.back()));
    }
    if (s.contains("ledger")) {
      const nlohmann::json& l = s["ledger"];
      row("ledger: plans / same plan as the planner",
          absl::StrFormat("%d / %d", l["plans"].get<int64_t>(),
                          l["same_as_planner"].get<int64_t>()));
      for (const char* pass : {"first", "again"}) {
        const nlohmann::json& p = l[pass];
        row(absl::StrFormat("ledger, %s: plans/s, p50 / p99 (us)",
                            std::string(pass) == "first" ? "SKUs new" : "SKUs seen")
                .c_str(),
            absl::StrFormat("%.0f, %.1f / %.1f", p["plans_per_second"].get<double>(),
                            p["latency_p50_us"].get<double>(), p["latency_p99_us"].get<double>()));
      }
    }
    row("scale, no explain, fulfilled: p50 / p99 (us)",
        absl::StrFormat("%.1f / %.1f", s["quick_fulfilled_latency_p50_us"].get<double>(),
                        s["quick_fulfilled_latency_p99_us"].get<double>()));
    row("scale, no explain, fulfilled: read every store",
        pct(s["quick_fulfilled_read_every_store_share"].get<double>()));
    row("scale: plans differing between the two modes",
        absl::StrFormat("%d", s["explain_and_quick_plans_differ"].get<int64_t>()));
    row("scale: mean candidates / sets evaluated",
        absl::StrFormat("%.0f / %.1f", s["mean_candidates_per_order"].get<double>(),
                        s["mean_sets_evaluated"].get<double>()));
    row("scale: fulfilled / partial / rejected",
        absl::StrFormat("%d / %d / %d", s["fulfilled"].get<int64_t>(), s["partial"].get<int64_t>(),
                        s["rejected"].get<int64_t>()));
    row("scale: split rate planner / baseline",
        absl::StrFormat("%s / %s", pct(s["split_rate_planner"].get<double>()),
                        pct(s["split_rate_baseline"].get<double>())));
    row("scale: cost saving vs greedy baseline", pct(s["cost_saving_vs_baseline"].get<double>()));
    row("scale: feasibility checks out of budget",
        absl::StrFormat("%d", s["feasibility_unknown"].get<int64_t>()));
  }
  row("hard-rule violations (orders, all phases)", absl::StrFormat("%d", violations));
  for (const Audit* audit : {&exact_audit, &ilp_audit, &scale_audit}) {
    for (const std::string& message : audit->first_violations) {
      std::printf("  violation: %s\n", message.c_str());
    }
  }
  if (report.contains("exact")) {
    for (const auto& m : report["exact"]["mismatches"]) {
      std::printf("  mismatch: %s\n", m.get<std::string>().c_str());
    }
  }
  if (report.contains("ilp") && report["ilp"].contains("disagreements")) {
    for (const auto& m : report["ilp"]["disagreements"]) {
      std::printf("  ilp: %s\n", m.get<std::string>().c_str());
    }
  }
  bool written = true;
  if (!options.json_path.empty()) {
    std::ofstream out(options.json_path);
    out << report.dump(2) << "\n";
    if (!out) {
      std::fprintf(stderr, "routing-eval: cannot write --json %s\n", options.json_path.c_str());
      written = false;
    }
  }
  // A plan through the ledger that is not the planner's own is a bug in reading the stock.
  const bool ledger_differs =
      report.contains("scale") && report["scale"].contains("ledger") &&
      report["scale"]["ledger"]["same_as_planner"] != report["scale"]["ledger"]["plans"];
  if (violations != 0 || ledger_differs) return 1;
  return written ? 0 : command_line::kExitUsage;
}

}  // namespace
}  // namespace omnistock::routing_bench

int main(int argc, char** argv) { return omnistock::routing_bench::Main(argc, argv); }
