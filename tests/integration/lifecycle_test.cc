// The full life cycle of stock and reservations over gRPC against a real omnistockd.
#include <future>
#include <thread>
#include <vector>

#include "catch2/catch.hpp"
#include "google/rpc/status.pb.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "omnistock/v1/reservations.pb.h"
#include "tests/integration/server_process.h"
#include "tests/support/temp_dir.h"

namespace omnistock::testing {

TEST_CASE("lifecycle over gRPC: receive, reserve, confirm, fulfil, release, journal") {
  LiveServer live;
  auto& [dir, server, network, inventory, reservations] = live;
  AddLocation(*network, "ST-1");
  AddLocation(*network, "WH-1", v1::WAREHOUSE);
  ReceiveStock(*inventory, "ST-1", "SKU-A", 10);
  ReceiveStock(*inventory, "WH-1", "SKU-B", 20);

  // Health checking is on and says SERVING.
  auto health = grpc::health::v1::Health::NewStub(server.channel());
  grpc::health::v1::HealthCheckResponse health_response;
  REQUIRE(health->Check(Deadline().get(), {}, &health_response).ok());
  CHECK(health_response.status() == grpc::health::v1::HealthCheckResponse::SERVING);

  v1::ReserveRequest request = ReserveOf("order-1", {{"SKU-A", "ST-1", 3}, {"SKU-B", "WH-1", 5}});
  request.mutable_ttl()->set_seconds(600);
  v1::Reservation held;
  REQUIRE(reservations->Reserve(Deadline().get(), request, &held).ok());
  CHECK(held.state() == v1::HELD);
  CHECK(held.lines_size() == 2);
  CHECK(held.expires_at().seconds() > held.created_at().seconds());
  v1::PositionView a = PositionOf(*inventory, "SKU-A", "ST-1");
  CHECK(a.on_hand() == 10);
  CHECK(a.reserved() == 3);
  CHECK(a.available() == 7);

  // Retrying the Reserve returns the same reservation and holds nothing more.
  v1::Reservation replay;
  REQUIRE(reservations->Reserve(Deadline().get(), request, &replay).ok());
  CHECK(replay.sequence() == held.sequence());
  CHECK(PositionOf(*inventory, "SKU-A", "ST-1").reserved() == 3);

  // The same id with other lines is ALREADY_EXISTS.
  v1::Reservation ignored;
  grpc::Status status = reservations->Reserve(
      Deadline().get(), ReserveOf("order-1", {{"SKU-A", "ST-1", 4}}), &ignored);
  CHECK(status.error_code() == grpc::StatusCode::ALREADY_EXISTS);

  // Fulfil before confirm is refused.
  status = reservations->Fulfill(Deadline().get(), Ref("order-1"), &ignored);
  CHECK(status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);

  v1::Reservation confirmed;
  REQUIRE(reservations->Confirm(Deadline().get(), Ref("order-1"), &confirmed).ok());
  CHECK(confirmed.state() == v1::CONFIRMED);
  REQUIRE(reservations->Confirm(Deadline().get(), Ref("order-1"), &confirmed).ok());  // idempotent
  v1::Reservation fulfilled;
  REQUIRE(reservations->Fulfill(Deadline().get(), Ref("order-1"), &fulfilled).ok());
  CHECK(fulfilled.state() == v1::FULFILLED);
  REQUIRE(reservations->Fulfill(Deadline().get(), Ref("order-1"), &fulfilled).ok());  // idempotent
  a = PositionOf(*inventory, "SKU-A", "ST-1");
  CHECK(a.on_hand() == 7);
  CHECK(a.reserved() == 0);
  CHECK(PositionOf(*inventory, "SKU-B", "WH-1").on_hand() == 15);

  // A second order is released: its stock is available again; a released one cannot ship.
  v1::Reservation second;
  REQUIRE(
      reservations->Reserve(Deadline().get(), ReserveOf("order-2", {{"SKU-A", "ST-1", 7}}), &second)
          .ok());
  CHECK(PositionOf(*inventory, "SKU-A", "ST-1").available() == 0);
  v1::Reservation released;
  REQUIRE(reservations->Release(Deadline().get(), Ref("order-2"), &released).ok());
  CHECK(released.state() == v1::RELEASED);
  CHECK(PositionOf(*inventory, "SKU-A", "ST-1").available() == 7);
  status = reservations->Fulfill(Deadline().get(), Ref("order-2"), &ignored);
  CHECK(status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(status.error_message().find("RELEASED") != std::string::npos);

  v1::Reservation fetched;
  REQUIRE(reservations->GetReservation(Deadline().get(), Ref("order-1"), &fetched).ok());
  CHECK(fetched.state() == v1::FULFILLED);
  status = reservations->GetReservation(Deadline().get(), Ref("nope"), &fetched);
  CHECK(status.error_code() == grpc::StatusCode::NOT_FOUND);

  // The journal of SKU-A at ST-1: receive, reserve, confirm, fulfil, reserve, release.
  std::vector<v1::MovementKind> kinds;
  for (const auto& m : MovementsOf(*inventory, "SKU-A", "ST-1")) kinds.push_back(m.kind());
  CHECK(kinds == std::vector<v1::MovementKind>{v1::RECEIVE, v1::RESERVE, v1::CONFIRM, v1::FULFIL,
                                               v1::RESERVE, v1::RELEASE});

  // A clean SIGTERM exits 0, and everything is there after the restart.
  CHECK(server.Terminate() == 0);
  ServerProcess restarted(dir.Sub("data"));
  auto inventory2 = restarted.inventory();
  a = PositionOf(*inventory2, "SKU-A", "ST-1");
  CHECK(a.on_hand() == 7);
  CHECK(a.reserved() == 0);
  auto reservations2 = restarted.reservations();
  REQUIRE(reservations2->GetReservation(Deadline().get(), Ref("order-2"), &fetched).ok());
  CHECK(fetched.state() == v1::RELEASED);
}

TEST_CASE("a short reserve is FAILED_PRECONDITION listing each short line, and changes nothing") {
  LiveServer live;
  auto& [dir, server, network, inventory, reservations] = live;
  AddLocation(*network, "ST-1");
  ReceiveStock(*inventory, "ST-1", "SKU-A", 5);
  ReceiveStock(*inventory, "ST-1", "SKU-B", 1);

  v1::Reservation ignored;
  grpc::Status status = reservations->Reserve(
      Deadline().get(),
      ReserveOf("short", {{"SKU-A", "ST-1", 2}, {"SKU-B", "ST-1", 3}, {"SKU-C", "ST-1", 1}}),
      &ignored);
  REQUIRE(status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(status.error_message().find("SKU-B") != std::string::npos);
  // gRPC's rich error model: a google.rpc.Status of the same code and message, the shortfall
  // among its details.
  google::rpc::Status rich;
  REQUIRE(rich.ParseFromString(status.error_details()));
  CHECK(rich.code() == static_cast<int>(grpc::StatusCode::FAILED_PRECONDITION));
  CHECK(rich.message() == status.error_message());
  REQUIRE(rich.details_size() == 1);
  v1::ReserveShortfall shortfall;
  REQUIRE(rich.details(0).UnpackTo(&shortfall));
  REQUIRE(shortfall.short_lines_size() == 2);
  CHECK(shortfall.short_lines(0).sku() == "SKU-B");
  CHECK(shortfall.short_lines(0).requested() == 3);
  CHECK(shortfall.short_lines(0).available() == 1);
  CHECK(shortfall.short_lines(1).sku() == "SKU-C");
  CHECK(shortfall.short_lines(1).available() == 0);
  CHECK(PositionOf(*inventory, "SKU-A", "ST-1").reserved() == 0);
  status = reservations->GetReservation(Deadline().get(), Ref("short"), &ignored);
  CHECK(status.error_code() == grpc::StatusCode::NOT_FOUND);
}

}  // namespace omnistock::testing

namespace omnistock::testing {

TEST_CASE("a shutdown ends health watches (NOT_SERVING, then UNAVAILABLE) without its grace") {
  using grpc::health::v1::HealthCheckResponse;
  TempDir dir;
  ServerProcess server(dir.Sub("data"), {"--shutdown_grace=120s"});
  auto health = grpc::health::v1::Health::NewStub(server.channel());
  // As gRPC's client-side health checking watches a connection.
  auto context = Deadline(300);
  auto watch = health->Watch(context.get(), {});
  HealthCheckResponse update;
  REQUIRE(watch->Read(&update));
  CHECK(update.status() == HealthCheckResponse::SERVING);
  grpc::health::v1::HealthCheckRequest other;
  other.set_service("omnistock.nothing");
  auto other_context = Deadline(300);
  auto unknown = health->Watch(other_context.get(), other);
  REQUIRE(unknown->Read(&update));
  CHECK(update.status() == HealthCheckResponse::SERVICE_UNKNOWN);
  HealthCheckResponse checked;
  CHECK(health->Check(Deadline().get(), other, &checked).error_code() ==
        grpc::StatusCode::NOT_FOUND);

  // Before, the watches kept the server up for the whole 120 s.
  std::future<int> exit_code = std::async(std::launch::async, [&] { return server.Terminate(); });
  REQUIRE(exit_code.wait_for(std::chrono::seconds(60)) == std::future_status::ready);
  CHECK(exit_code.get() == 0);
  REQUIRE(watch->Read(&update));
  CHECK(update.status() == HealthCheckResponse::NOT_SERVING);
  CHECK_FALSE(watch->Read(&update));
  const grpc::Status ended = watch->Finish();
  CHECK(ended.error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(ended.error_message() == "omnistockd is shutting down");
  CHECK_FALSE(unknown->Read(&update));  // no status to change: ended
  CHECK(unknown->Finish().error_code() == grpc::StatusCode::UNAVAILABLE);
}

TEST_CASE("health watches refused or cancelled at once leave the server serving") {
  using grpc::health::v1::HealthCheckResponse;
  LiveServer live;
  auto health = grpc::health::v1::Health::NewStub(live.server.channel());
  grpc::health::v1::HealthCheckRequest too_long;
  too_long.set_service(std::string(300, 'x'));
  // A refused watch (a name past the limit) cancelled as it is answered was finished twice,
  // which aborted the server; cancelled accepted ones must be let go too.
  std::vector<std::thread> clients;
  for (int t = 0; t < 4; ++t) {
    clients.emplace_back([&, t] {
      for (int i = 0; i < 400; ++i) {
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
        grpc::health::v1::HealthCheckRequest accepted;
        auto watch = health->Watch(&context, (i + t) % 2 == 0 ? too_long : accepted);
        context.TryCancel();
        watch->Finish();
      }
    });
  }
  for (std::thread& client : clients) client.join();
  HealthCheckResponse serving;
  REQUIRE(health->Check(Deadline().get(), {}, &serving).ok());
  CHECK(serving.status() == HealthCheckResponse::SERVING);
  auto context = Deadline();
  auto refused = health->Watch(context.get(), too_long);
  HealthCheckResponse update;
  CHECK_FALSE(refused->Read(&update));
  const grpc::Status status = refused->Finish();
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(status.error_message() == "service is 300 bytes long; at most 256");
  // An unknown name is shown escaped: a client's log line stays one line.
  grpc::health::v1::HealthCheckRequest odd;
  odd.set_service("a\nb");
  HealthCheckResponse checked;
  const grpc::Status unknown = health->Check(Deadline().get(), odd, &checked);
  CHECK(unknown.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK_THAT(unknown.error_message(), Catch::StartsWith("service 'a\\nb' has no health status"));
}

}  // namespace omnistock::testing
