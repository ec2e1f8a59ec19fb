#include "services/server.h"

#include <fcntl.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <system_error>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "engine/limits.h"
#include "engine/routing/local_day.h"
#include "grpc/grpc.h"
#include "grpcpp/ext/proto_server_reflection_plugin.h"
#include "services/address.h"
#include "services/demo_network.h"
#include "spdlog/spdlog.h"

namespace omnistock::services {
namespace {

// HOST:PORT, PORT from 0 (any free port) to 65535. gRPC would take a port past 65535 modulo
// 65536 and a missing one as 443, and serve there.
absl::Status CheckListen(absl::string_view flag, const std::string& listen) {
  const std::string port = PortOf(listen);
  int number = -1;
  if (port.empty() || HostOf(listen).empty() || port.size() > 5 ||
      !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; }) ||
      !absl::SimpleAtoi(port, &number) || number > 65535) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", flag, " '", listen,
                     "' is not HOST:PORT with PORT from 0 (any free port) to 65535, e.g. "
                     "127.0.0.1:50051"));
  }
  return absl::OkStatus();
}

// Refuses `listen` (HOST:PORT, as CheckListen takes it) if another socket already listens
// there, before the start spends its recovery on a port it cannot have. Only that: whatever
// else binding may say is left to gRPC (or the metrics server), which says it then.
absl::Status CheckPortFree(absl::string_view flag, const std::string& listen) {
  const std::string host = Unbracketed(HostOf(listen));
  const std::string port = PortOf(listen);
  if (port == "0") return absl::OkStatus();
  // Whether every address `name` resolves to is taken (false when none could be tried).
  auto all_in_use = [&port](const std::string& name) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* addresses = nullptr;
    if (::getaddrinfo(name.c_str(), port.c_str(), &hints, &addresses) != 0) return false;
    int tried = 0, in_use = 0;
    for (const addrinfo* a = addresses; a != nullptr; a = a->ai_next) {
      const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
      if (fd < 0) continue;
      const int on = 1;
      ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));  // as gRPC binds
      ++tried;
      if (::bind(fd, a->ai_addr, a->ai_addrlen) != 0 && errno == EADDRINUSE) ++in_use;
      ::close(fd);
    }
    ::freeaddrinfo(addresses);
    return tried > 0 && in_use == tried;
  };
  // gRPC serves a wildcard on IPv4 alone when the IPv6 one is taken.
  const bool in_use = all_in_use(host) && (host != "::" || all_in_use("0.0.0.0"));
  if (!in_use) return absl::OkStatus();
  return absl::UnavailableError(
      absl::StrCat("cannot listen on '", listen, "' (--", flag,
                   "): the address is in use (another omnistockd, or another program, listens "
                   "there); nothing was opened"));
}

// The mark of a demo seeding under way, in the data directory: made durable before the
// seeding's first change and removed, durably, once its last one is durable. A start that finds
// it knows the seeding was cut short (a kill, a crash) and finishes it (SeedDemoNetwork).
constexpr char kDemoSeedingMark[] = "DEMO-SEEDING";

// How long the calls in flight may take to finish once the storage has failed, before they are
// cancelled, and how often a drain looks for a failure (Server::Shutdown).
constexpr absl::Duration kStorageFailureGrace = absl::Seconds(1);
constexpr absl::Duration kStorageFailurePoll = absl::Milliseconds(50);

// Makes (`present`) or removes the file `path`, and syncs its directory so that the change
// survives a crash.
absl::Status SetMark(const std::filesystem::path& path, bool present) {
  if (present) {
    const int fd = ::open(path.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0644);
    if (fd < 0 || ::fsync(fd) != 0) {
      const int error = errno;
      if (fd >= 0) ::close(fd);
      return absl::ErrnoToStatus(error, absl::StrCat("cannot write ", path.string()));
    }
    ::close(fd);
  } else if (::unlink(path.c_str()) != 0 && errno != ENOENT) {
    return absl::ErrnoToStatus(errno, absl::StrCat("cannot remove ", path.string()));
  }
  const std::filesystem::path dir = path.parent_path();
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd < 0 || ::fsync(dir_fd) != 0) {
    const int error = errno;
    if (dir_fd >= 0) ::close(dir_fd);
    return absl::ErrnoToStatus(error, absl::StrCat("cannot sync ", dir.string()));
  }
  ::close(dir_fd);
  return absl::OkStatus();
}

}  // namespace

absl::Status CheckServerOptions(const ServerOptions& options) {
  if (absl::Status s = CheckListen("listen", options.listen); !s.ok()) return s;
  if (!options.metrics_listen.empty()) {
    if (absl::Status s = CheckListen("metrics_listen", options.metrics_listen); !s.ok()) return s;
    // One port for both: whichever binds second fails, after the recovery.
    const std::string port = PortOf(options.listen);
    const bool wildcard = [&options] {
      for (const std::string& host : {HostOf(options.listen), HostOf(options.metrics_listen)}) {
        if (host == "0.0.0.0" || host == "[::]" || host == "::" || host == "localhost") return true;
      }
      return false;
    }();
    if (port != "0" && port == PortOf(options.metrics_listen) &&
        (wildcard || HostOf(options.listen) == HostOf(options.metrics_listen))) {
      return absl::InvalidArgumentError(absl::StrCat("--metrics_listen '", options.metrics_listen,
                                                     "' is --listen's port: give it another"));
    }
  }
  if (options.idempotency_retention < kIdempotencyRetentionMin) {
    return absl::InvalidArgumentError(absl::StrCat(
        "idempotency_retention must be at least ", absl::FormatDuration(kIdempotencyRetentionMin),
        " (a routed order's capacity is recounted from its reservation after a restart), got ",
        absl::FormatDuration(options.idempotency_retention)));
  }
  if (options.idempotency_retention > kIdempotencyRetentionMax) {
    return absl::InvalidArgumentError(absl::StrCat(
        "idempotency_retention must be at most ", absl::FormatDuration(kIdempotencyRetentionMax),
        " (memory holds every settled reservation and till transaction for it), got ",
        absl::FormatDuration(options.idempotency_retention)));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<Server>> Server::Start(
    const ServerOptions& options, const Clock* clock,
    std::function<void(const absl::Status&)> on_storage_failure) {
  if (absl::Status s = CheckServerOptions(options); !s.ok()) return s;
  if (absl::Status s = CheckPortFree("listen", options.listen); !s.ok()) return s;
  if (!options.metrics_listen.empty()) {
    if (absl::Status s = CheckPortFree("metrics_listen", options.metrics_listen); !s.ok()) {
      return s;
    }
  }
  std::unique_ptr<Server> server(new Server());
  server->clock_ = clock;
  server->idempotency_retention_ = options.idempotency_retention;
  const absl::Time started = absl::Now();

  absl::StatusOr<std::unique_ptr<storage::Store>> store = storage::Store::Open(
      options.data_dir,
      storage::StoreOptions{.env = options.env, .wal_recovery = options.wal_recovery});
  if (!store.ok()) return store.status();
  server->store_ = std::move(*store);
  if (!options.ready_file.empty() && std::remove(options.ready_file.c_str()) != 0 &&
      errno != ENOENT) {
    return absl::ErrnoToStatus(
        errno, absl::StrCat("cannot remove the earlier ready file ", options.ready_file));
  }
  if (server->store_->created()) {
    // An unmounted volume or a mistyped --data_dir looks just like a first start.
    std::error_code ec;
    const std::filesystem::path where = std::filesystem::absolute(options.data_dir, ec);
    spdlog::warn(
        "'{}' held no database: created a new, empty one. If this server had data, stop it and "
        "check that its volume is mounted and --data_dir names it",
        ec ? options.data_dir : where.string());
  }
  if (server->store_->migrated_rows() > 0) {
    spdlog::info("moved {} rows of an older storage layout to their column families",
                 server->store_->migrated_rows());
  }
  ChangeFeed* feed = &server->feed_;
  server->committer_ = std::make_unique<storage::Committer>(
      *server->store_, std::move(on_storage_failure),
      [feed](const std::vector<Commit>& commits) { feed->Publish(commits); },
      options.commit_backlog_max, options.storage_stall_max);
  server->ledger_ = std::make_unique<Ledger>(server->committer_.get());
  server->ledger_->LimitTillTimeToRetention(options.idempotency_retention);
  if (absl::Status valid = routing::Validate(options.routing_config); !valid.ok()) return valid;
  server->ledger_->SetRoutingConfig(options.routing_config);

  absl::StatusOr<storage::LoadSummary> loaded = server->store_->LoadInto(*server->ledger_);
  if (!loaded.ok()) return loaded.status();
  server->feed_.SetPublished(loaded->last_sequence);
  server->committer_->SetRecoveredSequence(loaded->last_sequence);
  storage::Committer* committer = server->committer_.get();
  server->durable_floor_ = std::make_unique<storage::DurableFloorWriter>(
      options.data_dir, [committer] { return committer->durable_sequence(); },
      [](const absl::Status& status) {
        spdlog::warn("cannot record the durable sequence (tried again in a second): {}",
                     status.ToString());
      });
  if (loaded->pos_transactions_rekeyed > 0) {
    spdlog::info("moved {} till transactions to keys that name their store",
                 loaded->pos_transactions_rekeyed);
  }
  spdlog::info(
      "recovered {} locations, {} positions, {} reservations, {} till transactions and "
      "receipt or adjustment keys up to "
      "sequence {} in {}",
      loaded->locations, loaded->positions, loaded->reservations, loaded->pos_transactions,
      loaded->last_sequence, absl::FormatDuration(absl::Now() - started));
  if (const absl::Status& unread = server->store_->unread_floor(); !unread.ok()) {
    spdlog::warn(
        "the durable floor could not be read ({}): the sequence gap starts from the journal's "
        "end alone, and sequences acknowledged past it before the damage may be given again",
        unread.ToString());
  }
  if (const std::optional<SequenceGap>& gap = server->store_->recorded_gap()) {
    spdlog::warn(
        "the journal's sequences jump from {} to {}: a watch resuming after one in between "
        "(a movement this start may have dropped) is refused DATA_LOSS, to reload",
        gap->after, gap->before);
  }

  // Zones an earlier version took (a path, "localtime", "UTC0") that are not names of the tz
  // database: a routed order through such a location with a daily capacity is refused.
  for (const Location& location : server->ledger_->ListLocations()) {
    if (!location.timezone.empty() && !routing::LoadZone(location.timezone)) {
      spdlog::warn(
          "location {} has the time zone '{}', which is not a name of this machine's tz "
          "database: routed orders through it are refused while it has a daily capacity; give "
          "it one (omnistock set-location {} --timezone Asia/Tokyo)",
          location.id.value(), location.timezone, location.id.value());
    }
  }

  const std::filesystem::path seeding_mark =
      std::filesystem::path(options.data_dir) / kDemoSeedingMark;
  std::error_code ec;
  const bool seeding_cut_short = std::filesystem::exists(seeding_mark, ec);
  if (options.demo && (loaded->locations == 0 || seeding_cut_short)) {
    if (absl::Status s = SetMark(seeding_mark, true); !s.ok()) return s;
    const DemoSummary demo = SeedDemoNetwork(*server->ledger_, clock->Now());
    if (absl::Status s = server->committer_->WaitDurable(server->ledger_->last_ticket()); !s.ok()) {
      return s;
    }
    if (absl::Status s = SetMark(seeding_mark, false); !s.ok()) return s;
    spdlog::info("seeded the demo network{}: {} locations, {} SKUs, {} positions",
                 seeding_cut_short ? " (finished one cut short)" : "", demo.locations, demo.skus,
                 demo.positions);
  } else if (seeding_cut_short) {
    // Serving would let orders change what the seeding's finish takes for its own.
    return absl::FailedPreconditionError(absl::StrCat(
        "the demo network's seeding in '", options.data_dir, "' was cut short (",
        seeding_mark.string(),
        " is there): start with --demo to finish it, or remove that file to serve the network "
        "as it is"));
  }

  // Reservations that expired while the server was down are expired before serving.
  server->Sweep();
  // A write that failed during recovery's sweep or the demo seeding: not serving at all.
  if (absl::Status written = server->committer_->WaitDurable(server->ledger_->last_ticket());
      !written.ok()) {
    return written;
  }

  server->journal_readers_ = std::make_unique<JournalReaders>(kJournalReaderThreads);
  ServiceContext ctx{server->ledger_.get(), server->committer_.get(), server->store_.get(), clock,
                     server->journal_readers_.get()};
  server->network_ = std::make_unique<NetworkService>(ctx);
  server->inventory_ = std::make_unique<InventoryService>(ctx);
  server->reservations_ = std::make_unique<ReservationsService>(ctx);
  server->store_sales_ = std::make_unique<StoreSalesService>(ctx);
  server->availability_ =
      std::make_unique<AvailabilityService>(ctx, &server->feed_, options.watchers_max);
  server->warehouse_ = std::make_unique<WarehouseService>(ctx);
  server->fulfillment_ = std::make_unique<FulfillmentService>(ctx);

  server->health_ =
      std::make_unique<HealthService>(std::vector<std::string>{"", kLivenessHealthService});
  grpc::reflection::InitProtoReflectionServerBuilderPlugin();
  grpc::ServerBuilder builder;
  builder.SetMaxReceiveMessageSize(kRequestBytesMax);
  // Requests come uncompressed: gRPC inflates a compressed message whole before it checks the
  // size limit, so a megabyte of gzip could make the server allocate a gigabyte.
  builder.SetCompressionAlgorithmSupportStatus(GRPC_COMPRESS_DEFLATE, false);
  builder.SetCompressionAlgorithmSupportStatus(GRPC_COMPRESS_GZIP, false);
  if (!options.metrics_listen.empty()) {
    absl::StatusOr<std::unique_ptr<Metrics>> metrics =
        Metrics::Serve(options.metrics_listen,
                       {server->ledger_.get(), server->committer_.get(), server->store_.get(),
                        &server->feed_, server->journal_readers_.get()});
    if (!metrics.ok()) return metrics.status();
    server->metrics_ = std::move(*metrics);
    std::vector<std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>> creators;
    creators.push_back(server->metrics_->InterceptorFactory());
    builder.experimental().SetInterceptorCreators(std::move(creators));
    spdlog::info("metrics on http://{}:{}/metrics", server->metrics_->host(),
                 server->metrics_->port());
  }
  int port = 0;
  // gRPC sets SO_REUSEPORT by default: a second omnistockd on the same port would start and
  // share its connections, each client then landing on one of two ledgers.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.AddListeningPort(options.listen, grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(server->network_.get());
  builder.RegisterService(server->inventory_.get());
  builder.RegisterService(server->reservations_.get());
  builder.RegisterService(server->store_sales_.get());
  builder.RegisterService(server->availability_.get());
  builder.RegisterService(server->warehouse_.get());
  builder.RegisterService(server->fulfillment_.get());
  builder.RegisterService(server->health_.get());
  server->grpc_ = builder.BuildAndStart();
  if (!server->grpc_ || port == 0) {
    return absl::UnavailableError(absl::StrCat("cannot listen on '", options.listen,
                                               "' (is the address valid and the port free?)"));
  }
  server->address_ = absl::StrCat(HostOf(options.listen), ":", port);
  server->health_->SetServingStatus(true);
  return server;
}

Server::~Server() { Shutdown(absl::Seconds(5)); }

void Server::Sweep() {
  WatchStorage();
  if (committer_->failed()) return;  // nothing more is applied (services/service_context.h)
  const absl::Time now = clock_->Now();
  const absl::Time forget_before = now - idempotency_retention_;
  // Each step handles at most `batch` and says how many: a full one may have left more.
  auto drain = [this](const char* what, int batch, auto step) {
    int total = 0;
    for (int done = batch; done >= batch && !committer_->failed();) {
      done = step().first;
      total += done;
    }
    // A backlog (the first sweep after an upgrade or a long stop) is worth an info line.
    if (total >= batch) {
      spdlog::info("{}: {}", what, total);
    } else if (total > 0) {
      spdlog::debug("{}: {}", what, total);
    }
  };
  drain("reservations expired", kExpiryBatchMax, [&] { return ledger_->ExpireDue(now); });
  drain("settled reservations forgotten", kForgetBatchMax,
        [&] { return ledger_->ForgetTerminal(forget_before); });
  drain("till transactions and receipt or adjustment keys forgotten", kForgetBatchMax,
        [&] { return ledger_->ForgetPosTransactions(forget_before); });
  drain("received transfers forgotten", kForgetBatchMax,
        [&] { return ledger_->ForgetTransfers(forget_before); });
  ledger_->ForgetPastCapacityDays(now);
}

void Server::WatchStorage() {
  const absl::Duration stalled_for = committer_->stalled_for();
  const bool stalled = stalled_for >= committer_->stall_max();
  absl::MutexLock lock(&health_mu_);
  if (stalled == stalled_) return;
  stalled_ = stalled;
  if (!serving_ || !grpc_) return;  // shutting down, or failed: NOT_SERVING for good
  HealthService* health = health_.get();
  if (stalled) {
    spdlog::error(
        "a storage write has not returned for {} ({} changes wait for the disk): health is "
        "NOT_SERVING until it does (but {})",
        absl::FormatDuration(stalled_for), committer_->backlog(), kLivenessHealthService);
    health->SetServingStatus("", false);  // not kLivenessHealthService's
  } else {
    spdlog::warn("the storage answers again: health is SERVING");
    health->SetServingStatus(true);
  }
}

void Server::SetNotServing() {
  absl::MutexLock lock(&health_mu_);
  serving_ = false;
  if (health_) health_->Shutdown();
}

void Server::CancelCallsOnStorageFailure(absl::Duration grace) {
  absl::MutexLock lock(&drain_mu_);
  for (const absl::Time end = absl::Now() + grace;
       !drained_ && !committer_->failed() && absl::Now() < end;) {
    drain_mu_.AwaitWithTimeout(absl::Condition(&drained_), kStorageFailurePoll);
  }
  if (drained_ || !committer_->failed()) return;
  if (drain_mu_.AwaitWithTimeout(absl::Condition(&drained_), kStorageFailureGrace)) return;
  spdlog::warn("the storage failed during the drain: cancelling the calls still open");
  grpc_server_cancel_all_calls(grpc_->c_server());
}

void Server::Shutdown(absl::Duration grace) {
  if (shut_down_) return;
  shut_down_ = true;
  if (grpc_) {
    SetNotServing();
    feed_.Close();
    // After a storage failure nothing more can be made durable: the calls still open (a count
    // stream its client keeps open) get a second, then are cancelled; by gRPC at the deadline
    // when the failure came first, else by this thread once it comes.
    std::thread cancel_on_failure;
    if (committer_->failed()) {
      grace = std::min(grace, kStorageFailureGrace);
    } else {
      cancel_on_failure = std::thread([this, grace] { CancelCallsOnStorageFailure(grace); });
    }
    grpc_->Shutdown(std::chrono::system_clock::now() + absl::ToChronoSeconds(grace));
    grpc_->Wait();
    {
      absl::MutexLock lock(&drain_mu_);
      drained_ = true;
    }
    if (cancel_on_failure.joinable()) cancel_on_failure.join();
  }
  // Every call has finished; a page read that a watch which ended meanwhile had queued runs
  // now, harmlessly, before the committer stops. (One still waiting for durability gets the
  // committer's "shutting down", or is dropped unrun with the pool: its watch is over.)
  if (journal_readers_) journal_readers_->Join();
  if (committer_) committer_->Stop();
  // After the committer's last batch: a clean stop leaves the floor at the journal's end.
  if (durable_floor_) durable_floor_->Stop(/*write_last=*/!storage_failed());
  const storage::CommitterStats stats =
      committer_ ? committer_->stats() : storage::CommitterStats{};
  if (storage_failed()) {
    spdlog::error(
        "stopped after a storage failure: {} commits were durable, in {} synced "
        "batches; the batch whose write failed may or may not be on disk (a restart keeps "
        "what the disk wrote; its callers were told so), and what was applied after it is "
        "not",
        stats.commits, stats.batches);
    return;
  }
  if (!grpc_) return;  // never served: the failed start says why
  spdlog::info("stopped: {} commits in {} synced batches, last sequence {}", stats.commits,
               stats.batches, ledger_ ? ledger_->last_sequence() : 0);
}

}  // namespace omnistock::services
