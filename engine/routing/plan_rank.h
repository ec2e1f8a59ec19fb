// PlanRank orders candidate plans: the planner and the brute-force reference both pick the
// plan that no other is Better than, so they agree on ties as well as on cost.
//
// Order: more units planned (only PARTIAL plans differ), then lower cost (costs within
// kCostTolerance are equal: they come from sums in different orders), then fewer shipments,
// then the earlier estimated delivery of the last shipment, then the shorter total distance,
// then the (location id, method) of the shipments, compared as ascending lists. The last key
// makes the order total, so the best plan is unique.
#ifndef OMNISTOCK_ENGINE_ROUTING_PLAN_RANK_H_
#define OMNISTOCK_ENGINE_ROUTING_PLAN_RANK_H_

#include <algorithm>
#include <array>
#include <compare>
#include <limits>

#include "absl/time/time.h"
#include "engine/routing/method.h"
#include "engine/routing/network.h"
#include "engine/routing/plan.h"
#include "engine/types.h"

namespace omnistock::routing {

inline constexpr double kCostTolerance = 1e-9;
inline constexpr double kDistanceTolerance = 1e-9;

struct ShipmentKey {
  LocationIndex location = 0;  // index order is id order
  Method method = Method::kUnspecified;

  friend auto operator<=>(const ShipmentKey&, const ShipmentKey&) = default;
};

struct PlanRank {
  Quantity units = 0;
  double cost = std::numeric_limits<double>::infinity();
  int shipments = 0;
  absl::Time delivery = absl::InfinitePast();
  double distance_km = 0;
  std::array<ShipmentKey, kShipmentsPerPlanMax> keys{};

  // Adds one shipment; keeps `keys` ascending.
  void Add(ShipmentKey key, absl::Time estimated_delivery, double km) {
    int at = shipments++;
    for (; at > 0 && key < keys[at - 1]; --at) keys[at] = keys[at - 1];
    keys[at] = key;
    delivery = std::max(delivery, estimated_delivery);
    distance_km += km;
  }
};

// True when `a` is strictly preferable to `b`.
inline bool Better(const PlanRank& a, const PlanRank& b) {
  if (a.units != b.units) return a.units > b.units;
  if (a.cost < b.cost - kCostTolerance) return true;
  if (b.cost < a.cost - kCostTolerance) return false;
  if (a.shipments != b.shipments) return a.shipments < b.shipments;
  if (a.delivery != b.delivery) return a.delivery < b.delivery;
  if (a.distance_km < b.distance_km - kDistanceTolerance) return true;
  if (b.distance_km < a.distance_km - kDistanceTolerance) return false;
  return std::lexicographical_compare(a.keys.begin(), a.keys.begin() + a.shipments, b.keys.begin(),
                                      b.keys.begin() + b.shipments);
}

}  // namespace omnistock::routing

#endif  // OMNISTOCK_ENGINE_ROUTING_PLAN_RANK_H_
