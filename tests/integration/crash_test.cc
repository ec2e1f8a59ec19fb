// SIGKILL under load, then a restart: every acknowledged reservation and receipt is there. And
// a write-ahead log damaged before its end stops the restart, with the way out named.
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_format.h"
#include "catch2/catch.hpp"
#include "omnistock/v1/store_sales.grpc.pb.h"
#include "omnistock/v1/warehouse.grpc.pb.h"
#include "tests/integration/server_process.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wal_file.h"

namespace omnistock::testing {
namespace {

constexpr int kSkus = 20;
constexpr int64_t kInitialStock = 1'000'000;

std::string SkuName(int i) { return "SKU-" + std::to_string(i); }

struct Acknowledged {
  std::mutex mu;
  std::map<std::string, v1::Reservation> reservations;  // id -> acknowledged content
  std::map<std::string, int64_t> received;              // sku -> units acknowledged
  std::map<std::string, int64_t> attempted_receipts;    // sku -> units sent at all
};

// A datagram socket standing in for a service manager's notification socket (systemd's
// NOTIFY_SOCKET), bound in a directory the test owns.
class NotifySocket {
 public:
  explicit NotifySocket(std::string path) : path_(std::move(path)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    REQUIRE(path_.size() < sizeof(address.sun_path));
    path_.copy(address.sun_path, path_.size());
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  }
  ~NotifySocket() { ::close(fd_); }

  const std::string& path() const { return path_; }

  // The next message, or "" when none came within `timeout_ms`.
  std::string Receive(int timeout_ms = 10'000) {
    pollfd ready{fd_, POLLIN, 0};
    if (::poll(&ready, 1, timeout_ms) != 1) return "";
    char message[4096];
    const ssize_t size = ::recv(fd_, message, sizeof(message), 0);
    return size > 0 ? std::string(message, static_cast<size_t>(size)) : "";
  }

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace

TEST_CASE("SIGKILL under load loses no acknowledged reservation or receipt") {
  TempDir dir;
  const std::string data = dir.Sub("data");
  Acknowledged acked;
  {
    ServerProcess server(data);
    AddLocation(*server.network(), "ST-1");
    AddLocation(*server.network(), "WH-1", v1::WAREHOUSE);
    for (int s = 0; s < kSkus; ++s) {
      ReceiveStock(*server.inventory(), "ST-1", SkuName(s), kInitialStock);
      ReceiveStock(*server.inventory(), "WH-1", SkuName(s), kInitialStock);
    }

    constexpr int kWriters = 8;
    std::atomic<bool> stop{false};
    std::atomic<int> acknowledged{0};
    std::vector<std::thread> writers;
    for (int w = 0; w < kWriters; ++w) {
      writers.emplace_back([&, w] {
        auto channel = grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials());
        auto reservations = v1::Reservations::NewStub(channel);
        auto inventory = v1::Inventory::NewStub(channel);
        // Bounded: at most 5,000 calls per writer, and the kill ends it sooner.
        for (int i = 0; i < 5000 && !stop; ++i) {
          const std::string sku = SkuName((w * 7 + i) % kSkus);
          if (i % 5 == 4) {
            {
              std::lock_guard<std::mutex> lock(acked.mu);
              acked.attempted_receipts[sku] += 3;
            }
            v1::ReceiveRequest request;
            request.set_location_id("ST-1");
            request.set_sku(sku);
            request.set_quantity(3);
            v1::PositionView response;
            if (inventory->Receive(Deadline(5).get(), request, &response).ok()) {
              std::lock_guard<std::mutex> lock(acked.mu);
              acked.received[sku] += 3;
              acknowledged++;
            }
            continue;
          }
          const std::string id = "w" + std::to_string(w) + "-" + std::to_string(i);
          v1::ReserveRequest request =
              ReserveOf(id, {{sku, "ST-1", 1 + i % 3}, {SkuName((i + 1) % kSkus), "WH-1", 1}});
          request.mutable_ttl()->set_seconds(3600);
          v1::Reservation response;
          if (reservations->Reserve(Deadline(5).get(), request, &response).ok()) {
            std::lock_guard<std::mutex> lock(acked.mu);
            acked.reservations[id] = response;
            acknowledged++;
          }
        }
      });
    }
    // Kill in the middle of the load, once a good number of calls were acknowledged.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (acknowledged < 1500 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    server.Kill();
    stop = true;
    for (auto& writer : writers) writer.join();
  }
  INFO("acknowledged reservations: " << acked.reservations.size());
  REQUIRE(acked.reservations.size() >= 500);

  // omnistockd checks its invariants at start-up and refuses to serve inconsistent state.
  ServerProcess restarted(data);
  auto reservations = restarted.reservations();
  auto inventory = restarted.inventory();
  std::map<std::string, int64_t> held_at_store;
  for (const auto& [id, expected] : acked.reservations) {
    v1::Reservation actual;
    grpc::Status status = reservations->GetReservation(Deadline().get(), Ref(id), &actual);
    INFO("reservation " << id);
    REQUIRE(status.ok());
    CHECK(actual.state() == v1::HELD);
    CHECK(actual.SerializeAsString() == expected.SerializeAsString());
    held_at_store[expected.lines(0).sku()] += expected.lines(0).quantity();
  }
  for (int s = 0; s < kSkus; ++s) {
    const std::string sku = SkuName(s);
    const v1::PositionView position = PositionOf(*inventory, sku, "ST-1");
    INFO("position " << sku);
    // Every acknowledged receipt is there; an unacknowledged one may or may not be.
    CHECK(position.on_hand() >= kInitialStock + acked.received[sku]);
    CHECK(position.on_hand() <= kInitialStock + acked.attempted_receipts[sku]);
    CHECK(position.reserved() >= held_at_store[sku]);
  }
}

// A checkout's whole life and the tills' sales under SIGKILL: after the restart, each reservation
// is in the last state a call acknowledged, or the one the call in flight at the kill would have
// made; each acknowledged sale is there (sent again, it is a duplicate).
TEST_CASE("SIGKILL mid-checkout loses no acknowledged confirm, release, fulfil or till sale") {
  TempDir dir;
  const std::string data = dir.Sub("data");
  struct Life {
    v1::ReservationState acknowledged = v1::RESERVATION_STATE_UNSPECIFIED;  // none yet
    v1::ReservationState in_flight = v1::RESERVATION_STATE_UNSPECIFIED;     // sent, unanswered
  };
  std::mutex mu;
  std::map<std::string, Life> lives;
  std::vector<v1::RecordSaleRequest> sales;  // acknowledged
  {
    ServerProcess server(data);
    AddLocation(*server.network(), "ST-1");
    for (int s = 0; s < kSkus; ++s) ReceiveStock(*server.inventory(), "ST-1", SkuName(s), 100'000);
    std::atomic<bool> stop{false};
    std::atomic<int> acknowledged{0};
    std::vector<std::thread> writers;
    for (int w = 0; w < 6; ++w) {
      writers.emplace_back([&, w] {
        auto channel = grpc::CreateChannel(server.address(), grpc::InsecureChannelCredentials());
        auto reservations = v1::Reservations::NewStub(channel);
        auto till = v1::StoreSales::NewStub(channel);
        // Bounded: at most 2,000 checkouts per writer, and the kill ends it sooner.
        for (int i = 0; i < 2000 && !stop; ++i) {
          const std::string id = "c" + std::to_string(w) + "-" + std::to_string(i);
          const std::string sku = SkuName((w * 3 + i) % kSkus);
          // Each step: note what it would make, call, and note it acknowledged if it was.
          auto step = [&](v1::ReservationState next, auto call) {
            {
              std::lock_guard<std::mutex> lock(mu);
              lives[id].in_flight = next;
            }
            v1::Reservation answer;
            if (!call(answer).ok()) return false;
            std::lock_guard<std::mutex> lock(mu);
            lives[id].acknowledged = next;
            acknowledged++;
            return true;
          };
          v1::ReserveRequest order = ReserveOf(id, {{sku, "ST-1", 1}});
          order.mutable_ttl()->set_seconds(3600);
          if (!step(v1::HELD,
                    [&](v1::Reservation& r) {
                      return reservations->Reserve(Deadline(5).get(), order, &r);
                    }) ||
              !step(v1::CONFIRMED, [&](v1::Reservation& r) {
                return reservations->Confirm(Deadline(5).get(), Ref(id), &r);
              })) {
            continue;
          }
          if (i % 5 == 0) {
            step(v1::RELEASED, [&](v1::Reservation& r) {
              return reservations->Release(Deadline(5).get(), Ref(id), &r);
            });
          } else {
            step(v1::FULFILLED, [&](v1::Reservation& r) {
              return reservations->Fulfill(Deadline(5).get(), Ref(id), &r);
            });
          }
          if (i % 3 != 0) continue;
          v1::RecordSaleRequest sale;
          sale.set_location_id("ST-1");
          sale.set_terminal_id("till-" + std::to_string(w));
          sale.set_pos_transaction_id("t" + std::to_string(i));
          v1::PosLine* line = sale.add_lines();
          line->set_sku(sku);
          line->set_quantity(1);
          v1::PosResult result;
          if (till->RecordSale(Deadline(5).get(), sale, &result).ok()) {
            std::lock_guard<std::mutex> lock(mu);
            sales.push_back(sale);
            acknowledged++;
          }
        }
      });
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (acknowledged < 2000 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    server.Kill();
    stop = true;
    for (auto& writer : writers) writer.join();
  }
  REQUIRE(lives.size() >= 300);
  REQUIRE(sales.size() >= 50);

  ServerProcess restarted(data);
  auto reservations = restarted.reservations();
  int settled = 0;
  for (const auto& [id, life] : lives) {
    v1::Reservation actual;
    const grpc::Status status = reservations->GetReservation(Deadline().get(), Ref(id), &actual);
    INFO("reservation " << id << ": acknowledged " << life.acknowledged << ", in flight "
                        << life.in_flight);
    if (life.acknowledged == v1::RESERVATION_STATE_UNSPECIFIED) {
      // Never acknowledged: held (durable, the answer lost to the kill) or not there at all.
      CHECK((status.error_code() == grpc::StatusCode::NOT_FOUND || actual.state() == v1::HELD));
      continue;
    }
    REQUIRE(status.ok());
    CHECK((actual.state() == life.acknowledged || actual.state() == life.in_flight));
    if (actual.state() == v1::FULFILLED || actual.state() == v1::RELEASED) ++settled;
  }
  CHECK(settled > 0);
  auto till = v1::StoreSales::NewStub(restarted.channel());
  for (const v1::RecordSaleRequest& sale : sales) {
    v1::PosResult result;
    INFO("sale " << sale.terminal_id() << "/" << sale.pos_transaction_id());
    REQUIRE(till->RecordSale(Deadline().get(), sale, &result).ok());
    CHECK(result.duplicate());
  }
}

TEST_CASE("a write-ahead log damaged before its end stops omnistockd until the operator chooses") {
  TempDir dir;
  const std::string data = dir.Sub("data");
  constexpr int kReceipts = 20;
  uint64_t seen = 0;  // the last receipt's sequence, as a watcher would have had it
  {
    ServerProcess server(data);
    AddLocation(*server.network(), "WH-1", v1::WAREHOUSE);
    // One at a time: each its own group commit, its own record in the log.
    for (int i = 0; i < kReceipts; ++i) ReceiveStock(*server.inventory(), "WH-1", "SKU-A", 1);
    seen = PositionOf(*server.inventory(), "SKU-A", "WH-1").last_sequence();
    server.Kill();
  }
  const std::string wal = WalFile(data);
  const std::vector<uint64_t> records = WalRecordOffsets(wal);
  REQUIRE(records.size() == kReceipts + 1);  // the location's, then the receipts'
  DamageWalRecord(wal, records[11]);         // the eleventh receipt's

  const FailedStart refused = RunToExit(data, {});
  INFO(refused.log);
  CHECK(refused.exit_code == 1);
  CHECK(absl::StrContains(refused.log, "DATA_LOSS"));
  CHECK(absl::StrContains(refused.log, "--wal_recovery=point_in_time"));

  v1::WatchRequest after_seen;
  after_seen.add_skus("SKU-A");
  after_seen.set_resume_after_sequence(seen);
  // A watcher that saw the dropped receipts is told to reload: its figures hold them. So is a
  // reader of the journal that paged past them.
  auto told_to_reload = [&](const ServerProcess& server) {
    const grpc::Status status =
        RefusedWatch(*v1::Availability::NewStub(server.channel()), after_seen);
    INFO(status.error_message());
    CHECK(status.error_code() == grpc::StatusCode::DATA_LOSS);
    CHECK(absl::StrContains(status.error_message(), "reload them with GetAvailability"));
    v1::ListMovementsRequest page;
    page.set_after_sequence(seen);
    v1::ListMovementsResponse movements;
    const grpc::Status listed =
        server.inventory()->ListMovements(Deadline().get(), page, &movements);
    INFO(listed.error_message());
    CHECK(listed.error_code() == grpc::StatusCode::DATA_LOSS);
    CHECK(absl::StrContains(listed.error_message(), "after_sequence " + std::to_string(seen)));
  };
  // The ten receipts before the damage; the ten after it are gone, as the flag says.
  {
    ServerProcess recovered(data, {"--wal_recovery=point_in_time"});
    const v1::PositionView kept = PositionOf(*recovered.inventory(), "SKU-A", "WH-1");
    CHECK(kept.on_hand() == 10);
    REQUIRE(kept.last_sequence() < seen);
    told_to_reload(recovered);
    auto availability = v1::Availability::NewStub(recovered.channel());
    // One that saw only what was kept resumes, and the next change comes after every sequence
    // the dropped receipts had: none is given to another change.
    v1::WatchRequest after_kept = after_seen;
    after_kept.set_resume_after_sequence(kept.last_sequence());
    auto context = Deadline(20);
    auto stream = availability->Watch(context.get(), after_kept);
    ReceiveStock(*recovered.inventory(), "WH-1", "SKU-A", 1);
    v1::AvailabilityUpdate update;
    REQUIRE(stream->Read(&update));
    CHECK(update.sequence() > seen);
    CHECK(update.on_hand() == 11);
    context->TryCancel();
    recovered.Kill();
  }
  // That start left no damaged log behind: the next one needs no flag, and keeps the gap.
  ServerProcess next(data);
  CHECK(PositionOf(*next.inventory(), "SKU-A", "WH-1").on_hand() == 11);
  told_to_reload(next);
}

TEST_CASE("acknowledged writes that a damaged log hides from RocksDB stop omnistockd's start") {
  TempDir dir;
  const std::string data = dir.Sub("data");
  constexpr int kReceipts = 20;
  {
    ServerProcess server(data);
    AddLocation(*server.network(), "WH-1", v1::WAREHOUSE);
    for (int i = 0; i < kReceipts; ++i) ReceiveStock(*server.inventory(), "WH-1", "SKU-A", 1);
    const std::string acknowledged =
        std::to_string(PositionOf(*server.inventory(), "SKU-A", "WH-1").last_sequence()) + "\n";
    // The durable floor follows within about a second.
    std::string floor;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (floor != acknowledged && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      std::ifstream in(data + "/DURABLE_SEQUENCE");
      floor.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }
    REQUIRE(floor == acknowledged);
    server.Kill();
  }
  // The log cut at a record's boundary: RocksDB reads a clean end, as after the last write, and
  // would drop the ten receipts after it without a word.
  const std::string wal = WalFile(data);
  const std::vector<uint64_t> records = WalRecordOffsets(wal);
  REQUIRE(records.size() == kReceipts + 1);  // the location's, then the receipts'
  std::filesystem::resize_file(wal, records[11]);

  const FailedStart refused = RunToExit(data, {});
  INFO(refused.log);
  CHECK(refused.exit_code == 1);
  CHECK(absl::StrContains(refused.log, "DATA_LOSS"));
  CHECK(absl::StrContains(refused.log, "DURABLE_SEQUENCE"));
  CHECK(absl::StrContains(refused.log, "--wal_recovery=point_in_time"));
  // Refused again, not served, however often it is started.
  CHECK(RunToExit(data, {}).exit_code == 1);

  // The operator's choice: the ten receipts before the cut.
  ServerProcess recovered(data, {"--wal_recovery=point_in_time"});
  CHECK(PositionOf(*recovered.inventory(), "SKU-A", "WH-1").on_hand() == 10);
}

TEST_CASE(
    "omnistockd refuses a --wal_recovery, --expiry_interval, --log_level, storage bound, shutdown "
    "grace, retention, listen address or argument it cannot use") {
  TempDir dir;
  const std::pair<const char*, const char*> kRefused[] = {
      {"--wal_recovery=lenient", "--wal_recovery must be strict or point_in_time, got 'lenient'"},
      {"--expiry_interval=0", "--expiry_interval must be from 1ms to 1m (reads count a hold"},
      {"--expiry_interval=2m", "--expiry_interval must be from 1ms to 1m"},
      // spdlog reads a level it does not know as "off", which would start a silent server.
      {"--log_level=verbose",
       "--log_level must be trace, debug, info, warn, error, critical or off, got 'verbose'"},
      {"--commit_backlog_max=0", "--commit_backlog_max must be at least 1"},
      {"--storage_stall=10ms", "--storage_stall must be from 100ms to 1h"},
      {"--storage_stall=inf", "--storage_stall must be from 100ms to 1h"},
      {"--shutdown_grace=-5s", "--shutdown_grace must be from 0 to 1h"},
      {"--shutdown_grace=inf", "got inf"},
      {"--idempotency_retention=inf", "idempotency_retention must be at most 8784h"},
      {"extra_positional",
       "omnistockd takes flags only (--help lists them), not 'extra_positional'"},
      // gRPC would serve on 34463 (99999 modulo 65536), and on 443 without a port.
      {"--listen=127.0.0.1:99999", "--listen '127.0.0.1:99999' is not HOST:PORT with PORT from 0"},
      {"--listen=127.0.0.1", "--listen '127.0.0.1' is not HOST:PORT"},
      {"--listen=127.0.0.1:", "--listen '127.0.0.1:' is not HOST:PORT"},
      {"--metrics_listen=127.0.0.1:65536", "--metrics_listen '127.0.0.1:65536' is not HOST:PORT"},
  };
  for (const auto& [flag, message] : kRefused) {
    const FailedStart refused = RunToExit(dir.Sub("data"), {flag});
    INFO(flag << ": " << refused.log);
    CHECK(refused.exit_code == 1);
    CHECK(absl::StrContains(refused.log, message));
  }
}

TEST_CASE("omnistockd --help and --version answer, exit 0 and start nothing") {
  TempDir dir;
  const FailedStart help = RunToExit(dir.Sub("data"), {"--help"});
  INFO(help.log);
  CHECK(help.exit_code == 0);
  CHECK(absl::StrContains(help.log, "omnistockd: the omnistock inventory and order-fulfilment"));
  CHECK(absl::StrContains(help.log, "--data_dir"));
  const FailedStart version = RunToExit(dir.Sub("data"), {"--version"});
  CHECK(version.exit_code == 0);
  // --only_check_args: omnistockd's own checks too, then no start.
  CHECK(RunToExit(dir.Sub("data"), {"--only_check_args"}).exit_code == 0);
  const FailedStart checked = RunToExit(dir.Sub("data"), {"--only_check_args", "--watchers_max=0"});
  CHECK(checked.exit_code == 1);
  CHECK(absl::StrContains(checked.log, "--watchers_max must be from 1"));
  const FailedStart bad_listen =
      RunToExit(dir.Sub("data"), {"--only_check_args", "--listen=127.0.0.1:99999"});
  CHECK(bad_listen.exit_code == 1);
  CHECK(absl::StrContains(bad_listen.log, "--listen '127.0.0.1:99999' is not HOST:PORT"));
  // One port for both servers: refused before the data directory is touched, checked or not.
  for (const bool check_only : {true, false}) {
    std::vector<std::string> flags = {"--listen=127.0.0.1:50499",
                                      "--metrics_listen=localhost:50499"};
    if (check_only) flags.push_back("--only_check_args");
    const FailedStart same_port = RunToExit(dir.Sub("data"), flags);
    INFO(same_port.log);
    CHECK(same_port.exit_code == 1);
    CHECK(absl::StrContains(
        same_port.log, "--metrics_listen 'localhost:50499' is --listen's port: give it another"));
  }
  CHECK(absl::StartsWith(version.log, "omnistockd "));
  CHECK_FALSE(std::filesystem::exists(dir.Sub("data")));
}

// Every position of the demo network's SKUs: (sku, location) -> on_hand, safety stock.
std::map<std::pair<std::string, std::string>, std::pair<int64_t, int64_t>> DemoStock(
    const ServerProcess& server) {
  v1::GetAvailabilityRequest request;
  for (int i = 1; i <= 300; ++i) request.add_skus(absl::StrFormat("SKU-%05d", i));
  v1::GetAvailabilityResponse response;
  const grpc::Status status =
      server.inventory()->GetAvailability(Deadline().get(), request, &response);
  INFO(status.error_message());
  REQUIRE(status.ok());
  std::map<std::pair<std::string, std::string>, std::pair<int64_t, int64_t>> stock;
  for (const v1::PositionView& p : response.positions()) {
    if (p.on_hand() != 0 || p.safety_stock() != 0) {
      stock[{p.sku(), p.location_id()}] = {p.on_hand(), p.safety_stock()};
    }
  }
  return stock;
}

TEST_CASE("a demo seeding cut short is finished by the next start, never doubled") {
  // What a kill during the seeding leaves (the seeding takes about 50 ms, too short to aim a
  // kill at): the mark of a seeding under way, the locations and part of the stock.
  const TempDir fresh_dir;
  ServerProcess fresh(fresh_dir.Sub("data"), {"--demo"});
  const auto expected = DemoStock(fresh);
  REQUIRE(expected.size() > 1000);
  v1::ListLocationsResponse locations;
  REQUIRE(fresh.network()
              ->ListLocations(Deadline().get(), v1::ListLocationsRequest(), &locations)
              .ok());

  TempDir dir;
  const std::string data = dir.Sub("data");
  {
    ServerProcess partial(data);
    for (const v1::Location& location : locations.locations()) {
      v1::UpsertLocationRequest request;
      *request.mutable_location() = location;
      v1::Location response;
      REQUIRE(partial.network()->UpsertLocation(Deadline().get(), request, &response).ok());
    }
    size_t stocked = 0;
    for (const auto& [position, stock] : expected) {
      if (stocked++ == expected.size() / 2) break;
      ReceiveStock(*partial.inventory(), position.second, position.first, stock.first);
    }
    REQUIRE(partial.Terminate() == 0);
  }
  const std::filesystem::path mark = std::filesystem::path(data) / "DEMO-SEEDING";
  std::ofstream(mark).flush();

  // Without --demo the server refuses to start (orders would change what the finish takes for
  // its own), and says how to go on. It got as far as removing an earlier run's ready file.
  const std::string stale_ready_file = dir.Sub("ready");
  std::ofstream(stale_ready_file) << "127.0.0.1:1\n";
  const FailedStart refused = RunToExit(data, {"--ready_file=" + stale_ready_file});
  CHECK(refused.exit_code == 1);
  CHECK_THAT(refused.log, Catch::Contains("was cut short") && Catch::Contains("--demo"));
  CHECK(std::filesystem::exists(mark));
  CHECK_FALSE(std::filesystem::exists(stale_ready_file));

  ServerProcess finished(data, {"--demo"});
  CHECK_FALSE(std::filesystem::exists(mark));
  CHECK(DemoStock(finished) == expected);
  CHECK(finished.Terminate() == 0);
  // Once finished, a start with --demo changes nothing.
  ServerProcess again(data, {"--demo"});
  CHECK(DemoStock(again) == expected);
}

TEST_CASE("omnistockd's ready file is its own: kept by a second start, removed when it stops") {
  TempDir dir;
  const std::string data = dir.Sub("data");
  ServerProcess server(data);
  const std::string own = data + ".ready";
  REQUIRE(std::filesystem::exists(own));
  // A second start on the same data directory (and ready file) is refused without touching it.
  const FailedStart second = RunToExit(data, {"--ready_file=" + own});
  CHECK(second.exit_code == 1);
  CHECK(std::filesystem::exists(own));
  CHECK(server.Terminate() == 0);
  CHECK_FALSE(std::filesystem::exists(own));
  // A hangup drains as SIGTERM does.
  ServerProcess hung_up(data);
  CHECK(hung_up.Terminate(SIGHUP) == 0);
  CHECK_FALSE(std::filesystem::exists(own));
}

TEST_CASE("a second stop signal ends a drain held by a call that does not end, at once") {
  TempDir dir;
  const std::string data = dir.Sub("data");
  ServerProcess server(data, {"--shutdown_grace=120s"});
  AddLocation(*server.network(), "S1");
  // A count stream left open: the drain would wait for it up to the grace.
  auto warehouse = v1::Warehouse::NewStub(server.channel());
  grpc::ClientContext context;
  v1::SyncCountsSummary summary;
  auto stream = warehouse->SyncCounts(&context, &summary);
  v1::CountBatch batch;
  v1::CountRow* row = batch.add_rows();
  row->set_location_id("S1");
  row->set_sku("A");
  row->set_counted_quantity(3);
  row->mutable_counted_at()->set_seconds(absl::ToUnixSeconds(absl::Now()));
  REQUIRE(stream->Write(batch));
  // Applied (and acknowledged to nobody yet) once the position reads 3.
  for (int i = 0; i < 200 && PositionOf(*server.inventory(), "A", "S1").on_hand() != 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE(PositionOf(*server.inventory(), "A", "S1").on_hand() == 3);

  server.Signal(SIGTERM);
  // Draining once the ready file is gone.
  for (int i = 0; i < 500 && std::filesystem::exists(data + ".ready"); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  REQUIRE_FALSE(std::filesystem::exists(data + ".ready"));
  // A stop within a second of the first is taken for the same one delivered twice.
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  // Not the drain's clean 0 after the grace: at once, as a stop during the start does.
  CHECK(server.Terminate(SIGTERM) == 128 + SIGTERM);
  context.TryCancel();
  stream->Finish();

  // The count was applied before the stop; it was never acknowledged, and either way nothing
  // acknowledged is lost: the server starts again.
  ServerProcess again(data);
  CHECK(again.Terminate() == 0);
}

TEST_CASE("under systemd (Type=notify) omnistockd says when it serves, and when it stops") {
  TempDir dir;
  NotifySocket manager(dir.Sub("notify"));
  const std::string data = dir.Sub("data");
  ServerProcess server(data, {}, {"NOTIFY_SOCKET=" + manager.path()});
  // A status while it recovers, then ready once it serves, naming where.
  CHECK(manager.Receive() == "STATUS=recovering the ledger from " + data);
  CHECK(manager.Receive() ==
        "READY=1\nSTATUS=serving omnistock.v1 on " + server.address() + " with data in " + data);
  AddLocation(*server.network(), "S1");  // serving, as it said
  // Stopping as the drain begins, and nothing after it.
  CHECK(server.Terminate() == 0);
  CHECK(manager.Receive() ==
        "STOPPING=1\nSTATUS=draining in-flight calls, then writing what was applied");
  CHECK(manager.Receive(0) == "");  // it has exited: all it sent is here
}

}  // namespace omnistock::testing
