// 32 concurrent clients reserving one hot SKU over gRPC never over-reserve.
#include <atomic>
#include <thread>

#include "catch2/catch.hpp"
#include "tests/integration/server_process.h"
#include "tests/support/temp_dir.h"

namespace omnistock::testing {

TEST_CASE("32 concurrent clients on one hot SKU: successes x quantity == min(demand, stock)") {
  constexpr int kClients = 32;
  constexpr int kAttemptsPerClient = 40;
  constexpr int64_t kQuantity = 2;
  constexpr int64_t kStock = 1001;  // demand 2560 units; odd stock leaves one unit unreservable
  TempDir dir;
  ServerProcess server(dir.Sub("data"));
  AddLocation(*server.network(), "ST-HOT");
  ReceiveStock(*server.inventory(), "ST-HOT", "SKU-HOT", kStock);

  std::atomic<int64_t> successes{0};
  std::atomic<int64_t> refused{0};
  std::atomic<int64_t> unexpected{0};
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      // Each client has its own channel, as separate checkout servers would.
      auto channel = grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials());
      auto stub = v1::Reservations::NewStub(channel);
      for (int i = 0; i < kAttemptsPerClient; ++i) {
        const std::string id = "c" + std::to_string(c) + "-" + std::to_string(i);
        v1::Reservation response;
        grpc::Status status = stub->Reserve(
            Deadline(30).get(), ReserveOf(id, {{"SKU-HOT", "ST-HOT", kQuantity}}), &response);
        if (status.ok()) {
          successes++;
        } else if (status.error_code() == grpc::StatusCode::FAILED_PRECONDITION) {
          refused++;
        } else {
          unexpected++;
        }
      }
    });
  }
  for (auto& client : clients) client.join();

  const int64_t demand = kClients * kAttemptsPerClient * kQuantity;
  const int64_t reservable = (kStock / kQuantity) * kQuantity;
  CHECK(unexpected == 0);
  CHECK(successes + refused == kClients * kAttemptsPerClient);
  CHECK(successes * kQuantity == std::min(demand, reservable));
  const v1::PositionView hot = PositionOf(*server.inventory(), "SKU-HOT", "ST-HOT");
  CHECK(hot.reserved() == successes * kQuantity);
  CHECK(hot.on_hand() == kStock);
  CHECK(hot.available() == kStock - reservable);
}

}  // namespace omnistock::testing
