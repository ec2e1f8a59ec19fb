// The cost model: what one shipment costs, term by term, under a RoutingConfig.
//
// A shipment from location L by method M carrying u units over d km costs
//   fixed(L, M, d) + u * unit(L, M, d)
// where d is the distance to the customer's address for a delivery and to the pickup centre
// (the address or the chosen store) for a pickup, and
//   fixed = carrier_base (delivery methods only) + handling(L, M)
//           + pickup_per_km * d (pickups only: the customer's trip)
//           + capacity_balancing * orders_today / daily_capacity (limited locations only)
//           + method_fallback_penalty (a method the customer did not ask for)
//   unit  = picking(L) + carrier_per_unit + carrier_per_unit_km * d  (carrier: delivery only)
// and a plan adds split_penalty for every shipment beyond the first. Because `unit` depends on
// the location and method only, never on the SKU, the cheapest way to fill an order from a
// fixed set of locations is to take every line's units from the cheapest members first (see
// planner.h for why that makes the planner exact). A delivery's fixed cost does not depend on
// d, so the planner knows it before it measures the distance.
//
// Pure functions; thread-safe.
#ifndef OMNISTOCK_ENGINE_ROUTING_COST_MODEL_H_
#define OMNISTOCK_ENGINE_ROUTING_COST_MODEL_H_

#include "engine/location.h"
#include "engine/routing/method.h"
#include "engine/routing/routing_config.h"
#include "engine/types.h"

namespace omnistock::routing {

// One shipment's cost, broken into its terms.
struct CostTerms {
  double carrier_base = 0;
  double handling = 0;
  double picking = 0;
  double carrier_units = 0;     // carrier_per_unit * units
  double carrier_distance = 0;  // carrier_per_unit_km * units * km
  double pickup_distance = 0;   // pickup_per_km * km, a pickup's
  double capacity_balancing = 0;
  double method_fallback = 0;

  // Summed in this order everywhere, so the same shipment always costs the same to the bit.
  double Total() const {
    return carrier_base + handling + picking + carrier_units + carrier_distance + pickup_distance +
           capacity_balancing + method_fallback;
  }
};

// The unit-independent part of a shipment's cost. `load` is Capacity::load(); `distance_km`
// enters a pickup's only (a delivery's fixed cost has no distance term).
double FixedCost(const RoutingConfig& config, LocationKind kind, Method method, double distance_km,
                 double load, bool fallback);
// The cost of each unit of a shipment.
double UnitCost(const RoutingConfig& config, LocationKind kind, Method method, double distance_km);
CostTerms ShipmentCost(const RoutingConfig& config, LocationKind kind, Method method,
                       double distance_km, Quantity units, double load, bool fallback);

}  // namespace omnistock::routing

#endif  // OMNISTOCK_ENGINE_ROUTING_COST_MODEL_H_
