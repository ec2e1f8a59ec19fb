// The ledger's side of routing: a consistent snapshot of an order's positions for the pure
// planner (engine/routing/planner.h), today's capacity use, and RouteAndReserve, which holds
// the plan with the same all-or-nothing Reserve as any order.
#include <algorithm>
#include <map>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/civil_time.h"
#include "engine/check.h"
#include "engine/ledger.h"
#include "engine/routing/fulfilment_rules.h"
#include "engine/routing/local_day.h"
#include "engine/routing/planner.h"
#include "engine/routing/stock_snapshot.h"

namespace omnistock {
namespace {

// What a plan names its network by: "network-" and 16 hex digits of a hash (FNV-1a, 64 bits) of
// every location as routing reads it. The same network gives the same version, also after a
// restart, and any change a plan could see gives another, so a client may cache plans by it.
std::string NetworkVersion(std::vector<Location> locations) {
  std::sort(locations.begin(), locations.end(),
            [](const Location& a, const Location& b) { return a.id.value() < b.id.value(); });
  uint64_t hash = 14695981039346656037ull;
  auto add = [&hash](absl::string_view field) {
    for (const char c : field) hash = (hash ^ static_cast<unsigned char>(c)) * 1099511628211ull;
    hash = (hash ^ 0x1f) * 1099511628211ull;  // a separator no field holds
  };
  for (const Location& l : locations) {
    const Capabilities& c = l.capabilities;
    add(absl::StrCat(l.id.value(), "\x1e", static_cast<int>(l.kind), "\x1e", l.name, "\x1e",
                     absl::StrFormat("%.17g,%.17g", l.latitude, l.longitude), "\x1e", c.pickup,
                     c.curbside, c.ship_from_store, c.walk_in_sales, "\x1e", l.daily_capacity,
                     "\x1e", l.disabled, "\x1e", l.timezone));
  }
  return absl::StrFormat("network-%016x", hash);
}

}  // namespace

std::shared_ptr<const routing::Network> Ledger::CurrentNetwork() const {
  {
    absl::ReaderMutexLock lock(&locations_mu_);
    if (network_) return network_;
  }
  absl::MutexLock lock(&locations_mu_);
  if (network_) return network_;
  std::vector<Location> locations;
  locations.reserve(locations_.size());
  for (const auto& [id, location] : locations_) locations.push_back(location);
  // The locations were validated when they were upserted, so Build cannot refuse them.
  std::string version = NetworkVersion(locations);
  absl::StatusOr<std::shared_ptr<const routing::Network>> built =
      routing::Network::Build(std::move(locations), std::move(version));
  OMNISTOCK_CHECK(built.ok());
  network_ = *std::move(built);
  return network_;
}

std::vector<int64_t> Ledger::OrdersToday(const routing::Network& network, absl::Time now) const {
  std::vector<int64_t> orders(static_cast<size_t>(network.size()), 0);
  absl::MutexLock lock(&capacity_mu_);
  if (online_orders_.empty()) return orders;
  // One local day per time zone, not per location.
  absl::flat_hash_map<std::string, std::string> day_of_zone;
  for (const auto& [key, count] : online_orders_) {
    const std::optional<routing::LocationIndex> index = network.Find(key.first);
    if (!index) continue;
    const Location& location = network.location(*index);
    auto [it, inserted] = day_of_zone.try_emplace(location.timezone);
    if (inserted) {
      absl::StatusOr<std::string> day = routing::LocalDayKey(now, location, routing_config_);
      it->second = day.ok() ? *day : std::string();
    }
    if (it->second == key.second) orders[static_cast<size_t>(*index)] = count;
  }
  return orders;
}

bool Ledger::TakeCapacity(const std::vector<CapacityUse>& uses, const routing::Network& network) {
  absl::MutexLock lock(&capacity_mu_);
  for (const CapacityUse& use : uses) {
    const std::optional<routing::LocationIndex> index = network.Find(use.location);
    if (!index) return false;
    const routing::Capacity capacity =
        routing::CapacityOf(network.location(*index), online_orders_[{use.location, use.day}]);
    if (capacity.exhausted()) return false;
  }
  for (const CapacityUse& use : uses) ++online_orders_[{use.location, use.day}];
  return true;
}

int Ledger::ForgetPastCapacityDays(absl::Time now) {
  // Local days run at most 14 hours ahead of UTC and 12 behind: no location is still on a day
  // before yesterday's UTC date. Day keys ("2027-01-15") sort as the days do.
  const std::string oldest_current =
      absl::FormatCivilTime(absl::ToCivilDay(now, absl::UTCTimeZone()) - 1);
  absl::MutexLock lock(&capacity_mu_);
  return static_cast<int>(absl::erase_if(
      online_orders_, [&](const auto& entry) { return entry.first.second < oldest_current; }));
}

size_t Ledger::capacity_counters() const {
  absl::MutexLock lock(&capacity_mu_);
  return online_orders_.size();
}

void Ledger::GiveBackCapacity(const std::vector<CapacityUse>& uses) {
  if (uses.empty()) return;
  absl::MutexLock lock(&capacity_mu_);
  for (const CapacityUse& use : uses) {
    auto it = online_orders_.find({use.location, use.day});
    if (it == online_orders_.end()) continue;
    if (--it->second <= 0) online_orders_.erase(it);
  }
}

namespace {

routing::StockRow RowOf(routing::LocationIndex index, const Position& position) {
  routing::StockRow row;
  row.location = index;
  row.on_hand = position.on_hand;
  row.reserved = position.reserved;
  // A safety stock the merchant set replaces the method defaults (fulfilment_rules.h).
  if (position.safety_stock > 0) row.safety_stock_override = position.safety_stock;
  return row;
}

}  // namespace

routing::StockSnapshot Ledger::StockFor(const routing::PlanRequest& request,
                                        const std::shared_ptr<const routing::Network>& network,
                                        const std::vector<routing::LocationIndex>* only) const {
  routing::StockSnapshot stock;
  // Every shard of the order at once, so the plan sees no half of a concurrent order.
  ShardLockSet shard_locks(shards_.data(), request.lines);
  std::vector<routing::StockRow> rows;
  for (const routing::OrderLine& line : request.lines) {
    const RoutingRows& positions =
        shards_[ShardIndexFor(line.sku)].RoutingRowsFor(line.sku, network);
    rows.clear();
    if (only != nullptr) {
      for (routing::LocationIndex index : *only) {
        if (const Position* position = positions.At(index)) rows.push_back(RowOf(index, *position));
      }
    } else {
      rows.reserve(positions.rows.size());
      for (const auto& [index, position] : positions.rows) rows.push_back(RowOf(index, *position));
    }
    stock.Add(line.sku, rows);
  }
  return stock;
}

absl::StatusOr<routing::Plan> Ledger::Plan(routing::PlanRequest request, absl::Time now) const {
  const std::shared_ptr<const routing::Network> network = CurrentNetwork();
  request.now = now;
  const std::vector<int64_t> orders_today = OrdersToday(*network, now);
  thread_local routing::Planner planner;
  if (!request.explain) {
    // Most orders are settled by the hubs and the pickup stores near the customer: copy only
    // their positions, and everything only when the planner asks for it (a second, complete
    // snapshot: each plan is made from one consistent read).
    absl::StatusOr<std::vector<routing::LocationIndex>> first =
        planner.FirstReads(network, routing_config_, request);
    if (!first.ok()) return first.status();
    const routing::StockSnapshot stock = StockFor(request, network, &*first);
    absl::StatusOr<std::optional<routing::Plan>> plan =
        planner.PlanFromFirstReads(network, routing_config_, stock, orders_today, request);
    if (!plan.ok()) return plan.status();
    if (plan->has_value()) return **std::move(plan);
  }
  const routing::StockSnapshot stock = StockFor(request, network, nullptr);
  return planner.PlanOrder(network, routing_config_, stock, orders_today, request);
}

namespace {

// Each SKU a partial hold holds short, as "3 of 10 units of sku 'X' held".
std::string HeldShort(const Reservation& reservation) {
  const std::map<std::string_view, Quantity> held = UnitsBySku(reservation.lines);
  std::vector<std::string> parts;
  for (const auto& [sku, units] : UnitsBySku(reservation.ordered)) {
    const auto it = held.find(sku);
    const Quantity got = it == held.end() ? 0 : it->second;
    if (got < units) {
      parts.push_back(absl::StrCat(got, " of ", units, " units of sku '",
                                   absl::string_view(sku.data(), sku.size()), "' held"));
    }
  }
  return absl::StrJoin(parts, ", ");
}

// What a routed order whose id is already held answers: a replay when the reservation holds
// what the command orders (its SKUs and units, wherever they were planned from), with the
// same channel and order_ref, and, when it holds only part of them, the command allows that;
// else a different order under the same id.
Applied<Reservation> RoutedReplay(Reservation existing, const RouteCommand& command,
                                  CommitTicket ticket) {
  Applied<Reservation> applied;
  applied.ticket = ticket;  // "it exists" waits for the commit that made it (Ledger::Reserve)
  const bool partial = !existing.ordered.empty();  // reservation.h
  const std::map<std::string_view, Quantity> ordered =
      partial ? UnitsBySku(existing.ordered) : UnitsBySku(existing.lines);
  if (const std::string differs = ContentDifference(
          ordered == UnitsBySku(command.plan.lines) ? "" : "other SKUs or quantities",
          existing.channel, command.channel, existing.order_ref, command.order_ref);
      !differs.empty()) {
    applied.outcome = Outcome::kReservationExistsWithDifferentContent;
    applied.detail =
        absl::StrCat("reservation_id '", command.id.value(), "' already exists with ", differs);
    return applied;
  }
  if (partial && IsLive(existing.state) && !command.plan.allow_partial) {
    applied.outcome = Outcome::kReservationExistsWithDifferentContent;
    applied.detail = absl::StrCat("reservation_id '", command.id.value(),
                                  "' holds part of the order (", HeldShort(existing),
                                  "), and this call does not allow a partial hold "
                                  "(plan.allow_partial)");
    return applied;
  }
  applied.outcome = Outcome::kReplayed;
  applied.value = std::move(existing);
  return applied;
}

}  // namespace

absl::StatusOr<Routed> Ledger::RouteAndReserve(const RouteCommand& command, absl::Time now) {
  // An order already held under the id answers the call: a replay, or another order under the
  // same id; with no plan and attempts 0 (ledger.h).
  auto answer_held = [&]() -> std::optional<Routed> {
    // A HELD one past its deadline is expired first, as Reserve's replay does.
    CommitTicket expiry_ticket = 0;
    std::optional<Reservation> existing = GetReservation(command.id, now, &expiry_ticket);
    if (!existing) return std::nullopt;
    Routed held;
    held.held =
        RoutedReplay(*std::move(existing), command, expiry_ticket ? expiry_ticket : last_ticket());
    return held;
  };
  if (std::optional<Routed> held = answer_held()) return *std::move(held);
  // A plan counts what holds keep: those past their deadline are let go first (Reserve).
  ExpireIfDue(now);

  Routed routed;

  for (routed.attempts = 1; routed.attempts <= kRouteAttemptsMax; ++routed.attempts) {
    absl::StatusOr<routing::Plan> plan = Plan(command.plan, now);
    if (!plan.ok()) return plan.status();
    routed.plan = *std::move(plan);
    if (routed.plan.status == routing::PlanStatus::kRejected) return routed;

    const routing::Network& network = *routed.plan.network;
    ReserveCommand reserve;
    reserve.id = command.id;
    reserve.channel = command.channel;
    reserve.order_ref = command.order_ref;
    reserve.ttl = command.ttl;
    for (const routing::Shipment& shipment : routed.plan.shipments) {
      const std::optional<routing::LocationIndex> index = network.Find(shipment.location_id);
      OMNISTOCK_CHECK(index.has_value());
      const Location& location = network.location(*index);
      for (const routing::ShipmentLine& line : shipment.lines) {
        reserve.lines.push_back(Line{line.sku, shipment.location_id, line.quantity});
        // The method's default; Reserve applies a position's own safety stock instead, under
        // the same shard lock as its check, as the planner did.
        reserve.keep.push_back(
            routing::SafetyStockFor(location.kind, shipment.method, std::nullopt, routing_config_));
      }
      if (routing::CapacityOf(location, 0).limited) {
        absl::StatusOr<std::string> day = routing::LocalDayKey(now, location, routing_config_);
        // Not a race that planning again could win (UpsertLocation checks the zone; a row from
        // before it did, or a tz database without the zone, leaves this).
        if (!day.ok()) {
          return absl::FailedPreconditionError(
              absl::StrCat(day.status().message(), ": its daily capacity cannot be counted"));
        }
        reserve.capacity.push_back(CapacityUse{shipment.location_id, *day});
      }
    }
    if (!TakeCapacity(reserve.capacity, network)) continue;

    // Held in part: what was ordered is kept, so that a retry is known as one.
    if (UnitsBySku(reserve.lines) != UnitsBySku(command.plan.lines)) {
      for (const routing::OrderLine& line : command.plan.lines) {
        reserve.ordered.push_back(SkuUnits{line.sku, line.quantity});
      }
    }
    Applied<Reservation> applied = Reserve(reserve, now);
    if (applied.outcome == Outcome::kOk) {
      routed.held = std::move(applied);
      return routed;
    }
    GiveBackCapacity(reserve.capacity);
    // The id was held meanwhile by a concurrent call (a client's retry of this order while it
    // is in flight), which took its own capacity: answered as the check above answers, whether
    // that call planned the same locations as this one (Reserve replayed it) or others.
    if (applied.outcome == Outcome::kReplayed ||
        applied.outcome == Outcome::kReservationExistsWithDifferentContent) {
      if (std::optional<Routed> held = answer_held()) return *std::move(held);
    }
    switch (applied.outcome) {
      case Outcome::kInsufficientAvailable:  // another order took the stock: plan again
      case Outcome::kLocationDisabled:
      case Outcome::kLocationNotFound:
      case Outcome::kLocationHoldsNoStock:  // became a pickup point since the plan
        continue;
      default:
        routed.held = std::move(applied);
        return routed;
    }
  }
  return absl::AbortedError(
      absl::StrCat("the stock or capacity of the plan was taken by concurrent orders ",
                   kRouteAttemptsMax, " times in a row; retry the call"));
}

}  // namespace omnistock
