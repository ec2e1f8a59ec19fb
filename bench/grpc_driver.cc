// grpc mode: the closed loop calls a running omnistockd. Each client thread has its own
// channel, made distinct by the channel argument "omnistock.bench.client" = its index, so gRPC
// does not share one subchannel (one TCP connection) between them, and a synchronous stub.
// Seeding uses the asynchronous API: a few channels, each with a window of calls in flight, so
// that many Receives share one group commit (fsync) of the server.
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
#include "grpcpp/grpcpp.h"
#include "omnistock/v1/inventory.grpc.pb.h"
#include "omnistock/v1/network.grpc.pb.h"
#include "omnistock/v1/reservations.grpc.pb.h"

namespace omnistock::bench {
namespace {

constexpr auto kCallDeadline = std::chrono::seconds(60);
constexpr auto kConnectDeadline = std::chrono::seconds(10);
constexpr int kSeedChannels = 4;
constexpr int kSeedWindowPerChannel = 128;

std::shared_ptr<grpc::Channel> NewChannel(const std::string& target, const char* arg, int value) {
  grpc::ChannelArguments args;
  args.SetInt(arg, value);
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
  return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                      absl::StrCat(what, ": ", StatusCodeName(status.error_code()), ": ",
                                   status.error_message()));
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
absl::Status RunWindowed(const std::vector<std::shared_ptr<grpc::Channel>>& channels,
                         int64_t count, int window, Start start, Describe describe,
                         std::atomic<int64_t>& done) {
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
        stub_(v1::Reservations::NewStub(channel_)),
        catalog_(catalog) {
    request_.set_channel("bench");
  }

  int Reserve(const Order& order) override {
    request_.set_reservation_id(order.reservation_id);
    request_.clear_lines();
    for (const OrderLine& line : order.lines) {
      v1::Line* out = request_.add_lines();
      out->set_sku(catalog_.skus[line.sku]);
      out->set_location_id(catalog_.locations[line.location].id);
      out->set_quantity(line.quantity);
    }
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + kCallDeadline);
    response_.Clear();
    return static_cast<int>(stub_->Reserve(&context, request_, &response_).error_code());
  }

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<v1::Reservations::Stub> stub_;
  const Catalog& catalog_;
  v1::ReserveRequest request_;
  v1::Reservation response_;
};

class GrpcDriver final : public Driver {
 public:
  explicit GrpcDriver(std::string target) : target_(std::move(target)) {}

  std::string Describe() const override { return absl::StrCat("grpc ", target_); }

  absl::Status Seed(const Catalog& catalog, int parallelism) override {
    catalog_ = &catalog;
    const int channel_count = std::clamp(parallelism, 1, kSeedChannels);
    std::vector<std::shared_ptr<grpc::Channel>> channels;
    std::vector<std::unique_ptr<v1::Network::Stub>> network;
    std::vector<std::unique_ptr<v1::Inventory::Stub>> inventory;
    for (int c = 0; c < channel_count; ++c) {
      channels.push_back(NewChannel(target_, "omnistock.bench.seeder", c));
      if (absl::Status s = WaitConnected(*channels.back(), target_); !s.ok()) return s;
      network.push_back(v1::Network::NewStub(channels.back()));
      inventory.push_back(v1::Inventory::NewStub(channels.back()));
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
          location->set_kind(v1::WAREHOUSE);
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

    // Progress on stderr while the positions are received, once per second.
    done.store(0);
    absl::Notification finished;
    std::thread progress([&] {
      const absl::Time start = absl::Now();
      while (!finished.WaitForNotificationWithTimeout(absl::Seconds(1))) {
        const int64_t n = done.load(std::memory_order_relaxed);
        const double elapsed = absl::ToDoubleSeconds(absl::Now() - start);
        std::fprintf(stderr, "seeding: %lld / %lld positions (%.0f/s)\n",
                     static_cast<long long>(n), static_cast<long long>(catalog.positions()),
                     elapsed > 0 ? n / elapsed : 0.0);
      }
    });
    status = RunWindowed<v1::PositionView>(
        channels, catalog.positions(), kSeedWindowPerChannel,
        [&](int c, int64_t index, grpc::ClientContext* context, grpc::CompletionQueue* cq) {
          v1::ReceiveRequest request;
          request.set_location_id(catalog.LocationOfPosition(index).id);
          request.set_sku(catalog.SkuOfPosition(index));
          request.set_quantity(catalog.on_hand_per_position);
          request.set_reference("bench-seed");
          return inventory[static_cast<size_t>(c)]->PrepareAsyncReceive(context, request, cq);
        },
        [&](int64_t index) {
          return absl::StrCat("Receive ", catalog.SkuOfPosition(index), " at ",
                              catalog.LocationOfPosition(index).id);
        },
        done);
    finished.Notify();
    progress.join();
    return status;
  }

  absl::StatusOr<std::unique_ptr<ClientSession>> NewClient(int index) override {
    std::shared_ptr<grpc::Channel> channel = NewChannel(target_, "omnistock.bench.client", index);
    if (absl::Status s = WaitConnected(*channel, target_); !s.ok()) return s;
    return std::unique_ptr<ClientSession>(new GrpcClient(std::move(channel), *catalog_));
  }

  absl::StatusOr<int64_t> ReservedAt(const std::string& sku,
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
    return response.positions(0).reserved();
  }

 private:
  std::string target_;
  const Catalog* catalog_ = nullptr;
};

}  // namespace

std::unique_ptr<Driver> MakeGrpcDriver(const std::string& target) {
  return std::make_unique<GrpcDriver>(target);
}

}  // namespace omnistock::bench
