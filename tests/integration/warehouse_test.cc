// The WMS over gRPC against a real omnistockd: cycle counts reconciled exactly, stale counts
// ignored, transfers visible in transit and landing at the destination.
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"
#include "google/rpc/status.pb.h"
#include "omnistock/v1/reservations.grpc.pb.h"
#include "omnistock/v1/store_sales.grpc.pb.h"
#include "omnistock/v1/warehouse.grpc.pb.h"
#include "tests/integration/server_process.h"

namespace omnistock::testing {
namespace {

google::protobuf::Timestamp At(absl::Time time) {
  google::protobuf::Timestamp t;
  t.set_seconds(absl::ToUnixSeconds(time));
  return t;
}

v1::CountBatch BatchOf(const std::string& location, const std::string& sku, int64_t counted,
                       absl::Time at) {
  v1::CountBatch batch;
  v1::CountRow* row = batch.add_rows();
  row->set_location_id(location);
  row->set_sku(sku);
  row->set_counted_quantity(counted);
  *row->mutable_counted_at() = At(at);
  return batch;
}

v1::SyncCountsSummary Sync(v1::Warehouse::Stub& warehouse,
                           const std::vector<v1::CountBatch>& batches,
                           grpc::Status* status_out = nullptr) {
  v1::SyncCountsSummary summary;
  auto context = Deadline(30);
  auto stream = warehouse.SyncCounts(context.get(), &summary);
  for (const auto& batch : batches) {
    if (!stream->Write(batch)) break;
  }
  stream->WritesDone();
  grpc::Status status = stream->Finish();
  if (status_out) {
    *status_out = status;
  } else {
    INFO(status.error_message());
    REQUIRE(status.ok());
  }
  return summary;
}

// A transfer of `lines` (SKU, quantity) from WH-1 to ST-1.
v1::TransferRequest TransferOf(const std::string& id,
                               const std::vector<std::pair<std::string, int64_t>>& lines) {
  v1::TransferRequest request;
  request.set_transfer_id(id);
  request.set_from_location_id("WH-1");
  request.set_to_location_id("ST-1");
  for (const auto& [sku, quantity] : lines) {
    v1::PosLine* line = request.add_lines();
    line->set_sku(sku);
    line->set_quantity(quantity);
  }
  return request;
}

}  // namespace

TEST_CASE(
    "count of 10 an hour ago, a till sale of 3 half an hour ago, a receipt of 5 now make on_hand "
    "12") {
  LiveServer live;
  AddLocation(*live.network, "ST-1");
  auto warehouse = v1::Warehouse::NewStub(live.server.channel());
  auto sales = v1::StoreSales::NewStub(live.server.channel());
  const absl::Time now = absl::Now();
  // The ledger's starting figure: a count of 20 two hours ago.
  Sync(*warehouse, {BatchOf("ST-1", "SKU-A", 20, now - absl::Hours(2))});
  v1::RecordSaleRequest sale;
  sale.set_location_id("ST-1");
  sale.set_terminal_id("till-1");
  sale.set_pos_transaction_id("T-1");
  *sale.mutable_sold_at() = At(now - absl::Minutes(30));
  v1::PosLine* line = sale.add_lines();
  line->set_sku("SKU-A");
  line->set_quantity(3);
  v1::PosResult sold;
  REQUIRE(sales->RecordSale(Deadline().get(), sale, &sold).ok());
  ReceiveStock(*live.inventory, "ST-1", "SKU-A", 5);
  CHECK(PositionOf(*live.inventory, "SKU-A", "ST-1").on_hand() == 22);

  // The WMS uploads the count it took an hour ago: 10 on the shelf then.
  const v1::SyncCountsSummary summary =
      Sync(*warehouse, {BatchOf("ST-1", "SKU-A", 10, now - absl::Hours(1))});
  CHECK(summary.rows_applied() == 1);
  CHECK(summary.rows_stale() == 0);
  CHECK(summary.total_absolute_discrepancy() == 10);
  CHECK(PositionOf(*live.inventory, "SKU-A", "ST-1").on_hand() == 12);

  // An older count arriving later is stale and ignored; an unknown location is counted.
  v1::CountBatch late = BatchOf("ST-1", "SKU-A", 50, now - absl::Minutes(90));
  *late.add_rows() = BatchOf("ST-NOWHERE", "SKU-A", 1, now).rows(0);
  const v1::SyncCountsSummary stale = Sync(*warehouse, {BatchOf("ST-1", "SKU-NEW", 3, now), late});
  CHECK(stale.rows_applied() == 1);
  CHECK(stale.rows_stale() == 1);
  CHECK(stale.rows_unknown() == 1);
  // Which row was not applied, and why (the stale one is not listed: a newer count holds).
  REQUIRE(stale.rows_not_applied_size() == 1);
  CHECK(stale.rows_not_applied(0).batch() == 1);
  CHECK(stale.rows_not_applied(0).row() == 1);
  CHECK(stale.rows_not_applied(0).location_id() == "ST-NOWHERE");
  CHECK(stale.rows_not_applied(0).sku() == "SKU-A");
  CHECK(stale.rows_not_applied(0).reason() == v1::CountRowNotApplied::UNKNOWN_LOCATION);
  CHECK_FALSE(stale.rows_not_applied_truncated());
  CHECK(stale.rows_over_limit() == 0);
  CHECK(PositionOf(*live.inventory, "SKU-A", "ST-1").on_hand() == 12);

  // A count at the limit with the receipt of 5 after it would pass the limit: not applied.
  const v1::SyncCountsSummary over =
      Sync(*warehouse, {BatchOf("ST-1", "SKU-A", 1'000'000'000'000, now - absl::Minutes(45))});
  CHECK(over.rows_over_limit() == 1);
  CHECK(over.rows_applied() == 0);
  CHECK(PositionOf(*live.inventory, "SKU-A", "ST-1").on_hand() == 12);

  // A malformed batch is refused by name and applies nothing of itself.
  grpc::Status status;
  Sync(*warehouse, {BatchOf("ST-1", "SKU-B", 3, now), BatchOf("ST-1", "SKU-A", -1, now)}, &status);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(status.error_message().find("batches[1].rows[0].counted_quantity") != std::string::npos);
  CHECK(status.error_message().find(
            "nothing of this batch was applied; the batches before it, 1, were: 1 "
            "rows applied, 0 stale, 0 at unknown locations, 0 over the "
            "limit, 0 raising a pickup point's stock, 0 older than their positions' history, 0 "
            "reservations put at risk") != std::string::npos);
  CHECK(PositionOf(*live.inventory, "SKU-B", "ST-1").on_hand() == 3);
  CHECK(PositionOf(*live.inventory, "SKU-A", "ST-1").on_hand() == 12);

  // A count dated 1970 is a WMS clock fault: refused, rather than adding every change since.
  Sync(*warehouse, {BatchOf("ST-1", "SKU-A", 1, absl::UnixEpoch())}, &status);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(status.error_message().find("batches[0].rows[0].counted_at is more than 30 days in the "
                                    "past") != std::string::npos);
  CHECK(PositionOf(*live.inventory, "SKU-A", "ST-1").on_hand() == 12);

  // A batch that does not parse (this client sends a string that is not UTF-8, which the
  // server's parser refuses) is refused by its index: not taken for the end of the stream,
  // which would answer OK and drop it and every batch after it.
  Sync(*warehouse,
       {BatchOf("ST-1", "SKU-C", 4, now), BatchOf("ST-1", "SKU-\xff", 1, now),
        BatchOf("ST-1", "SKU-D", 2, now)},
       &status);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(status.error_message().find("batches[1] does not parse as an omnistock.v1.CountBatch") !=
        std::string::npos);
  CHECK(status.error_message().find("the batches before it, 1, were: 1 rows applied") !=
        std::string::npos);
  CHECK(PositionOf(*live.inventory, "SKU-C", "ST-1").on_hand() == 4);
  CHECK(PositionOf(*live.inventory, "SKU-D", "ST-1").on_hand() == 0);
}

TEST_CASE("a receipt sent again under its idempotency key is added once, also after a restart") {
  LiveServer live;
  AddLocation(*live.network, "WH-1", v1::WAREHOUSE);
  auto warehouse = v1::Warehouse::NewStub(live.server.channel());
  v1::ReceiveRequest receipt;
  receipt.set_location_id("WH-1");
  receipt.set_sku("SKU-A");
  receipt.set_quantity(40);
  receipt.set_reference("ASN-1");
  receipt.set_idempotency_key("ASN-1/line-1");
  v1::PositionView first, again;
  REQUIRE(warehouse->Receive(Deadline().get(), receipt, &first).ok());
  CHECK_FALSE(first.duplicate());
  // The WMS timed out and sends it again, through either service.
  REQUIRE(live.inventory->Receive(Deadline().get(), receipt, &again).ok());
  CHECK(again.duplicate());
  CHECK(again.on_hand() == 40);
  CHECK(again.last_sequence() == first.last_sequence());

  v1::AdjustRequest damage;
  damage.set_location_id("WH-1");
  damage.set_sku("SKU-A");
  damage.set_delta(-3);
  damage.set_reason(v1::DAMAGE);
  damage.set_idempotency_key("DMG-9");
  v1::PositionView adjusted;
  REQUIRE(warehouse->Adjust(Deadline().get(), damage, &adjusted).ok());
  CHECK(adjusted.on_hand() == 37);
  // The same key with other content is refused, naming the key and what it was used for.
  receipt.set_quantity(41);
  v1::PositionView ignored;
  const grpc::Status other = warehouse->Receive(Deadline().get(), receipt, &ignored);
  CHECK(other.error_code() == grpc::StatusCode::ALREADY_EXISTS);
  CHECK(other.error_message() ==
        "idempotency_key 'ASN-1/line-1' was already applied to a receipt of 40 of sku 'SKU-A' at "
        "'WH-1'");
  receipt.set_quantity(40);

  live.server.Kill();
  ServerProcess restarted(live.dir.Sub("data"));
  auto warehouse2 = v1::Warehouse::NewStub(restarted.channel());
  v1::PositionView after_receipt, after_damage;
  REQUIRE(warehouse2->Receive(Deadline().get(), receipt, &after_receipt).ok());
  CHECK(after_receipt.duplicate());
  REQUIRE(warehouse2->Adjust(Deadline().get(), damage, &after_damage).ok());
  CHECK(after_damage.duplicate());
  CHECK(after_damage.on_hand() == 37);
  // Without a key, each call is a new receipt.
  receipt.clear_idempotency_key();
  REQUIRE(warehouse2->Receive(Deadline().get(), receipt, &ignored).ok());
  CHECK_FALSE(ignored.duplicate());
  CHECK(PositionOf(*restarted.inventory(), "SKU-A", "WH-1").on_hand() == 77);
  CHECK(MovementsOf(*restarted.inventory(), "SKU-A", "WH-1").size() == 3);
}

TEST_CASE("a transfer is visible in transit and lands at the destination") {
  LiveServer live;
  AddLocation(*live.network, "WH-1", v1::WAREHOUSE);
  AddLocation(*live.network, "ST-1");
  ReceiveStock(*live.inventory, "WH-1", "SKU-A", 10);
  auto warehouse = v1::Warehouse::NewStub(live.server.channel());

  v1::TransferRequest request = TransferOf("TR-1", {{"SKU-A", 4}});
  v1::PosLine* line = request.mutable_lines(0);
  v1::TransferView shipped;
  REQUIRE(warehouse->Transfer(Deadline().get(), request, &shipped).ok());
  CHECK(shipped.state() == v1::IN_TRANSIT);
  CHECK_FALSE(shipped.duplicate());
  v1::TransferView again;
  REQUIRE(warehouse->Transfer(Deadline().get(), request, &again).ok());
  CHECK(again.duplicate());
  CHECK(again.sequence() == shipped.sequence());
  CHECK(PositionOf(*live.inventory, "SKU-A", "WH-1").on_hand() == 6);
  v1::PositionView store = PositionOf(*live.inventory, "SKU-A", "ST-1");
  CHECK(store.in_transit() == 4);
  CHECK(store.on_hand() == 0);
  CHECK(store.available() == 0);

  v1::TransferRef ref;
  ref.set_transfer_id("TR-1");
  v1::TransferView received;
  REQUIRE(warehouse->ReceiveTransfer(Deadline().get(), ref, &received).ok());
  CHECK(received.state() == v1::RECEIVED);
  CHECK_FALSE(received.duplicate());
  REQUIRE(warehouse->ReceiveTransfer(Deadline().get(), ref, &again).ok());
  CHECK(again.duplicate());
  store = PositionOf(*live.inventory, "SKU-A", "ST-1");
  CHECK(store.in_transit() == 0);
  CHECK(store.on_hand() == 4);
  // The destination's journal shows the units in transit, then landing.
  const auto journal = MovementsOf(*live.inventory, "SKU-A", "ST-1");
  REQUIRE(journal.size() == 2);
  CHECK(journal[0].in_transit_delta() == 4);
  CHECK(journal[0].in_transit_after() == 4);
  CHECK(journal[1].in_transit_delta() == -4);
  CHECK(journal[1].on_hand_delta() == 4);
  CHECK(journal[1].on_hand_after() == 4);
  CHECK(store.available() == 4);

  // More than the source has available is refused; nothing moves.
  request.set_transfer_id("TR-2");
  line->set_quantity(7);
  v1::TransferView ignored;
  CHECK(warehouse->Transfer(Deadline().get(), request, &ignored).error_code() ==
        grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(PositionOf(*live.inventory, "SKU-A", "WH-1").on_hand() == 6);
  ref.set_transfer_id("TR-NONE");
  CHECK(warehouse->ReceiveTransfer(Deadline().get(), ref, &ignored).error_code() ==
        grpc::StatusCode::NOT_FOUND);
  // To where it is: refused naming both fields; with no source, the source is what is missing.
  line->set_quantity(1);
  request.set_to_location_id("WH-1");
  grpc::Status same = warehouse->Transfer(Deadline().get(), request, &ignored);
  CHECK(same.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(same.error_message() == "to_location_id must differ from from_location_id, both 'WH-1'");
  request.clear_from_location_id();
  request.clear_to_location_id();
  CHECK_THAT(warehouse->Transfer(Deadline().get(), request, &ignored).error_message(),
             Catch::StartsWith("from_location_id must not be empty"));
  CHECK(PositionOf(*live.inventory, "SKU-A", "WH-1").on_hand() == 6);
}

TEST_CASE("a transfer received short lands what arrived, also after a restart") {
  LiveServer live;
  AddLocation(*live.network, "WH-1", v1::WAREHOUSE);
  AddLocation(*live.network, "ST-1");
  ReceiveStock(*live.inventory, "WH-1", "SKU-A", 10);
  ReceiveStock(*live.inventory, "WH-1", "SKU-B", 10);
  auto warehouse = v1::Warehouse::NewStub(live.server.channel());
  const v1::TransferRequest request = TransferOf("TR-S", {{"SKU-A", 5}, {"SKU-B", 5}});
  v1::TransferView view;
  REQUIRE(warehouse->Transfer(Deadline().get(), request, &view).ok());
  CHECK(view.received_lines().empty());

  v1::TransferRef receipt;
  receipt.set_transfer_id("TR-S");
  auto arrived = [&receipt](const char* sku, int64_t quantity) {
    v1::PosLine* line = receipt.add_received_lines();
    line->set_sku(sku);
    line->set_quantity(quantity);
  };
  // Refused with the field named, and nothing received.
  arrived("SKU-A", 4);
  grpc::Status refused = warehouse->ReceiveTransfer(Deadline().get(), receipt, &view);
  CHECK(refused.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(refused.error_message() ==
        "received_lines names no line for 'SKU-B' of transfer 'TR-S': name every SKU it shipped, "
        "with 0 when none of it arrived");
  arrived("SKU-A", 1);
  refused = warehouse->ReceiveTransfer(Deadline().get(), receipt, &view);
  CHECK(refused.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(refused.error_message() ==
        "received_lines[1].sku 'SKU-A' repeats an earlier line; merge them");
  receipt.mutable_received_lines(1)->set_sku("SKU-B");
  receipt.mutable_received_lines(1)->set_quantity(-1);
  refused = warehouse->ReceiveTransfer(Deadline().get(), receipt, &view);
  CHECK(refused.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(refused.error_message(), Catch::StartsWith("received_lines[1].quantity is -1"));
  CHECK(PositionOf(*live.inventory, "SKU-A", "ST-1").in_transit() == 5);

  receipt.mutable_received_lines(1)->set_quantity(0);
  REQUIRE(warehouse->ReceiveTransfer(Deadline().get(), receipt, &view).ok());
  CHECK(view.state() == v1::RECEIVED);
  REQUIRE(view.received_lines_size() == 2);
  CHECK(view.received_lines(0).quantity() == 4);
  CHECK(view.received_lines(1).quantity() == 0);
  const v1::PositionView a = PositionOf(*live.inventory, "SKU-A", "ST-1");
  CHECK(a.on_hand() == 4);
  CHECK(a.in_transit() == 0);
  CHECK(PositionOf(*live.inventory, "SKU-B", "ST-1").in_transit() == 0);
  CHECK(PositionOf(*live.inventory, "SKU-B", "ST-1").on_hand() == 0);
  const auto journal = MovementsOf(*live.inventory, "SKU-A", "ST-1");
  REQUIRE(journal.size() == 2);
  CHECK(journal[1].on_hand_delta() == 4);
  CHECK(journal[1].in_transit_delta() == -5);
  CHECK(journal[1].actor() == "received from WH-1: 4 of 5 (1 lost in transit)");

  live.server.Kill();
  ServerProcess restarted(live.dir.Sub("data"));
  auto warehouse2 = v1::Warehouse::NewStub(restarted.channel());
  // The same receipt again is answered as before; other quantities are refused.
  REQUIRE(warehouse2->ReceiveTransfer(Deadline().get(), receipt, &view).ok());
  REQUIRE(view.received_lines_size() == 2);
  CHECK(view.received_lines(0).quantity() == 4);
  receipt.clear_received_lines();
  refused = warehouse2->ReceiveTransfer(Deadline().get(), receipt, &view);
  CHECK(refused.error_code() == grpc::StatusCode::ALREADY_EXISTS);
  CHECK(refused.error_message() ==
        "transfer_id 'TR-S' was received as 4 of 'SKU-A', 0 of 'SKU-B', not 5 of 'SKU-A', 5 of "
        "'SKU-B'");
  CHECK(PositionOf(*restarted.inventory(), "SKU-A", "ST-1").on_hand() == 4);
  CHECK(PositionOf(*restarted.inventory(), "SKU-B", "ST-1").on_hand() == 0);
}

TEST_CASE("a count summary lists each reservation it leaves at risk once") {
  LiveServer live;
  AddLocation(*live.network, "ST-1");
  auto warehouse = v1::Warehouse::NewStub(live.server.channel());
  const absl::Time now = absl::Now();
  Sync(*warehouse, {BatchOf("ST-1", "SKU-C", 2, now - absl::Hours(3))});
  for (const char* id : {"web-1", "web-2"}) {
    v1::Reservation held;
    REQUIRE(
        live.reservations->Reserve(Deadline().get(), ReserveOf(id, {{"SKU-C", "ST-1", 1}}), &held)
            .ok());
  }
  // The shelf was empty at both counts, in two batches of one stream: both leave both holds
  // uncovered.
  const v1::SyncCountsSummary empty =
      Sync(*warehouse, {BatchOf("ST-1", "SKU-C", 0, now - absl::Hours(2)),
                        BatchOf("ST-1", "SKU-C", 0, now - absl::Hours(1))});
  CHECK(empty.rows_applied() == 2);
  CHECK(empty.at_risk_size() == 2);
  CHECK(empty.at_risk(0).reservation_id() != empty.at_risk(1).reservation_id());

  // The journal says the same: the count movements carry the holds they left uncovered, and the
  // position after them.
  const auto journal = MovementsOf(*live.inventory, "SKU-C", "ST-1");
  REQUIRE(journal.size() == 5);  // count, two reserves, two counts
  const v1::Movement& last = journal[4];
  CHECK(last.kind() == v1::COUNT);
  CHECK(last.on_hand_after() == 0);
  CHECK(last.reserved_after() == 2);
  CHECK(last.at_risk_reservation_ids_size() == 2);
}

// Holds `count` one-unit reservations "<prefix>-<i>" of `sku` at ST-1, oldest first.
void HoldEach(LiveServer& live, const std::string& prefix, const std::string& sku, int count) {
  for (int first = 0; first < count; first += 1000) {
    v1::ReserveBatchRequest batch;
    for (int i = first; i < std::min(count, first + 1000); ++i) {
      *batch.add_orders() = ReserveOf(absl::StrCat(prefix, "-", i), {{sku, "ST-1", 1}});
    }
    v1::ReserveBatchResponse held;
    REQUIRE(live.reservations->ReserveBatch(Deadline(30).get(), batch, &held).ok());
    for (const v1::ReserveResult& result : held.results()) REQUIRE(result.code() == 0);
  }
}

TEST_CASE(
    "a count summary lists up to 1,000 reservations it leaves at risk, past a movement's 100, "
    "and says when more were") {
  LiveServer live;
  AddLocation(*live.network, "ST-1");
  auto warehouse = v1::Warehouse::NewStub(live.server.channel());
  const absl::Time now = absl::Now();
  Sync(*warehouse, {BatchOf("ST-1", "SKU-300", 300, now - absl::Hours(3)),
                    BatchOf("ST-1", "SKU-1100", 1100, now - absl::Hours(3))});
  // Ids as long as a checkout's: 300 of them are more than a status's details may carry.
  const std::string web = "web-2026-11-30-checkout-attempt";
  HoldEach(live, web, "SKU-300", 300);
  HoldEach(live, "b", "SKU-1100", 1100);

  const v1::SyncCountsSummary three_hundred =
      Sync(*warehouse, {BatchOf("ST-1", "SKU-300", 0, now - absl::Hours(2))});
  REQUIRE(three_hundred.at_risk_size() == 300);
  CHECK_FALSE(three_hundred.at_risk_truncated());
  CHECK(three_hundred.at_risk(0).reservation_id() == web + "-0");  // the oldest first
  CHECK(three_hundred.at_risk(299).reservation_id() == web + "-299");
  // The count's movement lists its first 100 only (the position's journal: the first count,
  // 300 holds, this count).
  v1::ListMovementsRequest journal;
  journal.set_sku("SKU-300");
  journal.set_location_id("ST-1");
  journal.set_limit(1000);
  v1::ListMovementsResponse movements;
  REQUIRE(live.inventory->ListMovements(Deadline().get(), journal, &movements).ok());
  REQUIRE(movements.movements_size() == 302);
  CHECK(movements.movements(301).kind() == v1::COUNT);
  CHECK(movements.movements(301).at_risk_reservation_ids_size() == 100);

  const v1::SyncCountsSummary eleven_hundred =
      Sync(*warehouse, {BatchOf("ST-1", "SKU-1100", 0, now - absl::Hours(2))});
  CHECK(eleven_hundred.at_risk_size() == 1000);
  CHECK(eleven_hundred.at_risk_truncated());

  // A batch refused after one applied: the status's details hold what the applied one did.
  v1::CountBatch bad = BatchOf("ST-1", "SKU-300", 0, now - absl::Hours(1));
  bad.mutable_rows(0)->set_sku("");
  grpc::Status status;
  Sync(*warehouse, {BatchOf("ST-1", "SKU-300", 0, now - absl::Minutes(90)), bad}, &status);
  REQUIRE(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  INFO(status.error_message());
  CHECK(status.error_message().find("300 reservations put at risk") != std::string::npos);
  google::rpc::Status rich;
  REQUIRE(rich.ParseFromString(status.error_details()));
  REQUIRE(rich.details_size() == 1);
  v1::SyncCountsSummary before;
  REQUIRE(rich.details(0).UnpackTo(&before));
  CHECK(before.batches() == 1);
  CHECK(before.rows_applied() == 1);
  // The first of them, within what a status carries; the message counts them all.
  CHECK(before.at_risk_size() > 50);
  CHECK(before.at_risk_size() < 300);
  CHECK(before.at_risk_truncated());
  CHECK(before.at_risk(0).reservation_id() == web + "-0");
  CHECK(status.error_details().size() <= 8 * 1024);
}

}  // namespace omnistock::testing
