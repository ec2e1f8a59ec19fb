// A server whose disk fails: what was applied before the failure is answered UNAVAILABLE, and
// nothing more is applied, so memory does not run on ahead of the disk until the restart.
#include <atomic>
#include <memory>

#include "absl/time/clock.h"
#include "catch2/catch.hpp"
#include "grpcpp/grpcpp.h"
#include "omnistock/v1/inventory.grpc.pb.h"
#include "omnistock/v1/network.grpc.pb.h"
#include "omnistock/v1/reservations.grpc.pb.h"
#include "rocksdb/env.h"
#include "services/clock.h"
#include "services/server.h"
#include "tests/support/failing_file_system.h"
#include "tests/support/temp_dir.h"

namespace omnistock::services {
namespace {

using testing::FailingFileSystem;
using testing::TempDir;

std::unique_ptr<grpc::ClientContext> Deadline() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  return context;
}

v1::ReserveRequest Order(const std::string& id, int64_t quantity) {
  v1::ReserveRequest request;
  request.set_reservation_id(id);
  v1::Line* line = request.add_lines();
  line->set_sku("SKU-A");
  line->set_location_id("ST-1");
  line->set_quantity(quantity);
  return request;
}

TEST_CASE("after a storage failure the server applies nothing more") {
  TempDir dir;
  std::atomic<bool> failing{false};
  std::unique_ptr<rocksdb::Env> env =
      rocksdb::NewCompositeEnv(std::make_shared<FailingFileSystem>(&failing));
  SystemClock clock;
  std::atomic<int> failures{0};
  ServerOptions options;
  options.listen = "127.0.0.1:0";
  options.data_dir = dir.Sub("data");
  options.env = env.get();
  absl::StatusOr<std::unique_ptr<Server>> server =
      Server::Start(options, &clock, [&](const absl::Status&) { ++failures; });
  REQUIRE(server.ok());
  auto channel = grpc::CreateChannel((*server)->address(), grpc::InsecureChannelCredentials());
  auto network = v1::Network::NewStub(channel);
  auto inventory = v1::Inventory::NewStub(channel);
  auto reservations = v1::Reservations::NewStub(channel);

  v1::UpsertLocationRequest store;
  store.mutable_location()->set_location_id("ST-1");
  store.mutable_location()->set_kind(v1::STORE);
  store.mutable_location()->set_latitude(35.66);
  store.mutable_location()->set_longitude(139.70);
  v1::Location stored;
  REQUIRE(network->UpsertLocation(Deadline().get(), store, &stored).ok());
  v1::ReceiveRequest receipt;
  receipt.set_location_id("ST-1");
  receipt.set_sku("SKU-A");
  receipt.set_quantity(10);
  v1::PositionView position;
  REQUIRE(inventory->Receive(Deadline().get(), receipt, &position).ok());
  v1::Reservation held;
  REQUIRE(reservations->Reserve(Deadline().get(), Order("kept", 2), &held).ok());
  // One that is due in a second: the sweep would expire it, if it still applied anything.
  v1::ReserveRequest soon = Order("soon", 1);
  soon.mutable_ttl()->set_seconds(1);
  REQUIRE(reservations->Reserve(Deadline().get(), soon, &held).ok());
  const absl::Time due = absl::Now() + absl::Seconds(1);
  CHECK_FALSE((*server)->storage_failed());

  // The disk fails under the next order: applied in memory, never acknowledged.
  failing = true;
  grpc::Status lost = reservations->Reserve(Deadline().get(), Order("lost", 3), &held);
  CHECK(lost.error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(failures == 1);
  CHECK((*server)->storage_failed());

  // From then on nothing is applied, even once the disk "recovers": not an order, not a
  // receipt, and the sweep does nothing.
  failing = false;
  grpc::Status later = reservations->Reserve(Deadline().get(), Order("later", 1), &held);
  CHECK(later.error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(later.error_message().find("storage write failed") != std::string::npos);
  CHECK(inventory->Receive(Deadline().get(), receipt, &position).error_code() ==
        grpc::StatusCode::UNAVAILABLE);
  absl::SleepFor(due - absl::Now() + absl::Milliseconds(100));
  (*server)->Sweep();  // "soon" is due, and stays held
  v1::ReservationRef ref;
  ref.set_reservation_id("later");
  CHECK(reservations->GetReservation(Deadline().get(), ref, &held).error_code() ==
        grpc::StatusCode::NOT_FOUND);
  v1::GetAvailabilityRequest query;
  query.add_skus("SKU-A");
  v1::GetAvailabilityResponse availability;
  REQUIRE(inventory->GetAvailability(Deadline().get(), query, &availability).ok());
  REQUIRE(availability.positions_size() == 1);
  CHECK(availability.positions(0).on_hand() == 10);
  // "kept", "soon" and the unacknowledged "lost".
  CHECK(availability.positions(0).reserved() == 6);
  (*server)->Shutdown(absl::Seconds(1));
}

}  // namespace
}  // namespace omnistock::services
