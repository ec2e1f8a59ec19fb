#include "engine/routing/fulfilment_rules.h"

namespace omnistock::routing {

MethodList MethodsOffered(const Location& location) {
  MethodList list;
  switch (location.kind) {
    case LocationKind::kStore:
      if (location.capabilities.ship_from_store)
        list.methods[list.count++] = Method::kShipFromStore;
      if (location.capabilities.pickup) list.methods[list.count++] = Method::kBopis;
      if (location.capabilities.curbside) list.methods[list.count++] = Method::kCurbside;
      break;
    case LocationKind::kWarehouse:
    case LocationKind::kEcDc:
      list.methods[list.count++] = Method::kDeliveryParcel;
      break;
    case LocationKind::kPickupPoint:
      break;
  }
  return list;
}

Capacity CapacityOf(const Location& location, int64_t orders_today) {
  Capacity capacity;
  capacity.orders_today = orders_today;
  capacity.daily = location.daily_capacity;
  const bool unlimited_by_default =
      location.kind == LocationKind::kWarehouse || location.kind == LocationKind::kEcDc;
  capacity.limited = !(unlimited_by_default && location.daily_capacity == 0);
  return capacity;
}

absl::Duration LeadTime(LocationKind kind, Method method, const RoutingConfig& config) {
  if (IsPickup(method)) return config.pickup_lead_store;
  switch (kind) {
    case LocationKind::kStore:
    case LocationKind::kPickupPoint:
      return config.ship_lead_store;
    case LocationKind::kWarehouse:
      return config.ship_lead_warehouse;
    case LocationKind::kEcDc:
      return config.ship_lead_dc;
  }
  return config.ship_lead_dc;
}

int TransitDays(double distance_km, const RoutingConfig& config) {
  if (distance_km <= config.next_day_km) return 1;
  if (distance_km <= config.two_day_km) return 2;
  return 3;
}

}  // namespace omnistock::routing
