// Ledger::Plan reads the stock it plans against from the positions, through a per-SKU index of
// where they are in the routing network. These tests change what that index depends on (a new
// position of the SKU, a new location that renumbers the network, the stock itself) and check
// the next plan sees it.
#include <atomic>
#include <barrier>
#include <string>
#include <thread>

#include "catch2/catch.hpp"
#include "engine/ledger.h"
#include "engine/transient_ids.h"
#include "tests/engine/ledger_fixture.h"

namespace omnistock {
namespace {

using testing::kT0;
using testing::RecordingSink;

struct RoutingLedger {
  RecordingSink sink;
  Ledger ledger{&sink};

  // `daily_capacity` 0: unlimited; `timezone` empty: the routing default.
  void Warehouse(const std::string& id, double latitude, int64_t daily_capacity = 0,
                 const std::string& timezone = "") {
    Location location;
    location.id = LocationId(id);
    location.kind = LocationKind::kWarehouse;
    location.latitude = latitude;
    location.longitude = 139.7;
    location.daily_capacity = daily_capacity;
    location.timezone = timezone;
    REQUIRE(ledger.UpsertLocation(location).outcome == Outcome::kOk);
  }

  void Receive(const std::string& location, Quantity quantity) {
    REQUIRE(ledger.Receive(ReceiveCommand{LocationId(location), Sku("A"), quantity, "test"}, kT0)
                .outcome == Outcome::kOk);
  }

  // `units` of A delivered near the warehouses, held for `ttl`.
  static RouteCommand Order(const std::string& id, Quantity units = 1,
                            absl::Duration ttl = kReservationTtlDefault) {
    RouteCommand command;
    command.plan.lines.push_back(routing::OrderLine{Sku("A"), units});
    command.plan.destination = routing::GeoPoint{35.6, 139.7};
    command.id = ReservationId(id);
    command.channel = "web";
    command.ttl = ttl;
    return command;
  }

  // Three units of A, delivered near the warehouses: where from, or "" when not fulfilled.
  std::string ShipsFrom() const {
    routing::PlanRequest request;
    request.lines.push_back(routing::OrderLine{Sku("A"), 3});
    request.destination = routing::GeoPoint{35.6, 139.7};
    request.explain = false;
    absl::StatusOr<routing::Plan> plan = ledger.Plan(request, kT0);
    REQUIRE(plan.ok());
    if (plan->status != routing::PlanStatus::kFulfilled) return "";
    REQUIRE(plan->shipments.size() == 1);
    return plan->shipments[0].location_id.value();
  }
};

TEST_CASE("a plan sees a position added after the SKU was last planned") {
  RoutingLedger f;
  f.Warehouse("W1", 35.6);
  f.Warehouse("W2", 35.7);
  f.Receive("W1", 2);
  CHECK(f.ShipsFrom().empty());  // two units, three ordered
  f.Receive("W2", 5);            // a new position of A, same network
  CHECK(f.ShipsFrom() == "W2");
}

TEST_CASE("a plan reads the positions' current stock, not what an earlier plan saw") {
  RoutingLedger f;
  f.Warehouse("W1", 35.6);
  f.Warehouse("W2", 35.7);
  f.Receive("W1", 5);
  f.Receive("W2", 5);
  CHECK(f.ShipsFrom() == "W1");  // nearer
  const ReserveCommand order =
      testing::LedgerFixture::Order("r1", {Line{Sku("A"), LocationId("W1"), 4}});
  REQUIRE(f.ledger.Reserve(order, kT0).outcome == Outcome::kOk);
  CHECK(f.ShipsFrom() == "W2");  // W1 has one unit left
}

TEST_CASE("a plan after a location is added uses the renumbered network") {
  RoutingLedger f;
  f.Warehouse("W1", 35.6);
  f.Warehouse("W2", 35.7);
  f.Receive("W2", 5);
  CHECK(f.ShipsFrom() == "W2");
  // W0 sorts first: every index moves up by one. A stale index would put W2's stock at W1.
  f.Warehouse("W0", 35.8);
  CHECK(f.ShipsFrom() == "W2");
  f.Receive("W0", 5);
  f.Receive("W1", 1);
  CHECK(f.ShipsFrom() == "W2");  // W1 has too little, W0 is farther
}

TEST_CASE("planning SKUs nobody stocks leaves the routing index as it was") {
  RoutingLedger f;
  f.Warehouse("W1", 35.6);
  f.Receive("W1", 5);
  CHECK(f.ShipsFrom() == "W1");
  REQUIRE(f.ledger.routing_index_entries() == 1);
  for (int i = 0; i < 100; ++i) {
    routing::PlanRequest request;
    request.lines.push_back(routing::OrderLine{Sku("made-up-" + std::to_string(i)), 1});
    request.destination = routing::GeoPoint{35.6, 139.7};
    request.explain = false;
    absl::StatusOr<routing::Plan> plan = f.ledger.Plan(request, kT0);
    REQUIRE(plan.ok());
    CHECK(plan->status != routing::PlanStatus::kFulfilled);
  }
  CHECK(f.ledger.routing_index_entries() == 1);
}

TEST_CASE("daily-capacity counters of days over everywhere are dropped, today's kept") {
  RoutingLedger f;
  f.Warehouse("W1", 35.6, 1);  // one online order a day
  f.Receive("W1", 10);
  auto route = [&f](const std::string& id, absl::Time now) {
    const RouteCommand command = RoutingLedger::Order(id);
    absl::StatusOr<Routed> routed = f.ledger.RouteAndReserve(command, now);
    REQUIRE(routed.ok());
    const bool held = routed->held.has_value() && routed->held->outcome == Outcome::kOk;
    // Paid for: a HELD order would expire in 15 minutes and give its place back.
    if (held) REQUIRE(f.ledger.Confirm(command.id, now).outcome == Outcome::kOk);
    return held;
  };
  REQUIRE(route("day-1", kT0));
  CHECK_FALSE(route("day-1-again", kT0 + absl::Minutes(1)));  // the day's one order is taken
  REQUIRE(f.ledger.capacity_counters() == 1);
  CHECK(f.ledger.ForgetPastCapacityDays(kT0 + absl::Hours(1)) == 0);
  CHECK_FALSE(route("day-1-later", kT0 + absl::Hours(1)));  // still counted

  const absl::Time three_days_later = kT0 + absl::Hours(72);
  REQUIRE(route("day-4", three_days_later));
  REQUIRE(f.ledger.capacity_counters() == 2);
  CHECK(f.ledger.ForgetPastCapacityDays(three_days_later) == 1);
  CHECK(f.ledger.capacity_counters() == 1);
  CHECK_FALSE(route("day-4-again", three_days_later));  // today's count survives
  // Releasing the old order gives back to a counter that is gone: nothing happens.
  CHECK(f.ledger.Release(ReservationId("day-1"), three_days_later).outcome == Outcome::kOk);
  CHECK(f.ledger.capacity_counters() == 1);
}

TEST_CASE("a capacity-limited location whose time zone is unknown is refused, not retried") {
  RoutingLedger f;
  // The service refuses such a zone; a row stored before it did may hold one.
  f.Warehouse("W1", 35.6, 10, "Not/AZone");
  f.Receive("W1", 10);
  const absl::StatusOr<Routed> routed = f.ledger.RouteAndReserve(RoutingLedger::Order("r-1"), kT0);
  REQUIRE_FALSE(routed.ok());
  CHECK(routed.status().code() == absl::StatusCode::kFailedPrecondition);
  CHECK(routed.status().message() ==
        "time zone Not/AZone of location W1 is unknown: its daily capacity cannot be counted");
  CHECK(f.ledger.GetPositions({Sku("A")}, {LocationId("W1")}).at(0).reserved == 0);
}

}  // namespace
}  // namespace omnistock

namespace omnistock {
namespace {

TEST_CASE("a retried partial RouteAndReserve is a replay of what it held") {
  RoutingLedger f;
  f.Warehouse("W1", 35.6);
  f.Receive("W1", 10);  // A only: the other SKU is stocked nowhere, and never interned
  constexpr char kNowhere[] = "PARTIAL-ROUTE-NEVER-STOCKED";
  REQUIRE_FALSE(Sku::IfInterned(kNowhere).has_value());
  // As the service makes it: SKUs resolved without interning (transient_ids.h).
  auto order = [&](TransientIds& ids, Quantity nowhere_units) {
    RouteCommand command;
    command.plan.lines.push_back(routing::OrderLine{ids.Resolve<Sku>("A"), 2});
    command.plan.lines.push_back(routing::OrderLine{ids.Resolve<Sku>(kNowhere), nowhere_units});
    command.plan.destination = routing::GeoPoint{35.6, 139.7};
    command.plan.allow_partial = true;
    command.id = ReservationId("partial");
    command.channel = "web";
    return command;
  };

  // The retry is validated before the first call holds anything: its id of the never-stocked
  // SKU stays transient, while the first call's hold interns it.
  TransientIds retry_ids;
  const RouteCommand retry = order(retry_ids, 1);
  TransientIds first_ids;
  absl::StatusOr<Routed> first = f.ledger.RouteAndReserve(order(first_ids, 1), kT0);
  REQUIRE(first.ok());
  REQUIRE(first->held.has_value());
  REQUIRE(first->held->outcome == Outcome::kOk);
  REQUIRE(first->held->value.lines.size() == 1);  // A's two units, the other left out
  CHECK(first->held->value.ordered.size() == 2);
  CHECK(Sku::IfInterned(kNowhere).has_value());  // stored with what was ordered

  absl::StatusOr<Routed> again = f.ledger.RouteAndReserve(retry, kT0 + absl::Seconds(5));
  REQUIRE(again.ok());
  REQUIRE(again->held.has_value());
  CHECK(again->held->outcome == Outcome::kReplayed);
  CHECK(again->held->value == first->held->value);
  CHECK(f.ledger.GetPositions({Sku("A")}, {LocationId("W1")}).at(0).reserved == 2);

  // The same id ordering other units is another order.
  TransientIds other_ids;
  absl::StatusOr<Routed> other =
      f.ledger.RouteAndReserve(order(other_ids, 3), kT0 + absl::Seconds(6));
  REQUIRE(other.ok());
  REQUIRE(other->held.has_value());
  CHECK(other->held->outcome == Outcome::kReservationExistsWithDifferentContent);
  CHECK_THAT(other->held->detail, Catch::EndsWith("already exists with other SKUs or quantities"));
  CHECK(other->held->ticket == f.ledger.last_ticket());  // waits for the commit that made it
  CHECK(f.ledger.GetPositions({Sku("A")}, {LocationId("W1")}).at(0).reserved == 2);

  // A retry that does not allow a partial hold is not answered with one as if it were whole.
  TransientIds whole_ids;
  RouteCommand whole = order(whole_ids, 1);
  whole.plan.allow_partial = false;
  absl::StatusOr<Routed> refused = f.ledger.RouteAndReserve(whole, kT0 + absl::Seconds(7));
  REQUIRE(refused.ok());
  REQUIRE(refused->held.has_value());
  CHECK(refused->held->outcome == Outcome::kReservationExistsWithDifferentContent);
  CHECK_THAT(refused->held->detail, Catch::Contains("holds part of the order (0 of 1 units of sku "
                                                    "'PARTIAL-ROUTE-NEVER-STOCKED' held)") &&
                                        Catch::Contains("allow_partial"));
  CHECK(f.ledger.GetPositions({Sku("A")}, {LocationId("W1")}).at(0).reserved == 2);

  // Once let go it holds nothing, in part or whole: the retry is told so, as any replay.
  REQUIRE(f.ledger.Release(ReservationId("partial"), kT0 + absl::Seconds(8)).outcome ==
          Outcome::kOk);
  absl::StatusOr<Routed> released = f.ledger.RouteAndReserve(whole, kT0 + absl::Seconds(9));
  REQUIRE(released.ok());
  REQUIRE(released->held.has_value());
  CHECK(released->held->outcome == Outcome::kReplayed);
  CHECK(released->held->value.state == ReservationState::kReleased);
}

TEST_CASE("a RouteAndReserve retried past the hold's deadline expires it and answers EXPIRED") {
  RoutingLedger f;
  f.Warehouse("W1", 35.6);
  f.Receive("W1", 10);
  const RouteCommand command = RoutingLedger::Order("routed", 2, absl::Seconds(30));
  absl::StatusOr<Routed> first = f.ledger.RouteAndReserve(command, kT0);
  REQUIRE(first.ok());
  REQUIRE(first->held.has_value());
  REQUIRE(first->held->value.state == ReservationState::kHeld);
  REQUIRE(f.ledger.GetPositions({Sku("A")}, {LocationId("W1")}).at(0).reserved == 2);

  absl::StatusOr<Routed> late = f.ledger.RouteAndReserve(command, kT0 + absl::Minutes(1));
  REQUIRE(late.ok());
  REQUIRE(late->held.has_value());
  CHECK(late->held->outcome == Outcome::kReplayed);
  CHECK(late->held->value.state == ReservationState::kExpired);
  CHECK(late->held->ticket == f.ledger.last_ticket());  // waits for the expiry it made
  CHECK(f.sink.commits().back().reservations.at(0).state == ReservationState::kExpired);
  CHECK(f.ledger.GetPositions({Sku("A")}, {LocationId("W1")}).at(0).reserved == 0);
}

TEST_CASE("RouteAndReserve lets go of holds past their deadline before it plans") {
  RoutingLedger f;
  f.Warehouse("W1", 35.6);
  f.Receive("W1", 3);
  REQUIRE(f.ledger.RouteAndReserve(RoutingLedger::Order("cart", 3, absl::Seconds(30)), kT0)
              ->held->outcome == Outcome::kOk);
  const RouteCommand next = RoutingLedger::Order("next", 3);
  // No sweep has run since the cart's deadline: the plan still sees the stock.
  absl::StatusOr<Routed> routed = f.ledger.RouteAndReserve(next, kT0 + absl::Seconds(31));
  REQUIRE(routed.ok());
  REQUIRE(routed->held.has_value());
  CHECK(routed->held->outcome == Outcome::kOk);
  CHECK(f.ledger.GetReservation(ReservationId("cart"))->state == ReservationState::kExpired);
}

// A client that retries a routed order while the first call is still in flight must get the
// order back, not ALREADY_EXISTS. The nearer warehouse has one unit per round: the call that
// holds first takes it, so a call that plans after that hold plans the farther warehouse, and
// its hold then meets the first call's reservation of other locations under the same id.
TEST_CASE("concurrent RouteAndReserve calls of one order all get that order") {
  RoutingLedger f;
  f.Warehouse("NEAR", 35.6);
  f.Warehouse("FAR", 36.6);
  constexpr int kRounds = 3000;
  f.Receive("FAR", kRounds * 2);
  auto order = [](int round) { return RoutingLedger::Order("retried-" + std::to_string(round)); };
  std::barrier<> round_edge(2);
  std::atomic<int> not_the_order{0};
  auto caller = [&](bool restocks) {
    for (int round = 0; round < kRounds; ++round) {
      if (restocks) f.Receive("NEAR", 1);
      round_edge.arrive_and_wait();  // both calls start together
      const absl::StatusOr<Routed> routed = f.ledger.RouteAndReserve(order(round), kT0);
      if (!routed.ok() || !routed->held.has_value() || !Succeeded(routed->held->outcome)) {
        not_the_order.fetch_add(1);
      } else if (routed->held->outcome == Outcome::kReplayed &&
                 (routed->attempts != 0 || !routed->plan.shipments.empty())) {
        not_the_order.fetch_add(1);  // a replay answers no plan (ledger.h)
      }
      round_edge.arrive_and_wait();  // both are back before the next round's stock
    }
  };
  std::thread other(caller, false);
  caller(true);
  other.join();
  CHECK(not_the_order.load() == 0);
  // One unit held per order, wherever it was planned from.
  const std::vector<Position> held = f.ledger.GetPositions({Sku("A")}, {});
  REQUIRE(held.size() == 2);
  CHECK(held[0].reserved + held[1].reserved == kRounds);
}

}  // namespace
}  // namespace omnistock
