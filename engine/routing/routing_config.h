// RoutingConfig is every tunable of fulfilment routing in one value: the terms of the cost
// model, the method defaults of safety stock, the pickup radius, lead times and delivery
// bands. It carries a version string, and every Plan names the version it was made with, so a
// plan can always be explained against the exact figures that chose it.
//
// The defaults are the issue-4 cost model; bench/routing/README.md explains each term.
// Plain value type; Validate before use (the planner refuses an invalid one).
#ifndef OMNISTOCK_ENGINE_ROUTING_ROUTING_CONFIG_H_
#define OMNISTOCK_ENGINE_ROUTING_ROUTING_CONFIG_H_

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/types.h"

namespace omnistock::routing {

struct RoutingConfig {
  std::string version = "routing-cost-v2";

  // --- Per shipment ---
  double carrier_base = 8.76;        // parcel and ship-from-store; a pickup pays no carrier
  double handling_store = 2.00;      // a ship-from-store order
  double handling_warehouse = 1.00;  // a parcel order from a warehouse or the DC
  double handling_pickup = 1.50;     // a BOPIS or curbside order at a store
  // --- Per unit ---
  double picking_store = 0.90;            // store labour, every method
  double picking_warehouse = 0.30;        // warehouse and DC labour
  double carrier_per_unit = 0.42;         // parcel and ship-from-store
  double carrier_per_unit_km = 0.000336;  // x haversine km, parcel and ship-from-store
  // --- Per plan ---
  double split_penalty = 2.00;  // per shipment beyond the first
  // x (orders today / daily capacity), per shipment from a location whose capacity is limited:
  // steers orders away from stores that are filling up before they are full.
  double capacity_balancing = 0.20;
  double method_fallback_penalty = 15.00;  // per shipment by a method the customer did not ask for
  // x km from the pickup centre (the customer's address or chosen store) to the store, per
  // pickup: the customer's trip. At 0.10 a store 2 km nearer outweighs the whole range of
  // capacity balancing, so a customer is sent to a farther store only to spare a full one.
  double pickup_per_km = 0.10;

  // --- Rules ---
  double pickup_radius_km = 25;
  // Units of a position an online order must leave, by method, unless the position overrides.
  Quantity safety_store_ship = 2;    // ship-from-store
  Quantity safety_store_pickup = 1;  // BOPIS and curbside
  Quantity safety_warehouse = 0;     // warehouse and DC parcels
  // Ready for pickup, or handed to the carrier, this long after the plan.
  absl::Duration pickup_lead_store = absl::Hours(2);
  absl::Duration ship_lead_store = absl::Hours(4);
  absl::Duration ship_lead_warehouse = absl::Hours(12);
  absl::Duration ship_lead_dc = absl::Hours(12);
  // Transit: 1 day up to next_day_km, 2 days up to two_day_km, 3 days beyond.
  double next_day_km = 150;
  double two_day_km = 600;
  // The time zone of a location whose own is empty; capacity days start at its midnight.
  std::string default_timezone = "Asia/Tokyo";

  friend bool operator==(const RoutingConfig&, const RoutingConfig&) = default;
};

// Bounds Validate holds every setting to: no cost term above kRoutingCostMax (sums of them stay
// exact enough to compare), no lead time above kRoutingLeadMax; safety stock defaults at most
// kQuantityPerLineMax, as a position's own.
inline constexpr double kRoutingCostMax = 1e6;
inline constexpr absl::Duration kRoutingLeadMax = absl::Hours(30 * 24);
// Distances are on the Earth: none further apart than half its circumference.
inline constexpr double kRoutingDistanceMaxKm = 20'000;
// The version is an id (engine/ids.h), named in every plan.
inline constexpr int kRoutingVersionLengthMax = 64;

// Every setting by its name (in Validate's messages, GetRoutingConfig and a routing config
// file), grouped by type. The cost terms must be finite and >= 0.
template <typename T>
using RoutingSetting = std::pair<absl::string_view, T RoutingConfig::*>;
inline constexpr RoutingSetting<double> kRoutingCostTerms[] = {
    {"carrier_base", &RoutingConfig::carrier_base},
    {"handling_store", &RoutingConfig::handling_store},
    {"handling_warehouse", &RoutingConfig::handling_warehouse},
    {"handling_pickup", &RoutingConfig::handling_pickup},
    {"picking_store", &RoutingConfig::picking_store},
    {"picking_warehouse", &RoutingConfig::picking_warehouse},
    {"carrier_per_unit", &RoutingConfig::carrier_per_unit},
    {"carrier_per_unit_km", &RoutingConfig::carrier_per_unit_km},
    {"split_penalty", &RoutingConfig::split_penalty},
    {"capacity_balancing", &RoutingConfig::capacity_balancing},
    {"method_fallback_penalty", &RoutingConfig::method_fallback_penalty},
    {"pickup_per_km", &RoutingConfig::pickup_per_km},
};
inline constexpr RoutingSetting<double> kRoutingDistances[] = {
    {"pickup_radius_km", &RoutingConfig::pickup_radius_km},
    {"next_day_km", &RoutingConfig::next_day_km},
    {"two_day_km", &RoutingConfig::two_day_km},
};
inline constexpr RoutingSetting<Quantity> kRoutingSafetyStocks[] = {
    {"safety_store_ship", &RoutingConfig::safety_store_ship},
    {"safety_store_pickup", &RoutingConfig::safety_store_pickup},
    {"safety_warehouse", &RoutingConfig::safety_warehouse},
};
inline constexpr RoutingSetting<absl::Duration> kRoutingLeadTimes[] = {
    {"pickup_lead_store", &RoutingConfig::pickup_lead_store},
    {"ship_lead_store", &RoutingConfig::ship_lead_store},
    {"ship_lead_warehouse", &RoutingConfig::ship_lead_warehouse},
    {"ship_lead_dc", &RoutingConfig::ship_lead_dc},
};
inline constexpr RoutingSetting<std::string> kRoutingNames[] = {
    {"version", &RoutingConfig::version},
    {"default_timezone", &RoutingConfig::default_timezone},
};

// INVALID_ARGUMENT naming the field when a term is negative or not finite, a band or radius
// is not positive, or the bands are out of order.
absl::Status Validate(const RoutingConfig& config);

}  // namespace omnistock::routing

#endif  // OMNISTOCK_ENGINE_ROUTING_ROUTING_CONFIG_H_
