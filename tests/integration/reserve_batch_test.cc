// ReserveBatch: many orders in one call, each reserved all-or-nothing on its own with its own
// result, acknowledged only once durable.
#include <string>
#include <tuple>
#include <vector>

#include "catch2/catch.hpp"
#include "omnistock/v1/reservations.pb.h"
#include "tests/integration/server_process.h"
#include "tests/support/temp_dir.h"

namespace omnistock::testing {

TEST_CASE("reserve batch: each order gets its own result, and a short or bad order holds nothing") {
  TempDir dir;
  v1::ReserveBatchRequest request;
  *request.add_orders() = ReserveOf("b-1", {{"SKU-A", "ST-1", 3}, {"SKU-B", "ST-1", 1}});
  *request.add_orders() = ReserveOf("b-2", {{"SKU-A", "ST-1", 1}, {"SKU-B", "ST-1", 9}});  // short
  *request.add_orders() = ReserveOf("b-3", {{"SKU-A", "ST-1", 0}});                        // bad
  *request.add_orders() = ReserveOf("b-4", {{"SKU-A", "NOWHERE", 1}});  // unknown
  *request.add_orders() = ReserveOf("b-5", {{"SKU-A", "ST-1", 2}});
  {
    ServerProcess server(dir.Sub("data"));
    AddLocation(*server.network(), "ST-1");
    ReceiveStock(*server.inventory(), "ST-1", "SKU-A", 10);
    ReceiveStock(*server.inventory(), "ST-1", "SKU-B", 2);

    v1::ReserveBatchResponse response;
    REQUIRE(server.reservations()->ReserveBatch(Deadline().get(), request, &response).ok());
    REQUIRE(response.results_size() == 5);
    CHECK(response.results(0).code() == 0);
    CHECK(response.results(0).reservation().state() == v1::HELD);
    CHECK(response.results(1).code() == static_cast<int>(grpc::StatusCode::FAILED_PRECONDITION));
    REQUIRE(response.results(1).shortfall().short_lines_size() == 1);
    CHECK(response.results(1).shortfall().short_lines(0).sku() == "SKU-B");
    CHECK(response.results(1).shortfall().short_lines(0).available() == 1);
    CHECK(response.results(2).code() == static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
    CHECK_THAT(response.results(2).message(), Catch::Contains("quantity"));
    CHECK(response.results(3).code() == static_cast<int>(grpc::StatusCode::NOT_FOUND));
    CHECK(response.results(4).code() == 0);

    // Resending the batch replays the same results and holds nothing more.
    v1::ReserveBatchResponse replay;
    REQUIRE(server.reservations()->ReserveBatch(Deadline().get(), request, &replay).ok());
    CHECK(replay.results(0).reservation().sequence() ==
          response.results(0).reservation().sequence());
    CHECK(PositionOf(*server.inventory(), "SKU-A", "ST-1").reserved() == 5);
    server.Kill();  // acknowledged means durable: a crash right after keeps the batch
  }
  ServerProcess restarted(dir.Sub("data"));
  CHECK(PositionOf(*restarted.inventory(), "SKU-A", "ST-1").reserved() == 5);
  CHECK(PositionOf(*restarted.inventory(), "SKU-B", "ST-1").reserved() == 1);
  v1::Reservation b5;
  REQUIRE(restarted.reservations()->GetReservation(Deadline().get(), Ref("b-5"), &b5).ok());
  CHECK(b5.state() == v1::HELD);
}

TEST_CASE("reserve batch: an empty or oversized batch is INVALID_ARGUMENT naming orders") {
  LiveServer live;
  AddLocation(*live.network, "ST-1");
  v1::ReserveBatchResponse response;
  grpc::Status empty = live.reservations->ReserveBatch(Deadline().get(), {}, &response);
  CHECK(empty.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(empty.error_message(), Catch::Contains("orders") && Catch::Contains("1000"));

  v1::ReserveBatchRequest oversized;
  for (int i = 0; i < 1001; ++i) {
    *oversized.add_orders() = ReserveOf("o-" + std::to_string(i), {{"SKU-A", "ST-1", 1}});
  }
  grpc::Status too_many = live.reservations->ReserveBatch(Deadline().get(), oversized, &response);
  CHECK(too_many.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(too_many.error_message(), Catch::Contains("1001"));
}

TEST_CASE("reserve batch: a batch past gRPC's default 4 MiB, within the limits, is answered") {
  LiveServer live;
  AddLocation(*live.network, "ST-1");
  // 1,000 orders of 100 lines with 64-byte SKUs: about 8 MB. The last line of each is bad, so
  // every order is refused on its own with a short message and the answer stays small.
  v1::ReserveBatchRequest request;
  std::vector<std::tuple<std::string, std::string, int64_t>> lines;
  for (int j = 0; j < 100; ++j)
    lines.emplace_back(std::string(61, 's') + std::to_string(100 + j), "ST-1", j == 99 ? 0 : 1);
  for (int i = 0; i < 1000; ++i)
    *request.add_orders() = ReserveOf("big-" + std::to_string(i), lines);
  REQUIRE(request.ByteSizeLong() > (size_t{4} << 20));
  v1::ReserveBatchResponse response;
  const grpc::Status status =
      live.reservations->ReserveBatch(Deadline(30).get(), request, &response);
  INFO(status.error_message());
  REQUIRE(status.ok());
  REQUIRE(response.results_size() == 1000);
  for (const v1::ReserveResult& result : response.results()) {
    CHECK(result.code() == static_cast<int>(grpc::StatusCode::INVALID_ARGUMENT));
    CHECK_THAT(result.message(), Catch::Contains("lines[99].quantity"));
  }
}

}  // namespace omnistock::testing
