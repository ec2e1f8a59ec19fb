// Sales and returns at the till: never refused, exactly-once, and honest about the
// reservations they leave uncovered.
#include <vector>

#include "absl/strings/str_format.h"
#include "catch2/catch.hpp"
#include "engine/ledger.h"
#include "tests/engine/ledger_fixture.h"

namespace omnistock::testing {
namespace {

SaleCommand Sale(const std::string& txn, const std::string& sku, Quantity quantity,
                 const std::string& store = "S1") {
  return SaleCommand{
      LocationId(store), "till-1", txn, {PosLine{Sku(sku), quantity}}, kT0 + absl::Minutes(1)};
}

}  // namespace

TEST_CASE("a sale drops on_hand at once and is journaled at the till's time") {
  LedgerFixture f;
  f.Stock("A", "S1", 5);
  auto applied = f.ledger.RecordSale(Sale("t1", "A", 2), kT0 + absl::Hours(1));
  REQUIRE(applied.outcome == Outcome::kOk);
  CHECK_FALSE(applied.value.duplicate);
  CHECK(f.At("A", "S1").on_hand == 3);
  const Commit commit = f.sink.commits().back();
  const Movement& m = commit.movements.at(0);
  CHECK(m.kind == MovementKind::kSale);
  CHECK(m.time == kT0 + absl::Minutes(1));
  CHECK(m.on_hand_delta == -2);
  CHECK(m.on_hand_after == 3);
  CHECK(commit.pos_transactions.size() == 1);
}

TEST_CASE("tills are numbered per store: the same terminal and transaction at two stores") {
  LedgerFixture f;
  f.Stock("A", "S1", 5);
  f.Stock("A", "S2", 5);
  REQUIRE(f.ledger.RecordSale(Sale("t1", "A", 1, "S1"), kT0).outcome == Outcome::kOk);
  // "till-1"'s "t1" at S2 is another till's sale, recorded too.
  CHECK(f.ledger.RecordSale(Sale("t1", "A", 2, "S2"), kT0).outcome == Outcome::kOk);
  CHECK(f.At("A", "S1").on_hand == 4);
  CHECK(f.At("A", "S2").on_hand == 3);
  // Within one store the key is the till's transaction: sent again, a duplicate; with other
  // content, refused naming the store.
  CHECK(f.ledger.RecordSale(Sale("t1", "A", 2, "S2"), kT0).outcome == Outcome::kReplayed);
  const Applied<PosResult> other = f.ledger.RecordSale(Sale("t1", "A", 3, "S2"), kT0);
  CHECK(other.outcome == Outcome::kPosTransactionExistsWithDifferentContent);
  CHECK(other.detail ==
        "pos_transaction_id 't1' of terminal_id 'till-1' at 'S2' was already recorded with "
        "other content: a sale of 2 of 'A', not a sale of 3 of 'A'");
  // A return under a sale's id says that it was a sale.
  ReturnCommand back{LocationId("S2"), "till-1", "t1", {PosLine{Sku("A"), 2}}, kT0, false, "", ""};
  CHECK_THAT(f.ledger.RecordReturn(back, kT0).detail,
             Catch::EndsWith("with other content: a sale of 2 of 'A', not a return of 2 of 'A'"));
  CHECK(f.At("A", "S2").on_hand == 3);
}

TEST_CASE("a sale that oversells is recorded and reports the reservations it uncovers at risk") {
  LedgerFixture f;
  f.Stock("A", "S1", 5);
  REQUIRE(f.ledger.Reserve(f.Order("old", {f.L("A", "S1", 2)}), kT0).outcome == Outcome::kOk);
  REQUIRE(f.ledger.Reserve(f.Order("new", {f.L("A", "S1", 2)}), kT0 + absl::Seconds(1)).outcome ==
          Outcome::kOk);
  // 4 walk-in units sold against 1 free unit: on_hand 1 covers neither 2-unit hold fully.
  auto applied = f.ledger.RecordSale(Sale("t1", "A", 4), kT0 + absl::Seconds(2));
  REQUIRE(applied.outcome == Outcome::kOk);
  const Position p = f.At("A", "S1");
  CHECK(p.on_hand == 1);
  CHECK(p.reserved == 4);
  CHECK(p.shortfall() == 3);
  REQUIRE(applied.value.transaction.at_risk.size() == 2);
  CHECK(applied.value.transaction.at_risk[0].reservation == ReservationId("old"));
  CHECK(applied.value.transaction.at_risk[1].reservation == ReservationId("new"));
  // Nothing was cancelled: both reservations are still HELD.
  CHECK(f.ledger.GetReservation(ReservationId("old"))->state == ReservationState::kHeld);

  // A receipt of 2 covers the older order again; only the newer stays at risk.
  f.Stock("A", "S1", 2);
  auto more = f.ledger.RecordSale(Sale("t2", "A", 1), kT0 + absl::Seconds(3));
  REQUIRE(more.value.transaction.at_risk.size() == 1);
  CHECK(more.value.transaction.at_risk[0].reservation == ReservationId("new"));
  // A return puts nothing at risk: "new" is still short, as its movement (on the feed) says,
  // but the return's result lists none.
  ReturnCommand one_back;
  one_back.store = LocationId("S1");
  one_back.terminal_id = "till-1";
  one_back.transaction_id = "r1";
  one_back.lines = {PosLine{Sku("A"), 1}};
  auto returned = f.ledger.RecordReturn(one_back, kT0 + absl::Seconds(4));
  REQUIRE(returned.outcome == Outcome::kOk);
  CHECK(f.At("A", "S1").shortfall() == 1);
  CHECK(returned.value.transaction.at_risk.empty());
  const std::vector<Commit> commits = f.sink.commits();
  REQUIRE(commits.back().movements.size() == 1);
  CHECK(commits.back().movements[0].at_risk == std::vector<ReservationId>{ReservationId("new")});
  CHECK(f.ledger.CheckInvariants().ok());
}

TEST_CASE("the shortfall is the reserved units on_hand does not cover, never more") {
  CHECK(ShortfallOf(5, 3) == 0);
  CHECK(ShortfallOf(3, 3) == 0);
  CHECK(ShortfallOf(1, 3) == 2);
  CHECK(ShortfallOf(0, 3) == 3);
  CHECK(ShortfallOf(-7, 3) == 3);  // a till sold below zero: every reserved unit is short
  CHECK(ShortfallOf(-3, 0) == 0);  // nothing reserved: no order is short
  LedgerFixture f;
  f.Stock("A", "S1", 2);
  REQUIRE(f.ledger.RecordSale(Sale("t1", "A", 5), kT0).outcome == Outcome::kOk);
  CHECK(f.At("A", "S1").on_hand == -3);
  CHECK(f.At("A", "S1").shortfall() == 0);
}

TEST_CASE("a movement lists at most 100 reservations at risk, the oldest first") {
  LedgerFixture f;
  constexpr int kHolds = 150;
  f.Stock("A", "S1", kHolds);
  auto id = [](int i) { return absl::StrFormat("r%03d", i); };
  for (int i = 0; i < kHolds; ++i) {
    REQUIRE(f.ledger.Reserve(f.Order(id(i), {f.L("A", "S1", 1)}), kT0 + absl::Seconds(i)).outcome ==
            Outcome::kOk);
  }
  // Every unit sold at the till: none of the 150 holds is covered.
  auto applied = f.ledger.RecordSale(Sale("t1", "A", kHolds), kT0 + absl::Hours(1));
  REQUIRE(applied.outcome == Outcome::kOk);
  CHECK(f.At("A", "S1").shortfall() == kHolds);
  const std::vector<AtRisk>& listed = applied.value.transaction.at_risk;
  REQUIRE(listed.size() == kAtRiskPerMovementMax);
  CHECK(listed.front().reservation == ReservationId(id(0)));
  CHECK(listed.back().reservation == ReservationId(id(kAtRiskPerMovementMax - 1)));
  const Movement sale = f.sink.commits().back().movements.at(0);
  CHECK(sale.at_risk.size() == static_cast<size_t>(kAtRiskPerMovementMax));
  CHECK(sale.reserved_after - sale.on_hand_after == kHolds);

  // Releasing the oldest 60 leaves 90 at risk: all of them listed.
  for (int i = 0; i < 60; ++i) {
    REQUIRE(f.ledger.Release(ReservationId(id(i)), kT0 + absl::Hours(2)).outcome == Outcome::kOk);
  }
  const Movement release = f.sink.commits().back().movements.at(0);
  REQUIRE(release.at_risk.size() == 90);
  CHECK(release.at_risk.front() == ReservationId(id(60)));
  CHECK(f.ledger.CheckInvariants().ok());
}

TEST_CASE("a sale dated over 30 days back is a clock fault, but its retry is still answered") {
  LedgerFixture f;
  f.Stock("A", "S1", 10);
  SaleCommand reset = Sale("t1", "A", 1);
  reset.sold_at = absl::UnixEpoch();
  const Applied<PosResult> refused = f.ledger.RecordSale(reset, kT0);
  CHECK(refused.outcome == Outcome::kClientTimeTooOld);
  CHECK(refused.detail ==
        "sold_at is more than 30 days in the past (1970-01-01T00:00:00+00:00); check the "
        "terminal's clock");
  CHECK(f.At("A", "S1").on_hand == 10);
  // Rung up 29 days before kT0 and recorded then; re-uploaded two days later, it is past the
  // bound, and still the same sale.
  SaleCommand offline = Sale("t2", "A", 1);
  offline.sold_at = kT0 - absl::Hours(29 * 24);
  REQUIRE(f.ledger.RecordSale(offline, kT0).outcome == Outcome::kOk);
  const Applied<PosResult> retry = f.ledger.RecordSale(offline, kT0 + absl::Hours(48));
  CHECK(retry.outcome == Outcome::kReplayed);
  CHECK(retry.value.duplicate);
  CHECK(f.At("A", "S1").on_hand == 9);
}

TEST_CASE("a sale the ledger had no stock for takes on_hand below zero, never refused") {
  LedgerFixture f;
  auto applied = f.ledger.RecordSale(Sale("t1", "NEW", 2), kT0);
  REQUIRE(applied.outcome == Outcome::kOk);
  CHECK(f.At("NEW", "S1").on_hand == -2);
  CHECK(f.At("NEW", "S1").available_shown() == 0);
  CHECK(f.ledger.CheckInvariants().ok());
}

TEST_CASE("a position oversold at the till takes receipts, safety stock and corrections up") {
  LedgerFixture f;
  REQUIRE(f.ledger.RecordSale(Sale("t1", "NEW", 3), kT0).outcome == Outcome::kOk);
  REQUIRE(f.At("NEW", "S1").on_hand == -3);
  const Applied<Position> received =
      f.ledger.Receive(ReceiveCommand{LocationId("S1"), Sku("NEW"), 1, "po-1"}, kT0);
  REQUIRE(received.outcome == Outcome::kOk);
  CHECK(received.value.on_hand == -2);
  CHECK(f.ledger.SetSafetyStock(SafetyStockCommand{LocationId("S1"), Sku("NEW"), 1}, kT0).outcome ==
        Outcome::kOk);
  CHECK(f.At("NEW", "S1").safety_stock == 1);
  CHECK(f.ledger.Adjust(AdjustCommand{LocationId("S1"), Sku("NEW"), 1, "found", ""}, kT0).outcome ==
        Outcome::kOk);
  CHECK(f.At("NEW", "S1").on_hand == -1);
  // A correction down is refused below zero, as anywhere.
  const Applied<Position> lost =
      f.ledger.Adjust(AdjustCommand{LocationId("S1"), Sku("NEW"), -1, "lost", ""}, kT0);
  CHECK(lost.outcome == Outcome::kOnHandBelowZero);
  CHECK(lost.detail == "sku 'NEW' at 'S1': adjusting on_hand -1 by -1 would leave it below zero");
  CHECK(f.At("NEW", "S1").on_hand == -1);
  CHECK(f.ledger.CheckInvariants().ok());
}

TEST_CASE("a till transaction that would take on_hand past its limit is refused whole") {
  LedgerFixture f;
  f.Stock("A", "S1", 5);
  f.Stock("FULL", "S1", kOnHandMax);
  const size_t commits = f.sink.size();
  ReturnCommand two{LocationId("S1"),
                    "till-1",
                    "r1",
                    {PosLine{Sku("A"), 1}, PosLine{Sku("FULL"), 1}},
                    kT0,
                    false,
                    "",
                    ""};
  const Applied<PosResult> refused = f.ledger.RecordReturn(two, kT0);
  CHECK(refused.outcome == Outcome::kOnHandLimitExceeded);
  CHECK(refused.detail ==
        "sku 'FULL' at 'S1': on_hand 1000000000000 would become "
        "1000000000001, beyond the limit of 1000000000000 either way");
  CHECK(f.At("A", "S1").on_hand == 5);  // its line was not applied either
  CHECK(f.At("FULL", "S1").on_hand == kOnHandMax);
  CHECK(f.sink.size() == commits);
  // Not recorded: the same transaction is taken once the shelf has room.
  REQUIRE(
      f.ledger.Adjust(AdjustCommand{LocationId("S1"), Sku("FULL"), -1, "lost", ""}, kT0).outcome ==
      Outcome::kOk);
  CHECK(f.ledger.RecordReturn(two, kT0).outcome == Outcome::kOk);
  CHECK(f.At("A", "S1").on_hand == 6);
  CHECK(f.At("FULL", "S1").on_hand == kOnHandMax);
  // A non-sellable return does not touch on_hand, so the limit does not stop it.
  ReturnCommand aside{LocationId("S1"), "till-1", "r2", {PosLine{Sku("FULL"), 1}}, kT0, true,
                      "damaged",        ""};
  CHECK(f.ledger.RecordReturn(aside, kT0).outcome == Outcome::kOk);
  CHECK(f.ledger.CheckInvariants().ok());
}

TEST_CASE("tills are at stores; a sale recorded before its store changed kind still replays") {
  LedgerFixture f;
  f.Stock("A", "W1", 5);
  const size_t commits = f.sink.size();
  const Applied<PosResult> refused = f.ledger.RecordSale(Sale("t1", "A", 1, "W1"), kT0);
  CHECK(refused.outcome == Outcome::kLocationHasNoTill);
  CHECK(refused.detail ==
        "location_id 'W1' is a WAREHOUSE, not a STORE: till sales and returns are recorded at "
        "stores");
  CHECK(f.At("A", "W1").on_hand == 5);
  CHECK(f.sink.size() == commits);

  REQUIRE(f.ledger.RecordSale(Sale("t2", "A", 1), kT0).outcome == Outcome::kOk);
  Location s1 = *f.ledger.FindLocation(LocationId("S1"));
  s1.kind = LocationKind::kWarehouse;
  REQUIRE(f.ledger.UpsertLocation(s1).outcome == Outcome::kOk);
  CHECK(f.ledger.RecordSale(Sale("t2", "A", 1), kT0).outcome == Outcome::kReplayed);
  CHECK(f.ledger.RecordSale(Sale("t3", "A", 1), kT0).outcome == Outcome::kLocationHasNoTill);
}

TEST_CASE("a re-sent sale has no second effect, and other content under the same id is refused") {
  LedgerFixture f;
  f.Stock("A", "S1", 5);
  REQUIRE(f.ledger.RecordSale(Sale("t1", "A", 2), kT0).outcome == Outcome::kOk);
  const size_t commits = f.sink.size();
  auto again = f.ledger.RecordSale(Sale("t1", "A", 2), kT0 + absl::Hours(2));
  CHECK(again.outcome == Outcome::kReplayed);
  CHECK(again.value.duplicate);
  CHECK(f.At("A", "S1").on_hand == 3);
  CHECK(f.sink.size() == commits);
  const Applied<PosResult> different = f.ledger.RecordSale(Sale("t1", "A", 3), kT0);
  CHECK(different.outcome == Outcome::kPosTransactionExistsWithDifferentContent);
  CHECK(different.ticket == f.ledger.last_ticket());  // waits for the commit that recorded it
  // The same transaction id on another terminal is another transaction.
  SaleCommand other = Sale("t1", "A", 2);
  other.terminal_id = "till-2";
  CHECK(f.ledger.RecordSale(other, kT0).outcome == Outcome::kOk);
  CHECK(f.At("A", "S1").on_hand == 1);
}

TEST_CASE("returns restock the store as sellable, or keep non-sellable units apart") {
  LedgerFixture f;
  f.Stock("A", "S2", 1);
  ReturnCommand sellable{
      LocationId("S2"), "till-9", "r1", {PosLine{Sku("A"), 2}}, kT0, false, "", ""};
  REQUIRE(f.ledger.RecordReturn(sellable, kT0).outcome == Outcome::kOk);
  CHECK(f.At("A", "S2").on_hand == 3);
  CHECK(f.At("A", "S2").available() == 3);
  ReturnCommand damaged{LocationId("S2"), "till-9", "r2", {PosLine{Sku("A"), 1}}, kT0, true,
                        "opened box",     ""};
  REQUIRE(f.ledger.RecordReturn(damaged, kT0).outcome == Outcome::kOk);
  CHECK(f.At("A", "S2").on_hand == 3);
  CHECK(f.At("A", "S2").non_sellable == 1);
  CHECK(f.At("A", "S2").available() == 3);
  CHECK(f.sink.commits().back().movements.at(0).actor == "till-9 non-sellable: opened box");
  CHECK(f.sink.commits().back().movements.at(0).on_hand_delta == 0);
  CHECK(f.sink.commits().back().movements.at(0).non_sellable_delta == 1);
  CHECK(f.sink.commits().back().movements.at(0).non_sellable_after == 1);
  CHECK(f.ledger.RecordReturn(damaged, kT0).outcome == Outcome::kReplayed);
  CHECK(f.At("A", "S2").non_sellable == 1);
  // The order the goods came from is in the movement.
  ReturnCommand online{LocationId("S2"), "till-9", "r3", {PosLine{Sku("A"), 1}}, kT0, false, "",
                       "web-7"};
  REQUIRE(f.ledger.RecordReturn(online, kT0).outcome == Outcome::kOk);
  CHECK(f.sink.commits().back().movements.at(0).actor == "till-9: (order web-7)");
  online.transaction_id = "r4";
  online.non_sellable = true;
  online.reason = "opened box";
  REQUIRE(f.ledger.RecordReturn(online, kT0).outcome == Outcome::kOk);
  CHECK(f.sink.commits().back().movements.at(0).actor ==
        "till-9 non-sellable: opened box (order web-7)");
}

TEST_CASE("a receipt or an adjustment past the on_hand limit names the position and the figures") {
  LedgerFixture f;
  f.Stock("A", "S1", kOnHandMax - 2);
  const Applied<Position> received =
      f.ledger.Receive(ReceiveCommand{LocationId("S1"), Sku("A"), 3, "PO-1", ""}, kT0);
  CHECK(received.outcome == Outcome::kOnHandLimitExceeded);
  CHECK(received.detail ==
        "sku 'A' at 'S1': receiving 3 onto on_hand 999999999998 would exceed the limit of "
        "1000000000000");
  const Applied<Position> adjusted =
      f.ledger.Adjust(AdjustCommand{LocationId("S1"), Sku("A"), 5, "found", ""}, kT0);
  CHECK(adjusted.outcome == Outcome::kOnHandLimitExceeded);
  CHECK(adjusted.detail ==
        "sku 'A' at 'S1': adjusting on_hand 999999999998 by 5 would exceed the limit of "
        "1000000000000");
  CHECK(f.At("A", "S1").on_hand == kOnHandMax - 2);
}

TEST_CASE("units kept apart are adjusted on their own: never below zero, on_hand untouched") {
  LedgerFixture f;
  f.Stock("A", "S2", 4);
  ReturnCommand damaged{LocationId("S2"), "till-9", "r1", {PosLine{Sku("A"), 3}}, kT0, true,
                        "opened box",     ""};
  REQUIRE(f.ledger.RecordReturn(damaged, kT0).outcome == Outcome::kOk);
  AdjustCommand sent_back;
  sent_back.location = LocationId("S2");
  sent_back.sku = Sku("A");
  sent_back.delta = -2;
  sent_back.reason = "CORRECTION";
  sent_back.reference = "RTV-5";
  sent_back.non_sellable = true;
  REQUIRE(f.ledger.Adjust(sent_back, kT0).outcome == Outcome::kOk);
  CHECK(f.At("A", "S2").non_sellable == 1);
  CHECK(f.At("A", "S2").on_hand == 4);
  const Movement movement = f.sink.commits().back().movements.at(0);
  CHECK(movement.kind == MovementKind::kAdjust);
  CHECK(movement.on_hand_delta == 0);
  CHECK(movement.non_sellable_delta == -2);
  CHECK(movement.non_sellable_after == 1);
  CHECK(movement.actor == "CORRECTION non-sellable");
  // One unit is left apart: two more cannot go, whatever on_hand holds.
  const Applied<Position> too_many = f.ledger.Adjust(sent_back, kT0);
  CHECK(too_many.outcome == Outcome::kOnHandBelowZero);
  CHECK(too_many.detail ==
        "sku 'A' at 'S2': adjusting non_sellable 1 by -2 would leave it below zero");
  // Under an idempotency key, the bucket is part of the content a retry repeats.
  sent_back.delta = -1;
  sent_back.idempotency_key = "rtv-6";
  REQUIRE(f.ledger.Adjust(sent_back, kT0).outcome == Outcome::kOk);
  CHECK(f.ledger.Adjust(sent_back, kT0).outcome == Outcome::kReplayed);
  sent_back.non_sellable = false;
  const Applied<Position> other = f.ledger.Adjust(sent_back, kT0);
  CHECK(other.outcome == Outcome::kStockChangeExistsWithDifferentContent);
  CHECK_THAT(other.detail, Catch::Contains("an adjustment by -1 non-sellable of sku 'A'"));
  CHECK(f.At("A", "S2").non_sellable == 0);
  CHECK(f.At("A", "S2").on_hand == 4);
  CHECK(f.ledger.CheckInvariants().ok());
}

TEST_CASE("a till transaction is forgotten a retention after it was recorded, not sold") {
  LedgerFixture f;
  f.Stock("A", "S1", 10);
  // Rung up a week before the till could upload it: recorded at kT0 + 7 days.
  const absl::Time recorded = kT0 + absl::Hours(7 * 24);
  REQUIRE(f.ledger.RecordSale(Sale("t1", "A", 2), recorded).outcome == Outcome::kOk);
  REQUIRE(f.ledger.RecordSale(Sale("t2", "A", 1), recorded + absl::Hours(1)).outcome ==
          Outcome::kOk);
  // A cut-off past the sale's own time but not past its recording forgets nothing.
  const size_t commits = f.sink.size();
  CHECK(f.ledger.ForgetPosTransactions(recorded).first == 0);
  CHECK(f.sink.size() == commits);
  CHECK(f.ledger.RecordSale(Sale("t1", "A", 2), recorded + absl::Hours(2)).outcome ==
        Outcome::kReplayed);

  auto [forgotten, ticket] = f.ledger.ForgetPosTransactions(recorded + absl::Seconds(1));
  CHECK(forgotten == 1);
  REQUIRE(f.sink.size() == commits + 1);
  CHECK(f.sink.commits().back().ticket == ticket);
  CHECK(f.sink.commits().back().forgotten_pos_transactions ==
        std::vector<std::string>{std::string("S1") + '\0' + "till-1" + '\0' + "t1"});
  // Forgotten, the same ids are a new transaction; t2 is still known.
  CHECK(f.ledger.RecordSale(Sale("t2", "A", 1), recorded + absl::Hours(3)).outcome ==
        Outcome::kReplayed);
  CHECK(f.ledger.RecordSale(Sale("t1", "A", 2), recorded + absl::Hours(3)).outcome == Outcome::kOk);
  CHECK(f.At("A", "S1").on_hand == 5);
  CHECK(f.ledger.ForgetPosTransactions(recorded + absl::Hours(10), /*max=*/1).first == 1);
  CHECK(f.ledger.ForgetPosTransactions(recorded + absl::Hours(10)).first == 1);
  CHECK(f.ledger.ForgetPosTransactions(recorded + absl::Hours(10)).first == 0);
}

TEST_CASE("with a retention shorter than 30 days, a till transaction dated past it is refused") {
  LedgerFixture f;
  f.ledger.LimitTillTimeToRetention(absl::Hours(48));
  f.Stock("A", "S1", 10);
  // Sold at kT0 + 1 min, uploaded a day later: recorded, and answered as a duplicate for as
  // long as it is kept, even once its date is past the retention.
  const absl::Time recorded = kT0 + absl::Hours(24);
  REQUIRE(f.ledger.RecordSale(Sale("t1", "A", 2), recorded).outcome == Outcome::kOk);
  CHECK(f.ledger.RecordSale(Sale("t1", "A", 2), recorded + absl::Hours(47)).outcome ==
        Outcome::kReplayed);
  // The sweep forgets it 48 h after it was recorded. Sent again after that, its date is past the
  // retention: refused, not applied a second time.
  REQUIRE(f.ledger.ForgetPosTransactions(recorded + absl::Hours(48) + absl::Seconds(1)).first == 1);
  const Applied<PosResult> again =
      f.ledger.RecordSale(Sale("t1", "A", 2), recorded + absl::Hours(49));
  CHECK(again.outcome == Outcome::kClientTimeTooOld);
  CHECK_THAT(again.detail, Catch::Contains("sold_at is more than 47h55m in the past") &&
                               Catch::Contains("--idempotency_retention"));
  CHECK(f.At("A", "S1").on_hand == 8);
  // A new sale within the retention is recorded as ever.
  SaleCommand recent = Sale("t2", "A", 1);
  recent.sold_at = recorded + absl::Hours(48);
  CHECK(f.ledger.RecordSale(recent, recorded + absl::Hours(49)).outcome == Outcome::kOk);
  CHECK(f.At("A", "S1").on_hand == 7);
  // A till 4 minutes ahead: its sale, dated then + 4 min, is recorded at `then`, 4 minutes
  // before its own date, and forgotten 48 h after `then`. Sent again a minute later, with the
  // same date, it is still refused.
  const absl::Time then = recorded + absl::Hours(50);
  SaleCommand ahead = Sale("t3", "A", 1);
  ahead.sold_at = then + absl::Minutes(4);
  REQUIRE(f.ledger.RecordSale(ahead, then).outcome == Outcome::kOk);
  CHECK(f.At("A", "S1").on_hand == 6);
  REQUIRE(f.ledger.ForgetPosTransactions(then + absl::Hours(48) + absl::Seconds(1)).first >= 1);
  CHECK(f.ledger.RecordSale(ahead, then + absl::Hours(48) + absl::Minutes(1)).outcome ==
        Outcome::kClientTimeTooOld);
  CHECK(f.At("A", "S1").on_hand == 6);
}

}  // namespace omnistock::testing

namespace omnistock::testing {

TEST_CASE("a non-sellable return past the limit of units kept apart is refused, changing nothing") {
  LedgerFixture f;
  f.Stock("A", "S2", 1);
  AdjustCommand apart;
  apart.location = LocationId("S2");
  apart.sku = Sku("A");
  apart.delta = kOnHandMax;  // beyond what the edge takes in one call, as many calls would add
  apart.reason = "FOUND";
  apart.non_sellable = true;
  REQUIRE(f.ledger.Adjust(apart, kT0).outcome == Outcome::kOk);
  ReturnCommand damaged{LocationId("S2"), "till-9", "r1", {PosLine{Sku("A"), 1}}, kT0, true,
                        "opened box",     ""};
  const Applied<PosResult> refused = f.ledger.RecordReturn(damaged, kT0);
  CHECK(refused.outcome == Outcome::kOnHandLimitExceeded);
  CHECK(refused.detail ==
        "sku 'A' at 'S2': non_sellable 1000000000000 and 1 more would pass the "
        "limit of 1000000000000");
  CHECK(f.At("A", "S2").non_sellable == kOnHandMax);
  // A sellable return is not kept apart: it goes on the shelf.
  damaged.non_sellable = false;
  CHECK(f.ledger.RecordReturn(damaged, kT0).outcome == Outcome::kOk);
  CHECK(f.At("A", "S2").on_hand == 2);
}

}  // namespace omnistock::testing
