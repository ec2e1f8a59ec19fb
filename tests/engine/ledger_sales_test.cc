// Sales and returns at the till: never refused, exactly-once, and honest about the
// reservations they leave uncovered.
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

TEST_CASE("a sale that oversells is recorded and reports the newest reservations at risk") {
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
  CHECK(f.ledger.CheckInvariants().ok());
}

TEST_CASE("a sale the ledger had no stock for takes on_hand below zero, never refused") {
  LedgerFixture f;
  auto applied = f.ledger.RecordSale(Sale("t1", "NEW", 2), kT0);
  REQUIRE(applied.outcome == Outcome::kOk);
  CHECK(f.At("NEW", "S1").on_hand == -2);
  CHECK(f.At("NEW", "S1").available_shown() == 0);
  CHECK(f.ledger.CheckInvariants().ok());
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
  CHECK(f.ledger.RecordSale(Sale("t1", "A", 3), kT0).outcome ==
        Outcome::kPosTransactionExistsWithDifferentContent);
  // The same transaction id on another terminal is another transaction.
  SaleCommand other = Sale("t1", "A", 2);
  other.terminal_id = "till-2";
  CHECK(f.ledger.RecordSale(other, kT0).outcome == Outcome::kOk);
  CHECK(f.At("A", "S1").on_hand == 1);
}

TEST_CASE("returns restock the store as sellable, or keep non-sellable units apart") {
  LedgerFixture f;
  f.Stock("A", "S2", 1);
  ReturnCommand sellable{LocationId("S2"), "till-9", "r1", {PosLine{Sku("A"), 2}}, kT0, false, ""};
  REQUIRE(f.ledger.RecordReturn(sellable, kT0).outcome == Outcome::kOk);
  CHECK(f.At("A", "S2").on_hand == 3);
  CHECK(f.At("A", "S2").available() == 3);
  ReturnCommand damaged{LocationId("S2"), "till-9", "r2", {PosLine{Sku("A"), 1}}, kT0, true,
                        "opened box"};
  REQUIRE(f.ledger.RecordReturn(damaged, kT0).outcome == Outcome::kOk);
  CHECK(f.At("A", "S2").on_hand == 3);
  CHECK(f.At("A", "S2").non_sellable == 1);
  CHECK(f.At("A", "S2").available() == 3);
  CHECK(f.ledger.RecordReturn(damaged, kT0).outcome == Outcome::kReplayed);
  CHECK(f.At("A", "S2").non_sellable == 1);
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
        std::vector<std::string>{Sale("t1", "A", 2).terminal_id + '\0' + "t1"});
  // Forgotten, the same ids are a new transaction; t2 is still known.
  CHECK(f.ledger.RecordSale(Sale("t2", "A", 1), recorded + absl::Hours(3)).outcome ==
        Outcome::kReplayed);
  CHECK(f.ledger.RecordSale(Sale("t1", "A", 2), recorded + absl::Hours(3)).outcome == Outcome::kOk);
  CHECK(f.At("A", "S1").on_hand == 5);
  CHECK(f.ledger.ForgetPosTransactions(recorded + absl::Hours(10), /*max=*/1).first == 1);
  CHECK(f.ledger.ForgetPosTransactions(recorded + absl::Hours(10)).first == 1);
  CHECK(f.ledger.ForgetPosTransactions(recorded + absl::Hours(10)).first == 0);
}

}  // namespace omnistock::testing
