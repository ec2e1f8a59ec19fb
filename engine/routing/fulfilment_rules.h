// The hard rules of fulfilment, each one small function, shared by the planner and the
// brute-force reference so that both decide capability, safety stock, capacity and timing
// identically. (bench/routing/validator.cc re-derives them independently to audit plans.)
//
// Capability: a store offers BOPIS with the pickup capability, CURBSIDE with curbside,
// SHIP_FROM_STORE with ship_from_store; a warehouse and the EC DC offer DELIVERY_PARCEL. A
// pickup point offers nothing: it holds no stock of its own in this model; a customer who
// collects at one orders DELIVERY to its address.
//
// Safety stock: an online order never takes the last units of a position. The units it must
// leave are the position's own safety stock when the merchant set one (the snapshot row's
// override; the ledger adapter passes position.safety_stock when it is > 0), and otherwise the
// method's default: store + ship-from-store 2, store + pickup 1, warehouse and DC 0. The
// override replaces the default for every method, up or down.
//
// Capacity: a store takes at most daily_capacity online orders per local day (0: none). A
// warehouse or the DC is unlimited when its daily_capacity is 0, limited like a store otherwise.
// A plan counts one order per location it ships from, whatever the method.
//
// Pure functions; thread-safe.
#ifndef OMNISTOCK_ENGINE_ROUTING_FULFILMENT_RULES_H_
#define OMNISTOCK_ENGINE_ROUTING_FULFILMENT_RULES_H_

#include <array>
#include <cstdint>
#include <optional>

#include "absl/time/time.h"
#include "engine/location.h"
#include "engine/routing/method.h"
#include "engine/routing/routing_config.h"
#include "engine/types.h"

namespace omnistock::routing {

struct MethodList {
  std::array<Method, 3> methods{};
  int count = 0;

  const Method* begin() const { return methods.data(); }
  const Method* end() const { return methods.data() + count; }
};

MethodList MethodsOffered(const Location& location);

inline Quantity SafetyStockFor(LocationKind kind, Method method,
                               const std::optional<Quantity>& override,
                               const RoutingConfig& config) {
  if (override.has_value()) return *override;
  if (kind != LocationKind::kStore) return config.safety_warehouse;
  return IsPickup(method) ? config.safety_store_pickup : config.safety_store_ship;
}

struct Capacity {
  bool limited = false;
  int64_t daily = 0;         // meaningful when limited
  int64_t orders_today = 0;  // before this plan

  bool exhausted() const { return limited && orders_today >= daily; }
  // orders_today / daily for a limited location with room, 0 otherwise.
  double load() const {
    return limited && daily > 0 ? static_cast<double>(orders_today) / static_cast<double>(daily)
                                : 0.0;
  }
};

Capacity CapacityOf(const Location& location, int64_t orders_today);

// From the plan to ready-for-pickup (pickup) or handed to the carrier (delivery).
absl::Duration LeadTime(LocationKind kind, Method method, const RoutingConfig& config);
// Whole days in transit for a delivery over `distance_km`: 1, 2 or 3.
int TransitDays(double distance_km, const RoutingConfig& config);

}  // namespace omnistock::routing

#endif  // OMNISTOCK_ENGINE_ROUTING_FULFILMENT_RULES_H_
