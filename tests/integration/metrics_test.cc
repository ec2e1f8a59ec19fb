// omnistockd --metrics_listen: a Prometheus scrape over loopback HTTP shows the calls made,
// by method and status code, and the committer's figures; an address it cannot listen on
// stops it at start-up with a clear message.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "catch2/catch.hpp"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/generic/generic_stub.h"
#include "omnistock/v1/availability.grpc.pb.h"
#include "omnistock/v1/fulfillment.grpc.pb.h"
#include "omnistock/v1/store_sales.grpc.pb.h"
#include "omnistock/v1/warehouse.grpc.pb.h"
#include "tests/integration/server_process.h"

namespace omnistock::testing {
namespace {

sockaddr_in Loopback(int port) {
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  return address;
}

// A loopback TCP socket bound to a free port (listening when `listen`); closed by the caller.
int BoundSocket(int& port, bool listen) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address = Loopback(0);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  if (listen) REQUIRE(::listen(fd, 1) == 0);
  socklen_t length = sizeof(address);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  port = ntohs(address.sin_port);
  return fd;
}

// The body of GET /metrics from 127.0.0.1:port.
std::string Scrape(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  timeval timeout{10, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  sockaddr_in address = Loopback(port);
  REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  const std::string request = "GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  REQUIRE(::write(fd, request.data(), request.size()) == static_cast<ssize_t>(request.size()));
  std::string response;
  char buffer[4096];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof(buffer))) > 0;) response.append(buffer, n);
  ::close(fd);
  REQUIRE(absl::StartsWith(response, "HTTP/1."));
  REQUIRE(absl::StrContains(response, " 200 "));
  return response.substr(response.find("\r\n\r\n") + 4);
}

}  // namespace

// The value of the unlabelled metric `name` in a scrape's body; REQUIREs that it is there.
double ValueIn(const std::string& body, const std::string& name) {
  const std::string line_start = "\n" + name + " ";
  const size_t at = body.find(line_start);
  INFO(name);
  REQUIRE(at != std::string::npos);
  return std::stod(body.substr(at + line_start.size()));
}

// A server serving metrics on a free loopback port, with location S1 holding 5 of SKU A.
struct MetricsServer {
  int port = FreePort();
  TempDir dir;
  ServerProcess server{dir.Sub("data"), {absl::StrCat("--metrics_listen=127.0.0.1:", port)}};
  std::unique_ptr<v1::Network::Stub> network = server.network();
  std::unique_ptr<v1::Inventory::Stub> inventory = server.inventory();
  std::unique_ptr<v1::Reservations::Stub> reservations = server.reservations();

  MetricsServer() {
    AddLocation(*network, "S1");
    ReceiveStock(*inventory, "S1", "A", 5);
  }

  static int FreePort() {
    int port = 0;
    ::close(BoundSocket(port, false));  // free now; omnistockd takes it next
    return port;
  }
};

TEST_CASE_METHOD(MetricsServer,
                 "a metrics scrape shows each call by method and status, and the commits") {
  v1::Reservation reservation;
  REQUIRE(reservations->Reserve(Deadline().get(), ReserveOf("r1", {{"A", "S1", 2}}), &reservation)
              .ok());
  REQUIRE(reservations->Reserve(Deadline().get(), ReserveOf("r2", {{"A", "S1", 9}}), &reservation)
              .error_code() == grpc::StatusCode::FAILED_PRECONDITION);

  const std::string body = Scrape(port);
  INFO(body);
  CHECK(absl::StrContains(
      body, "omnistock_rpc_total{code=\"OK\",method=\"/omnistock.v1.Reservations/Reserve\"} 1\n"));
  CHECK(absl::StrContains(body,
                          "omnistock_rpc_total{code=\"FAILED_PRECONDITION\",method=\"/"
                          "omnistock.v1.Reservations/Reserve\"} 1\n"));
  CHECK(absl::StrContains(
      body,
      "omnistock_rpc_duration_seconds_count{method=\"/omnistock.v1.Reservations/Reserve\"} 2\n"));
  // The location, the receipt and r1: three commits, each durable before its answer.
  CHECK(absl::StrContains(body, "omnistock_commits_total 3\n"));
  // Each synced batch's write is timed: as many as there were batches, all under 10 s.
  const double batches = ValueIn(body, "omnistock_commit_batches_total");
  CHECK(batches >= 1);
  CHECK(ValueIn(body, "omnistock_commit_write_seconds_count") == batches);
  CHECK(ValueIn(body, "omnistock_commit_write_seconds_bucket{le=\"+Inf\"}") == batches);
  CHECK(ValueIn(body, "omnistock_commit_write_seconds_bucket{le=\"10\"}") == batches);
  CHECK(ValueIn(body, "omnistock_commit_write_seconds_sum") > 0);
  CHECK(absl::StrContains(body, "omnistock_reservations 1\n"));
  CHECK(absl::StrContains(body, "omnistock_storage_ok 1\n"));
  CHECK(ValueIn(body, "omnistock_pos_transactions") == 0);
  CHECK(ValueIn(body, "omnistock_watchers") == 0);
  CHECK(ValueIn(body, "omnistock_journal_reads_pending") == 0);  // no read queued at rest
  CHECK(ValueIn(body, "process_resident_memory_bytes") > 1e6);
  // What the three commits wrote is in the memtables, none of it flushed yet.
  CHECK(ValueIn(body, "omnistock_rocksdb_memtable_bytes") > 0);
  CHECK(ValueIn(body, "omnistock_rocksdb_sst_bytes") >= 0);
  CHECK(ValueIn(body, "omnistock_rocksdb_live_data_bytes") >= 0);
  CHECK(ValueIn(body, "omnistock_rocksdb_pending_compaction_bytes") >= 0);

  // A till sale is held for its retention; a watcher is counted while its stream is open.
  auto store_sales = v1::StoreSales::NewStub(server.channel());
  v1::RecordSaleRequest sale;
  sale.set_location_id("S1");
  sale.set_terminal_id("till-1");
  sale.set_pos_transaction_id("t1");
  sale.add_lines()->set_sku("A");
  sale.mutable_lines(0)->set_quantity(1);
  v1::PosResult recorded;
  REQUIRE(store_sales->RecordSale(Deadline().get(), sale, &recorded).ok());
  auto availability = v1::Availability::NewStub(server.channel());
  grpc::ClientContext watching;
  v1::WatchRequest watch;
  auto stream = availability->Watch(&watching, watch);
  double watchers = 0;
  for (int i = 0; i < 100 && watchers == 0; ++i) {
    watchers = ValueIn(Scrape(port), "omnistock_watchers");
    if (watchers == 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(watchers == 1);
  CHECK(ValueIn(Scrape(port), "omnistock_pos_transactions") == 1);
  watching.TryCancel();
  CHECK(stream->Finish().error_code() == grpc::StatusCode::CANCELLED);
}

TEST_CASE_METHOD(MetricsServer,
                 "ListMovements calls that end while their journal read waits cost no read") {
  // A journal of 20,000 count movements at S1: a read by location S2 alone examines them all
  // (milliseconds each), so reads queue behind one another on the one reader.
  AddLocation(*network, "S2");
  auto warehouse = v1::Warehouse::NewStub(server.channel());
  v1::SyncCountsSummary summary;
  auto context = Deadline(60);
  auto counts = warehouse->SyncCounts(context.get(), &summary);
  google::protobuf::Timestamp at;
  at.set_seconds(absl::ToUnixSeconds(absl::Now() - absl::Hours(1)));
  for (int batch = 0; batch < 2; ++batch) {
    v1::CountBatch rows;
    for (int i = 0; i < 10'000; ++i) {
      v1::CountRow* row = rows.add_rows();
      row->set_location_id("S1");
      row->set_sku(absl::StrCat("K", batch, "-", i));
      row->set_counted_quantity(1);
      *row->mutable_counted_at() = at;
    }
    REQUIRE(counts->Write(rows));
  }
  counts->WritesDone();
  REQUIRE(counts->Finish().ok());
  REQUIRE(summary.rows_applied() == 20'000);

  // 40 calls whose deadline passes while they wait.
  std::vector<std::thread> callers;
  for (int i = 0; i < 40; ++i) {
    callers.emplace_back([this] {
      grpc::ClientContext call;
      call.set_deadline(std::chrono::system_clock::now() + std::chrono::milliseconds(5));
      v1::ListMovementsRequest request;
      request.set_location_id("S2");
      v1::ListMovementsResponse response;
      inventory->ListMovements(&call, request, &response);
    });
  }
  for (std::thread& caller : callers) caller.join();
  double pending = 1;
  for (int i = 0; i < 500 && pending > 0; ++i) {
    pending = ValueIn(Scrape(port), "omnistock_journal_reads_pending");
    if (pending > 0) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(pending == 0);
  const double skipped = ValueIn(Scrape(port), "omnistock_journal_reads_skipped_total");
  INFO(skipped << " of 40 reads skipped");
  CHECK(skipped > 0);
  CHECK(skipped <= 40);

  // The reader still serves a call that waits for its answer.
  v1::ListMovementsRequest request;
  request.set_location_id("S1");
  request.set_limit(10);
  v1::ListMovementsResponse response;
  REQUIRE(inventory->ListMovements(Deadline(30).get(), request, &response).ok());
  CHECK(response.movements_size() == 10);
}

TEST_CASE_METHOD(MetricsServer,
                 "connections that never finish their request do not block a scrape") {
  // Four clients that send half a request and stall (civetweb's 2 threads and 30 s read timeout
  // let two of them hold every scrape off).
  std::vector<int> stalled;
  for (int i = 0; i < 4; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(fd >= 0);
    sockaddr_in address = Loopback(port);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
    const std::string partial = "GET /metrics HTTP/1.1\r\n";
    REQUIRE(::write(fd, partial.data(), partial.size()) == static_cast<ssize_t>(partial.size()));
    stalled.push_back(fd);
  }
  absl::SleepFor(absl::Milliseconds(200));  // each has a thread by now
  // Answered, not left waiting past Scrape's 10 s for a thread.
  CHECK_THAT(Scrape(port), Catch::Contains("omnistock_reservations"));
  for (int fd : stalled) ::close(fd);
}

TEST_CASE_METHOD(MetricsServer, "calls to methods the server does not have add no series") {
  grpc::GenericStub generic(server.channel());
  for (int i = 0; i < 20; ++i) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    grpc::Slice empty("");
    grpc::ByteBuffer request(&empty, 1);  // an empty message, encoded
    grpc::ByteBuffer response;
    std::mutex mu;
    std::condition_variable done_cv;
    bool done = false;
    grpc::Status status;
    generic.UnaryCall(&context, absl::StrCat("/made.Up/Method", i), grpc::StubOptions(), &request,
                      &response, [&](grpc::Status s) {
                        std::lock_guard<std::mutex> lock(mu);
                        status = s;
                        done = true;
                        done_cv.notify_one();
                      });
    std::unique_lock<std::mutex> lock(mu);
    done_cv.wait(lock, [&] { return done; });
    CHECK(status.error_code() == grpc::StatusCode::UNIMPLEMENTED);
  }
  // gRPC's own health service is served, and labelled by its path.
  auto health = grpc::health::v1::Health::NewStub(server.channel());
  grpc::health::v1::HealthCheckResponse serving;
  REQUIRE(health->Check(Deadline().get(), {}, &serving).ok());
  const std::string body = Scrape(port);
  INFO(body);
  CHECK(absl::StrContains(
      body, "omnistock_rpc_total{code=\"OK\",method=\"/grpc.health.v1.Health/Check\"} 1\n"));
  CHECK_FALSE(absl::StrContains(body, "made.Up"));
  CHECK(absl::StrContains(body,
                          "omnistock_rpc_total{code=\"UNIMPLEMENTED\",method=\"unknown\"} 20\n"));
}

int64_t InternedIds(int port) {
  return static_cast<int64_t>(ValueIn(Scrape(port), "omnistock_interned_ids"));
}

TEST_CASE_METHOD(MetricsServer,
                 "reads and rejected calls naming unknown SKUs or locations intern nothing") {
  // Interned strings are kept for good, so only what is stored may intern: a site cache asking
  // for products never stocked anywhere, or a client with typos, must not grow the server.
  AddLocation(*network, "P1", v1::PICKUP_POINT);
  const int64_t before = InternedIds(port);

  v1::GetAvailabilityRequest at_store;
  for (int i = 0; i < 50; ++i) at_store.add_skus(absl::StrCat("NEVER-", i));
  at_store.add_skus("NEVER-0");  // twice: one row still
  at_store.add_skus("A");
  at_store.add_location_ids("S1");
  v1::GetAvailabilityResponse rows;
  REQUIRE(inventory->GetAvailability(Deadline().get(), at_store, &rows).ok());
  REQUIRE(rows.positions_size() == 51);  // every SKU asked about at S1, zeros where none
  int64_t on_hand = 0;
  for (const v1::PositionView& row : rows.positions()) {
    CHECK(row.location_id() == "S1");
    on_hand += row.on_hand();
  }
  CHECK(on_hand == 5);  // A's five units, and nothing else

  v1::GetAvailabilityRequest anywhere;
  anywhere.add_skus("NEVER-A");
  anywhere.add_skus("NEVER-B");
  REQUIRE(inventory->GetAvailability(Deadline().get(), anywhere, &rows).ok());
  CHECK(rows.positions_size() == 0);

  v1::GetAvailabilityRequest nowhere;
  nowhere.add_skus("A");
  nowhere.add_location_ids("NOWHERE");
  CHECK(inventory->GetAvailability(Deadline().get(), nowhere, &rows).error_code() ==
        grpc::StatusCode::NOT_FOUND);

  v1::ListMovementsRequest movements_of;
  movements_of.set_sku("NEVER-C");
  v1::ListMovementsResponse movements;
  REQUIRE(inventory->ListMovements(Deadline().get(), movements_of, &movements).ok());
  CHECK(movements.movements_size() == 0);
  movements_of.set_location_id("NOWHERE-C");
  CHECK(inventory->ListMovements(Deadline().get(), movements_of, &movements).error_code() ==
        grpc::StatusCode::NOT_FOUND);

  v1::Reservation reservation;
  CHECK(
      reservations
          ->Reserve(Deadline().get(), ReserveOf("r1", {{"NEVER-D", "NOWHERE-D", 1}}), &reservation)
          .error_code() == grpc::StatusCode::NOT_FOUND);

  auto fulfillment = v1::Fulfillment::NewStub(server.channel());
  v1::PlanRequest plan;
  plan.add_lines()->set_sku("NEVER-E");
  plan.mutable_lines(0)->set_quantity(1);
  plan.mutable_destination()->set_latitude(35.6);
  plan.mutable_destination()->set_longitude(139.7);
  v1::PlanResponse planned;
  REQUIRE(fulfillment->Plan(Deadline().get(), plan, &planned).ok());  // nothing to ship from

  auto store_sales = v1::StoreSales::NewStub(server.channel());
  v1::RecordSaleRequest sale;
  sale.set_location_id("NOWHERE-F");
  sale.set_terminal_id("till-1");
  sale.set_pos_transaction_id("t1");
  sale.add_lines()->set_sku("NEVER-F");
  sale.mutable_lines(0)->set_quantity(1);
  v1::PosResult recorded;
  CHECK(store_sales->RecordSale(Deadline().get(), sale, &recorded).error_code() ==
        grpc::StatusCode::NOT_FOUND);

  // Orders of SKUs never stocked anywhere: refused for want of stock, nothing of them kept.
  const grpc::Status short_order = reservations->Reserve(
      Deadline().get(), ReserveOf("r-never", {{"NEVER-G", "S1", 1}, {"A", "S1", 1}}), &reservation);
  CHECK(short_order.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(absl::StrContains(short_order.error_message(), "sku 'NEVER-G' at 'S1'"));
  v1::ReserveBatchRequest batch;
  *batch.add_orders() = ReserveOf("b-never-1", {{"NEVER-H", "S1", 1}});
  *batch.add_orders() = ReserveOf("b-never-2", {{"NEVER-H", "S1", 1}, {"NEVER-I", "S1", 2}});
  v1::ReserveBatchResponse batched;
  REQUIRE(reservations->ReserveBatch(Deadline().get(), batch, &batched).ok());
  REQUIRE(batched.results_size() == 2);
  for (const v1::ReserveResult& result : batched.results()) {
    CHECK(result.code() == grpc::StatusCode::FAILED_PRECONDITION);
    CHECK(result.shortfall().short_lines_size() == 1 + (&result == &batched.results(1)));
  }
  // A retry of a held order's id naming a SKU never stocked is another order, not a replay.
  REQUIRE(
      reservations->Reserve(Deadline().get(), ReserveOf("r-held", {{"A", "S1", 1}}), &reservation)
          .ok());
  CHECK(reservations
            ->Reserve(Deadline().get(), ReserveOf("r-held", {{"NEVER-J", "S1", 1}}), &reservation)
            .error_code() == grpc::StatusCode::ALREADY_EXISTS);
  v1::RouteAndReserveRequest route;
  route.set_reservation_id("route-never");
  route.set_channel("web");
  *route.mutable_plan() = plan;
  route.mutable_plan()->mutable_lines(0)->set_sku("NEVER-K");
  v1::RouteAndReserveResponse routed;
  REQUIRE(fulfillment->RouteAndReserve(Deadline().get(), route, &routed).ok());
  CHECK_FALSE(routed.has_reservation());  // nothing to ship from: nothing held

  // Cycle counts: a row at an unknown location or raising a pickup point's stock is counted as
  // such and kept nowhere; a batch
  // refused for a bad row interns nothing of its good rows either.
  auto warehouse = v1::Warehouse::NewStub(server.channel());
  auto count_row = [](v1::CountBatch& batch, const std::string& location, const std::string& sku,
                      int64_t counted) {
    v1::CountRow* row = batch.add_rows();
    row->set_location_id(location);
    row->set_sku(sku);
    row->set_counted_quantity(counted);
    row->mutable_counted_at()->set_seconds(absl::ToUnixSeconds(absl::Now()) - 60);
  };
  v1::CountBatch unknown_and_known;
  count_row(unknown_and_known, "NOWHERE-L", "NEVER-L", 4);
  count_row(unknown_and_known, "S1", "A", 5);
  count_row(unknown_and_known, "P1", "NEVER-P", 4);  // a pickup point holds no stock
  v1::CountBatch refused;
  count_row(refused, "S1", "NEVER-M", 3);
  count_row(refused, "S1", "A", -1);
  for (const v1::CountBatch* batch : {&unknown_and_known, &refused}) {
    v1::SyncCountsSummary summary;
    auto context = Deadline();
    auto stream = warehouse->SyncCounts(context.get(), &summary);
    stream->Write(*batch);
    stream->WritesDone();
    const grpc::Status status = stream->Finish();
    if (batch == &unknown_and_known) {
      REQUIRE(status.ok());
      CHECK(summary.rows_unknown() == 1);
      CHECK(summary.rows_applied() == 1);
      CHECK(summary.rows_holding_no_stock() == 1);
    } else {
      CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
      CHECK(absl::StrContains(status.error_message(), "rows[1].counted_quantity"));
    }
  }

  // A location change by update_mask of a location that does not exist, and transfers naming
  // none, intern nothing either.
  auto network = v1::Network::NewStub(server.channel());
  v1::UpsertLocationRequest masked;
  masked.mutable_location()->set_location_id("NOWHERE-N");
  masked.mutable_update_mask()->add_paths("disabled");
  v1::Location changed;
  CHECK(network->UpsertLocation(Deadline().get(), masked, &changed).error_code() ==
        grpc::StatusCode::NOT_FOUND);
  v1::TransferRef receipt;
  receipt.set_transfer_id("TR-NEVER");
  receipt.add_received_lines()->set_sku("NEVER-O");
  v1::TransferView received;
  CHECK(warehouse->ReceiveTransfer(Deadline().get(), receipt, &received).error_code() ==
        grpc::StatusCode::NOT_FOUND);

  // A watch of a SKU stocked nowhere yet interns nothing, and still sees it arrive.
  auto availability = v1::Availability::NewStub(server.channel());
  auto watching = Deadline(30);
  v1::WatchRequest watch;
  watch.add_skus("NEVER-W");
  watch.add_location_ids("S1");
  auto stream = availability->Watch(watching.get(), watch);
  for (int i = 0; i < 100 && ValueIn(Scrape(port), "omnistock_watchers") == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  REQUIRE(ValueIn(Scrape(port), "omnistock_watchers") == 1);

  CHECK(InternedIds(port) == before);
  ReceiveStock(*inventory, "S1", "B", 1);  // a new SKU stored: one more
  CHECK(InternedIds(port) == before + 1);

  ReceiveStock(*inventory, "S1", "NEVER-W", 2);  // B's receipt is not watched; this one is
  v1::AvailabilityUpdate update;
  REQUIRE(stream->Read(&update));
  CHECK(update.sku() == "NEVER-W");
  CHECK(update.location_id() == "S1");
  CHECK(update.on_hand() == 2);
  watching->TryCancel();
  CHECK(stream->Finish().error_code() == grpc::StatusCode::CANCELLED);
}

TEST_CASE("omnistockd refuses to start when it cannot serve metrics where told") {
  int port = 0;
  const int taken = BoundSocket(port, true);  // held by this test
  TempDir dir;
  const FailedStart start =
      RunToExit(dir.Sub("data"), {absl::StrCat("--metrics_listen=127.0.0.1:", port)});
  ::close(taken);
  INFO(start.log);
  CHECK(start.exit_code == 1);
  CHECK(absl::StrContains(start.log, absl::StrCat("cannot listen on '127.0.0.1:", port,
                                                  "' (--metrics_listen): the address is in use")));
  // Found before the data directory was opened, let alone recovered.
  CHECK_FALSE(std::filesystem::exists(dir.Sub("data")));
}

TEST_CASE("a second omnistockd on a serving one's port or data directory refuses to start") {
  // gRPC's default SO_REUSEPORT would let both listen, each client then landing on one of two
  // ledgers.
  LiveServer first;
  TempDir dir;
  const FailedStart second = RunToExit(dir.Sub("data"), {"--listen=" + first.server.address()});
  INFO(second.log);
  CHECK(second.exit_code == 1);
  CHECK(absl::StrContains(second.log, absl::StrCat("cannot listen on '", first.server.address(),
                                                   "' (--listen): the address is in use")));
  CHECK_FALSE(std::filesystem::exists(dir.Sub("data")));  // found before anything was opened
  v1::ListLocationsResponse listed;
  CHECK(first.network->ListLocations(Deadline().get(), {}, &listed).ok());

  // On its data directory: refused by RocksDB's lock, and the server's info log (LOG) is left
  // where it is, neither moved aside nor deleted with the old ones.
  const std::string data = first.dir.Sub("data");
  struct stat before;
  REQUIRE(::stat((data + "/LOG").c_str(), &before) == 0);
  for (int attempt = 0; attempt < 5; ++attempt) {
    const FailedStart same_dir = RunToExit(data, {});
    INFO(same_dir.log);
    CHECK(same_dir.exit_code == 1);
    CHECK(absl::StrContains(same_dir.log, "lock"));
  }
  struct stat after;
  REQUIRE(::stat((data + "/LOG").c_str(), &after) == 0);
  CHECK(after.st_ino == before.st_ino);
  CHECK(first.network->ListLocations(Deadline().get(), {}, &listed).ok());
}

}  // namespace omnistock::testing
