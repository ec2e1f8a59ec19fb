// One omnistockd: opens the store, recovers the ledger from it (seeding the demo network into
// an empty one when asked), and serves the gRPC API with health checking and reflection.
//
// Thread-safety: Start, Shutdown and the destructor are for the owning thread; Sweep and
// SetNotServing may run on any thread.
#ifndef OMNISTOCK_SERVICES_SERVER_H_
#define OMNISTOCK_SERVICES_SERVER_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/ledger.h"
#include "engine/limits.h"
#include "engine/routing/routing_config.h"
#include "grpcpp/grpcpp.h"
#include "services/availability_service.h"
#include "services/change_feed.h"
#include "services/clock.h"
#include "services/fulfillment_service.h"
#include "services/health_service.h"
#include "services/inventory_service.h"
#include "services/journal_readers.h"
#include "services/metrics.h"
#include "services/network_service.h"
#include "services/reservations_service.h"
#include "services/store_sales_service.h"
#include "services/warehouse_service.h"
#include "storage/committer.h"
#include "storage/durable_floor.h"
#include "storage/store.h"

namespace omnistock::services {

// The health service name that stays SERVING while the disk stalls (every other name, the
// server's own "" included, turns NOT_SERVING then): for a liveness probe, which should restart
// the process after a storage failure, not while it waits for a disk that may come back.
inline constexpr char kLivenessHealthService[] = "omnistock.liveness";

struct ServerOptions {
  std::string listen = "127.0.0.1:50051";  // port 0 picks a free port
  std::string data_dir = "./var/data";
  // Seed the demo network when the data dir holds none, or finish a seeding cut short.
  bool demo = false;
  std::string metrics_listen;  // host:port of the Prometheus endpoint; empty: none
  // The file the caller writes the bound address to once serving (omnistockd --ready_file;
  // empty: none). An earlier run's is removed as soon as the data directory is this server's,
  // so that it never says "ready" for a server still recovering.
  std::string ready_file;
  // What to do with a write-ahead log damaged before its end (storage::WalRecovery).
  storage::WalRecovery wal_recovery = storage::WalRecovery::kStrict;
  // RocksDB's environment; null: the default (tests inject a failing file system).
  rocksdb::Env* env = nullptr;
  // How long settled reservations, recorded till transactions and received transfers are kept
  // (for idempotent retries and re-uploads) before they are forgotten; at least
  // kIdempotencyRetentionMin.
  absl::Duration idempotency_retention = kIdempotencyRetentionDefault;
  // Writes are refused (UNAVAILABLE) while this many applied changes wait for the disk.
  uint64_t commit_backlog_max = storage::kCommitBacklogMaxDefault;
  // Watches of the change feed at once (each may hold kWatchBufferMax unread updates); more are
  // refused RESOURCE_EXHAUSTED.
  size_t watchers_max = kWatchersMaxDefault;
  // Health turns NOT_SERVING while a storage write has taken this long, until it returns.
  absl::Duration storage_stall_max = absl::Seconds(5);
  // The routing cost model and rules (omnistockd --routing_config); must pass routing::Validate.
  routing::RoutingConfig routing_config;
};

// What Server::Start refuses of `options` before it touches anything (addresses, the
// retention), for omnistockd --only_check_args too. Whether the ports are free it asks later.
absl::Status CheckServerOptions(const ServerOptions& options);

class Server {
 public:
  // `clock` must outlive the server. `on_storage_failure` runs once, on the committer thread,
  // when a write fails: the server has then stopped acknowledging writes and must exit.
  static absl::StatusOr<std::unique_ptr<Server>> Start(
      const ServerOptions& options, const Clock* clock,
      std::function<void(const absl::Status&)> on_storage_failure);
  ~Server();

  // host:port actually bound.
  const std::string& address() const { return address_; }

  // Expires due HELD reservations and forgets terminal ones past the retention, and checks that
  // the storage answers (health NOT_SERVING while a write has taken storage_stall_max); called
  // by a timer.
  void Sweep();
  // Health turns NOT_SERVING for every service, for good (shutdown, a storage failure).
  void SetNotServing();
  // Whether a storage write has failed (omnistockd then exits with its own code).
  bool storage_failed() const { return committer_ != nullptr && committer_->failed(); }
  // Stops accepting calls, lets in-flight ones finish (at most `grace`), then makes every
  // applied change durable. Once the storage has failed (before or during the drain), the calls
  // still open get a second at most, then are cancelled: nothing more can be made durable.
  void Shutdown(absl::Duration grace);

  Ledger& ledger() { return *ledger_; }
  // Hands the ledger over, once Shutdown has returned: omnistockd leaves it to the operating
  // system at exit, since freeing a large ledger row by row takes seconds and gives nothing
  // back. The server must be destroyed before the ledger.
  std::unique_ptr<Ledger> ReleaseLedger() { return std::move(ledger_); }

 private:
  Server() = default;

  // Health follows a stalled storage write (Sweep).
  void WatchStorage();
  // Run beside a drain of at most `grace` (Shutdown): once the storage fails, the calls still
  // open get kStorageFailureGrace, then are cancelled. Returns when the drain is over.
  void CancelCallsOnStorageFailure(absl::Duration grace);

  const Clock* clock_ = nullptr;
  absl::Duration idempotency_retention_ = kIdempotencyRetentionDefault;
  absl::Mutex health_mu_;
  bool serving_ ABSL_GUARDED_BY(health_mu_) = true;  // false once SetNotServing
  bool stalled_ ABSL_GUARDED_BY(health_mu_) = false;
  absl::Mutex drain_mu_;
  bool drained_ ABSL_GUARDED_BY(drain_mu_) = false;  // Shutdown's calls have all finished
  std::unique_ptr<storage::Store> store_;
  ChangeFeed feed_;
  std::unique_ptr<storage::Committer> committer_;
  std::unique_ptr<Ledger> ledger_;
  // After the committer whose durable sequence it records.
  std::unique_ptr<storage::DurableFloorWriter> durable_floor_;
  // After the store, committer and ledger its reads use, before the calls that post them.
  std::unique_ptr<JournalReaders> journal_readers_;
  std::unique_ptr<NetworkService> network_;
  std::unique_ptr<InventoryService> inventory_;
  std::unique_ptr<ReservationsService> reservations_;
  std::unique_ptr<StoreSalesService> store_sales_;
  std::unique_ptr<AvailabilityService> availability_;
  std::unique_ptr<WarehouseService> warehouse_;
  std::unique_ptr<FulfillmentService> fulfillment_;
  std::unique_ptr<HealthService> health_;
  // After the ledger and committer it reads, before the gRPC server whose interceptors use it.
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<grpc::Server> grpc_;
  std::string address_;
  bool shut_down_ = false;
};

}  // namespace omnistock::services

#endif  // OMNISTOCK_SERVICES_SERVER_H_
