// Seeded instances for routing tests and the routing evaluator: a network of regions with
// cities, stores clustered around the cities, warehouses per region and one distant EC DC;
// stock with many store positions at or near their safety stock; daily capacities with some
// exhausted; and orders of 1-5 lines with a mix of preferences, fallbacks and limits.
//
// The same options and seed always give the same instance (on the same standard library).
#ifndef OMNISTOCK_BENCH_ROUTING_INSTANCE_H_
#define OMNISTOCK_BENCH_ROUTING_INSTANCE_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "engine/routing/network.h"
#include "engine/routing/plan.h"
#include "engine/routing/routing_config.h"
#include "engine/routing/stock_snapshot.h"

namespace omnistock::routing_bench {

struct InstanceOptions {
  uint64_t seed = 1;
  int regions = 8;
  int cities_per_region = 4;
  int stores = 1900;
  int warehouses_per_region = 1;
  int pickup_points = 10;
  int skus = 3000;
  int orders = 1000;
  int min_lines = 1;
  int max_lines = 5;
  // Share of orders asking for each; the rest ask for DELIVERY.
  double bopis_share = 0.30;
  double curbside_share = 0.10;
  double fallback_share = 0.5;
  double partial_share = 0.25;
  double preferred_pickup_share = 0.4;  // of pickup orders
  // When false, orders never name a preferred store, never allow partial plans (for the ILP).
  bool allow_preferred_and_partial = true;
  int max_shipments_max = 4;
};

struct Instance {
  std::shared_ptr<const routing::Network> network;
  routing::StockSnapshot stock;
  std::vector<int64_t> orders_today;  // by LocationIndex
  std::vector<routing::PlanRequest> orders;
  routing::RoutingConfig config;
};

Instance GenerateInstance(const InstanceOptions& options);

// Options for small networks on which the brute-force reference is quick: one or two regions,
// about 60 locations.
InstanceOptions SmallNetworkOptions(uint64_t seed, int orders);
// Options for tiny networks (at most about 15 locations) for the ILP cross-check.
InstanceOptions TinyNetworkOptions(uint64_t seed, int orders);

}  // namespace omnistock::routing_bench

#endif  // OMNISTOCK_BENCH_ROUTING_INSTANCE_H_
