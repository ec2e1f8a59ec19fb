// The gRPC health checking protocol (grpc.health.v1), served by omnistockd itself in place of
// gRPC's default service. gRPC 1.51's default keeps a Watch open through a shutdown until the
// grace runs out, so every client that checks its connection's health that way (gRPC's
// client-side health checking watches) held each SIGTERM for the whole grace. This one ends its
// watches when the server stops: NOT_SERVING, then UNAVAILABLE.
//
// Thread-safety: every method may be called from any thread.
#ifndef OMNISTOCK_SERVICES_HEALTH_SERVICE_H_
#define OMNISTOCK_SERVICES_HEALTH_SERVICE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "engine/limits.h"
#include "grpc/health/v1/health.grpc.pb.h"

namespace omnistock::services {

class HealthService final : public grpc::health::v1::Health::CallbackService {
 public:
  using ServingStatus = grpc::health::v1::HealthCheckResponse::ServingStatus;

  // `names` are the health names served ("" is the server as a whole), all NOT_SERVING until
  // set; any other name is NOT_FOUND to Check and SERVICE_UNKNOWN to Watch. At most
  // `watches_max` watches at once; more are refused RESOURCE_EXHAUSTED.
  explicit HealthService(std::vector<std::string> names, size_t watches_max = kHealthWatchesMax);
  ~HealthService() override;

  // Sets one name's status, or every name's; ignored once shut down.
  void SetServingStatus(const std::string& name, bool serving);
  void SetServingStatus(bool serving);
  // Every name NOT_SERVING for good, and every watch is sent that and ended (UNAVAILABLE);
  // a watch that starts later gets the same at once.
  void Shutdown();

  grpc::ServerUnaryReactor* Check(grpc::CallbackServerContext* context,
                                  const grpc::health::v1::HealthCheckRequest* request,
                                  grpc::health::v1::HealthCheckResponse* response) override;
  grpc::ServerWriteReactor<grpc::health::v1::HealthCheckResponse>* Watch(
      grpc::CallbackServerContext* context,
      const grpc::health::v1::HealthCheckRequest* request) override;

 private:
  class WatchReactor;

  // `name`'s status as a watch sends it, and whether the service has shut down.
  std::pair<ServingStatus, bool> WatchedStatus(const std::string& name) const;
  // Tells every watch that a status may have changed.
  void NotifyWatches();
  void Forget(const WatchReactor* watch);

  const size_t watches_max_;
  mutable absl::Mutex mu_;
  absl::flat_hash_map<std::string, bool> serving_ ABSL_GUARDED_BY(mu_);
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
  absl::flat_hash_map<const WatchReactor*, std::shared_ptr<WatchReactor>> watches_
      ABSL_GUARDED_BY(mu_);
};

}  // namespace omnistock::services

#endif  // OMNISTOCK_SERVICES_HEALTH_SERVICE_H_
