#include "bench/routing/audit.h"

#include <algorithm>
#include <functional>

#include "absl/container/flat_hash_map.h"
#include "engine/routing/geo.h"

namespace omnistock::routing_bench {

using routing::LocationIndex;
using routing::Method;
using routing::PlanRequest;
using routing::Preference;

namespace {

bool Wanted(const PlanRequest& request, Method method) {
  if (request.allow_method_fallback) return true;
  switch (request.preference) {
    case Preference::kDelivery:
      return method == Method::kDeliveryParcel || method == Method::kShipFromStore;
    case Preference::kBopis:
      return method == Method::kBopis;
    case Preference::kCurbside:
      return method == Method::kCurbside;
  }
  return false;
}

bool Preferred(const PlanRequest& request, Method method) {
  PlanRequest strict;
  strict.preference = request.preference;
  return Wanted(strict, method);
}

std::vector<Method> Offered(const Location& location) {
  switch (location.kind) {
    case LocationKind::kStore: {
      std::vector<Method> methods;
      if (location.capabilities.ship_from_store) methods.push_back(Method::kShipFromStore);
      if (location.capabilities.pickup) methods.push_back(Method::kBopis);
      if (location.capabilities.curbside) methods.push_back(Method::kCurbside);
      return methods;
    }
    case LocationKind::kWarehouse:
    case LocationKind::kEcDc:
      return {Method::kDeliveryParcel};
    case LocationKind::kPickupPoint:
      return {};
  }
  return {};
}

bool IsPickupMethod(Method method) {
  return method == Method::kBopis || method == Method::kCurbside;
}

}  // namespace

Quantity AuditSafetyStock(const Location& location, Method method,
                          const std::optional<Quantity>& override,
                          const routing::RoutingConfig& config) {
  if (override) return *override;
  if (location.kind == LocationKind::kWarehouse || location.kind == LocationKind::kEcDc) {
    return config.safety_warehouse;
  }
  return IsPickupMethod(method) ? config.safety_store_pickup : config.safety_store_ship;
}

AuditCandidates DeriveCandidates(const Instance& instance, const PlanRequest& request) {
  const routing::Network& network = *instance.network;
  const routing::RoutingConfig& config = instance.config;
  const int lines = static_cast<int>(request.lines.size());
  std::vector<absl::flat_hash_map<LocationIndex, routing::StockRow>> rows(lines);
  for (int line = 0; line < lines; ++line) {
    for (const routing::StockRow& row : instance.stock.RowsFor(request.lines[line].sku)) {
      rows[line][row.location] = row;
    }
  }
  std::optional<routing::GeoPoint> centre = request.destination;
  std::optional<LocationIndex> preferred;
  if (request.preferred_pickup) {
    preferred = network.Find(*request.preferred_pickup);
    centre = network.point(*preferred);
  }
  AuditCandidates candidates;
  for (LocationIndex index = 0; index < network.size(); ++index) {
    const Location& location = network.location(index);
    if (location.disabled) continue;
    const int64_t today = static_cast<size_t>(index) < instance.orders_today.size()
                              ? instance.orders_today[index]
                              : 0;
    const bool store = location.kind == LocationKind::kStore;
    const bool limited = store || location.daily_capacity > 0;
    if (limited && today >= location.daily_capacity) continue;
    const double load =
        limited ? static_cast<double>(today) / static_cast<double>(location.daily_capacity) : 0;
    for (Method method : Offered(location)) {
      if (!Wanted(request, method)) continue;
      const bool pickup = IsPickupMethod(method);
      if (pickup ? !centre.has_value() : !request.destination.has_value()) continue;
      AuditOption option;
      option.index = index;
      option.method = method;
      option.km =
          routing::HaversineKm(network.point(index), pickup ? *centre : *request.destination);
      if (pickup && option.km > config.pickup_radius_km) continue;
      option.covers_all = true;
      bool any = false;
      for (int line = 0; line < lines; ++line) {
        auto it = rows[line].find(index);
        Quantity free = 0;
        if (it != rows[line].end()) {
          free = it->second.on_hand - it->second.reserved -
                 AuditSafetyStock(location, method, it->second.safety_stock_override, config);
        } else {
          free = -AuditSafetyStock(location, method, std::nullopt, config);
        }
        const Quantity units = std::max<Quantity>(0, std::min(free, request.lines[line].quantity));
        option.units.push_back(units);
        if (units < request.lines[line].quantity) option.covers_all = false;
        if (units > 0) any = true;
      }
      option.fixed = (pickup ? config.handling_pickup + config.pickup_per_km * option.km
                             : config.carrier_base +
                                   (store ? config.handling_store : config.handling_warehouse)) +
                     config.capacity_balancing * load +
                     (Preferred(request, method) ? 0.0 : config.method_fallback_penalty);
      option.per_unit =
          (store ? config.picking_store : config.picking_warehouse) +
          (pickup ? 0.0 : config.carrier_per_unit + config.carrier_per_unit_km * option.km);
      absl::Duration lead = config.pickup_lead_store;
      if (!pickup) {
        lead = store                                       ? config.ship_lead_store
               : location.kind == LocationKind::kWarehouse ? config.ship_lead_warehouse
                                                           : config.ship_lead_dc;
      }
      option.delivered = request.now + lead;
      if (!pickup) {
        const int days = option.km <= config.next_day_km  ? 1
                         : option.km <= config.two_day_km ? 2
                                                          : 3;
        option.delivered += absl::Hours(24 * days);
      }
      if (pickup) {
        if (!option.covers_all) continue;
        if (preferred && index == *preferred && Preferred(request, method)) {
          candidates.preferred_serves = option;
        }
        candidates.pickups.push_back(std::move(option));
      } else if (any) {
        candidates.deliveries.push_back(std::move(option));
      }
    }
  }
  return candidates;
}

std::optional<bool> FullPlanExists(const AuditCandidates& candidates, const PlanRequest& request,
                                   int64_t node_budget) {
  if (!candidates.pickups.empty()) return true;
  const int lines = static_cast<int>(request.lines.size());
  const std::vector<AuditOption>& options = candidates.deliveries;
  std::vector<Quantity> residual(lines);
  for (int line = 0; line < lines; ++line) residual[line] = request.lines[line].quantity;
  enum : uint8_t { kFree, kUsed, kBanned };
  std::vector<uint8_t> state(options.size(), kFree);
  int64_t nodes = 0;
  bool exhausted_budget = false;
  std::function<bool(int)> search = [&](int left) -> bool {
    if (++nodes > node_budget) {
      exhausted_budget = true;
      return false;
    }
    int open = -1;
    int open_lines = 0;
    for (int line = 0; line < lines; ++line) {
      if (residual[line] > 0) {
        if (open < 0) open = line;
        ++open_lines;
      }
    }
    if (open < 0) return true;
    if (left == 0) return false;
    // Bounds from the free candidates: each open line's `left` largest holdings must reach its
    // residual, and `left` candidates must be able to close every open line.
    int most_closed = 0;
    for (int line = 0; line < lines; ++line) {
      if (residual[line] == 0) continue;
      std::vector<Quantity> held;
      for (size_t k = 0; k < options.size(); ++k) {
        if (state[k] == kFree && options[k].units[line] > 0) held.push_back(options[k].units[line]);
      }
      const size_t take = std::min<size_t>(left, held.size());
      std::partial_sort(held.begin(), held.begin() + take, held.end(), std::greater<>());
      Quantity reach = 0;
      for (size_t r = 0; r < take; ++r) reach += held[r];
      if (reach < residual[line]) return false;
    }
    for (size_t k = 0; k < options.size(); ++k) {
      if (state[k] != kFree) continue;
      int closed = 0;
      for (int line = 0; line < lines; ++line) {
        if (residual[line] > 0 && options[k].units[line] > 0) ++closed;
      }
      most_closed = std::max(most_closed, closed);
    }
    if (static_cast<int64_t>(most_closed) * left < open_lines) return false;
    // Some member holds the first open line: branch on the first such member, banning the
    // earlier ones in later branches so that no set is tried twice.
    std::vector<size_t> banned;
    bool found = false;
    for (size_t k = 0; k < options.size() && !found; ++k) {
      if (state[k] != kFree || options[k].units[open] == 0) continue;
      state[k] = kUsed;
      std::vector<Quantity> saved = residual;
      for (int line = 0; line < lines; ++line) {
        residual[line] = std::max<Quantity>(0, residual[line] - options[k].units[line]);
      }
      found = search(left - 1);
      residual = std::move(saved);
      state[k] = kBanned;
      banned.push_back(k);
      if (exhausted_budget) break;
    }
    for (size_t k : banned) state[k] = kFree;
    return found;
  };
  const bool found = search(request.max_shipments);
  if (!found && exhausted_budget) return std::nullopt;
  return found;
}

double AuditShipmentCost(const AuditOption& option, Quantity units) {
  return option.fixed + option.per_unit * static_cast<double>(units);
}

}  // namespace omnistock::routing_bench
