// grpc mode: the closed loop calls a running omnistockd. Each client thread has a synchronous
// stub on one of --connections channels, made distinct by the channel argument
// "omnistock.bench.client" = the channel's index so that gRPC does not fold them into one
// subchannel (one TCP connection). Fewer connections than clients is how an application server
// calls a service (its threads share a channel), and it is cheaper for both sides: HTTP/2
// carries several calls per read and write (bench/README.md has the figures).
// Seeding creates the locations with the asynchronous API (a few channels, each with a window
// of calls in flight) and counts the stock in with SyncCounts streams: the bulk path.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "bench/driver.h"
#include "engine/limits.h"
#include "grpcpp/grpcpp.h"
#include "omnistock/v1/availability.grpc.pb.h"
#include "omnistock/v1/inventory.grpc.pb.h"
#include "omnistock/v1/network.grpc.pb.h"
#include "omnistock/v1/reservations.grpc.pb.h"
#include "omnistock/v1/store_sales.grpc.pb.h"
#include "omnistock/v1/warehouse.grpc.pb.h"
#include "services/convert.h"

namespace omnistock::bench {
namespace {

constexpr auto kCallDeadline = std::chrono::seconds(60);
constexpr auto kConnectDeadline = std::chrono::seconds(10);
constexpr int kSeedChannels = 4;
constexpr int kSeedWindowPerChannel = 128;

// A channel of its own (`arg` keeps gRPC from sharing one connection among them). One whose
// server went away tries again after 100 ms, then at most a second apart, each attempt given at
// least 100 ms (with gRPC's defaults, 1 s growing to 2 minutes and 20 s, no run reached a
// restarted server again; with these, and clients that wait on the connection after an
// UNAVAILABLE (GrpcClient::PauseAfterUnavailable), eleven runs of eleven answered again within
// a second of the restart).
std::shared_ptr<grpc::Channel> NewChannel(const std::string& target, const char* arg, int value) {
  grpc::ChannelArguments args;
  args.SetInt(arg, value);
  args.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, 100);
  args.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 1000);
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
}

absl::Status WaitConnected(grpc::Channel& channel, const std::string& target) {
  if (channel.WaitForConnected(std::chrono::system_clock::now() + kConnectDeadline)) {
    return absl::OkStatus();
  }
  return absl::UnavailableError(
      absl::StrCat("cannot connect to omnistockd at ", target, " within 10 s"));
}

absl::Status FromGrpc(const grpc::Status& status, const std::string& what) {
  return absl::Status(
      static_cast<absl::StatusCode>(status.error_code()),
      absl::StrCat(what, ": ", StatusCodeName(status.error_code()), ": ", status.error_message()));
}

template <typename Response>
struct AsyncCall {
  grpc::ClientContext context;
  Response response;
  grpc::Status status;
  std::unique_ptr<grpc::ClientAsyncResponseReader<Response>> reader;
  int64_t index = 0;
};

// Issues calls 0 .. count-1 over `channels` channels with up to `window` in flight on each.
// `start(channel_index, index, context, cq)` prepares call `index` (not started); `describe(index)`
// names it in an error. Stops issuing at the first failed call and returns it.
template <typename Response, typename Start, typename Describe>
absl::Status RunWindowed(const std::vector<std::shared_ptr<grpc::Channel>>& channels, int64_t count,
                         int window, Start start, Describe describe, std::atomic<int64_t>& done) {
  std::atomic<int64_t> next{0};
  absl::Mutex mu;
  absl::Status first_error;
  auto worker = [&](int channel_index) {
    grpc::CompletionQueue cq;
    int in_flight = 0;
    for (;;) {
      while (in_flight < window) {
        const int64_t index = next.fetch_add(1);
        if (index >= count) break;
        auto* call = new AsyncCall<Response>;
        call->index = index;
        call->context.set_deadline(std::chrono::system_clock::now() + kCallDeadline);
        call->reader = start(channel_index, index, &call->context, &cq);
        call->reader->StartCall();
        call->reader->Finish(&call->response, &call->status, call);
        ++in_flight;
      }
      if (in_flight == 0) break;
      void* tag = nullptr;
      bool ok = false;
      if (!cq.Next(&tag, &ok)) break;
      std::unique_ptr<AsyncCall<Response>> call(static_cast<AsyncCall<Response>*>(tag));
      --in_flight;
      done.fetch_add(1, std::memory_order_relaxed);
      if (!call->status.ok()) {
        absl::MutexLock lock(&mu);
        if (first_error.ok()) first_error = FromGrpc(call->status, describe(call->index));
        next.store(count);  // stop issuing; drain what is in flight
      }
    }
    cq.Shutdown();
    void* tag = nullptr;
    bool ok = false;
    while (cq.Next(&tag, &ok)) {
    }
  };
  std::vector<std::thread> threads;
  for (int c = 0; c < static_cast<int>(channels.size()); ++c) threads.emplace_back(worker, c);
  for (std::thread& thread : threads) thread.join();
  return first_error;
}

class GrpcClient final : public ClientSession {
 public:
  GrpcClient(std::shared_ptr<grpc::Channel> channel, const Catalog& catalog)
      : channel_(std::move(channel)),
        reservations_(v1::Reservations::NewStub(channel_)),
        sales_(v1::StoreSales::NewStub(channel_)),
        inventory_(v1::Inventory::NewStub(channel_)),
        warehouse_(v1::Warehouse::NewStub(channel_)),
        catalog_(catalog) {}

  int Reserve(const Order& order, absl::Duration ttl) override {
    FillReserve(order, ttl, request_);
    grpc::ClientContext context;
    SetDeadline(context);
    return Code(reservations_->Reserve(&context, request_, &reservation_));
  }

  int ReserveBatch(const std::vector<Order>& orders, std::vector<int>& codes) override {
    batch_.Clear();
    for (const Order& order : orders)
      FillReserve(order, absl::ZeroDuration(), *batch_.add_orders());
    grpc::ClientContext context;
    SetDeadline(context);
    v1::ReserveBatchResponse response;
    const int code = Code(reservations_->ReserveBatch(&context, batch_, &response));
    codes.clear();
    for (const v1::ReserveResult& result : response.results()) codes.push_back(result.code());
    return code;
  }

  int Transit(Transition transition, const std::string& reservation_id) override {
    v1::ReservationRef ref;
    ref.set_reservation_id(reservation_id);
    grpc::ClientContext context;
    SetDeadline(context);
    switch (transition) {
      case Transition::kConfirm:
        return Code(reservations_->Confirm(&context, ref, &reservation_));
      case Transition::kRelease:
        return Code(reservations_->Release(&context, ref, &reservation_));
      case Transition::kFulfill:
        return Code(reservations_->Fulfill(&context, ref, &reservation_));
    }
    return 13;
  }

  int Sale(int store, int sku, const std::string& transaction_id, uint64_t& sequence) override {
    v1::RecordSaleRequest request;
    request.set_location_id(catalog_.locations[static_cast<size_t>(store)].id);
    request.set_pos_transaction_id(transaction_id);
    request.set_terminal_id("bench");
    v1::PosLine* line = request.add_lines();
    line->set_sku(catalog_.skus[static_cast<size_t>(sku)]);
    line->set_quantity(1);
    grpc::ClientContext context;
    SetDeadline(context);
    v1::PosResult result;
    const int code = Code(sales_->RecordSale(&context, request, &result));
    sequence = result.sequence();
    return code;
  }

  int Receive(int location, int sku, int64_t quantity) override {
    v1::ReceiveRequest request;
    request.set_location_id(catalog_.locations[static_cast<size_t>(location)].id);
    request.set_sku(catalog_.skus[static_cast<size_t>(sku)]);
    request.set_quantity(quantity);
    request.set_reference("bench");
    grpc::ClientContext context;
    SetDeadline(context);
    v1::PositionView position;
    return Code(inventory_->Receive(&context, request, &position));
  }

  int Counts(const std::vector<CountLine>& rows, int64_t& stale) override {
    grpc::ClientContext context;
    SetDeadline(context);
    v1::SyncCountsSummary summary;
    std::unique_ptr<grpc::ClientWriter<v1::CountBatch>> writer =
        warehouse_->SyncCounts(&context, &summary);
    google::protobuf::Timestamp now;
    services::ToProto(absl::Now(), &now);  // to the microsecond (TimeUtil's is whole seconds)
    v1::CountBatch batch;
    for (size_t i = 0; i < rows.size(); ++i) {
      v1::CountRow* row = batch.add_rows();
      row->set_location_id(catalog_.locations[static_cast<size_t>(rows[i].location)].id);
      row->set_sku(catalog_.skus[static_cast<size_t>(rows[i].sku)]);
      row->set_counted_quantity(rows[i].counted);
      *row->mutable_counted_at() = now;
      if (batch.rows_size() == kCountRowsPerBatchMax || i + 1 == rows.size()) {
        if (!writer->Write(batch)) break;
        batch.Clear();
      }
    }
    writer->WritesDone();
    const int code = Code(writer->Finish());
    stale = summary.rows_stale();
    return code;
  }

  int Read(int sku) override {
    v1::GetAvailabilityRequest request;
    request.add_skus(catalog_.skus[static_cast<size_t>(sku)]);
    grpc::ClientContext context;
    SetDeadline(context);
    v1::GetAvailabilityResponse response;
    return Code(inventory_->GetAvailability(&context, request, &response));
  }

  // Waits on the channel's connection rather than sleeping: a thread whose calls fail at once
  // never polls the channel, so a reconnection that succeeds is only seen by gRPC's backup
  // poller, every 5 s (GRPC_CLIENT_CHANNEL_BACKUP_POLL_INTERVAL_MS): runs through a server's
  // restart answered again 2.5-7 s after it, against under a second since. A channel still
  // connected (the server itself answered UNAVAILABLE) waits the whole pause.
  void PauseAfterUnavailable(std::chrono::milliseconds pause) override {
    if (channel_->GetState(/*try_to_connect=*/true) == GRPC_CHANNEL_READY) {
      return ClientSession::PauseAfterUnavailable(pause);
    }
    channel_->WaitForConnected(std::chrono::system_clock::now() + pause);
  }

 private:
  static int Code(const grpc::Status& status) { return static_cast<int>(status.error_code()); }
  static void SetDeadline(grpc::ClientContext& context) {
    context.set_deadline(std::chrono::system_clock::now() + kCallDeadline);
  }

  void FillReserve(const Order& order, absl::Duration ttl, v1::ReserveRequest& request) const {
    request.Clear();
    request.set_channel("bench");
    request.set_reservation_id(order.reservation_id);
    for (const OrderLine& line : order.lines) {
      v1::Line* out = request.add_lines();
      out->set_sku(catalog_.skus[static_cast<size_t>(line.sku)]);
      out->set_location_id(catalog_.locations[static_cast<size_t>(line.location)].id);
      out->set_quantity(line.quantity);
    }
    if (ttl > absl::ZeroDuration()) {
      request.mutable_ttl()->set_seconds(absl::ToInt64Seconds(ttl));
    }
  }

  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Reservations::Stub> reservations_;
  std::unique_ptr<v1::StoreSales::Stub> sales_;
  std::unique_ptr<v1::Inventory::Stub> inventory_;
  std::unique_ptr<v1::Warehouse::Stub> warehouse_;
  const Catalog& catalog_;
  v1::ReserveRequest request_;
  v1::ReserveBatchRequest batch_;
  v1::Reservation reservation_;
};

// Follows every change on Availability.Watch and reports each update's arrival. When the
// server ends the stream (a slow watcher is cut off with the sequence to resume from), it
// resumes after the last sequence it saw.
class Watcher {
 public:
  Watcher(std::shared_ptr<grpc::Channel> channel, FeedLatency* latency)
      : stub_(v1::Availability::NewStub(std::move(channel))), latency_(latency) {}

  absl::Status Start() {
    thread_ = std::thread([this] { Run(); });
    if (!started_.WaitForNotificationWithTimeout(absl::Seconds(10))) {
      return absl::DeadlineExceededError("the feed watcher did not start within 10 s");
    }
    return start_status_;
  }

  void Stop() {
    {
      absl::MutexLock lock(&mu_);
      stopping_ = true;
      if (context_ != nullptr) context_->TryCancel();
    }
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Run() {
    uint64_t last = 0;
    bool first = true;
    for (;;) {
      grpc::ClientContext context;
      {
        absl::MutexLock lock(&mu_);
        if (stopping_) break;
        context_ = &context;
      }
      v1::WatchRequest request;
      // Resume after the last update seen; with none seen yet, live again (resuming after 0
      // would replay the whole journal).
      if (!first && last > 0) request.set_resume_after_sequence(last);
      std::unique_ptr<grpc::ClientReader<v1::AvailabilityUpdate>> reader =
          stub_->Watch(&context, request);
      if (first) {
        // The server registers the watcher before it sends anything; wait for the metadata.
        reader->WaitForInitialMetadata();
        started_.Notify();
        first = false;
      }
      v1::AvailabilityUpdate update;
      while (reader->Read(&update)) {
        latency_->Arrived(update.sequence(),
                          std::chrono::duration_cast<std::chrono::nanoseconds>(
                              std::chrono::steady_clock::now().time_since_epoch())
                              .count());
        last = update.sequence();
      }
      const grpc::Status status = reader->Finish();
      {
        absl::MutexLock lock(&mu_);
        context_ = nullptr;
        if (stopping_) break;
      }
      std::fprintf(stderr, "feed watcher: stream ended (%s: %s); resuming after %llu\n",
                   StatusCodeName(status.error_code()), status.error_message().c_str(),
                   static_cast<unsigned long long>(last));
      // Not at once: a server that refuses every stream would otherwise be asked in a loop.
      absl::MutexLock lock(&mu_);
      mu_.AwaitWithTimeout(absl::Condition(&stopping_), absl::Milliseconds(100));
      if (stopping_) break;
    }
  }

  std::unique_ptr<v1::Availability::Stub> stub_;
  FeedLatency* latency_;
  std::thread thread_;
  absl::Notification started_;
  absl::Status start_status_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  grpc::ClientContext* context_ ABSL_GUARDED_BY(mu_) = nullptr;
};

class GrpcDriver final : public Driver {
 public:
  // gRPC stays initialized for the driver's life: otherwise the seeding's channels, the last
  // gRPC objects when they go, shut its timers down, and the clients' channels made after never
  // retry a connection once their server is gone.
  GrpcDriver(std::string target, int connections)
      : target_(std::move(target)),
        client_channels_(static_cast<size_t>(std::max(1, connections))) {
    grpc_init();
  }
  ~GrpcDriver() override { grpc_shutdown(); }

  std::string Describe() const override { return absl::StrCat("grpc ", target_); }

  void Attach(const Catalog& catalog) override { catalog_ = &catalog; }

  absl::Status Seed(int parallelism) override {
    const Catalog& catalog = *catalog_;
    const int channel_count = std::clamp(parallelism, 1, kSeedChannels);
    std::vector<std::shared_ptr<grpc::Channel>> channels;
    std::vector<std::unique_ptr<v1::Network::Stub>> network;
    for (int c = 0; c < channel_count; ++c) {
      channels.push_back(NewChannel(target_, "omnistock.bench.seeder", c));
      if (absl::Status s = WaitConnected(*channels.back(), target_); !s.ok()) return s;
      network.push_back(v1::Network::NewStub(channels.back()));
    }

    std::atomic<int64_t> done{0};
    const int64_t locations = static_cast<int64_t>(catalog.locations.size());
    absl::Status status = RunWindowed<v1::Location>(
        channels, locations, kSeedWindowPerChannel,
        [&](int c, int64_t index, grpc::ClientContext* context, grpc::CompletionQueue* cq) {
          const CatalogLocation& l = catalog.locations[static_cast<size_t>(index)];
          v1::UpsertLocationRequest request;
          v1::Location* location = request.mutable_location();
          location->set_location_id(l.id);
          location->set_kind(l.store ? v1::STORE : v1::WAREHOUSE);
          v1::Capabilities* capabilities = location->mutable_capabilities();
          capabilities->set_pickup(l.store);
          capabilities->set_curbside(l.store);
          capabilities->set_ship_from_store(l.store);
          capabilities->set_walk_in_sales(l.store);
          location->set_name(l.name);
          location->set_latitude(l.latitude);
          location->set_longitude(l.longitude);
          return network[static_cast<size_t>(c)]->PrepareAsyncUpsertLocation(context, request, cq);
        },
        [&](int64_t index) {
          return absl::StrCat("UpsertLocation ", catalog.locations[static_cast<size_t>(index)].id);
        },
        done);
    if (!status.ok()) return status;

    // Progress on stderr while the positions are counted in, once per second.
    done.store(0);
    absl::Notification finished;
    std::thread progress([&] {
      const absl::Time start = absl::Now();
      while (!finished.WaitForNotificationWithTimeout(absl::Seconds(1))) {
        const int64_t n = done.load(std::memory_order_relaxed);
        const double elapsed = absl::ToDoubleSeconds(absl::Now() - start);
        std::fprintf(stderr, "seeding: %lld / %lld positions (%.0f/s)\n", static_cast<long long>(n),
                     static_cast<long long>(catalog.positions()), elapsed > 0 ? n / elapsed : 0.0);
      }
    });
    // The bulk path: a stock take. Each position is counted at its starting stock, in
    // SyncCounts streams of the largest batches, one stream per seeding channel at a time.
    constexpr int64_t kRowsPerStream = 10 * kCountRowsPerBatchMax;
    std::atomic<int64_t> next{0};
    absl::Mutex mu;
    auto count_positions = [&](int c) {
      std::unique_ptr<v1::Warehouse::Stub> warehouse =
          v1::Warehouse::NewStub(channels[static_cast<size_t>(c)]);
      google::protobuf::Timestamp at;
      services::ToProto(absl::Now(), &at);
      for (;;) {
        const int64_t begin = next.fetch_add(kRowsPerStream);
        if (begin >= catalog.positions()) return;
        const int64_t end = std::min(begin + kRowsPerStream, catalog.positions());
        grpc::ClientContext context;
        context.set_deadline(std::chrono::system_clock::now() + kCallDeadline);
        v1::SyncCountsSummary summary;
        auto writer = warehouse->SyncCounts(&context, &summary);
        v1::CountBatch batch;
        for (int64_t i = begin; i < end; ++i) {
          v1::CountRow* row = batch.add_rows();
          row->set_location_id(catalog.LocationOfPosition(i).id);
          row->set_sku(catalog.SkuOfPosition(i));
          row->set_counted_quantity(catalog.on_hand_per_position);
          *row->mutable_counted_at() = at;
          if (batch.rows_size() == kCountRowsPerBatchMax || i + 1 == end) {
            if (!writer->Write(batch)) break;
            done.fetch_add(batch.rows_size(), std::memory_order_relaxed);
            batch.Clear();
          }
        }
        writer->WritesDone();
        const grpc::Status finished_status = writer->Finish();
        absl::Status failure;
        if (!finished_status.ok()) {
          failure = FromGrpc(finished_status, "SyncCounts (seeding)");
        } else if (summary.rows_applied() != end - begin) {
          failure = absl::InternalError(absl::StrCat(
              "SyncCounts (seeding) applied ", summary.rows_applied(), " of ", end - begin,
              " rows (stale ", summary.rows_stale(), ", unknown ", summary.rows_unknown(), ")"));
        }
        if (!failure.ok()) {
          absl::MutexLock lock(&mu);
          if (status.ok()) status = failure;
          next.store(catalog.positions());
          return;
        }
      }
    };
    std::vector<std::thread> counters;
    for (int c = 0; c < channel_count; ++c) counters.emplace_back(count_positions, c);
    for (std::thread& t : counters) t.join();
    finished.Notify();
    progress.join();
    return status;
  }

  absl::StatusOr<std::unique_ptr<ClientSession>> NewClient(int index) override {
    std::shared_ptr<grpc::Channel> channel;
    {
      absl::MutexLock lock(&client_channels_mu_);
      const int slot = index % static_cast<int>(client_channels_.size());
      std::shared_ptr<grpc::Channel>& shared = client_channels_[static_cast<size_t>(slot)];
      if (!shared) shared = NewChannel(target_, "omnistock.bench.client", slot);
      channel = shared;
    }
    if (absl::Status s = WaitConnected(*channel, target_); !s.ok()) return s;
    return std::unique_ptr<ClientSession>(new GrpcClient(std::move(channel), *catalog_));
  }

  absl::StatusOr<PositionFigures> PositionAt(const std::string& sku,
                                             const std::string& location) override {
    std::shared_ptr<grpc::Channel> channel = NewChannel(target_, "omnistock.bench.checker", 0);
    std::unique_ptr<v1::Inventory::Stub> stub = v1::Inventory::NewStub(channel);
    v1::GetAvailabilityRequest request;
    request.add_skus(sku);
    request.add_location_ids(location);
    v1::GetAvailabilityResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kCallDeadline);
    const grpc::Status status = stub->GetAvailability(&context, request, &response);
    if (!status.ok()) return FromGrpc(status, "GetAvailability");
    if (response.positions_size() != 1) {
      return absl::InternalError(absl::StrCat("GetAvailability of ", sku, " at ", location,
                                              " returned ", response.positions_size(),
                                              " positions, expected 1"));
    }
    return PositionFigures{response.positions(0).on_hand(), response.positions(0).reserved()};
  }

  absl::Status StartWatcher(FeedLatency* latency) override {
    watcher_ =
        std::make_unique<Watcher>(NewChannel(target_, "omnistock.bench.watcher", 0), latency);
    return watcher_->Start();
  }

  void StopWatcher() override {
    if (watcher_) watcher_->Stop();
    watcher_.reset();
  }

 private:
  std::string target_;
  absl::Mutex client_channels_mu_;
  // One per connection; client i uses the (i mod size)-th, made on first use.
  std::vector<std::shared_ptr<grpc::Channel>> client_channels_ ABSL_GUARDED_BY(client_channels_mu_);
  const Catalog* catalog_ = nullptr;
  std::unique_ptr<Watcher> watcher_;
};

}  // namespace

std::unique_ptr<Driver> MakeGrpcDriver(const std::string& target, int connections) {
  return std::make_unique<GrpcDriver>(target, connections);
}

}  // namespace omnistock::bench
