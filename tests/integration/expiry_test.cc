// Reservation expiry with the real clock against a real omnistockd: a HELD reservation expires,
// its stock comes back within about a second, also when it expired while the server was down.
#include <thread>

#include "absl/strings/match.h"
#include "catch2/catch.hpp"
#include "omnistock/v1/store_sales.grpc.pb.h"
#include "omnistock/v1/warehouse.grpc.pb.h"
#include "tests/integration/server_process.h"
#include "tests/support/open_store.h"

namespace omnistock::testing {
namespace {

v1::ReserveRequest Held(const std::string& id, int64_t quantity, int ttl_seconds) {
  v1::ReserveRequest request = ReserveOf(id, {{"SKU-A", "ST-1", quantity}});
  request.mutable_ttl()->set_seconds(ttl_seconds);
  return request;
}

// Polls until the reservation is EXPIRED; returns how long after `deadline` that was seen.
absl::Duration WaitExpired(v1::Reservations::Stub& reservations, const std::string& id,
                           absl::Time deadline) {
  const absl::Time give_up = deadline + absl::Seconds(10);
  v1::Reservation r;
  while (absl::Now() < give_up) {
    REQUIRE(reservations.GetReservation(Deadline().get(), Ref(id), &r).ok());
    if (r.state() == v1::EXPIRED) return absl::Now() - deadline;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  FAIL("reservation " << id << " did not expire within 10 s of its deadline");
  return absl::InfiniteDuration();
}

}  // namespace

TEST_CASE("a HELD reservation expires and its stock is available again within a second") {
  LiveServer live;
  AddLocation(*live.network, "ST-1");
  ReceiveStock(*live.inventory, "ST-1", "SKU-A", 5);
  v1::Reservation held, confirmed, extended;
  REQUIRE(live.reservations->Reserve(Deadline().get(), Held("cart-1", 2, 1), &held).ok());
  REQUIRE(live.reservations->Reserve(Deadline().get(), Held("paid-1", 1, 1), &confirmed).ok());
  REQUIRE(live.reservations->Confirm(Deadline().get(), Ref("paid-1"), &confirmed).ok());
  REQUIRE(live.reservations->Reserve(Deadline().get(), Held("slow-1", 1, 1), &extended).ok());
  v1::ExtendReservationRequest extend;
  extend.set_reservation_id("slow-1");
  extend.mutable_ttl()->set_seconds(600);
  REQUIRE(live.reservations->ExtendReservation(Deadline().get(), extend, &extended).ok());
  CHECK(extended.expires_at().seconds() >= held.expires_at().seconds() + 590);
  CHECK(PositionOf(*live.inventory, "SKU-A", "ST-1").available() == 1);

  const absl::Time deadline = absl::FromUnixSeconds(held.expires_at().seconds()) +
                              absl::Nanoseconds(held.expires_at().nanos());
  const absl::Duration late = WaitExpired(*live.reservations, "cart-1", deadline);
  INFO("expired " << absl::FormatDuration(late) << " after its deadline");
  CHECK(late < absl::Seconds(1));
  const v1::PositionView position = PositionOf(*live.inventory, "SKU-A", "ST-1");
  CHECK(position.reserved() == 2);  // the confirmed and the extended ones still hold
  CHECK(position.available() == 3);

  v1::Reservation r;
  // An expired one still says when it lapsed.
  REQUIRE(live.reservations->GetReservation(Deadline().get(), Ref("cart-1"), &r).ok());
  CHECK(r.state() == v1::EXPIRED);
  CHECK(r.expires_at().seconds() == held.expires_at().seconds());
  CHECK(r.expires_at().nanos() == held.expires_at().nanos());
  grpc::Status status = live.reservations->Confirm(Deadline().get(), Ref("cart-1"), &r);
  CHECK(status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(status.error_message().find("expired") != std::string::npos);
  REQUIRE(live.reservations->GetReservation(Deadline().get(), Ref("paid-1"), &r).ok());
  CHECK(r.state() == v1::CONFIRMED);
  REQUIRE(live.reservations->GetReservation(Deadline().get(), Ref("slow-1"), &r).ok());
  CHECK(r.state() == v1::HELD);
}

TEST_CASE("a reservation that expired while the server was down is expired at start-up") {
  LiveServer live;
  AddLocation(*live.network, "ST-1");
  ReceiveStock(*live.inventory, "ST-1", "SKU-A", 5);
  v1::Reservation held;
  REQUIRE(live.reservations->Reserve(Deadline().get(), Held("cart-2", 4, 1), &held).ok());
  live.server.Kill();
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));

  ServerProcess restarted(live.dir.Sub("data"));
  auto reservations = restarted.reservations();
  v1::Reservation r;
  REQUIRE(reservations->GetReservation(Deadline().get(), Ref("cart-2"), &r).ok());
  CHECK(r.state() == v1::EXPIRED);
  CHECK(PositionOf(*restarted.inventory(), "SKU-A", "ST-1").available() == 5);
}

TEST_CASE("a restart forgets what settled before the retention and keeps what settled after") {
  // Settled reservations, till transactions and received transfers alike.
  // A data directory written as if omnistockd had run a week ago and yesterday (the storage
  // library, with those times), then a real omnistockd with the default retention of 7 days.
  TempDir dir;
  const absl::Time now = absl::Now();
  const absl::Time week_ago = now - absl::Hours(8 * 24);
  const absl::Time yesterday = now - absl::Hours(24);
  {
    OpenStore db(dir.Sub("data"));
    for (const char* id : {"ST-1", "WH-1"}) {
      Location location;
      location.id = LocationId(id);
      REQUIRE(db.ledger.UpsertLocation(location).outcome == Outcome::kOk);
    }
    REQUIRE(
        db.ledger.Receive(ReceiveCommand{LocationId("ST-1"), Sku("SKU-A"), 10, "po-1"}, week_ago)
            .outcome == Outcome::kOk);
    auto order = [](const std::string& id) {
      ReserveCommand command;
      command.id = ReservationId(id);
      command.lines = {Line{Sku("SKU-A"), LocationId("ST-1"), 1}};
      command.channel = "web";
      command.ttl = absl::Minutes(15);
      return command;
    };
    REQUIRE(db.ledger.Reserve(order("old"), week_ago).outcome == Outcome::kOk);
    REQUIRE(db.ledger.Confirm(ReservationId("old"), week_ago).outcome == Outcome::kOk);
    REQUIRE(db.ledger.Fulfill(ReservationId("old"), week_ago).outcome == Outcome::kOk);
    REQUIRE(db.ledger.Reserve(order("recent"), yesterday).outcome == Outcome::kOk);
    REQUIRE(db.ledger.Release(ReservationId("recent"), yesterday).outcome == Outcome::kOk);
    REQUIRE(db.ledger.Reserve(order("open"), week_ago).outcome == Outcome::kOk);
    REQUIRE(db.ledger.Confirm(ReservationId("open"), week_ago).outcome == Outcome::kOk);
    const SaleCommand sale{LocationId("ST-1"), "till-1", "t-old", {PosLine{Sku("SKU-A"), 1}}};
    REQUIRE(db.ledger.RecordSale(sale, week_ago).outcome == Outcome::kOk);
    db.ShipAndReceive("tr-old", "ST-1", "WH-1", "SKU-A", 1, week_ago);
    REQUIRE(db.committer.WaitDurable(db.ledger.last_ticket()).ok());
  }

  ServerProcess server(dir.Sub("data"));
  auto reservations = server.reservations();
  v1::Reservation r;
  CHECK(reservations->GetReservation(Deadline().get(), Ref("old"), &r).error_code() ==
        grpc::StatusCode::NOT_FOUND);
  REQUIRE(reservations->GetReservation(Deadline().get(), Ref("recent"), &r).ok());
  CHECK(r.state() == v1::RELEASED);
  REQUIRE(reservations->GetReservation(Deadline().get(), Ref("open"), &r).ok());
  CHECK(r.state() == v1::CONFIRMED);  // live: never forgotten, however old
  // The week-old till transaction is forgotten too: its key is a new sale now.
  auto sales = v1::StoreSales::NewStub(server.channel());
  v1::RecordSaleRequest again;
  again.set_location_id("ST-1");
  again.set_terminal_id("till-1");
  again.set_pos_transaction_id("t-old");
  again.add_lines()->set_sku("SKU-A");
  again.mutable_lines(0)->set_quantity(1);
  v1::PosResult result;
  REQUIRE(sales->RecordSale(Deadline().get(), again, &result).ok());
  CHECK_FALSE(result.duplicate());
  // And so is the week-old received transfer: its id ships a new one.
  auto warehouse = v1::Warehouse::NewStub(server.channel());
  v1::TransferRequest ship;
  ship.set_transfer_id("tr-old");
  ship.set_from_location_id("ST-1");
  ship.set_to_location_id("WH-1");
  ship.add_lines()->set_sku("SKU-A");
  ship.mutable_lines(0)->set_quantity(1);
  v1::TransferView shipped;
  REQUIRE(warehouse->Transfer(Deadline().get(), ship, &shipped).ok());
  CHECK(shipped.state() == v1::IN_TRANSIT);
  // 10 received; 1 fulfilled, 1 sold and 1 shipped a week ago; 1 sold and 1 shipped now.
  const v1::PositionView position = PositionOf(*server.inventory(), "SKU-A", "ST-1");
  CHECK(position.on_hand() == 5);
  CHECK(position.reserved() == 1);  // "open" still holds its unit
}

TEST_CASE("omnistockd refuses to forget settled reservations sooner than two days") {
  TempDir dir;
  const FailedStart start = RunToExit(dir.Sub("data"), {"--idempotency_retention=1h"});
  INFO(start.log);
  CHECK(start.exit_code == 1);
  CHECK(absl::StrContains(start.log, "idempotency_retention must be at least 48h"));
  CHECK(absl::StrContains(start.log, "got 1h"));
}

}  // namespace omnistock::testing
