// The reservation life cycle: HELD -> CONFIRMED -> FULFILLED, or RELEASED / EXPIRED, with
// idempotent retries and refused illegal transitions. Time is injected.
#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"
#include "engine/ledger.h"
#include "engine/transient_ids.h"
#include "tests/engine/ledger_fixture.h"

namespace omnistock::testing {
namespace {

struct LifecycleFixture : LedgerFixture {
  LifecycleFixture() {
    Stock("A", "S1", 10);
    Stock("B", "W1", 10);
  }
  Applied<Reservation> Hold(const std::string& id, absl::Duration ttl = absl::Minutes(15)) {
    return ledger.Reserve(Order(id, {L("A", "S1", 2), L("B", "W1", 3)}, ttl), kT0);
  }
};

}  // namespace

TEST_CASE("confirm then fulfil removes the units from on_hand and reserved") {
  LifecycleFixture f;
  REQUIRE(f.Hold("r1").outcome == Outcome::kOk);
  auto confirmed = f.ledger.Confirm(ReservationId("r1"), kT0 + absl::Minutes(1));
  REQUIRE(confirmed.outcome == Outcome::kOk);
  CHECK(confirmed.value.state == ReservationState::kConfirmed);
  CHECK(f.At("A", "S1").reserved == 2);
  auto fulfilled = f.ledger.Fulfill(ReservationId("r1"), kT0 + absl::Minutes(2));
  REQUIRE(fulfilled.outcome == Outcome::kOk);
  CHECK(fulfilled.value.state == ReservationState::kFulfilled);
  CHECK(f.At("A", "S1").on_hand == 8);
  CHECK(f.At("A", "S1").reserved == 0);
  CHECK(f.At("B", "W1").on_hand == 7);
  CHECK(f.sink.commits().back().movements.at(0).kind == MovementKind::kFulfil);
  CHECK(f.ledger.CheckInvariants().ok());
}

TEST_CASE("release returns the units to available, from HELD and from CONFIRMED") {
  LifecycleFixture f;
  REQUIRE(f.Hold("held").outcome == Outcome::kOk);
  REQUIRE(f.Hold("confirmed").outcome == Outcome::kOk);
  REQUIRE(f.ledger.Confirm(ReservationId("confirmed"), kT0).outcome == Outcome::kOk);
  CHECK(f.At("A", "S1").available() == 6);
  CHECK(f.ledger.Release(ReservationId("held"), kT0).value.state == ReservationState::kReleased);
  CHECK(f.ledger.Release(ReservationId("confirmed"), kT0).value.state ==
        ReservationState::kReleased);
  CHECK(f.At("A", "S1").available() == 10);
  CHECK(f.At("A", "S1").on_hand == 10);
  CHECK(f.ledger.CheckInvariants().ok());
}

TEST_CASE(
    "a repeated reserve with the same id and lines returns the original and changes nothing") {
  LifecycleFixture f;
  auto first = f.Hold("r1");
  REQUIRE(first.outcome == Outcome::kOk);
  const size_t commits = f.sink.size();
  // Same lines in another order are the same order.
  auto again = f.ledger.Reserve(f.Order("r1", {f.L("B", "W1", 3), f.L("A", "S1", 2)}),
                                kT0 + absl::Seconds(5));
  CHECK(again.outcome == Outcome::kReplayed);
  CHECK(again.value == first.value);
  CHECK(again.ticket >= first.ticket);
  CHECK(f.sink.size() == commits);
  CHECK(f.At("A", "S1").reserved == 2);
}

TEST_CASE("a retry whose SKU was resolved before the SKU existed is still a replay") {
  LifecycleFixture f;
  constexpr char kLate[] = "LIFECYCLE-LATE-SKU";
  REQUIRE_FALSE(Sku::IfInterned(kLate).has_value());
  // The retry was validated first, when the SKU was stocked nowhere: a transient id.
  TransientIds retry_ids;
  ReserveCommand retry =
      f.Order("late", {Line{retry_ids.Resolve<Sku>(kLate), LocationId("S1"), 1}});
  f.Stock(kLate, "S1", 5);  // interns it
  REQUIRE(f.ledger.Reserve(f.Order("late", {f.L(kLate, "S1", 1)}), kT0).outcome == Outcome::kOk);
  CHECK(f.ledger.Reserve(retry, kT0).outcome == Outcome::kReplayed);
  CHECK(f.At(kLate, "S1").reserved == 1);
}

TEST_CASE("a reserve's ordered units are part of its content") {
  LifecycleFixture f;
  ReserveCommand partial = f.Order("routed", {f.L("A", "S1", 2)});
  partial.ordered = {SkuUnits{Sku("A"), 2}, SkuUnits{Sku("B"), 1}};
  REQUIRE(f.ledger.Reserve(partial, kT0).outcome == Outcome::kOk);
  CHECK(f.ledger.Reserve(partial, kT0).outcome == Outcome::kReplayed);
  ReserveCommand other = partial;
  other.ordered[1].quantity = 3;  // the same held lines, another order
  const Applied<Reservation> refused = f.ledger.Reserve(other, kT0);
  CHECK(refused.outcome == Outcome::kReservationExistsWithDifferentContent);
  // Its answer waits for the commit that made the reservation: "it exists" must survive a crash.
  CHECK(refused.ticket == f.ledger.last_ticket());
  CHECK(refused.ticket > 0);
}

TEST_CASE("a retried reserve is a replay even after its location was disabled") {
  LifecycleFixture f;
  auto first = f.Hold("r1");
  REQUIRE(first.outcome == Outcome::kOk);
  Location disabled = *f.ledger.FindLocation(LocationId("S1"));
  disabled.disabled = true;
  REQUIRE(f.ledger.UpsertLocation(disabled).outcome == Outcome::kOk);
  const size_t commits = f.sink.size();

  auto again = f.Hold("r1");
  CHECK(again.outcome == Outcome::kReplayed);
  CHECK(again.value == first.value);
  // A new order there is refused, and so is one naming an unknown location.
  CHECK(f.Hold("r2").outcome == Outcome::kLocationDisabled);
  CHECK(f.ledger.Reserve(f.Order("r3", {f.L("B", "NOWHERE", 1)}), kT0).outcome ==
        Outcome::kLocationNotFound);
  CHECK(f.sink.size() == commits);
  CHECK_FALSE(f.ledger.GetReservation(ReservationId("r2")).has_value());
  CHECK(f.At("A", "S1").reserved == 2);
}

TEST_CASE("the same reservation id with different lines is refused as already existing") {
  LifecycleFixture f;
  REQUIRE(f.Hold("r1").outcome == Outcome::kOk);
  auto other = f.ledger.Reserve(f.Order("r1", {f.L("A", "S1", 1)}), kT0);
  CHECK(other.outcome == Outcome::kReservationExistsWithDifferentContent);
  CHECK(other.detail == "reservation_id 'r1' already exists with other lines");
  CHECK(f.At("A", "S1").reserved == 2);
  // The message names what differs, with both values.
  ReserveCommand same_lines = f.Order("r1", {f.L("A", "S1", 2), f.L("B", "W1", 3)});
  REQUIRE(f.ledger.Reserve(same_lines, kT0).outcome == Outcome::kReplayed);
  same_lines.channel = "pos";
  same_lines.order_ref = "cart-9";
  auto relabelled = f.ledger.Reserve(same_lines, kT0);
  CHECK(relabelled.outcome == Outcome::kReservationExistsWithDifferentContent);
  const Reservation held = *f.ledger.GetReservation(ReservationId("r1"));
  CHECK(relabelled.detail == absl::StrCat("reservation_id 'r1' already exists with channel '",
                                          held.channel, "' (this call: 'pos'), order_ref '",
                                          held.order_ref, "' (this call: 'cart-9')"));
}

TEST_CASE("confirm, release and fulfil are idempotent") {
  LifecycleFixture f;
  REQUIRE(f.Hold("r1").outcome == Outcome::kOk);
  REQUIRE(f.ledger.Confirm(ReservationId("r1"), kT0).outcome == Outcome::kOk);
  const size_t commits = f.sink.size();
  CHECK(f.ledger.Confirm(ReservationId("r1"), kT0).outcome == Outcome::kReplayed);
  REQUIRE(f.ledger.Fulfill(ReservationId("r1"), kT0).outcome == Outcome::kOk);
  CHECK(f.ledger.Fulfill(ReservationId("r1"), kT0).outcome == Outcome::kReplayed);
  CHECK(f.ledger.Confirm(ReservationId("r1"), kT0).outcome == Outcome::kReplayed);
  CHECK(f.sink.size() == commits + 1);
  CHECK(f.At("A", "S1").on_hand == 8);

  REQUIRE(f.Hold("r2").outcome == Outcome::kOk);
  REQUIRE(f.ledger.Release(ReservationId("r2"), kT0).outcome == Outcome::kOk);
  CHECK(f.ledger.Release(ReservationId("r2"), kT0).outcome == Outcome::kReplayed);
  CHECK(f.At("A", "S1").reserved == 0);
}

TEST_CASE("illegal transitions are refused and change nothing") {
  LifecycleFixture f;
  REQUIRE(f.Hold("held").outcome == Outcome::kOk);
  CHECK(f.ledger.Fulfill(ReservationId("held"), kT0).outcome == Outcome::kIllegalTransition);

  REQUIRE(f.Hold("released").outcome == Outcome::kOk);
  REQUIRE(f.ledger.Release(ReservationId("released"), kT0).outcome == Outcome::kOk);
  auto fulfil = f.ledger.Fulfill(ReservationId("released"), kT0);
  CHECK(fulfil.outcome == Outcome::kIllegalTransition);
  CHECK(fulfil.detail.find("RELEASED") != std::string::npos);
  CHECK(f.ledger.Confirm(ReservationId("released"), kT0).outcome == Outcome::kIllegalTransition);

  REQUIRE(f.Hold("done").outcome == Outcome::kOk);
  REQUIRE(f.ledger.Confirm(ReservationId("done"), kT0).outcome == Outcome::kOk);
  REQUIRE(f.ledger.Fulfill(ReservationId("done"), kT0).outcome == Outcome::kOk);
  CHECK(f.ledger.Release(ReservationId("done"), kT0).outcome == Outcome::kIllegalTransition);

  CHECK(f.ledger.Confirm(ReservationId("nope"), kT0).outcome == Outcome::kReservationNotFound);
  CHECK(f.At("A", "S1").reserved == 2);  // only "held" still holds stock
  CHECK(f.ledger.CheckInvariants().ok());
}

TEST_CASE("a HELD reservation expires at its deadline and its stock comes back") {
  LifecycleFixture f;
  REQUIRE(f.Hold("short", absl::Seconds(30)).outcome == Outcome::kOk);
  REQUIRE(f.Hold("long", absl::Minutes(10)).outcome == Outcome::kOk);
  REQUIRE(f.ledger.Confirm(ReservationId("long"), kT0).outcome == Outcome::kOk);

  CHECK(f.ledger.ExpireDue(kT0 + absl::Seconds(29)).first == 0);
  CHECK(f.At("A", "S1").reserved == 4);
  auto [expired, ticket] = f.ledger.ExpireDue(kT0 + absl::Seconds(30));
  CHECK(expired == 1);
  CHECK(ticket == f.sink.commits().back().ticket);
  CHECK(f.ledger.GetReservation(ReservationId("short"))->state == ReservationState::kExpired);
  CHECK(f.At("A", "S1").reserved == 2);
  // CONFIRMED reservations never expire.
  CHECK(f.ledger.ExpireDue(kT0 + absl::Hours(48)).first == 0);
  CHECK(f.ledger.GetReservation(ReservationId("long"))->state == ReservationState::kConfirmed);
  CHECK(f.ledger.CheckInvariants().ok());
}

TEST_CASE("a sweep's budget goes to reservations still due, not to ones confirmed or extended") {
  // The expiry index keeps an entry when a reservation is confirmed, released or extended; a
  // sweep must drop those without counting them, or a busy store's sweeps would fall behind.
  LifecycleFixture f;
  REQUIRE(f.Hold("a-confirmed", absl::Seconds(30)).outcome == Outcome::kOk);
  REQUIRE(f.Hold("b-extended", absl::Seconds(30)).outcome == Outcome::kOk);
  REQUIRE(f.Hold("c-due", absl::Seconds(30)).outcome == Outcome::kOk);
  REQUIRE(f.ledger.Confirm(ReservationId("a-confirmed"), kT0).outcome == Outcome::kOk);
  REQUIRE(f.ledger.Extend(ReservationId("b-extended"), absl::Minutes(10), kT0).outcome ==
          Outcome::kOk);

  auto [expired, ticket] = f.ledger.ExpireDue(kT0 + absl::Seconds(30), /*max=*/1);
  CHECK(expired == 1);
  CHECK(f.ledger.GetReservation(ReservationId("c-due"))->state == ReservationState::kExpired);
  CHECK(f.ledger.GetReservation(ReservationId("a-confirmed"))->state ==
        ReservationState::kConfirmed);
  CHECK(f.ledger.GetReservation(ReservationId("b-extended"))->state == ReservationState::kHeld);
  CHECK(f.ledger.ExpireDue(kT0 + absl::Minutes(9)).first == 0);
  CHECK(f.ledger.ExpireDue(kT0 + absl::Minutes(10)).first == 1);
  CHECK(f.ledger.GetReservation(ReservationId("b-extended"))->state == ReservationState::kExpired);
  CHECK(f.ledger.ExpireDue(kT0 + absl::Hours(48)).first == 0);
  CHECK(f.ledger.CheckInvariants().ok());
}

TEST_CASE("confirming a reservation past its deadline expires it and says so") {
  LifecycleFixture f;
  REQUIRE(f.Hold("r1", absl::Seconds(30)).outcome == Outcome::kOk);
  auto late = f.ledger.Confirm(ReservationId("r1"), kT0 + absl::Minutes(1));
  CHECK(late.outcome == Outcome::kReservationExpired);
  CHECK(late.detail.find("expired") != std::string::npos);
  CHECK(late.value.state == ReservationState::kExpired);
  CHECK(f.At("A", "S1").reserved == 0);
  // The refusal carries the expiry it made, so that its answer waits until that is durable.
  CHECK(late.ticket == f.ledger.last_ticket());
  CHECK(f.sink.commits().back().reservations.at(0).state == ReservationState::kExpired);
  // So does one that only reports the state, made by a commit that may not be synced yet.
  REQUIRE(f.Hold("r2").outcome == Outcome::kOk);
  CHECK(f.ledger.Confirm(ReservationId("r1"), kT0 + absl::Minutes(2)).ticket ==
        f.ledger.last_ticket());
  // A refusal that reports no state carries none.
  CHECK(f.ledger.Confirm(ReservationId("nobody"), kT0).ticket == 0);
  // Releasing an expired reservation is harmless.
  CHECK(Succeeded(f.ledger.Release(ReservationId("r1"), kT0 + absl::Minutes(2)).outcome));
}

TEST_CASE("a reserve retried past the hold's deadline expires it and answers EXPIRED") {
  LifecycleFixture f;
  REQUIRE(f.Hold("r1", absl::Seconds(30)).outcome == Outcome::kOk);
  REQUIRE(f.At("A", "S1").reserved == 2);
  // Before the deadline a retry is the reservation as it stands.
  const ReserveCommand order =
      f.Order("r1", {f.L("A", "S1", 2), f.L("B", "W1", 3)}, absl::Seconds(30));
  auto early = f.ledger.Reserve(order, kT0 + absl::Seconds(29));
  CHECK(early.outcome == Outcome::kReplayed);
  CHECK(early.value.state == ReservationState::kHeld);

  // After it, whether or not the sweeper has run, the retry expires the hold first.
  auto late = f.ledger.Reserve(order, kT0 + absl::Minutes(1));
  CHECK(late.outcome == Outcome::kReplayed);
  CHECK(late.value.state == ReservationState::kExpired);
  CHECK(f.At("A", "S1").reserved == 0);
  CHECK(f.At("B", "W1").reserved == 0);
  // Its answer waits for the expiry it made.
  CHECK(late.ticket == f.ledger.last_ticket());
  CHECK(f.sink.commits().back().reservations.at(0).state == ReservationState::kExpired);
  // Retried again, it is the expired reservation, and nothing more changes.
  const size_t commits = f.sink.size();
  auto again = f.ledger.Reserve(order, kT0 + absl::Minutes(2));
  CHECK(again.outcome == Outcome::kReplayed);
  CHECK(again.value.state == ReservationState::kExpired);
  CHECK(f.sink.size() == commits);
}

TEST_CASE("a reservation read past its hold's deadline is expired first and shown EXPIRED") {
  LifecycleFixture f;
  REQUIRE(f.Hold("r1", absl::Seconds(30)).outcome == Outcome::kOk);
  CommitTicket expiry = 1;
  std::optional<Reservation> early =
      f.ledger.GetReservation(ReservationId("r1"), kT0 + absl::Seconds(29), &expiry);
  REQUIRE(early.has_value());
  CHECK(early->state == ReservationState::kHeld);
  CHECK(expiry == 0);

  std::optional<Reservation> late =
      f.ledger.GetReservation(ReservationId("r1"), kT0 + absl::Minutes(1), &expiry);
  REQUIRE(late.has_value());
  CHECK(late->state == ReservationState::kExpired);
  CHECK(f.At("A", "S1").reserved == 0);
  // The read is shown once the expiry it made is durable.
  CHECK(expiry == f.ledger.last_ticket());
  CHECK(late->written_by.ticket == expiry);
  CHECK_FALSE(f.ledger.GetReservation(ReservationId("nobody"), kT0).has_value());
  CHECK(f.ledger.CheckInvariants().ok());
}

TEST_CASE("an order short of stock expires the holds past their deadline first") {
  LifecycleFixture f;  // A: 10 at S1, B: 10 at W1
  REQUIRE(f.ledger.Reserve(f.Order("cart", {f.L("A", "S1", 9)}, absl::Seconds(30)), kT0).outcome ==
          Outcome::kOk);
  REQUIRE(f.ledger.Reserve(f.Order("paid", {f.L("B", "W1", 9)}, absl::Seconds(30)), kT0).outcome ==
          Outcome::kOk);
  REQUIRE(f.ledger.Confirm(ReservationId("paid"), kT0).outcome == Outcome::kOk);
  // Before the deadline the hold counts.
  CHECK(f.ledger.Reserve(f.Order("early", {f.L("A", "S1", 2)}), kT0 + absl::Seconds(29)).outcome ==
        Outcome::kInsufficientAvailable);
  // Past it, no sweep has run yet: the short order expires the dead cart and is held.
  auto late = f.ledger.Reserve(f.Order("late", {f.L("A", "S1", 2)}), kT0 + absl::Seconds(31));
  CHECK(late.outcome == Outcome::kOk);
  CHECK(f.ledger.GetReservation(ReservationId("cart"))->state == ReservationState::kExpired);
  CHECK(f.At("A", "S1").reserved == 2);
  CHECK(late.ticket == f.ledger.last_ticket());  // its answer waits for the expiry before it
  // A confirmed order never expires: short is short.
  CHECK(f.ledger.Reserve(f.Order("more", {f.L("B", "W1", 2)}), kT0 + absl::Seconds(31)).outcome ==
        Outcome::kInsufficientAvailable);
  CHECK(f.At("B", "W1").reserved == 9);
}

TEST_CASE("fulfil refuses when a physical loss left less on hand than reserved") {
  LifecycleFixture f;
  REQUIRE(f.Hold("r1").outcome == Outcome::kOk);
  REQUIRE(f.ledger.Confirm(ReservationId("r1"), kT0).outcome == Outcome::kOk);
  REQUIRE(
      f.ledger.Adjust(AdjustCommand{LocationId("S1"), Sku("A"), -9, "DAMAGE", ""}, kT0).outcome ==
      Outcome::kOk);
  CHECK(f.At("A", "S1").available() < 0);
  auto fulfil = f.ledger.Fulfill(ReservationId("r1"), kT0);
  CHECK(fulfil.outcome == Outcome::kOnHandBelowZero);
  CHECK(fulfil.value.state == ReservationState::kConfirmed);
  CHECK(f.At("B", "W1").on_hand == 10);  // all-or-nothing across lines
}

}  // namespace omnistock::testing

namespace omnistock::testing {

TEST_CASE("extending a HELD reservation pushes its deadline out, never in") {
  LedgerFixture f;
  f.Stock("A", "S1", 10);
  REQUIRE(f.ledger.Reserve(f.Order("r1", {f.L("A", "S1", 1)}, absl::Minutes(1)), kT0).outcome ==
          Outcome::kOk);
  auto extended = f.ledger.Extend(ReservationId("r1"), absl::Minutes(10), kT0 + absl::Seconds(30));
  REQUIRE(extended.outcome == Outcome::kOk);
  CHECK(extended.value.expires_at == kT0 + absl::Seconds(30) + absl::Minutes(10));
  CHECK(f.sink.commits().back().reservations.at(0).expires_at == extended.value.expires_at);
  // A shorter ttl does not pull it in.
  CHECK(f.ledger.Extend(ReservationId("r1"), absl::Seconds(5), kT0 + absl::Seconds(31)).outcome ==
        Outcome::kReplayed);
  // The old deadline no longer expires it; the new one does.
  CHECK(f.ledger.ExpireDue(kT0 + absl::Minutes(2)).first == 0);
  CHECK(f.ledger.ExpireDue(kT0 + absl::Minutes(11)).first == 1);
  CHECK(f.ledger.Extend(ReservationId("r1"), absl::Minutes(10), kT0 + absl::Minutes(12)).outcome ==
        Outcome::kReservationExpired);
  CHECK(f.ledger.Extend(ReservationId("r1"), absl::Minutes(10), kT0 + absl::Minutes(12)).ticket ==
        f.ledger.last_ticket());

  // One past its deadline that no sweep expired yet: the refusal expires it, with its ticket.
  REQUIRE(f.ledger.Reserve(f.Order("r2", {f.L("A", "S1", 1)}, absl::Minutes(1)), kT0).outcome ==
          Outcome::kOk);
  const Applied<Reservation> late =
      f.ledger.Extend(ReservationId("r2"), absl::Minutes(10), kT0 + absl::Minutes(2));
  CHECK(late.outcome == Outcome::kReservationExpired);
  CHECK(late.ticket == f.ledger.last_ticket());
  CHECK(f.sink.commits().back().reservations.at(0).state == ReservationState::kExpired);
}

TEST_CASE("terminal reservations are forgotten once the retention passed, the earliest first") {
  // ForgetTerminal takes the cut-off (now - retention): reservations settled before it go.
  LifecycleFixture f;
  REQUIRE(f.Hold("done").outcome == Outcome::kOk);
  REQUIRE(f.Hold("released").outcome == Outcome::kOk);
  REQUIRE(f.ledger.Confirm(ReservationId("done"), kT0).outcome == Outcome::kOk);
  REQUIRE(f.ledger.Fulfill(ReservationId("done"), kT0 + absl::Minutes(1)).outcome == Outcome::kOk);
  REQUIRE(f.ledger.Release(ReservationId("released"), kT0 + absl::Minutes(2)).outcome ==
          Outcome::kOk);
  REQUIRE(f.Hold("confirmed").outcome == Outcome::kOk);
  REQUIRE(f.Hold("held", absl::Hours(24)).outcome == Outcome::kOk);
  REQUIRE(f.ledger.Confirm(ReservationId("confirmed"), kT0).outcome == Outcome::kOk);
  REQUIRE(f.ledger.ExpireDue(kT0 + absl::Hours(1)).first == 0);  // the confirmations' entries go

  // Nothing settled before the cut-off: nothing goes, and no commit is made.
  const size_t commits = f.sink.size();
  CHECK(f.ledger.ForgetTerminal(kT0 + absl::Minutes(1)).first == 0);
  REQUIRE(f.sink.size() == commits);
  auto [forgotten, ticket] = f.ledger.ForgetTerminal(kT0 + absl::Minutes(1) + absl::Seconds(1));
  CHECK(forgotten == 1);
  REQUIRE(f.sink.size() == commits + 1);
  const Commit forgetting = f.sink.commits().back();  // a copy: commits() returns a temporary
  CHECK(ticket == forgetting.ticket);
  CHECK(forgetting.movements.empty());
  CHECK(forgetting.forgotten_reservations == std::vector<ReservationId>{ReservationId("done")});
  CHECK_FALSE(f.ledger.GetReservation(ReservationId("done")).has_value());
  CHECK(f.ledger.GetReservation(ReservationId("released")).has_value());

  CHECK(f.ledger.ForgetTerminal(kT0 + absl::Hours(1)).first == 1);  // "released"
  CHECK_FALSE(f.ledger.GetReservation(ReservationId("released")).has_value());
  // Live ones are never forgotten, however old.
  CHECK(f.ledger.ForgetTerminal(kT0 + absl::Hours(24 * 365)).first == 0);
  CHECK(f.ledger.GetReservation(ReservationId("confirmed"))->state == ReservationState::kConfirmed);
  CHECK(f.ledger.GetReservation(ReservationId("held"))->state == ReservationState::kHeld);
  CHECK(f.At("A", "S1").reserved == 4);
  CHECK(f.ledger.CheckInvariants().ok());

  // A forgotten id is free again: an order with it and other lines is a new reservation, not
  // a conflict with the old one.
  auto again = f.ledger.Reserve(f.Order("done", {f.L("A", "S1", 1)}), kT0 + absl::Hours(2));
  CHECK(again.outcome == Outcome::kOk);
  CHECK(again.value.state == ReservationState::kHeld);
  CHECK(f.At("A", "S1").reserved == 5);
  CHECK(f.ledger.Reserve(f.Order("released", {f.L("A", "S1", 1)}), kT0 + absl::Hours(2)).outcome ==
        Outcome::kOk);
}

TEST_CASE("one sweep forgets at most its budget of terminal reservations") {
  LifecycleFixture f;
  for (const char* id : {"r1", "r2", "r3"}) {
    REQUIRE(f.Hold(id).outcome == Outcome::kOk);
    REQUIRE(f.ledger.Release(ReservationId(id), kT0).outcome == Outcome::kOk);
  }
  REQUIRE(f.ledger.ExpireDue(kT0 + absl::Hours(1)).first == 0);
  CHECK(f.ledger.ForgetTerminal(kT0 + absl::Hours(1), /*max=*/2).first == 2);
  CHECK(f.ledger.reservation_count() == 1);
  CHECK(f.ledger.ForgetTerminal(kT0 + absl::Hours(1), /*max=*/2).first == 1);
  CHECK(f.ledger.reservation_count() == 0);
}

TEST_CASE("a terminal reservation the expiry index may still point at is kept until its sweep") {
  // The expiry heap drops a confirmed reservation's entry only when a sweep reaches its
  // deadline; forgetting the reservation before would leave the entry pointing at nothing.
  LifecycleFixture f;
  REQUIRE(f.Hold("day-long", absl::Hours(24)).outcome == Outcome::kOk);
  REQUIRE(f.ledger.Confirm(ReservationId("day-long"), kT0).outcome == Outcome::kOk);
  REQUIRE(f.ledger.Fulfill(ReservationId("day-long"), kT0).outcome == Outcome::kOk);
  CHECK(f.ledger.ForgetTerminal(kT0 + absl::Hours(1)).first == 0);
  CHECK(f.ledger.GetReservation(ReservationId("day-long")).has_value());
  REQUIRE(f.ledger.ExpireDue(kT0 + absl::Hours(25)).first == 0);  // pops the stale entry
  CHECK(f.ledger.ForgetTerminal(kT0 + absl::Hours(1)).first == 1);
  CHECK_FALSE(f.ledger.GetReservation(ReservationId("day-long")).has_value());
  CHECK(f.ledger.ExpireDue(kT0 + absl::Hours(48)).first == 0);
  CHECK(f.ledger.CheckInvariants().ok());
}

TEST_CASE("restoring a reservation again replaces what its older row held, never doubles it") {
  // Recovery restores each reservation once; a rebuild from every commit's rows restores a
  // reservation at each change. Either way one hold per line, or a sale would list the order at
  // risk twice (and a hold would outlive a reservation that is later forgotten).
  LedgerFixture f;
  f.Stock("A", "S1", 2);
  REQUIRE(f.ledger.Reserve(f.Order("r1", {f.L("A", "S1", 2)}), kT0).outcome == Outcome::kOk);
  f.ledger.RestoreReservation(*f.ledger.GetReservation(ReservationId("r1")));
  auto sale = f.ledger.RecordSale(
      SaleCommand{LocationId("S1"), "till-1", "t1", {PosLine{Sku("A"), 1}}}, kT0);
  REQUIRE(sale.outcome == Outcome::kOk);
  CHECK(sale.value.transaction.at_risk.size() == 1);

  REQUIRE(f.ledger.Release(ReservationId("r1"), kT0).outcome == Outcome::kOk);
  Reservation released = *f.ledger.GetReservation(ReservationId("r1"));
  f.ledger.RestoreReservation(released);  // a terminal row again: still forgotten once
  REQUIRE(f.ledger.ExpireDue(kT0 + absl::Hours(1)).first == 0);
  CHECK(f.ledger.ForgetTerminal(kT0 + absl::Hours(1)).first == 1);
  CHECK(f.ledger.ForgetTerminal(kT0 + absl::Hours(1)).first == 0);
  CHECK(f.ledger.CheckInvariants().ok());

  // Rows replayed across a reuse of the forgotten id: the settled row, then the new order's
  // CONFIRMED one. The live reservation must not be forgotten as the settled one would be.
  f.ledger.RestoreReservation(released);
  Reservation reused = released;
  reused.state = ReservationState::kConfirmed;
  reused.created_at = reused.updated_at = kT0 + absl::Hours(2);
  f.ledger.RestoreReservation(reused);
  CHECK(f.ledger.ForgetTerminal(kT0 + absl::Hours(24 * 365)).first == 0);
  CHECK(f.ledger.GetReservation(ReservationId("r1"))->state == ReservationState::kConfirmed);
}

}  // namespace omnistock::testing
