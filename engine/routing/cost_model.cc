#include "engine/routing/cost_model.h"

namespace omnistock::routing {

namespace {

double Handling(const RoutingConfig& config, LocationKind kind, Method method) {
  if (IsPickup(method)) return config.handling_pickup;
  return kind == LocationKind::kStore ? config.handling_store : config.handling_warehouse;
}

double Picking(const RoutingConfig& config, LocationKind kind) {
  return kind == LocationKind::kStore ? config.picking_store : config.picking_warehouse;
}

}  // namespace

double FixedCost(const RoutingConfig& config, LocationKind kind, Method method, double distance_km,
                 double load, bool fallback) {
  CostTerms terms = ShipmentCost(config, kind, method, distance_km, 0, load, fallback);
  return terms.Total();
}

double UnitCost(const RoutingConfig& config, LocationKind kind, Method method, double distance_km) {
  double unit = Picking(config, kind);
  if (IsDelivery(method)) {
    unit += config.carrier_per_unit + config.carrier_per_unit_km * distance_km;
  }
  return unit;
}

CostTerms ShipmentCost(const RoutingConfig& config, LocationKind kind, Method method,
                       double distance_km, Quantity units, double load, bool fallback) {
  CostTerms terms;
  const double u = static_cast<double>(units);
  if (IsDelivery(method)) {
    terms.carrier_base = config.carrier_base;
    terms.carrier_units = config.carrier_per_unit * u;
    terms.carrier_distance = config.carrier_per_unit_km * u * distance_km;
  } else {
    terms.pickup_distance = config.pickup_per_km * distance_km;
  }
  terms.handling = Handling(config, kind, method);
  terms.picking = Picking(config, kind) * u;
  terms.capacity_balancing = config.capacity_balancing * load;
  terms.method_fallback = fallback ? config.method_fallback_penalty : 0.0;
  return terms;
}

}  // namespace omnistock::routing
