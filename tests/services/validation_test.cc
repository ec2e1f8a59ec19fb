// The services' validation against a ledger: what a refused call must not leave behind.
#include "services/validation.h"

#include "catch2/catch.hpp"
#include "engine/transient_ids.h"
#include "tests/engine/ledger_fixture.h"

namespace omnistock::services {
namespace {

using testing::kT0;
using testing::LedgerFixture;

TEST_CASE("a refused correction down or shipment of an unheld SKU interns nothing") {
  LedgerFixture f;
  const size_t interned = internal::InternedCount();
  TransientIds ids;
  v1::AdjustRequest adjust;
  adjust.set_location_id("S1");
  adjust.set_sku("NEVER-HELD-1");
  adjust.set_delta(-1);
  adjust.set_reason(v1::SHRINK);
  const absl::StatusOr<AdjustCommand> down = ValidateAdjust(adjust, f.ledger, ids);
  REQUIRE(down.ok());
  CHECK(f.ledger.Adjust(*down, kT0).outcome == Outcome::kOnHandBelowZero);

  v1::TransferRequest transfer;
  transfer.set_transfer_id("tr-1");
  transfer.set_from_location_id("W1");
  transfer.set_to_location_id("S1");
  v1::PosLine* line = transfer.add_lines();
  line->set_sku("NEVER-HELD-2");
  line->set_quantity(1);
  const absl::StatusOr<Transfer> shipment = ValidateTransfer(transfer, f.ledger, ids);
  REQUIRE(shipment.ok());
  CHECK(f.ledger.ShipTransfer(*shipment, kT0).outcome == Outcome::kInsufficientAvailable);
  CHECK(internal::InternedCount() == interned);

  // A correction up creates the position, under an id that outlives the call.
  adjust.set_delta(2);
  adjust.set_reason(v1::FOUND);
  {
    TransientIds call;
    const absl::StatusOr<AdjustCommand> up = ValidateAdjust(adjust, f.ledger, call);
    REQUIRE(up.ok());
    CHECK(f.ledger.Adjust(*up, kT0).outcome == Outcome::kOk);
  }
  CHECK(internal::InternedCount() == interned + 1);
  CHECK(f.At("NEVER-HELD-1", "S1").on_hand == 2);
  // Now that it is held, a shipment of it (a new call, with its own ids) resolves to the
  // stored id.
  transfer.mutable_lines(0)->set_sku("NEVER-HELD-1");
  transfer.set_from_location_id("S1");
  transfer.set_to_location_id("W1");
  TransientIds next_call;
  const absl::StatusOr<Transfer> out = ValidateTransfer(transfer, f.ledger, next_call);
  REQUIRE(out.ok());
  CHECK(f.ledger.ShipTransfer(*out, kT0).outcome == Outcome::kOk);
  CHECK(f.At("NEVER-HELD-1", "W1").in_transit == 1);
}

TEST_CASE("a refused change of stock or till transaction interns nothing") {
  LedgerFixture f;
  Location pickup;
  pickup.id = LocationId("P1");
  pickup.kind = LocationKind::kPickupPoint;
  REQUIRE(f.ledger.UpsertLocation(pickup).outcome == Outcome::kOk);

  v1::ReceiveRequest receipt;
  receipt.set_location_id("P1");
  receipt.set_sku("REFUSED-RECEIPT");
  receipt.set_quantity(1);
  v1::AdjustRequest adjust;
  adjust.set_location_id("P1");
  adjust.set_sku("REFUSED-ADJUST");
  adjust.set_delta(1);
  adjust.set_reason(v1::FOUND);
  v1::SetSafetyStockRequest safety;
  safety.set_location_id("P1");
  safety.set_sku("REFUSED-SAFETY");
  safety.set_safety_stock(1);
  v1::RecordSaleRequest at_warehouse;
  at_warehouse.set_location_id("W1");
  at_warehouse.set_terminal_id("till-1");
  at_warehouse.set_pos_transaction_id("t-1");
  v1::PosLine* line = at_warehouse.add_lines();
  line->set_sku("REFUSED-SALE");
  line->set_quantity(1);
  // Within what the edge takes (kClientTimeAgeMax), beyond the ledger's bound.
  v1::RecordReturnRequest too_old;
  too_old.set_location_id("S1");
  too_old.set_terminal_id("till-1");
  too_old.set_pos_transaction_id("t-2");
  too_old.mutable_returned_at()->set_seconds(absl::ToUnixSeconds(kT0 - absl::Hours(24 * 3)));
  line = too_old.add_lines();
  line->set_sku("REFUSED-RETURN");
  line->set_quantity(1);
  f.ledger.LimitTillTimeToRetention(absl::Hours(24));
  // A return whose other line would take a full position past the on_hand limit.
  REQUIRE(f.ledger
              .ApplyCounts(
                  {CountRow{LocationId("S2"), Sku("FULL"), kOnHandMax, kT0 - absl::Hours(1)}}, kT0)
              .outcome == Outcome::kOk);
  v1::RecordReturnRequest past_limit;
  past_limit.set_location_id("S2");
  past_limit.set_terminal_id("till-1");
  past_limit.set_pos_transaction_id("t-3");
  for (const char* sku : {"FULL", "REFUSED-WITH-FULL"}) {
    line = past_limit.add_lines();
    line->set_sku(sku);
    line->set_quantity(1);
  }
  const size_t interned = internal::InternedCount();
  {
    TransientIds ids;
    const absl::StatusOr<ReceiveCommand> r = ValidateReceive(receipt, f.ledger, ids);
    REQUIRE(r.ok());
    CHECK(f.ledger.Receive(*r, kT0).outcome == Outcome::kLocationHoldsNoStock);
    const absl::StatusOr<AdjustCommand> a = ValidateAdjust(adjust, f.ledger, ids);
    REQUIRE(a.ok());
    CHECK(f.ledger.Adjust(*a, kT0).outcome == Outcome::kLocationHoldsNoStock);
    const absl::StatusOr<SafetyStockCommand> s = ValidateSetSafetyStock(safety, f.ledger, ids);
    REQUIRE(s.ok());
    CHECK(f.ledger.SetSafetyStock(*s, kT0).outcome == Outcome::kLocationHoldsNoStock);
    const absl::StatusOr<SaleCommand> sale = ValidateRecordSale(at_warehouse, f.ledger, kT0, ids);
    REQUIRE(sale.ok());
    CHECK(f.ledger.RecordSale(*sale, kT0).outcome == Outcome::kLocationHasNoTill);
    const absl::StatusOr<ReturnCommand> back = ValidateRecordReturn(too_old, f.ledger, kT0, ids);
    REQUIRE(back.ok());
    CHECK(f.ledger.RecordReturn(*back, kT0).outcome == Outcome::kClientTimeTooOld);
    const absl::StatusOr<ReturnCommand> full = ValidateRecordReturn(past_limit, f.ledger, kT0, ids);
    REQUIRE(full.ok());
    CHECK(f.ledger.RecordReturn(*full, kT0).outcome == Outcome::kOnHandLimitExceeded);
  }
  CHECK(internal::InternedCount() == interned);

  // Accepted, each is stored under an interned id that outlives the call's own.
  receipt.set_location_id("S1");
  at_warehouse.set_location_id("S2");
  {
    TransientIds ids;
    const absl::StatusOr<ReceiveCommand> r = ValidateReceive(receipt, f.ledger, ids);
    REQUIRE(r.ok());
    CHECK(f.ledger.Receive(*r, kT0).outcome == Outcome::kOk);
    const absl::StatusOr<SaleCommand> sale = ValidateRecordSale(at_warehouse, f.ledger, kT0, ids);
    REQUIRE(sale.ok());
    const Applied<PosResult> sold = f.ledger.RecordSale(*sale, kT0);
    CHECK(sold.outcome == Outcome::kOk);
    CHECK(sold.value.transaction.lines.at(0).sku == Sku("REFUSED-SALE"));
  }
  CHECK(internal::InternedCount() == interned + 2);
  CHECK(f.At("REFUSED-RECEIPT", "S1").on_hand == 1);
  CHECK(f.At("REFUSED-SALE", "S2").on_hand == -1);
}

TEST_CASE("a retry resolved before its first call interned the SKU is still the same change") {
  LedgerFixture f;
  // Both calls resolve their ids before either reaches the ledger: both are transient.
  v1::ReceiveRequest receipt;
  receipt.set_location_id("S1");
  receipt.set_sku("RACED-RECEIPT");
  receipt.set_quantity(3);
  receipt.set_idempotency_key("asn-1");
  v1::RecordSaleRequest sale;
  sale.set_location_id("S1");
  sale.set_terminal_id("till-1");
  sale.set_pos_transaction_id("t-9");
  v1::PosLine* line = sale.add_lines();
  line->set_sku("RACED-SALE");
  line->set_quantity(2);
  TransientIds first_ids, retry_ids;
  const absl::StatusOr<ReceiveCommand> first = ValidateReceive(receipt, f.ledger, first_ids);
  const absl::StatusOr<ReceiveCommand> retry = ValidateReceive(receipt, f.ledger, retry_ids);
  const absl::StatusOr<SaleCommand> sold = ValidateRecordSale(sale, f.ledger, kT0, first_ids);
  const absl::StatusOr<SaleCommand> resold = ValidateRecordSale(sale, f.ledger, kT0, retry_ids);
  REQUIRE(first.ok());
  REQUIRE(retry.ok());
  REQUIRE(sold.ok());
  REQUIRE(resold.ok());

  CHECK(f.ledger.Receive(*first, kT0).outcome == Outcome::kOk);
  const Applied<Position> again = f.ledger.Receive(*retry, kT0);
  CHECK(again.outcome == Outcome::kReplayed);
  CHECK(again.value.on_hand == 3);
  CHECK(f.ledger.RecordSale(*sold, kT0).outcome == Outcome::kOk);
  const Applied<PosResult> resold_applied = f.ledger.RecordSale(*resold, kT0);
  CHECK(resold_applied.outcome == Outcome::kReplayed);
  CHECK(resold_applied.value.duplicate);
  CHECK(f.At("RACED-RECEIPT", "S1").on_hand == 3);
  CHECK(f.At("RACED-SALE", "S1").on_hand == -2);

  // A second receipt of the same SKU, with another key and an id resolved before the first
  // was stored, adds to the one position.
  v1::ReceiveRequest more = receipt;
  more.set_idempotency_key("asn-2");
  TransientIds stale_ids;
  receipt.set_sku("RACED-LATE");
  more.set_sku("RACED-LATE");
  const absl::StatusOr<ReceiveCommand> late = ValidateReceive(more, f.ledger, stale_ids);
  REQUIRE(late.ok());
  f.Stock("RACED-LATE", "S1", 5);
  CHECK(f.ledger.Receive(*late, kT0).outcome == Outcome::kOk);
  CHECK(f.At("RACED-LATE", "S1").on_hand == 8);
  CHECK(f.ledger.CheckInvariants().ok());
}

TEST_CASE("a client's time and a ttl are taken to the microsecond, as the store keeps times") {
  LedgerFixture f;
  f.Stock("A", "S1", 5);
  // Go's timestamppb.Now() sends nanoseconds; kept so in memory, a retried count would be
  // stale before a restart (equal to the last count's time) and applied again after it.
  v1::CountBatch batch;
  v1::CountRow* row = batch.add_rows();
  row->set_location_id("S1");
  row->set_sku("A");
  row->set_counted_quantity(4);
  row->mutable_counted_at()->set_seconds(absl::ToUnixSeconds(kT0) - 60);
  row->mutable_counted_at()->set_nanos(123'456'789);
  TransientIds ids;
  const absl::StatusOr<std::vector<CountRow>> rows =
      ValidateCountBatch(batch, 0, kT0, f.ledger, ids);
  REQUIRE(rows.ok());
  CHECK(rows->at(0).counted_at == kT0 - absl::Seconds(60) + absl::Microseconds(123'456));

  v1::ExtendReservationRequest extend;
  extend.set_reservation_id("r1");
  extend.mutable_ttl()->set_seconds(60);
  extend.mutable_ttl()->set_nanos(1'999);
  const auto taken = ValidateExtendReservation(extend);
  REQUIRE(taken.ok());
  CHECK(taken->second == absl::Seconds(60) + absl::Microseconds(1));
  // Bounded as sent, before it is cut to the microsecond.
  extend.mutable_ttl()->set_seconds(86'400);
  extend.mutable_ttl()->set_nanos(999);
  CHECK(ValidateExtendReservation(extend).status().message() ==
        "ttl must be between 1s and 24h, got 24h0.000000999s");
  extend.mutable_ttl()->set_seconds(0);
  extend.mutable_ttl()->set_nanos(999'999'999);
  CHECK(ValidateExtendReservation(extend).status().message() ==
        "ttl must be between 1s and 24h, got 999.999999ms");
}

TEST_CASE("free text with a control character is refused, other UTF-8 is kept") {
  LedgerFixture f;
  f.Stock("A", "S1", 5);
  v1::ReserveRequest order;
  order.set_reservation_id("r1");
  v1::Line* line = order.add_lines();
  line->set_sku("A");
  line->set_location_id("S1");
  line->set_quantity(1);
  auto refusal = [&](const std::string& order_ref) {
    order.set_order_ref(order_ref);
    TransientIds ids;
    const absl::StatusOr<ReserveCommand> command = ValidateReserve(order, f.ledger, ids);
    return command.ok() ? std::string() : std::string(command.status().message());
  };
  CHECK(refusal("web-1\nFAKE") ==
        "order_ref holds a control character (byte 0x0a at offset 5): "
        "free text is one line of printable characters");
  CHECK(refusal("web\x7f") != "");
  CHECK(refusal("web-\xc2\x85") != "");                                  // NEL, a C1 control
  CHECK(refusal("web-\xe2\x80\xa8x") != "");                             // the line separator
  CHECK(refusal("caf\xc3\xa9 \xc2\xa0\xe6\x9d\xb1\xe4\xba\xac") == "");  // é, NBSP, 東京
  // Bidirectional overrides and isolates would show text other than what is stored.
  CHECK(refusal("WH \xe2\x80\xae"
                "9.931") ==
        "order_ref holds a bidirectional control character (U+202E at offset 3): free text may "
        "not reorder how it is shown");
  CHECK(refusal("x\xe2\x80\xaay") != "");                                 // U+202A
  CHECK(refusal("x\xe2\x81\xa6y") != "");                                 // U+2066
  CHECK(refusal("x\xe2\x81\xa9y") != "");                                 // U+2069
  CHECK(refusal("\xd7\xa9\xd7\x9c\xd7\x95\xd7\x9d \xe2\x80\x8f") == "");  // Hebrew, and RLM
}

TEST_CASE("bad fields are named with their limits, values shown as sent") {
  LedgerFixture f;
  f.Stock("A", "S1", 5);
  // A non-sellable return must say why, in more than blanks.
  v1::RecordReturnRequest back;
  back.set_location_id("S1");
  back.set_terminal_id("till-1");
  back.set_pos_transaction_id("R-1");
  back.set_non_sellable(true);
  back.set_reason("   ");
  v1::PosLine* line = back.add_lines();
  line->set_sku("A");
  line->set_quantity(1);
  TransientIds ids;
  CHECK(ValidateRecordReturn(back, f.ledger, kT0, ids).status().message() ==
        "reason must say why a non_sellable return is kept apart");
  for (const char* blank : {"\xe3\x80\x80", " \xc2\xa0 ", "\xe2\x80\x8b", "\xef\xbb\xbf"}) {
    back.set_reason(blank);  // U+3000, NBSP, U+200B, U+FEFF
    CHECK_FALSE(ValidateRecordReturn(back, f.ledger, kT0, ids).ok());
  }
  back.set_reason("\xe7\xae\xb1\xe3\x80\x80\xe7\xa0\xb4\xe6\x90\x8d");  // 箱　破損
  CHECK(ValidateRecordReturn(back, f.ledger, kT0, ids).ok());

  // Coordinates refused are shown as sent, not rounded into the range.
  v1::UpsertLocationRequest upsert;
  v1::Location* l = upsert.mutable_location();
  l->set_location_id("S9");
  l->set_kind(v1::STORE);
  l->set_latitude(90.0000001);
  l->set_longitude(139.7);
  CHECK(ValidateUpsertLocation(upsert).status().message() ==
        "location.latitude must be a number in [-90, 90], got 90.0000001");
  l->set_latitude(35.6);
  l->set_longitude(-180.00001);
  CHECK(ValidateUpsertLocation(upsert).status().message() ==
        "location.longitude must be a number in [-180, 180], got -180.00001");
  l->set_longitude(139.7);
  l->set_daily_capacity(kDailyCapacityMax + 1);
  CHECK(ValidateUpsertLocation(upsert).status().message() ==
        "location.daily_capacity must be in [0, 1000000000], got 1000000001");
  l->set_daily_capacity(kDailyCapacityMax);
  CHECK(ValidateUpsertLocation(upsert).ok());
  l->set_kind(v1::PICKUP_POINT);
  l->set_daily_capacity(5);
  CHECK_THAT(std::string(ValidateUpsertLocation(upsert).status().message()),
             Catch::StartsWith("location.daily_capacity is 5 on a PICKUP_POINT"));
  l->set_kind(v1::EC_DC);
  l->set_daily_capacity(0);
  l->mutable_capabilities()->set_pickup(true);
  CHECK_THAT(std::string(ValidateUpsertLocation(upsert).status().message()),
             Catch::StartsWith("location.capabilities.pickup is set on an EC_DC:"));

  // A ttl outside google.protobuf.Duration's range is no duration at all.
  v1::ExtendReservationRequest extend;
  extend.set_reservation_id("r1");
  extend.mutable_ttl()->set_seconds(INT64_MIN);
  extend.mutable_ttl()->set_nanos(-999'999'999);
  CHECK(ValidateExtendReservation(extend).status().message() ==
        "ttl is not a valid duration: seconds must be within -315576000000 to 315576000000, "
        "got -9223372036854775808");
  extend.mutable_ttl()->set_seconds(315'576'000'001);
  extend.mutable_ttl()->set_nanos(0);
  CHECK_THAT(std::string(ValidateExtendReservation(extend).status().message()),
             Catch::StartsWith("ttl is not a valid duration"));

  // RouteAndReserve without its plan says so.
  v1::RouteAndReserveRequest route;
  route.set_reservation_id("r2");
  CHECK(ValidateRouteAndReserve(route, f.ledger, ids).status().message() ==
        "plan must be set: the lines and where they go");
}

}  // namespace
}  // namespace omnistock::services
