// Cycle counts reconciled against what happened after them, and transfers through transit.
#include <barrier>
#include <thread>

#include "catch2/catch.hpp"
#include "engine/ledger.h"
#include "engine/transient_ids.h"
#include "tests/engine/ledger_fixture.h"

namespace omnistock::testing {
namespace {

const absl::Time k0900 = kT0 + absl::Hours(9);

CountRow Count(const std::string& location, const std::string& sku, Quantity counted,
               absl::Time at) {
  return CountRow{LocationId(location), Sku(sku), counted, at};
}

SaleCommand Sale(const std::string& txn, Quantity quantity, absl::Time at) {
  return SaleCommand{LocationId("S1"), "till-1", txn, {PosLine{Sku("A"), quantity}}, at};
}

// A sale of `quantity` of A at S1, dated `sold_at`, recorded at `now`: whether it was recorded.
bool Sold(LedgerFixture& f, const std::string& txn, Quantity quantity, absl::Time sold_at,
          absl::Time now) {
  return f.ledger.RecordSale(Sale(txn, quantity, sold_at), now).outcome == Outcome::kOk;
}

// A count of A at S1 taken at `counted_at`, arriving at `now`: whether it was applied.
bool Counted(LedgerFixture& f, Quantity counted, absl::Time counted_at, absl::Time now) {
  return f.ledger.ApplyCounts({Count("S1", "A", counted, counted_at)}, now).value.applied == 1;
}

// A of S1 with 5 on hand and two holds of 2, r1 then r2 a second later.
void HoldTwoOfFive(LedgerFixture& f) {
  f.Stock("A", "S1", 5);
  REQUIRE(f.ledger.Reserve(f.Order("r1", {f.L("A", "S1", 2)}), kT0).outcome == Outcome::kOk);
  REQUIRE(f.ledger.Reserve(f.Order("r2", {f.L("A", "S1", 2)}), kT0 + absl::Seconds(1)).outcome ==
          Outcome::kOk);
}

}  // namespace

TEST_CASE(
    "count of 10 at 09:00, then a sale of 3 at 09:30 and a receipt of 5 at 10:00: on_hand 12") {
  LedgerFixture f;
  REQUIRE(
      f.ledger.ApplyCounts({Count("S1", "A", 20, k0900 - absl::Hours(2))}, k0900).value.applied ==
      1);
  REQUIRE(f.ledger.RecordSale(Sale("t1", 3, k0900 + absl::Minutes(30)), k0900 + absl::Minutes(30))
              .outcome == Outcome::kOk);
  REQUIRE(
      f.ledger.Receive(ReceiveCommand{LocationId("S1"), Sku("A"), 5, "po"}, k0900 + absl::Hours(1))
          .outcome == Outcome::kOk);
  CHECK(f.At("A", "S1").on_hand == 22);
  // The count arrives late, at 10:15: the shelf held 10 at 09:00.
  auto applied = f.ledger.ApplyCounts({Count("S1", "A", 10, k0900)}, k0900 + absl::Minutes(75));
  CHECK(applied.value.applied == 1);
  CHECK(applied.value.discrepancy == 10);
  CHECK(f.At("A", "S1").on_hand == 12);
  const Commit commit = f.sink.commits().back();
  REQUIRE(commit.movements.size() == 1);
  CHECK(commit.movements[0].kind == MovementKind::kCount);
  CHECK(commit.movements[0].on_hand_delta == -10);
  CHECK(commit.movements[0].time == k0900);
}

TEST_CASE("a till sale or return dated before the last count is already in it: on_hand stays") {
  LedgerFixture f;
  f.Stock("A", "S1", 10);
  // The shelf is counted at 09:00: 7, because 3 were sold at 08:50 and the till is slow.
  REQUIRE(f.ledger.ApplyCounts({Count("S1", "A", 7, k0900)}, k0900).value.applied == 1);
  REQUIRE(f.At("A", "S1").on_hand == 7);
  REQUIRE(f.ledger.RecordSale(Sale("t1", 3, k0900 - absl::Minutes(10)), k0900).outcome ==
          Outcome::kOk);
  CHECK(f.At("A", "S1").on_hand == 7);
  const Commit late = f.sink.commits().back();
  REQUIRE(late.movements.size() == 1);
  CHECK(late.movements[0].kind == MovementKind::kSale);
  CHECK(late.movements[0].on_hand_delta == 0);
  CHECK(late.movements[0].on_hand_after == 7);
  // A return from before the count is in it too; a sale after it is not.
  ReturnCommand back{
      LocationId("S1"), "till-1", "r1", {PosLine{Sku("A"), 1}}, k0900, false, "", ""};
  REQUIRE(f.ledger.RecordReturn(back, k0900).outcome == Outcome::kOk);
  CHECK(f.At("A", "S1").on_hand == 7);
  REQUIRE(Sold(f, "t2", 2, k0900 + absl::Minutes(1), k0900 + absl::Minutes(1)));
  CHECK(f.At("A", "S1").on_hand == 5);
  // A later count still sees the 09:01 sale as after 09:00, and the late ones not at all.
  REQUIRE(Counted(f, 7, k0900 + absl::Seconds(30), k0900 + absl::Minutes(2)));
  CHECK(f.At("A", "S1").on_hand == 5);
}

TEST_CASE("a count or a sale dated ahead of the server's clock is taken at the server's time") {
  LedgerFixture f;
  f.Stock("A", "S1", 10);
  // The WMS clock runs 3 minutes ahead: its count of 10 at 09:00 says 09:03.
  REQUIRE(Counted(f, 10, k0900 + absl::Minutes(3), k0900));
  CHECK(f.At("A", "S1").last_counted_at == k0900);
  CHECK(f.sink.commits().back().movements.at(0).time == k0900);
  // A sale a minute later, undated: after the count, not in it.
  REQUIRE(Sold(f, "t1", 2, absl::InfinitePast(), k0900 + absl::Minutes(1)));
  CHECK(f.At("A", "S1").on_hand == 8);
  // A till 4 minutes ahead sells 1 at 09:02: recorded at 09:02, not 09:06.
  REQUIRE(Sold(f, "t2", 1, k0900 + absl::Minutes(6), k0900 + absl::Minutes(2)));
  CHECK(f.sink.commits().back().movements.at(0).time == k0900 + absl::Minutes(2));
  CHECK(f.At("A", "S1").on_hand == 7);
  // So a count of the shelf at 09:04 (7 left), with a correct clock, sees both sales before it.
  REQUIRE(Counted(f, 7, k0900 + absl::Minutes(4), k0900 + absl::Minutes(5)));
  CHECK(f.At("A", "S1").on_hand == 7);
  // Two counts of one batch, both ahead, both taken at 09:06: the later row wins.
  const absl::Time now = k0900 + absl::Minutes(6);
  const Applied<CountSummary> both = f.ledger.ApplyCounts(
      {Count("S1", "A", 6, now + absl::Minutes(1)), Count("S1", "A", 5, now + absl::Minutes(2))},
      now);
  CHECK(both.value.applied == 2);
  CHECK(f.At("A", "S1").on_hand == 5);
  CHECK(f.At("A", "S1").last_counted_at == now);
}

TEST_CASE("a count dated ahead and sent again is stale, and so is an older count after it") {
  LedgerFixture f;
  f.Stock("A", "S1", 10);
  // The WMS clock runs 3 minutes ahead: a count of 10 dated 09:03 arrives at 09:00.
  const absl::Time dated = k0900 + absl::Minutes(3);
  REQUIRE(Counted(f, 10, dated, k0900));
  CHECK(f.At("A", "S1").last_count_reported_at == dated);
  // A till sells 2 at 09:01.
  REQUIRE(Sold(f, "t1", 2, absl::InfinitePast(), k0900 + absl::Minutes(1)));
  CHECK(f.At("A", "S1").on_hand == 8);
  // The WMS timed out and sends the same batch at 09:02: the same count, not a new one that
  // would put the 2 sold units back.
  const Applied<CountSummary> again =
      f.ledger.ApplyCounts({Count("S1", "A", 10, dated)}, k0900 + absl::Minutes(2));
  CHECK(again.value.stale == 1);
  CHECK(again.value.applied == 0);
  CHECK(f.At("A", "S1").on_hand == 8);
  // A count the WMS took before the one applied (dated 09:02 by its clock), arriving later at
  // 09:04 when it is no longer ahead: older than the applied count, so stale too.
  const Applied<CountSummary> older = f.ledger.ApplyCounts(
      {Count("S1", "A", 9, k0900 + absl::Minutes(2))}, k0900 + absl::Minutes(4));
  CHECK(older.value.stale == 1);
  CHECK(f.At("A", "S1").on_hand == 8);
  // A later count by the same clock applies, at the server's time.
  REQUIRE(Counted(f, 7, k0900 + absl::Minutes(8), k0900 + absl::Minutes(5)));
  CHECK(f.At("A", "S1").on_hand == 7);
  CHECK(f.At("A", "S1").last_counted_at == k0900 + absl::Minutes(5));
}

TEST_CASE("a count older than the last applied one is stale and changes nothing") {
  LedgerFixture f;
  REQUIRE(f.ledger.ApplyCounts({Count("S1", "A", 7, k0900)}, k0900).value.applied == 1);
  auto stale = f.ledger.ApplyCounts(
      {Count("S1", "A", 99, k0900 - absl::Minutes(1)), Count("S1", "A", 98, k0900),
       Count("NOWHERE", "A", 1, k0900 + absl::Minutes(1))},
      k0900);
  CHECK(stale.value.applied == 0);
  CHECK(stale.value.stale == 2);
  CHECK(stale.value.unknown == 1);
  CHECK(f.At("A", "S1").on_hand == 7);
}

TEST_CASE(
    "a count from before the 64 on_hand changes a position keeps is unreconciled, not stale") {
  LedgerFixture f;
  REQUIRE(Counted(f, 100, k0900, k0900));
  // 64 sales after 10:00: the position keeps them all, back to the first.
  for (int i = 0; i < kOnHandHistoryMax; ++i) {
    REQUIRE(Sold(f, "t" + std::to_string(i), 1, k0900 + absl::Hours(1) + absl::Seconds(i),
                 k0900 + absl::Hours(2)));
  }
  const absl::Time now = k0900 + absl::Hours(2);
  // A count from 09:30 nets all 64 out: applied.
  auto kept = f.ledger.ApplyCounts({Count("S1", "A", 80, k0900 + absl::Minutes(30))}, now);
  CHECK(kept.value.applied == 1);
  CHECK(f.At("A", "S1").on_hand == 80 - kOnHandHistoryMax);
  // Its own correction took no room: the 64 sales are all still there to net.
  CHECK(f.At("A", "S1").history.size() == kOnHandHistoryMax);
  CHECK(f.At("A", "S1").history_complete_after < k0900 + absl::Hours(1));
  // One sale more drops the oldest change: a count before it can no longer be netted.
  REQUIRE(Sold(f, "t-last", 1, k0900 + absl::Minutes(100), now));
  auto late = f.ledger.ApplyCounts({Count("S1", "A", 50, k0900 + absl::Minutes(45))}, now);
  CHECK(late.value.applied == 0);
  CHECK(late.value.unreconciled == 1);
  CHECK(late.value.stale == 0);
  CHECK(f.At("A", "S1").on_hand == 80 - kOnHandHistoryMax - 1);
}

TEST_CASE("the changes a count takes in make room in the history for later ones") {
  LedgerFixture f;
  REQUIRE(Counted(f, 100, k0900, k0900));
  const absl::Time now = k0900 + absl::Hours(1);
  REQUIRE(Sold(f, "t1", 1, k0900 + absl::Minutes(10), now));
  REQUIRE(Sold(f, "t2", 1, k0900 + absl::Minutes(20), now));
  CHECK(f.At("A", "S1").history.size() == 2);
  // A count at 09:15 takes the 09:10 sale in; the 09:20 one is still to net for later counts.
  REQUIRE(Counted(f, 90, k0900 + absl::Minutes(15), now));
  const Position counted = f.At("A", "S1");
  CHECK(counted.on_hand == 89);
  REQUIRE(counted.history.size() == 1);
  CHECK(counted.history.begin()->at == k0900 + absl::Minutes(20));
  auto later = f.ledger.ApplyCounts({Count("S1", "A", 70, k0900 + absl::Minutes(18))}, now);
  CHECK(later.value.applied == 1);
  CHECK(f.At("A", "S1").on_hand == 69);
}

TEST_CASE("a count never drops reservations: it reports the ones it leaves uncovered") {
  LedgerFixture f;
  HoldTwoOfFive(f);
  auto applied =
      f.ledger.ApplyCounts({Count("S1", "A", 3, kT0 + absl::Seconds(2))}, kT0 + absl::Seconds(3));
  CHECK(f.At("A", "S1").on_hand == 3);
  CHECK(f.At("A", "S1").reserved == 4);
  REQUIRE(applied.value.at_risk.size() == 1);
  CHECK(applied.value.at_risk[0].reservation == ReservationId("r2"));
  CHECK(f.ledger.CheckInvariants().ok());
}

TEST_CASE("a sale a count had already taken in puts no reservation at risk") {
  LedgerFixture f;
  HoldTwoOfFive(f);
  REQUIRE(Counted(f, 3, kT0 + absl::Seconds(2), kT0 + absl::Seconds(3)));  // r2 short
  // Sold before the count, recorded after it: in the count already, nothing changes.
  auto late =
      f.ledger.RecordSale(Sale("t-late", 1, kT0 + absl::Seconds(1)), kT0 + absl::Seconds(4));
  REQUIRE(late.outcome == Outcome::kOk);
  CHECK(f.At("A", "S1").on_hand == 3);
  CHECK(f.At("A", "S1").shortfall() == 1);
  CHECK(late.value.transaction.at_risk.empty());
}

TEST_CASE("a count batch lists what is at risk as it ends, not what a later row covered") {
  LedgerFixture f;
  HoldTwoOfFive(f);
  // Counted 3 (r2 short), then 10 a minute later in the same batch: nothing is short at the end.
  auto applied = f.ledger.ApplyCounts(
      {Count("S1", "A", 3, kT0 + absl::Seconds(2)), Count("S1", "A", 10, kT0 + absl::Seconds(62))},
      kT0 + absl::Minutes(2));
  CHECK(applied.value.applied == 2);
  CHECK(f.At("A", "S1").on_hand == 10);
  CHECK(applied.value.at_risk.empty());
  // The other way round, r2 is short at the end, and listed once.
  auto lowered = f.ledger.ApplyCounts(
      {Count("S1", "A", 10, kT0 + absl::Minutes(3)), Count("S1", "A", 3, kT0 + absl::Minutes(4))},
      kT0 + absl::Minutes(5));
  CHECK(lowered.value.applied == 2);
  REQUIRE(lowered.value.at_risk.size() == 1);
  CHECK(lowered.value.at_risk[0].reservation == ReservationId("r2"));
}

TEST_CASE("two counts of one position in one batch apply in order") {
  LedgerFixture f;
  auto applied = f.ledger.ApplyCounts(
      {Count("S1", "A", 4, k0900), Count("S1", "A", 6, k0900 + absl::Minutes(5)),
       Count("S1", "A", 1, k0900 + absl::Minutes(1))},
      k0900 + absl::Minutes(5));
  CHECK(applied.value.applied == 2);
  CHECK(applied.value.stale == 1);
  CHECK(f.At("A", "S1").on_hand == 6);
  const Commit commit = f.sink.commits().back();
  REQUIRE(commit.movements.size() == 2);
  CHECK(commit.movements[0].on_hand_after == 4);
  CHECK(commit.movements[1].on_hand_after == 6);
  CHECK(commit.movements[1].sequence == commit.movements[0].sequence + 1);
}

TEST_CASE("a transfer leaves the source at once, shows in transit, lands on receipt") {
  LedgerFixture f;
  f.Stock("A", "W1", 10);
  Transfer transfer;
  transfer.id = "tr-1";
  transfer.from = LocationId("W1");
  transfer.to = LocationId("S1");
  transfer.lines = {PosLine{Sku("A"), 4}};
  auto shipped = f.ledger.ShipTransfer(transfer, kT0);
  REQUIRE(shipped.outcome == Outcome::kOk);
  CHECK(shipped.value.state == TransferState::kInTransit);
  CHECK(f.At("A", "W1").on_hand == 6);
  CHECK(f.At("A", "S1").in_transit == 4);
  CHECK(f.At("A", "S1").available() == 0);
  CHECK(f.ledger.ShipTransfer(transfer, kT0).outcome == Outcome::kReplayed);
  CHECK(f.At("A", "W1").on_hand == 6);
  CHECK(f.ledger.CheckInvariants().ok());

  auto received = f.ledger.ReceiveTransfer({"tr-1"}, kT0 + absl::Hours(5));
  REQUIRE(received.outcome == Outcome::kOk);
  CHECK(f.At("A", "S1").on_hand == 4);
  CHECK(f.At("A", "S1").in_transit == 0);
  CHECK(f.ledger.ReceiveTransfer({"tr-1"}, kT0).outcome == Outcome::kReplayed);
  CHECK(f.At("A", "S1").on_hand == 4);

  Transfer greedy = transfer;
  greedy.id = "tr-2";
  greedy.lines = {PosLine{Sku("A"), 7}};
  auto refused = f.ledger.ShipTransfer(greedy, kT0);
  CHECK(refused.outcome == Outcome::kInsufficientAvailable);
  CHECK(f.At("A", "W1").on_hand == 6);
  Transfer changed = transfer;
  changed.lines = {PosLine{Sku("A"), 1}};
  const Applied<Transfer> different = f.ledger.ShipTransfer(changed, kT0);
  CHECK(different.outcome == Outcome::kTransferExistsWithDifferentContent);
  CHECK(different.detail ==
        "transfer_id 'tr-1' already shipped 4 of 'A' from 'W1' to 'S1', not 1 of 'A' from 'W1' "
        "to 'S1'");
  CHECK(different.ticket == f.ledger.last_ticket());  // waits for the commit that shipped it
}

TEST_CASE("a transfer received short lands what arrived; the rest is lost in transit") {
  LedgerFixture f;
  f.Stock("A", "W1", 10);
  f.Stock("B", "W1", 5);
  Transfer transfer;
  transfer.id = "tr-short";
  transfer.from = LocationId("W1");
  transfer.to = LocationId("S1");
  transfer.lines = {PosLine{Sku("A"), 4}, PosLine{Sku("B"), 2}};
  REQUIRE(f.ledger.ShipTransfer(transfer, kT0).outcome == Outcome::kOk);
  const absl::Time arrival = kT0 + absl::Hours(5);

  // Refused, changing nothing: a SKU not shipped, more than shipped, a SKU left out.
  for (const std::vector<PosLine>& wrong :
       {std::vector<PosLine>{{Sku("A"), 3}, {Sku("B"), 2}, {Sku("C"), 1}},
        std::vector<PosLine>{{Sku("B"), 3}, {Sku("A"), 3}}, std::vector<PosLine>{{Sku("A"), 3}}}) {
    const Applied<Transfer> refused = f.ledger.ReceiveTransfer({"tr-short", wrong}, arrival);
    INFO(refused.detail);
    CHECK(refused.outcome == Outcome::kTransferReceiptMismatch);
  }
  const Applied<Transfer> over =
      f.ledger.ReceiveTransfer({"tr-short", {{Sku("B"), 3}, {Sku("A"), 3}}}, arrival);
  CHECK(over.detail ==
        "received_lines[0].quantity is 3, outside 0 .. the 2 units of 'B' transfer 'tr-short' "
        "shipped");
  CHECK(f.At("A", "S1").in_transit == 4);
  CHECK(f.At("A", "S1").on_hand == 0);

  // In another order than shipped, and none of B.
  const size_t commits = f.sink.size();
  const Applied<Transfer> received =
      f.ledger.ReceiveTransfer({"tr-short", {{Sku("B"), 0}, {Sku("A"), 3}}}, arrival);
  REQUIRE(received.outcome == Outcome::kOk);
  CHECK(received.value.state == TransferState::kReceived);
  CHECK(received.value.received == std::vector<PosLine>{{Sku("A"), 3}, {Sku("B"), 0}});
  for (const char* sku : {"A", "B"}) CHECK(f.At(sku, "S1").in_transit == 0);
  CHECK(f.At("A", "S1").on_hand == 3);
  CHECK(f.At("B", "S1").on_hand == 0);
  CHECK(f.At("A", "W1").on_hand == 6);  // the source gave up what it shipped
  REQUIRE(f.sink.size() == commits + 1);
  const std::vector<Commit> all = f.sink.commits();
  const Commit& commit = all.back();
  REQUIRE(commit.movements.size() == 2);
  CHECK(commit.movements[0].on_hand_delta == 3);
  CHECK(commit.movements[0].in_transit_delta == -4);
  CHECK(commit.movements[0].actor == "received from W1: 3 of 4 (1 lost in transit)");
  CHECK(commit.movements[1].on_hand_delta == 0);
  CHECK(commit.movements[1].in_transit_delta == -2);
  REQUIRE(commit.transfers.size() == 1);
  CHECK(commit.transfers[0].received == received.value.received);

  // The same receipt again is a replay; other quantities, or a plain receipt, are not.
  CHECK(f.ledger.ReceiveTransfer({"tr-short", {{Sku("A"), 3}, {Sku("B"), 0}}}, arrival).outcome ==
        Outcome::kReplayed);
  const Applied<Transfer> other =
      f.ledger.ReceiveTransfer({"tr-short", {{Sku("A"), 4}, {Sku("B"), 0}}}, arrival);
  CHECK(other.outcome == Outcome::kTransferExistsWithDifferentContent);
  CHECK(other.detail ==
        "transfer_id 'tr-short' was received as 3 of 'A', 0 of 'B', not 4 of "
        "'A', 0 of 'B'");
  CHECK(f.ledger.ReceiveTransfer({"tr-short"}, arrival).outcome ==
        Outcome::kTransferExistsWithDifferentContent);
  CHECK(f.sink.size() == commits + 1);
  CHECK(f.At("A", "S1").on_hand == 3);
  CHECK(f.ledger.CheckInvariants().ok());

  // Received whole, a plain receipt and one naming every shipped quantity are the same.
  transfer.id = "tr-whole";
  REQUIRE(f.ledger.ShipTransfer(transfer, kT0).outcome == Outcome::kOk);
  REQUIRE(f.ledger.ReceiveTransfer({"tr-whole"}, arrival).outcome == Outcome::kOk);
  CHECK(f.ledger.ReceiveTransfer({"tr-whole", {{Sku("B"), 2}, {Sku("A"), 4}}}, arrival).outcome ==
        Outcome::kReplayed);
  CHECK(f.At("A", "S1").on_hand == 7);
  CHECK(f.At("B", "S1").on_hand == 2);
}

TEST_CASE("a count that would put on_hand past its limit is reported, not applied") {
  LedgerFixture f;
  f.Stock("A", "S1", 10);  // at kT0, after the count below was taken
  const size_t commits = f.sink.size();
  const Applied<CountSummary> counted = f.ledger.ApplyCounts(
      {Count("S1", "A", kOnHandMax, kT0 - absl::Hours(1)), Count("S1", "B", 7, kT0)}, kT0);
  CHECK(counted.value.over_limit == 1);
  CHECK(counted.value.applied == 1);
  CHECK(counted.value.not_applied ==
        std::vector<CountRowNotApplied>{{0, CountRowIssue::kOverLimit}});
  CHECK(f.At("A", "S1").on_hand == 10);
  CHECK(f.At("A", "S1").last_counted_at == absl::InfinitePast());
  CHECK(f.At("B", "S1").on_hand == 7);
  REQUIRE(f.sink.size() == commits + 1);
  CHECK(f.sink.commits().back().movements.size() == 1);  // B's count only
  CHECK(f.ledger.CheckInvariants().ok());
}

TEST_CASE("a transfer finds a SKU its call resolved before a receipt made the SKU's first row") {
  LedgerFixture f;
  TransientIds ids;
  const Sku resolved = ids.Resolve<Sku>("TRANSFER-LATE-SKU");  // unknown when the call came
  f.Stock("TRANSFER-LATE-SKU", "W1", 10);                      // a receipt meanwhile
  Transfer transfer;
  transfer.id = "tr-late";
  transfer.from = LocationId("W1");
  transfer.to = LocationId("S1");
  transfer.lines = {PosLine{resolved, 4}};
  auto shipped = f.ledger.ShipTransfer(transfer, kT0);
  CHECK(shipped.outcome == Outcome::kOk);
  CHECK(f.At("TRANSFER-LATE-SKU", "W1").on_hand == 6);
  CHECK(f.At("TRANSFER-LATE-SKU", "S1").in_transit == 4);
  // Its retry, resolved as early, is the same transfer.
  TransientIds retry_ids;
  Transfer retry = transfer;
  retry.lines = {PosLine{retry_ids.Unmatched<Sku>("TRANSFER-LATE-SKU"), 4}};
  CHECK(f.ledger.ShipTransfer(retry, kT0).outcome == Outcome::kReplayed);
  CHECK(f.At("TRANSFER-LATE-SKU", "W1").on_hand == 6);
  CHECK(f.ledger.CheckInvariants().ok());
}

TEST_CASE("a transfer must fit under its destination's on_hand limit, shipped and received") {
  LedgerFixture f;
  f.Stock("A", "W1", 10);
  f.Stock("A", "S1", kOnHandMax - 5);
  Transfer transfer;
  transfer.id = "tr-1";
  transfer.from = LocationId("W1");
  transfer.to = LocationId("S1");
  transfer.lines = {PosLine{Sku("A"), 6}};
  const Applied<Transfer> refused = f.ledger.ShipTransfer(transfer, kT0);
  CHECK(refused.outcome == Outcome::kOnHandLimitExceeded);
  CHECK(refused.detail ==
        "sku 'A' at 'S1': on_hand 999999999995 and in_transit 0 leave no room "
        "for 6 under the limit of 1000000000000");
  CHECK(f.At("A", "W1").on_hand == 10);

  transfer.lines = {PosLine{Sku("A"), 5}};
  REQUIRE(f.ledger.ShipTransfer(transfer, kT0).outcome == Outcome::kOk);
  // A count at the destination since: the shelf is full, the transfer cannot land.
  REQUIRE(
      f.ledger
          .ApplyCounts({Count("S1", "A", kOnHandMax, kT0 + absl::Hours(1))}, kT0 + absl::Hours(1))
          .value.applied == 1);
  const size_t commits = f.sink.size();
  const Applied<Transfer> full = f.ledger.ReceiveTransfer({"tr-1"}, kT0 + absl::Hours(2));
  CHECK(full.outcome == Outcome::kOnHandLimitExceeded);
  // Its own units are what is in transit: the message names on_hand alone.
  CHECK(full.detail ==
        "sku 'A' at 'S1': on_hand 1000000000000 leaves no room for 5 under the limit of "
        "1000000000000");
  CHECK(f.sink.size() == commits);
  CHECK(f.At("A", "S1").in_transit == 5);
  REQUIRE(
      f.ledger.Adjust(AdjustCommand{LocationId("S1"), Sku("A"), -5, "recount", ""}, kT0).outcome ==
      Outcome::kOk);
  CHECK(f.ledger.ReceiveTransfer({"tr-1"}, kT0 + absl::Hours(3)).outcome == Outcome::kOk);
  CHECK(f.At("A", "S1").on_hand == kOnHandMax);
  CHECK(f.At("A", "S1").in_transit == 0);
  CHECK(f.ledger.CheckInvariants().ok());
}

TEST_CASE("received transfers are forgotten after the retention; in-transit ones never") {
  LedgerFixture f;
  f.Stock("A", "W1", 10);
  auto ship = [&f](const std::string& id) {
    Transfer transfer;
    transfer.id = id;
    transfer.from = LocationId("W1");
    transfer.to = LocationId("S1");
    transfer.lines = {PosLine{Sku("A"), 1}};
    return f.ledger.ShipTransfer(transfer, kT0).outcome;
  };
  REQUIRE(ship("tr-received") == Outcome::kOk);
  REQUIRE(ship("tr-on-the-road") == Outcome::kOk);
  REQUIRE(f.ledger.ReceiveTransfer({"tr-received"}, kT0 + absl::Hours(5)).outcome == Outcome::kOk);
  // A restore of the same row again (a replay) leaves a second entry: still forgotten once.
  f.ledger.RestoreTransfer(f.ledger.ReceiveTransfer({"tr-received"}, kT0).value);

  const size_t commits = f.sink.size();
  CHECK(f.ledger.ForgetTransfers(kT0 + absl::Hours(5)).first == 0);  // not before it
  CHECK(f.sink.size() == commits);
  auto [forgotten, ticket] = f.ledger.ForgetTransfers(kT0 + absl::Hours(24 * 365));
  CHECK(forgotten == 1);
  REQUIRE(f.sink.size() == commits + 1);
  CHECK(f.sink.commits().back().ticket == ticket);
  CHECK(f.sink.commits().back().forgotten_transfers == std::vector<std::string>{"tr-received"});
  CHECK(f.ledger.ForgetTransfers(kT0 + absl::Hours(24 * 365)).first == 0);
  CHECK(f.ledger.ReceiveTransfer({"tr-received"}, kT0).outcome == Outcome::kTransferNotFound);
  CHECK(f.ledger.ReceiveTransfer({"tr-on-the-road"}, kT0 + absl::Hours(6)).outcome == Outcome::kOk);
  // The forgotten id is free: shipping it again is a new transfer.
  CHECK(ship("tr-received") == Outcome::kOk);
  CHECK(f.At("A", "W1").on_hand == 7);
  CHECK(f.ledger.CheckInvariants().ok());
}

TEST_CASE("a receipt or an adjustment sent again under its idempotency key is applied once") {
  LedgerFixture f;
  auto receive = [&f](const std::string& key, Quantity quantity) {
    return f.ledger.Receive(ReceiveCommand{LocationId("W1"), Sku("A"), quantity, "asn-1", key},
                            kT0);
  };
  auto adjust = [&f](const std::string& key, Quantity delta) {
    return f.ledger.Adjust(AdjustCommand{LocationId("W1"), Sku("A"), delta, "DAMAGE", "", key},
                           kT0);
  };
  REQUIRE(receive("rcv-1", 5).outcome == Outcome::kOk);
  const Commit applied = f.sink.commits().back();
  REQUIRE(applied.pos_transactions.size() == 1);
  CHECK(applied.pos_transactions[0].terminal_id.empty());
  CHECK(applied.pos_transactions[0].transaction_id == "rcv-1");
  CHECK(applied.pos_transactions[0].kind == MovementKind::kReceive);
  CHECK(applied.pos_transactions[0].sequence == applied.movements[0].sequence);

  // The retry: the position as it is, nothing applied, and its answer waits for the commit.
  const size_t commits = f.sink.size();
  const Applied<Position> again = receive("rcv-1", 5);
  CHECK(again.outcome == Outcome::kReplayed);
  CHECK(again.value.on_hand == 5);
  CHECK(again.ticket == applied.ticket);
  CHECK(f.sink.size() == commits);
  // Other content under the key: refused, naming what the key was used for.
  const Applied<Position> other = receive("rcv-1", 6);
  CHECK(other.outcome == Outcome::kStockChangeExistsWithDifferentContent);
  CHECK_THAT(other.detail, Catch::Contains("'rcv-1'") && Catch::Contains("a receipt of 5"));
  CHECK(adjust("rcv-1", 5).outcome == Outcome::kStockChangeExistsWithDifferentContent);
  CHECK(f.At("A", "W1").on_hand == 5);

  REQUIRE(adjust("adj-1", -2).outcome == Outcome::kOk);
  CHECK(adjust("adj-1", -2).outcome == Outcome::kReplayed);
  CHECK(adjust("adj-1", -3).outcome == Outcome::kStockChangeExistsWithDifferentContent);
  CHECK(f.At("A", "W1").on_hand == 3);
  // Without a key every call applies; a till's transaction id is another name space.
  REQUIRE(receive("", 1).outcome == Outcome::kOk);
  REQUIRE(receive("", 1).outcome == Outcome::kOk);
  REQUIRE(
      f.ledger
          .RecordSale(SaleCommand{LocationId("S1"), "till-1", "rcv-1", {PosLine{Sku("A"), 1}}}, kT0)
          .outcome == Outcome::kOk);
  CHECK(f.At("A", "W1").on_hand == 5);
  CHECK(f.ledger.pos_transaction_count() == 3);
  CHECK(f.ledger.CheckInvariants().ok());
}

TEST_CASE(
    "a refused keyed change keeps nothing; a kept key survives a restore, then is forgotten") {
  LedgerFixture f;
  const AdjustCommand down{LocationId("W1"), Sku("A"), -4, "SHRINK", "", "adj-7"};
  // Nothing to take 4 from: refused, and the key stays free for the same change later.
  CHECK(f.ledger.Adjust(down, kT0).outcome == Outcome::kOnHandBelowZero);
  CHECK(f.ledger.pos_transaction_count() == 0);
  f.Stock("A", "W1", 10);
  REQUIRE(f.ledger.Adjust(down, kT0 + absl::Hours(1)).outcome == Outcome::kOk);
  CHECK(f.At("A", "W1").on_hand == 6);

  // A ledger restored from the rows knows the key.
  LedgerFixture restored;
  for (const Commit& commit : f.sink.commits()) {
    for (const Position& position : commit.positions) restored.ledger.RestorePosition(position);
    for (const PosTransaction& kept : commit.pos_transactions) {
      restored.ledger.RestorePosTransaction(kept);
    }
  }
  CHECK(restored.ledger.Adjust(down, kT0 + absl::Hours(2)).outcome == Outcome::kReplayed);
  CHECK(restored.At("A", "W1").on_hand == 6);

  // Forgotten a retention after it was recorded: the key then names a new change.
  CHECK(f.ledger.ForgetPosTransactions(kT0 + absl::Hours(1)).first == 0);
  auto [forgotten, ticket] = f.ledger.ForgetPosTransactions(kT0 + absl::Hours(2));
  CHECK(forgotten == 1);
  CHECK(f.sink.commits().back().forgotten_pos_transactions ==
        std::vector<std::string>{std::string("\0adj-7", 6)});
  CHECK(f.ledger.Adjust(down, kT0 + absl::Hours(3)).outcome == Outcome::kOk);
  CHECK(f.At("A", "W1").on_hand == 2);
}

TEST_CASE("a pickup point takes no stock, and what was left there can be cleared") {
  LedgerFixture f;
  f.Stock("A", "S2", 10);
  f.Stock("A", "W1", 5);
  REQUIRE(f.ledger.Reserve(f.Order("held", {f.L("A", "S2", 2)}), kT0).outcome == Outcome::kOk);
  // A store holding stock does not become a pickup point.
  Location point = *f.ledger.FindLocation(LocationId("S2"));
  point.kind = LocationKind::kPickupPoint;
  point.capabilities = Capabilities{true, false, false, false};
  const Applied<Location> refused_kind = f.ledger.UpsertLocation(point);
  CHECK(refused_kind.outcome == Outcome::kLocationHoldsNoStock);
  CHECK(refused_kind.detail ==
        "location_id 'S2' holds stock at 1 positions (on_hand, reserved, in transit or "
        "non-sellable): move or count it out before making it a PICKUP_POINT, which holds none");
  CHECK(f.ledger.FindLocation(LocationId("S2"))->kind == LocationKind::kStore);

  // An empty location does; stock there from before this rule (restored from disk) stays.
  point.id = LocationId("P1");
  REQUIRE(f.ledger.UpsertLocation(point).outcome == Outcome::kOk);
  Position left;
  left.sku = Sku("A");
  left.location = LocationId("P1");
  left.on_hand = 6;
  f.ledger.RestorePosition(left);
  const size_t commits = f.sink.size();

  // Nothing puts stock there or holds it.
  const Applied<Position> received =
      f.ledger.Receive(ReceiveCommand{LocationId("P1"), Sku("A"), 3, "po"}, kT0);
  CHECK(received.outcome == Outcome::kLocationHoldsNoStock);
  CHECK(received.detail ==
        "location_id 'P1' is a PICKUP_POINT: it holds no stock (orders are delivered to its "
        "address and handed over there)");
  CHECK(f.ledger.Adjust(AdjustCommand{LocationId("P1"), Sku("A"), 1, "found", ""}, kT0).outcome ==
        Outcome::kLocationHoldsNoStock);
  CHECK(f.ledger.SetSafetyStock(SafetyStockCommand{LocationId("P1"), Sku("A"), 1}, kT0).outcome ==
        Outcome::kLocationHoldsNoStock);
  CHECK(f.ledger.Reserve(f.Order("r1", {f.L("A", "P1", 1)}), kT0).outcome ==
        Outcome::kLocationHoldsNoStock);
  Transfer in;
  in.id = "in";
  in.from = LocationId("W1");
  in.to = LocationId("P1");
  in.lines = {PosLine{Sku("A"), 2}};
  const Applied<Transfer> shipped_in = f.ledger.ShipTransfer(in, kT0);
  CHECK(shipped_in.outcome == Outcome::kLocationHoldsNoStock);
  CHECK_THAT(shipped_in.detail, Catch::StartsWith("to_location_id 'P1' is a PICKUP_POINT"));
  CHECK(f.sink.size() == commits);
  // Nor a count that would raise it: of what is there, or of a SKU not there at all.
  const Applied<CountSummary> up = f.ledger.ApplyCounts(
      {Count("P1", "A", 7, kT0), Count("P1", "B", 5, kT0), Count("P1", "C", 0, kT0)}, kT0);
  CHECK(up.value.holds_no_stock == 2);
  CHECK(up.value.applied == 1);  // C: nothing there, none counted
  CHECK(f.At("A", "P1").on_hand == 6);
  CHECK(f.ledger.GetPositions({Sku("B"), Sku("C")}, {}).empty());  // no position made
  CHECK(f.sink.commits().back().movements.empty());                // the counts changed nothing
  // A till there is refused as before, for what it is: no till.
  SaleCommand at_point = Sale("s1", 1, kT0);
  at_point.store = LocationId("P1");
  CHECK(f.ledger.RecordSale(at_point, kT0).outcome == Outcome::kLocationHasNoTill);

  // What was left can be cleared: moved on, adjusted down, counted.
  Transfer out = in;
  out.id = "out";
  out.from = LocationId("P1");
  out.to = LocationId("W1");
  CHECK(f.ledger.ShipTransfer(out, kT0).outcome == Outcome::kOk);
  CHECK(f.ledger.Adjust(AdjustCommand{LocationId("P1"), Sku("A"), -1, "damage", ""}, kT0).outcome ==
        Outcome::kOk);
  REQUIRE(
      f.ledger.ApplyCounts({Count("P1", "A", 0, kT0 + absl::Seconds(1))}, kT0 + absl::Seconds(1))
          .value.applied == 1);
  CHECK(f.At("A", "P1").on_hand == 0);
  CHECK(f.ledger.CheckInvariants().ok());
}

TEST_CASE("a receipt racing a store's change into a pickup point never leaves stock there") {
  // UpsertLocation makes an empty location a pickup point; a receipt checked the location as a
  // store just before must not then put stock there.
  LedgerFixture f;
  Location store;
  store.id = LocationId("P1");
  store.kind = LocationKind::kStore;
  Location point = store;
  point.kind = LocationKind::kPickupPoint;
  point.capabilities = Capabilities{true, false, false, false};
  constexpr int kRounds = 2000;
  std::barrier<> start(2);
  std::thread receiver([&] {
    for (int round = 0; round < kRounds; ++round) {
      start.arrive_and_wait();
      f.ledger.Receive(ReceiveCommand{LocationId("P1"), Sku("A"), 1, "po"}, kT0);
      start.arrive_and_wait();
    }
  });
  int pickup_points_with_stock = 0;
  for (int round = 0; round < kRounds; ++round) {
    REQUIRE(Succeeded(f.ledger.UpsertLocation(store).outcome));
    const Quantity left = f.At("A", "P1").on_hand;
    if (left > 0) {
      REQUIRE(
          f.ledger.Adjust(AdjustCommand{LocationId("P1"), Sku("A"), -left, "correction", ""}, kT0)
              .outcome == Outcome::kOk);
    }
    start.arrive_and_wait();
    const bool made_point = f.ledger.UpsertLocation(point).outcome == Outcome::kOk;
    start.arrive_and_wait();
    if (made_point && f.At("A", "P1").on_hand != 0) ++pickup_points_with_stock;
  }
  receiver.join();
  CHECK(pickup_points_with_stock == 0);
  CHECK(f.ledger.CheckInvariants().ok());
}

}  // namespace omnistock::testing
