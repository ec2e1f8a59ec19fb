// A server whose disk fails: what was applied before the failure is answered UNAVAILABLE, and
// nothing more is applied, so memory does not run on ahead of the disk until the restart. A
// server whose disk stops answering: it holds a bounded number of changes for it, refuses the
// rest, and health says NOT_SERVING until the disk answers.
#include <atomic>
#include <memory>
#include <thread>

#include "absl/time/clock.h"
#include "catch2/catch.hpp"
#include "google/protobuf/util/time_util.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "omnistock/v1/inventory.grpc.pb.h"
#include "omnistock/v1/network.grpc.pb.h"
#include "omnistock/v1/reservations.grpc.pb.h"
#include "omnistock/v1/store_sales.grpc.pb.h"
#include "omnistock/v1/warehouse.grpc.pb.h"
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

// An in-process server on a FailingFileSystem, with a store ST-1 holding `stock` of SKU-A.
struct FailingDiskServer {
  TempDir dir;
  std::atomic<bool> failing{false};
  std::shared_ptr<FailingFileSystem> file_system = std::make_shared<FailingFileSystem>(&failing);
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(file_system);
  SystemClock clock;
  std::unique_ptr<Server> server;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::Network::Stub> network;
  std::unique_ptr<v1::Inventory::Stub> inventory;
  std::unique_ptr<v1::Reservations::Stub> reservations;
  v1::ReceiveRequest receipt;  // of the stock

  void Start(ServerOptions options, std::function<void(const absl::Status&)> on_failure,
             int64_t stock) {
    options.listen = "127.0.0.1:0";
    options.data_dir = dir.Sub("data");
    options.env = env.get();
    absl::StatusOr<std::unique_ptr<Server>> started =
        Server::Start(options, &clock, std::move(on_failure));
    REQUIRE(started.ok());
    server = *std::move(started);
    channel = grpc::CreateChannel(server->address(), grpc::InsecureChannelCredentials());
    network = v1::Network::NewStub(channel);
    inventory = v1::Inventory::NewStub(channel);
    reservations = v1::Reservations::NewStub(channel);
    v1::UpsertLocationRequest store;
    store.mutable_location()->set_location_id("ST-1");
    store.mutable_location()->set_kind(v1::STORE);
    store.mutable_location()->set_latitude(35.66);
    store.mutable_location()->set_longitude(139.70);
    v1::Location stored;
    REQUIRE(network->UpsertLocation(Deadline().get(), store, &stored).ok());
    receipt.set_location_id("ST-1");
    receipt.set_sku("SKU-A");
    receipt.set_quantity(stock);
    v1::PositionView position;
    REQUIRE(inventory->Receive(Deadline().get(), receipt, &position).ok());
  }
};

TEST_CASE_METHOD(FailingDiskServer, "after a storage failure the server applies nothing more") {
  std::atomic<int> failures{0};
  Start(
      ServerOptions(), [&](const absl::Status&) { ++failures; }, 10);
  v1::PositionView position;
  v1::Reservation held;
  REQUIRE(reservations->Reserve(Deadline().get(), Order("kept", 2), &held).ok());
  // One that is due in a second: the sweep would expire it, if it still applied anything.
  v1::ReserveRequest soon = Order("soon", 1);
  soon.mutable_ttl()->set_seconds(1);
  REQUIRE(reservations->Reserve(Deadline().get(), soon, &held).ok());
  const absl::Time due = absl::Now() + absl::Seconds(1);
  CHECK_FALSE(server->storage_failed());

  // The disk fails under the next order: applied in memory, never acknowledged.
  failing = true;
  grpc::Status lost = reservations->Reserve(Deadline().get(), Order("lost", 3), &held);
  CHECK(lost.error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(failures == 1);
  CHECK(server->storage_failed());

  // From then on nothing is applied, even once the disk "recovers": not an order, not a
  // receipt, and the sweep does nothing.
  failing = false;
  grpc::Status later = reservations->Reserve(Deadline().get(), Order("later", 1), &held);
  CHECK(later.error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK(later.error_message().find("storage write failed") != std::string::npos);
  CHECK(inventory->Receive(Deadline().get(), receipt, &position).error_code() ==
        grpc::StatusCode::UNAVAILABLE);
  absl::SleepFor(due - absl::Now() + absl::Milliseconds(100));
  server->Sweep();  // "soon" is due, and stays held
  v1::ReservationRef ref;
  ref.set_reservation_id("later");
  CHECK(reservations->GetReservation(Deadline().get(), ref, &held).error_code() ==
        grpc::StatusCode::NOT_FOUND);
  // Nor does a read of "soon" expire it, as a read does while the disk works: it shows what
  // the disk holds.
  ref.set_reservation_id("soon");
  REQUIRE(reservations->GetReservation(Deadline().get(), ref, &held).ok());
  CHECK(held.state() == v1::HELD);
  // A read would show "lost", which no restart has: it is refused too.
  v1::GetAvailabilityRequest query;
  query.add_skus("SKU-A");
  v1::GetAvailabilityResponse availability;
  const grpc::Status read = inventory->GetAvailability(Deadline().get(), query, &availability);
  CHECK(read.error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK_THAT(read.error_message(), Catch::StartsWith("storage write failed"));
  // In memory: "kept", "soon" (not expired by the sweep) and the unacknowledged "lost".
  const Position in_memory = server->ledger().GetPositions({Sku("SKU-A")}, {}).at(0);
  CHECK(in_memory.on_hand == 10);
  CHECK(in_memory.reserved == 6);
  server->Shutdown(absl::Seconds(1));
}

// What health says of `service` ("": the server's own), now.
grpc::health::v1::HealthCheckResponse::ServingStatus HealthOf(grpc::Channel& channel,
                                                              const std::string& service = "") {
  auto health = grpc::health::v1::Health::NewStub(
      std::shared_ptr<grpc::Channel>(&channel, [](grpc::Channel*) {}));
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  grpc::health::v1::HealthCheckResponse response;
  const grpc::Status status = health->Check(Deadline().get(), request, &response);
  REQUIRE(status.ok());
  return response.status();
}

TEST_CASE_METHOD(FailingDiskServer,
                 "while the disk does not answer, a bounded backlog waits and later writes are "
                 "refused") {
  ServerOptions options;
  options.commit_backlog_max = 4;
  options.storage_stall_max = absl::Milliseconds(200);
  Start(
      options, [](const absl::Status&) {}, 100);
  v1::PositionView position;
  // Held in memory, durable or not (a read would wait for the disk).
  auto reserved = [this] {
    return server->ledger().GetPositions({Sku("SKU-A")}, {LocationId("ST-1")}).at(0).reserved;
  };
  v1::ReceiveRequest other = receipt;
  other.set_sku("SKU-B");
  REQUIRE(inventory->Receive(Deadline().get(), other, &position).ok());
  v1::Reservation durable;
  REQUIRE(reservations->Reserve(Deadline().get(), Order("durable", 1), &durable).ok());
  server->Sweep();
  CHECK(HealthOf(*channel) == grpc::health::v1::HealthCheckResponse::SERVING);

  // The disk stops answering. Orders are sent one after another, each without waiting for its
  // answer (which waits for the disk): the first four are applied and wait; the rest are
  // refused at once, applying nothing.
  file_system->wal_stalled = true;
  struct Call {
    grpc::ClientContext context;
    v1::ReserveRequest request;
    v1::Reservation response;
    grpc::Status status;
    std::atomic<bool> done{false};
  };
  std::vector<std::unique_ptr<Call>> calls;
  struct Read {
    grpc::ClientContext context;
    v1::GetAvailabilityRequest request;
    v1::GetAvailabilityResponse response;
    grpc::Status status;
    std::atomic<bool> started{false};
    std::atomic<bool> done{false};
  } waiting_read;
  // Whatever fails below, the disk answers again and every call ends before they are destroyed
  // (a server waiting for its disk would never stop).
  struct Unstall {
    FailingFileSystem& file_system;
    std::vector<std::unique_ptr<Call>>& calls;
    Read& read;
    ~Unstall() {
      file_system.wal_stalled = false;
      const absl::Time give_up = absl::Now() + absl::Seconds(30);
      for (const auto& call : calls) {
        while (!call->done && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(1));
      }
      while (read.started && !read.done && absl::Now() < give_up) {
        absl::SleepFor(absl::Milliseconds(1));
      }
    }
  } unstall{*file_system, calls, waiting_read};
  for (int i = 0; i < 7; ++i) {
    auto& call = calls.emplace_back(std::make_unique<Call>());
    call->context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    Call* c = call.get();
    c->request = Order("stalled-" + std::to_string(i), 1);
    reservations->async()->Reserve(&c->context, &c->request, &c->response,
                                   [c](grpc::Status status) {
                                     c->status = std::move(status);
                                     c->done = true;
                                   });
    // Applied (held in memory) or answered (refused) before the next one goes.
    const absl::Time give_up = absl::Now() + absl::Seconds(10);
    while (!c->done && reserved() < 1 + std::min(i + 1, 4) && absl::Now() < give_up) {
      absl::SleepFor(absl::Milliseconds(1));
    }
    if (i >= 4) {
      while (!c->done && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(1));
    }
  }
  CHECK(reserved() == 1 + 4);  // "durable" and the four waiting
  for (int i = 0; i < 7; ++i) {
    INFO("order " << i << ": " << calls[i]->status.error_message());
    if (i < 4) {
      CHECK_FALSE(calls[i]->done);  // waits for the disk
    } else {
      REQUIRE(calls[i]->done);
      CHECK(calls[i]->status.error_code() == grpc::StatusCode::UNAVAILABLE);
      CHECK(calls[i]->status.error_message() ==
            "the disk is behind: 4 changes wait to be made durable, at the limit of 4; no more "
            "is applied until it catches up");
    }
  }
  CHECK(inventory->Receive(Deadline().get(), receipt, &position).error_code() ==
        grpc::StatusCode::UNAVAILABLE);
  // A read of SKU-A would show the four orders, which a crash now would take back: it waits
  // for the disk. SKU-B's position, durable as it stands, is read at once.
  waiting_read.started = true;
  waiting_read.context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  waiting_read.request.add_skus("SKU-A");
  inventory->async()->GetAvailability(&waiting_read.context, &waiting_read.request,
                                      &waiting_read.response, [&](grpc::Status status) {
                                        waiting_read.status = std::move(status);
                                        waiting_read.done = true;
                                      });
  {
    v1::GetAvailabilityRequest query;
    query.add_skus("SKU-B");
    v1::GetAvailabilityResponse durable;
    REQUIRE(inventory->GetAvailability(Deadline().get(), query, &durable).ok());
    REQUIRE(durable.positions_size() == 1);
    CHECK(durable.positions(0).on_hand() == 100);
  }
  absl::SleepFor(absl::Milliseconds(100));
  CHECK_FALSE(waiting_read.done);
  // So with reservations: a waiting order is shown once durable, a durable one at once.
  v1::ReservationRef ref;
  ref.set_reservation_id("stalled-0");
  v1::Reservation shown;
  grpc::ClientContext short_wait;
  short_wait.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(200));
  CHECK(reservations->GetReservation(&short_wait, ref, &shown).error_code() ==
        grpc::StatusCode::DEADLINE_EXCEEDED);
  ref.set_reservation_id("durable");
  REQUIRE(reservations->GetReservation(Deadline().get(), ref, &shown).ok());
  CHECK(shown.state() == v1::HELD);
  // The client streams stop at the message that found the disk behind, and say where.
  {
    auto warehouse = v1::Warehouse::NewStub(channel);
    v1::SyncCountsSummary summary;
    auto context = Deadline();
    auto counts = warehouse->SyncCounts(context.get(), &summary);
    v1::CountBatch batch;
    v1::CountRow* row = batch.add_rows();
    row->set_location_id("ST-1");
    row->set_sku("SKU-A");
    row->set_counted_quantity(1);
    row->mutable_counted_at()->set_seconds(absl::ToUnixSeconds(absl::Now()));
    counts->Write(batch);
    counts->WritesDone();
    const grpc::Status refused = counts->Finish();
    CHECK(refused.error_code() == grpc::StatusCode::UNAVAILABLE);
    CHECK_THAT(
        refused.error_message(),
        Catch::StartsWith("batches[0]: the disk is behind: 4 changes wait") &&
            Catch::Contains("nothing of this batch was applied; the batches before it, 0, were"));
    auto sales = v1::StoreSales::NewStub(channel);
    v1::UploadSalesSummary uploaded;
    auto context2 = Deadline();
    auto upload = sales->UploadSales(context2.get(), &uploaded);
    v1::RecordSaleRequest sale;
    sale.set_location_id("ST-1");
    sale.set_terminal_id("till-1");
    sale.set_pos_transaction_id("t-1");
    v1::PosLine* line = sale.add_lines();
    line->set_sku("SKU-A");
    line->set_quantity(1);
    upload->Write(sale);
    upload->WritesDone();
    const grpc::Status stopped = upload->Finish();
    CHECK(stopped.error_code() == grpc::StatusCode::UNAVAILABLE);
    CHECK_THAT(stopped.error_message(),
               Catch::StartsWith("sales[0]: the disk is behind: 4 changes wait") &&
                   Catch::Contains("this sale and those after it were not applied; of the 0 "
                                   "before it, 0 were applied"));
  }
  // A write that has not returned in 200 ms: health says so, for a balancer to route away.
  absl::SleepFor(absl::Milliseconds(300));
  server->Sweep();
  CHECK(HealthOf(*channel) == grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  // Liveness: the process is sound, waiting for its disk; restarting it would not help.
  CHECK(HealthOf(*channel, kLivenessHealthService) ==
        grpc::health::v1::HealthCheckResponse::SERVING);

  // The disk answers again: the waiting orders are acknowledged, health is SERVING, and new
  // writes are taken.
  file_system->wal_stalled = false;
  for (int i = 0; i < 4; ++i) {
    const absl::Time give_up = absl::Now() + absl::Seconds(10);
    while (!calls[i]->done && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(1));
    REQUIRE(calls[i]->done);
    CHECK(calls[i]->status.ok());
  }
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while (!waiting_read.done && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(1));
  REQUIRE(waiting_read.done);
  REQUIRE(waiting_read.status.ok());
  REQUIRE(waiting_read.response.positions_size() == 1);
  CHECK(waiting_read.response.positions(0).reserved() == 1 + 4);
  server->Sweep();
  CHECK(HealthOf(*channel) == grpc::health::v1::HealthCheckResponse::SERVING);
  CHECK(HealthOf(*channel, kLivenessHealthService) ==
        grpc::health::v1::HealthCheckResponse::SERVING);
  v1::Reservation held;
  CHECK(reservations->Reserve(Deadline().get(), Order("after", 1), &held).ok());
  CHECK(reserved() == 1 + 5);
  server->Shutdown(absl::Seconds(1));
}

TEST_CASE_METHOD(FailingDiskServer,
                 "while a write has not returned for --storage_stall, new writes are refused") {
  ServerOptions options;
  options.storage_stall_max = absl::Milliseconds(200);
  Start(
      options, [](const absl::Status&) {}, 100);
  auto reserved = [this] {
    return server->ledger().GetPositions({Sku("SKU-A")}, {LocationId("ST-1")}).at(0).reserved;
  };
  file_system->wal_stalled = true;
  // One order is applied and waits for the disk (the backlog is far from its limit).
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  v1::ReserveRequest waiting = Order("waiting", 1);
  v1::Reservation waited;
  grpc::Status waited_status;
  std::atomic<bool> done{false};
  reservations->async()->Reserve(&context, &waiting, &waited, [&](grpc::Status status) {
    waited_status = std::move(status);
    done = true;
  });
  struct Unstall {
    FailingFileSystem& file_system;
    std::atomic<bool>& done;
    ~Unstall() {
      file_system.wal_stalled = false;
      const absl::Time give_up = absl::Now() + absl::Seconds(30);
      while (!done && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(1));
    }
  } unstall{*file_system, done};
  for (const absl::Time give_up = absl::Now() + absl::Seconds(10);
       reserved() < 1 && absl::Now() < give_up;) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  REQUIRE(reserved() == 1);
  // Past the stall limit: refused at once, nothing applied.
  absl::SleepFor(absl::Milliseconds(300));
  v1::Reservation held;
  const grpc::Status refused = reservations->Reserve(Deadline().get(), Order("refused", 1), &held);
  CHECK(refused.error_code() == grpc::StatusCode::UNAVAILABLE);
  CHECK_THAT(refused.error_message(),
             Catch::StartsWith("the disk has not finished a write for ") &&
                 Catch::Contains("(omnistockd --storage_stall: 200ms); no more is applied"));
  CHECK(reserved() == 1);
  CHECK_FALSE(done);

  // The disk answers: the waiting order is acknowledged, and new ones are taken.
  file_system->wal_stalled = false;
  for (const absl::Time give_up = absl::Now() + absl::Seconds(10);
       !done && absl::Now() < give_up;) {
    absl::SleepFor(absl::Milliseconds(1));
  }
  REQUIRE(done);
  CHECK(waited_status.ok());
  CHECK(reservations->Reserve(Deadline().get(), Order("after", 1), &held).ok());
  CHECK(reserved() == 2);
  server->Shutdown(absl::Seconds(1));
}

// A count batch of one row: SKU-A at ST-1 counted `quantity`, now.
v1::CountBatch CountOf(int64_t quantity) {
  v1::CountBatch batch;
  v1::CountRow* row = batch.add_rows();
  row->set_location_id("ST-1");
  row->set_sku("SKU-A");
  row->set_counted_quantity(quantity);
  *row->mutable_counted_at() =
      google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(absl::Now()));
  return batch;
}

TEST_CASE_METHOD(FailingDiskServer,
                 "a storage failure during the drain cancels the calls still open within a "
                 "second, instead of waiting out the grace") {
  std::atomic<int> failures{0};
  Start(
      ServerOptions(), [&](const absl::Status&) { ++failures; }, 10);
  auto warehouse = v1::Warehouse::NewStub(channel);
  // Two count streams their clients keep open: one that sends a batch during the drain, and
  // one idle, which a drain waits for up to its grace.
  grpc::ClientContext writing_context;
  grpc::ClientContext idle_context;
  v1::SyncCountsSummary writing_summary;
  v1::SyncCountsSummary idle_summary;
  auto writing = warehouse->SyncCounts(&writing_context, &writing_summary);
  auto idle = warehouse->SyncCounts(&idle_context, &idle_summary);
  // Each stream's first batch applied, in turn.
  auto on_hand_becomes = [&](int64_t quantity) {
    for (const absl::Time give_up = absl::Now() + absl::Seconds(10);
         server->ledger().GetPositions({Sku("SKU-A")}, {}).at(0).on_hand != quantity &&
         absl::Now() < give_up;) {
      absl::SleepFor(absl::Milliseconds(1));
    }
    return server->ledger().GetPositions({Sku("SKU-A")}, {}).at(0).on_hand == quantity;
  };
  REQUIRE(writing->Write(CountOf(7)));
  REQUIRE(on_hand_becomes(7));
  REQUIRE(idle->Write(CountOf(8)));
  REQUIRE(on_hand_becomes(8));

  const absl::Time began = absl::Now();
  std::thread drain([&] { server->Shutdown(absl::Seconds(60)); });
  // Draining once a new call is refused.
  v1::Reservation held;
  while (reservations->Reserve(Deadline().get(), Order("during", 1), &held).ok()) {
    absl::SleepFor(absl::Milliseconds(10));
  }
  failing = true;
  writing->Write(CountOf(9));  // applied, and its write fails
  drain.join();
  // Not the 60 s grace: nothing more can be made durable, so nothing is worth waiting for.
  CHECK(absl::Now() - began < absl::Seconds(20));
  CHECK(failures == 1);
  CHECK_FALSE(idle->Finish().ok());
  writing->Finish();
}

}  // namespace
}  // namespace omnistock::services
