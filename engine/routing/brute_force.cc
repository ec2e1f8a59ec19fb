#include "engine/routing/brute_force.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "engine/routing/cost_model.h"
#include "engine/routing/fulfilment_rules.h"
#include "engine/routing/plan_rank.h"

namespace omnistock::routing {

namespace {

struct Option {
  LocationIndex index = 0;
  Method method = Method::kUnspecified;
  double km = 0;
  double load = 0;
  bool fallback = false;
  double unit = 0;
  double fixed = 0;
  absl::Time delivered;
  std::vector<Quantity> units;  // per line: what it may give, capped at the line's quantity
};

struct Best {
  PlanRank rank;
  std::vector<const Option*> members;       // sorted by (unit, index)
  std::vector<std::vector<Quantity>> fill;  // per member, per line
};

}  // namespace

absl::StatusOr<Plan> BruteForcePlan(const std::shared_ptr<const Network>& network,
                                    const RoutingConfig& config, const StockSnapshot& stock,
                                    std::span<const int64_t> orders_today,
                                    const PlanRequest& request) {
  if (absl::Status status = Validate(config); !status.ok()) return status;
  if (absl::Status status = ValidatePlanRequest(request, *network); !status.ok()) return status;
  const int lines = static_cast<int>(request.lines.size());
  Quantity ordered = 0;
  for (const OrderLine& line : request.lines) ordered += line.quantity;

  // (line, location) -> row; the last row of a pair wins, as in the planner.
  std::vector<absl::flat_hash_map<LocationIndex, StockRow>> rows(lines);
  for (int line = 0; line < lines; ++line) {
    for (const StockRow& row : stock.RowsFor(request.lines[line].sku)) {
      rows[line][row.location] = row;
    }
  }
  std::optional<GeoPoint> centre = request.destination;
  std::optional<LocationIndex> preferred;
  if (request.preferred_pickup.has_value()) {
    preferred = network->Find(*request.preferred_pickup);
    centre = network->point(*preferred);
  }
  auto allowed = [&](Method method) {
    if (!Honours(request.preference, method) && !request.allow_method_fallback) return false;
    return IsPickup(method) ? centre.has_value() : request.destination.has_value();
  };

  std::vector<Option> pickups;
  std::vector<Option> deliveries;
  for (LocationIndex index = 0; index < network->size(); ++index) {
    const Location& location = network->location(index);
    if (location.disabled) continue;
    const int64_t today =
        static_cast<size_t>(index) < orders_today.size() ? orders_today[index] : 0;
    const Capacity capacity = CapacityOf(location, today);
    if (capacity.exhausted()) continue;
    for (Method method : MethodsOffered(location)) {
      if (!allowed(method)) continue;
      Option option;
      option.index = index;
      option.method = method;
      option.load = capacity.load();
      option.fallback = !Honours(request.preference, method);
      const GeoPoint to = IsPickup(method) ? *centre : *request.destination;
      option.km = HaversineKm(network->point(index), to);
      if (IsPickup(method) && option.km > config.pickup_radius_km) continue;
      option.unit = UnitCost(config, location.kind, method, option.km);
      option.fixed =
          FixedCost(config, location.kind, method, option.km, option.load, option.fallback);
      option.delivered = request.now + LeadTime(location.kind, method, config);
      if (IsDelivery(method)) option.delivered += absl::Hours(24) * TransitDays(option.km, config);
      bool complete = true;
      bool any = false;
      for (int line = 0; line < lines; ++line) {
        auto it = rows[line].find(index);
        StockRow row;
        row.location = index;
        if (it != rows[line].end()) row = it->second;
        const Quantity safety =
            SafetyStockFor(location.kind, method, row.safety_stock_override, config);
        const Quantity needed = request.lines[line].quantity;
        const Quantity units = std::clamp<Quantity>(row.on_hand - row.reserved - safety, 0, needed);
        option.units.push_back(units);
        if (units < needed) complete = false;
        if (units > 0) any = true;
      }
      if (IsPickup(method)) {
        if (complete) pickups.push_back(std::move(option));
      } else if (any) {
        deliveries.push_back(std::move(option));
      }
    }
  }

  Best best;
  auto consider = [&](const PlanRank& rank, std::vector<const Option*> members,
                      std::vector<std::vector<Quantity>> fill) {
    if (Better(rank, best.rank)) best = Best{rank, std::move(members), std::move(fill)};
  };

  // The preferred store, when it can serve everything by the preferred pickup method.
  bool preferred_serves = false;
  if (preferred.has_value() && request.preference != Preference::kDelivery) {
    for (const Option& option : pickups) {
      if (option.index == *preferred && Honours(request.preference, option.method)) {
        PlanRank rank;
        rank.units = ordered;
        rank.cost = option.fixed + option.unit * static_cast<double>(ordered);
        rank.Add(ShipmentKey{option.index, option.method}, option.delivered, option.km);
        consider(rank, {&option}, {option.units});
        preferred_serves = true;
      }
    }
  }
  if (!preferred_serves) {
    for (const Option& option : pickups) {
      PlanRank rank;
      rank.units = ordered;
      rank.cost = option.fixed + option.unit * static_cast<double>(ordered);
      rank.Add(ShipmentKey{option.index, option.method}, option.delivered, option.km);
      consider(rank, {&option}, {option.units});
    }
    std::sort(deliveries.begin(), deliveries.end(), [](const Option& a, const Option& b) {
      return a.unit != b.unit ? a.unit < b.unit : a.index < b.index;
    });
    // Every subset of at most max_shipments candidates, as ascending index lists.
    const int count = static_cast<int>(deliveries.size());
    std::vector<int> chosen;
    auto evaluate = [&]() {
      std::vector<Quantity> residual(lines);
      for (int line = 0; line < lines; ++line) residual[line] = request.lines[line].quantity;
      std::vector<const Option*> members;
      std::vector<std::vector<Quantity>> fill;
      double cost = config.split_penalty * static_cast<double>(chosen.size() - 1);
      Quantity units = 0;
      for (int k : chosen) {
        const Option& option = deliveries[k];
        std::vector<Quantity> take(lines, 0);
        Quantity shipped = 0;
        for (int line = 0; line < lines; ++line) {
          take[line] = std::min(residual[line], option.units[line]);
          residual[line] -= take[line];
          shipped += take[line];
        }
        if (shipped == 0) return;  // a member that ships nothing: not a plan of this size
        cost += option.fixed + option.unit * static_cast<double>(shipped);
        units += shipped;
        members.push_back(&option);
        fill.push_back(std::move(take));
      }
      if (units < ordered && !request.allow_partial) return;
      PlanRank rank;
      rank.units = units;
      rank.cost = cost;
      for (const Option* option : members) {
        rank.Add(ShipmentKey{option->index, option->method}, option->delivered, option->km);
      }
      consider(rank, std::move(members), std::move(fill));
    };
    auto enumerate = [&](auto&& self, int start) -> void {
      if (!chosen.empty()) evaluate();
      if (static_cast<int>(chosen.size()) == request.max_shipments) return;
      for (int k = start; k < count; ++k) {
        chosen.push_back(k);
        self(self, k + 1);
        chosen.pop_back();
      }
    };
    enumerate(enumerate, 0);
  }

  Plan plan;
  plan.network = network;
  plan.config_version = config.version;
  plan.network_version = network->version();
  plan.totals.units_ordered = ordered;
  if (best.members.empty()) return plan;  // REJECTED
  std::vector<std::pair<LocationIndex, Shipment>> made;
  for (size_t m = 0; m < best.members.size(); ++m) {
    const Option& option = *best.members[m];
    const Location& location = network->location(option.index);
    Shipment shipment;
    shipment.location_id = location.id;
    shipment.location_kind = location.kind;
    shipment.method = option.method;
    for (int line = 0; line < lines; ++line) {
      if (best.fill[m][line] == 0) continue;
      shipment.lines.push_back({request.lines[line].sku, best.fill[m][line]});
      shipment.units += best.fill[m][line];
    }
    shipment.distance_km = option.km;
    shipment.ready_at = request.now + LeadTime(location.kind, option.method, config);
    shipment.estimated_delivery = option.delivered;
    shipment.cost = ShipmentCost(config, location.kind, option.method, option.km, shipment.units,
                                 option.load, option.fallback);
    shipment.cost_total = shipment.cost.Total();
    made.emplace_back(option.index, std::move(shipment));
  }
  std::sort(made.begin(), made.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  plan.totals.preference_honoured = true;
  for (auto& [index, shipment] : made) {
    plan.totals.cost += shipment.cost_total;
    plan.totals.units += shipment.units;
    plan.totals.distance_km += shipment.distance_km;
    plan.totals.estimated_delivery =
        std::max(plan.totals.estimated_delivery, shipment.estimated_delivery);
    if (!Honours(request.preference, shipment.method)) plan.totals.preference_honoured = false;
    if (preferred.has_value() && request.preference != Preference::kDelivery &&
        index != *preferred) {
      plan.totals.preference_honoured = false;
    }
    plan.shipments.push_back(std::move(shipment));
  }
  plan.totals.shipments = static_cast<int>(plan.shipments.size());
  plan.totals.is_split = plan.totals.shipments > 1;
  plan.totals.split_penalty = config.split_penalty * (plan.totals.shipments - 1);
  plan.totals.cost += plan.totals.split_penalty;
  plan.status = plan.totals.units == ordered ? PlanStatus::kFulfilled : PlanStatus::kPartial;
  return plan;
}

}  // namespace omnistock::routing
