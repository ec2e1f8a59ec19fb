// The health service on a real gRPC server on a loopback port: its watches are bounded.
#include "services/health_service.h"

#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "catch2/catch.hpp"
#include "grpcpp/grpcpp.h"

namespace omnistock::services {
namespace {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

struct OneWatch {
  grpc::ClientContext context;
  std::unique_ptr<grpc::ClientReader<HealthCheckResponse>> stream;
};

// Opens a watch of the server's own health and reads its first update; false (with the status
// in `ended`) when the server ended it instead.
bool Watch(grpc::health::v1::Health::Stub& health, OneWatch& watch, grpc::Status& ended) {
  watch.context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  watch.stream = health.Watch(&watch.context, HealthCheckRequest());
  HealthCheckResponse update;
  if (watch.stream->Read(&update)) {
    CHECK(update.status() == HealthCheckResponse::SERVING);
    return true;
  }
  ended = watch.stream->Finish();
  return false;
}

TEST_CASE("health watches past their limit are refused RESOURCE_EXHAUSTED, and room frees up") {
  constexpr size_t kMax = 3;
  HealthService service({""}, kMax);
  service.SetServingStatus(true);
  int port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  REQUIRE(server);
  auto health = grpc::health::v1::Health::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));

  std::vector<std::unique_ptr<OneWatch>> open;
  grpc::Status ended;
  for (size_t i = 0; i < kMax; ++i) {
    open.push_back(std::make_unique<OneWatch>());
    REQUIRE(Watch(*health, *open.back(), ended));
  }
  OneWatch refused;
  REQUIRE_FALSE(Watch(*health, refused, ended));
  CHECK(ended.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  CHECK(ended.error_message() ==
        "the server already has 3 health watches, its limit: end one, or use Check");
  // Check is not a watch: it still answers.
  HealthCheckResponse checked;
  grpc::ClientContext check;
  REQUIRE(health->Check(&check, HealthCheckRequest(), &checked).ok());
  CHECK(checked.status() == HealthCheckResponse::SERVING);

  // One watch ends: its place is given back once the server is done with it.
  open.front()->context.TryCancel();
  CHECK(open.front()->stream->Finish().error_code() == grpc::StatusCode::CANCELLED);
  bool watching = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!watching && std::chrono::steady_clock::now() < deadline) {
    auto again = std::make_unique<OneWatch>();
    watching = Watch(*health, *again, ended);
    if (watching) {
      open.front() = std::move(again);
    } else {
      CHECK(ended.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  CHECK(watching);

  // The watches end when the service shuts down.
  service.Shutdown();
  for (const std::unique_ptr<OneWatch>& watch : open) {
    HealthCheckResponse update;
    while (watch->stream->Read(&update)) CHECK(update.status() == HealthCheckResponse::NOT_SERVING);
    CHECK(watch->stream->Finish().error_code() == grpc::StatusCode::UNAVAILABLE);
  }
  server->Shutdown();
}

}  // namespace
}  // namespace omnistock::services
