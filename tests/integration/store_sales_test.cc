// POS over gRPC against a real omnistockd: oversells are recorded and flagged, re-sent and
// re-uploaded sales have no second effect, across a restart too.
#include <set>
#include <tuple>

#include "catch2/catch.hpp"
#include "omnistock/v1/availability.grpc.pb.h"
#include "omnistock/v1/store_sales.grpc.pb.h"
#include "tests/integration/server_process.h"

namespace omnistock::testing {
namespace {

v1::RecordSaleRequest SaleOf(const std::string& txn, const std::string& sku, int64_t quantity) {
  v1::RecordSaleRequest sale;
  sale.set_location_id("ST-1");
  sale.set_terminal_id("till-1");
  sale.set_pos_transaction_id(txn);
  v1::PosLine* line = sale.add_lines();
  line->set_sku(sku);
  line->set_quantity(quantity);
  return sale;
}

}  // namespace

TEST_CASE(
    "a sale that oversells is accepted, flags the position and reports the reservation at risk") {
  LiveServer live;
  AddLocation(*live.network, "ST-1");
  ReceiveStock(*live.inventory, "ST-1", "SKU-A", 3);
  v1::Reservation online;
  REQUIRE(live.reservations
              ->Reserve(Deadline().get(), ReserveOf("web-order-7", {{"SKU-A", "ST-1", 2}}), &online)
              .ok());

  auto sales = v1::StoreSales::NewStub(live.server.channel());
  v1::PosResult result;
  // Two walk-in customers take the last 2 shelf units the web order was holding.
  grpc::Status status = sales->RecordSale(Deadline().get(), SaleOf("T-100", "SKU-A", 2), &result);
  REQUIRE(status.ok());
  CHECK_FALSE(result.duplicate());
  REQUIRE(result.positions_size() == 1);
  CHECK(result.positions(0).on_hand() == 1);
  CHECK(result.positions(0).reserved() == 2);
  CHECK(result.positions(0).oversold());
  CHECK(result.positions(0).shortfall() == 1);
  REQUIRE(result.at_risk_size() == 1);
  CHECK(result.at_risk(0).reservation_id() == "web-order-7");
  CHECK(result.at_risk(0).sku() == "SKU-A");

  // The reservation is not cancelled: the order system decides.
  v1::Reservation still;
  REQUIRE(live.reservations->GetReservation(Deadline().get(), Ref("web-order-7"), &still).ok());
  CHECK(still.state() == v1::HELD);
  const v1::PositionView position = PositionOf(*live.inventory, "SKU-A", "ST-1");
  CHECK(position.oversold());
  CHECK(position.available() == 0);
}

TEST_CASE("a re-sent sale has no effect, also after a restart") {
  LiveServer live;
  AddLocation(*live.network, "ST-1");
  ReceiveStock(*live.inventory, "ST-1", "SKU-A", 10);
  auto sales = v1::StoreSales::NewStub(live.server.channel());
  v1::PosResult first, again;
  REQUIRE(sales->RecordSale(Deadline().get(), SaleOf("T-1", "SKU-A", 3), &first).ok());
  REQUIRE(sales->RecordSale(Deadline().get(), SaleOf("T-1", "SKU-A", 3), &again).ok());
  CHECK(again.duplicate());
  CHECK(again.sequence() == first.sequence());
  CHECK(PositionOf(*live.inventory, "SKU-A", "ST-1").on_hand() == 7);
  v1::PosResult conflict;
  CHECK(sales->RecordSale(Deadline().get(), SaleOf("T-1", "SKU-A", 4), &conflict).error_code() ==
        grpc::StatusCode::ALREADY_EXISTS);

  live.server.Kill();
  ServerProcess restarted(live.dir.Sub("data"));
  auto sales2 = v1::StoreSales::NewStub(restarted.channel());
  v1::PosResult after;
  REQUIRE(sales2->RecordSale(Deadline().get(), SaleOf("T-1", "SKU-A", 3), &after).ok());
  CHECK(after.duplicate());
  CHECK(PositionOf(*restarted.inventory(), "SKU-A", "ST-1").on_hand() == 7);
}

TEST_CASE("an offline upload of 1,000 sales with 200 duplicates applies 800") {
  LiveServer live;
  AddLocation(*live.network, "ST-1");
  ReceiveStock(*live.inventory, "ST-1", "SKU-A", 5000);
  auto sales = v1::StoreSales::NewStub(live.server.channel());
  // The terminal had already sent 100 of them before it went offline ...
  for (int i = 0; i < 100; ++i) {
    v1::PosResult ignored;
    REQUIRE(
        sales->RecordSale(Deadline().get(), SaleOf("T-" + std::to_string(i), "SKU-A", 1), &ignored)
            .ok());
  }
  // ... and its buffer holds 900 distinct sales, 100 of them the ones already sent, plus 100
  // re-sent twice within the upload: 1,000 messages, 200 duplicates.
  v1::UploadSalesSummary summary;
  auto context = Deadline(30);
  auto upload = sales->UploadSales(context.get(), &summary);
  for (int i = 0; i < 900; ++i) {
    REQUIRE(upload->Write(SaleOf("T-" + std::to_string(i), "SKU-A", 1)));
    if (i >= 800) REQUIRE(upload->Write(SaleOf("T-" + std::to_string(i), "SKU-A", 1)));
  }
  // One more whose SKU is not UTF-8 (the server's parser refuses it): rejected by its index,
  // and the upload goes on, instead of ending OK there with the rest dropped.
  REQUIRE(upload->Write(SaleOf("T-bad", "SKU-\xff", 1)));
  REQUIRE(upload->Write(SaleOf("T-900", "SKU-A", 1)));
  REQUIRE(upload->WritesDone());
  REQUIRE(upload->Finish().ok());
  CHECK(summary.received() == 1002);
  CHECK(summary.applied() == 801);
  CHECK(summary.duplicates() == 200);
  CHECK(summary.rejected() == 1);
  REQUIRE(summary.rejections_size() == 1);
  CHECK(summary.rejections(0).index() == 1000);
  CHECK(summary.rejections(0).message().find("does not parse as an "
                                             "omnistock.v1.RecordSaleRequest") !=
        std::string::npos);
  CHECK(PositionOf(*live.inventory, "SKU-A", "ST-1").on_hand() == 5000 - 901);
}

TEST_CASE("a cross-channel return restocks the store, and a damaged one never becomes available") {
  LiveServer live;
  AddLocation(*live.network, "ST-1");
  auto sales = v1::StoreSales::NewStub(live.server.channel());
  v1::RecordReturnRequest back;
  back.set_location_id("ST-1");
  back.set_terminal_id("till-2");
  back.set_pos_transaction_id("R-1");
  back.set_original_order_ref("web-order-7");
  v1::PosLine* line = back.add_lines();
  line->set_sku("SKU-B");
  line->set_quantity(2);
  v1::PosResult result;
  REQUIRE(sales->RecordReturn(Deadline().get(), back, &result).ok());
  CHECK(PositionOf(*live.inventory, "SKU-B", "ST-1").available() == 2);
  // The journal says which order the goods came from.
  const auto movements = MovementsOf(*live.inventory, "SKU-B", "ST-1");
  REQUIRE(movements.size() == 1);
  CHECK(movements[0].actor() == "till-2: (order web-order-7)");

  back.set_pos_transaction_id("R-2");
  back.set_non_sellable(true);
  CHECK(sales->RecordReturn(Deadline().get(), back, &result).error_code() ==
        grpc::StatusCode::INVALID_ARGUMENT);  // a reason is required
  back.set_reason("packaging damaged");
  REQUIRE(sales->RecordReturn(Deadline().get(), back, &result).ok());
  const v1::PositionView position = PositionOf(*live.inventory, "SKU-B", "ST-1");
  CHECK(position.available() == 2);
  CHECK(position.non_sellable() == 2);
  // The journal and the feed say what the return did, not only its actor text.
  const auto journal = MovementsOf(*live.inventory, "SKU-B", "ST-1");
  REQUIRE(journal.size() == 2);
  CHECK(journal[0].non_sellable_delta() == 0);
  CHECK(journal[1].on_hand_delta() == 0);
  CHECK(journal[1].non_sellable_delta() == 2);
  CHECK(journal[1].non_sellable_after() == 2);
  auto availability = v1::Availability::NewStub(live.server.channel());
  v1::WatchRequest watch;
  watch.add_skus("SKU-B");
  watch.set_resume_after_sequence(journal[0].sequence());
  auto context = Deadline();
  auto feed = availability->Watch(context.get(), watch);
  v1::AvailabilityUpdate update;
  REQUIRE(feed->Read(&update));
  CHECK(update.sequence() == journal[1].sequence());
  CHECK(update.non_sellable() == 2);
  context->TryCancel();
}

TEST_CASE("a damaged return must say why, and its retry need not say it again") {
  LiveServer live;
  AddLocation(*live.network, "ST-1");
  auto sales = v1::StoreSales::NewStub(live.server.channel());
  auto damaged = [](const std::string& txn, const std::string& reason) {
    v1::RecordReturnRequest back;
    back.set_location_id("ST-1");
    back.set_terminal_id("till-1");
    back.set_pos_transaction_id(txn);
    back.set_non_sellable(true);
    back.set_reason(reason);
    v1::PosLine* line = back.add_lines();
    line->set_sku("SKU-A");
    line->set_quantity(2);
    return back;
  };
  v1::PosResult result;
  const grpc::Status unexplained =
      sales->RecordReturn(Deadline().get(), damaged("R-1", ""), &result);
  CHECK(unexplained.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(unexplained.error_message(), Catch::Contains("reason must say why"));

  REQUIRE(sales->RecordReturn(Deadline().get(), damaged("R-1", "opened box"), &result).ok());
  CHECK_FALSE(result.duplicate());
  // The retry repeats the lines, not the reason: it is answered as the duplicate it is.
  REQUIRE(sales->RecordReturn(Deadline().get(), damaged("R-1", ""), &result).ok());
  CHECK(result.duplicate());
  CHECK(PositionOf(*live.inventory, "SKU-A", "ST-1").non_sellable() == 2);
  // A new one without a reason is still refused.
  CHECK(sales->RecordReturn(Deadline().get(), damaged("R-2", ""), &result).error_code() ==
        grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_CASE("an upload lists each reservation it puts at risk once, and at most 1,000 of them") {
  LiveServer live;
  AddLocation(*live.network, "ST-1");
  // 11 SKUs of 110 units, each held in full by 110 online orders of one unit.
  constexpr int kSkus = 11;
  auto sku = [](int s) { return "SKU-" + std::to_string(s); };
  for (int s = 0; s < kSkus; ++s) {
    ReceiveStock(*live.inventory, "ST-1", sku(s), 110);
    v1::ReserveBatchRequest batch;
    for (int i = 0; i < 110; ++i) {
      *batch.add_orders() =
          ReserveOf("web-" + sku(s) + "-" + std::to_string(i), {{sku(s), "ST-1", 1}});
    }
    v1::ReserveBatchResponse held;
    REQUIRE(live.reservations->ReserveBatch(Deadline().get(), batch, &held).ok());
    for (const v1::ReserveResult& result : held.results()) REQUIRE(result.code() == 0);
  }
  auto sales = v1::StoreSales::NewStub(live.server.channel());
  auto upload_of =
      [&sales](const std::vector<std::tuple<std::string, std::string, int64_t>>& sold) {
        v1::UploadSalesSummary summary;
        auto context = Deadline(30);
        auto upload = sales->UploadSales(context.get(), &summary);
        for (const auto& [txn, sold_sku, quantity] : sold) {
          REQUIRE(upload->Write(SaleOf(txn, sold_sku, quantity)));
        }
        REQUIRE(upload->WritesDone());
        REQUIRE(upload->Finish().ok());
        return summary;
      };
  // 30 units sold, then one more: the second sale leaves the first one's 30 holds uncovered and
  // one more besides.
  const v1::UploadSalesSummary twice = upload_of({{"T-1", sku(0), 30}, {"T-2", sku(0), 1}});
  CHECK(twice.applied() == 2);
  CHECK(twice.at_risk_results() == 2);
  CHECK(twice.at_risk_size() == 31);
  CHECK_FALSE(twice.at_risk_truncated());  // every one listed
  // Sent again (its summary lost): duplicates, and what they put at risk when recorded.
  const v1::UploadSalesSummary again = upload_of({{"T-1", sku(0), 30}, {"T-2", sku(0), 1}});
  CHECK(again.applied() == 0);
  CHECK(again.duplicates() == 2);
  CHECK(again.at_risk_results() == 2);
  CHECK(again.at_risk_size() == 31);
  CHECK(PositionOf(*live.inventory, sku(0), "ST-1").on_hand() == 79);
  // Every remaining unit of every SKU: 1,210 holds uncovered. Each sale's movement lists the
  // oldest 100 of its position's; the summary, the first 1,000 of the 1,100 listed.
  std::vector<std::tuple<std::string, std::string, int64_t>> all;
  all.emplace_back("T-3", sku(0), 79);
  for (int s = 1; s < kSkus; ++s) all.emplace_back("T-" + std::to_string(s + 3), sku(s), 110);
  const v1::UploadSalesSummary many = upload_of(all);
  CHECK(many.at_risk_results() == kSkus);
  CHECK(many.at_risk_size() == 1000);
  CHECK(many.at_risk_truncated());
  std::set<std::string> distinct;
  for (const v1::AtRiskReservation& at_risk : many.at_risk()) {
    distinct.insert(at_risk.reservation_id());
  }
  CHECK(distinct.size() == 1000);
  const v1::PositionView emptied = PositionOf(*live.inventory, sku(0), "ST-1");
  CHECK(emptied.on_hand() == 0);
  CHECK(emptied.reserved() == 110);
}

}  // namespace omnistock::testing
