#include "services/health_service.h"

#include <algorithm>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/limits.h"

namespace omnistock::services {

using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

namespace {

// A name past kTextLengthMax is refused rather than looked up (and echoed back).
std::optional<grpc::Status> CheckName(const HealthCheckRequest& request) {
  if (request.service().size() <= static_cast<size_t>(kTextLengthMax)) return std::nullopt;
  return grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                      absl::StrCat("service is ", request.service().size(), " bytes long; at most ",
                                   kTextLengthMax));
}

}  // namespace

// One Watch: sends the name's status at once and again whenever it changes (only the latest,
// however many changes a slow reader missed), and ends when the service shuts down.
class HealthService::WatchReactor final : public grpc::ServerWriteReactor<HealthCheckResponse> {
 public:
  WatchReactor(HealthService* service, std::string name)
      : service_(service), name_(std::move(name)) {}

  void Keep(std::shared_ptr<WatchReactor> self) { self_ = std::move(self); }

  // Ends a watch refused before it started. Through finish_called_, as every end is: a cancel
  // that arrives after it must not finish the call a second time (gRPC aborts on that).
  void Refuse(const grpc::Status& status) {
    {
      absl::MutexLock lock(&mu_);
      finish_called_ = true;
    }
    Finish(status);
  }

  // Writes the current status if it is not the last one sent, or ends the watch; a write in
  // flight pumps again when it is done.
  void Pump() {
    bool write = false;
    std::optional<grpc::Status> finish;
    {
      absl::MutexLock lock(&mu_);
      if (writing_ || finish_called_) return;
      // Under mu_, so that two pumps cannot send an older status after a newer one.
      const auto [status, shut_down] = service_->WatchedStatus(name_);
      if (cancelled_) {
        finish = grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
      } else if (status != sent_) {
        sent_ = status;
        out_.set_status(status);
        writing_ = write = true;
      } else if (shut_down) {
        finish = grpc::Status(grpc::StatusCode::UNAVAILABLE, "omnistockd is shutting down");
      }
      if (finish) finish_called_ = true;
    }
    if (write) StartWrite(&out_);
    if (finish) Finish(*finish);
  }

  void OnWriteDone(bool ok) override {
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok) cancelled_ = true;  // the call is over
    }
    Pump();
  }

  void OnCancel() override {
    {
      absl::MutexLock lock(&mu_);
      cancelled_ = true;
    }
    Pump();
  }

  void OnDone() override {
    service_->Forget(this);
    std::shared_ptr<WatchReactor> last = std::move(self_);  // deletes this on return
  }

 private:
  HealthService* const service_;
  const std::string name_;
  std::shared_ptr<WatchReactor> self_;  // gRPC's reference, dropped by OnDone
  absl::Mutex mu_;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finish_called_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<ServingStatus> sent_ ABSL_GUARDED_BY(mu_);
  HealthCheckResponse out_;
};

HealthService::HealthService(std::vector<std::string> names, size_t watches_max)
    : watches_max_(watches_max) {
  for (std::string& name : names) serving_.emplace(std::move(name), false);
}

HealthService::~HealthService() = default;

void HealthService::SetServingStatus(const std::string& name, bool serving) {
  {
    absl::MutexLock lock(&mu_);
    if (shut_down_) return;
    serving_[name] = serving;
  }
  NotifyWatches();
}

void HealthService::SetServingStatus(bool serving) {
  {
    absl::MutexLock lock(&mu_);
    if (shut_down_) return;
    for (auto& [name, value] : serving_) value = serving;
  }
  NotifyWatches();
}

void HealthService::Shutdown() {
  {
    absl::MutexLock lock(&mu_);
    for (auto& [name, value] : serving_) value = false;
    shut_down_ = true;
  }
  NotifyWatches();
}

std::pair<HealthService::ServingStatus, bool> HealthService::WatchedStatus(
    const std::string& name) const {
  absl::MutexLock lock(&mu_);
  const auto it = serving_.find(name);
  const ServingStatus status = it == serving_.end() ? HealthCheckResponse::SERVICE_UNKNOWN
                               : it->second         ? HealthCheckResponse::SERVING
                                                    : HealthCheckResponse::NOT_SERVING;
  return {status, shut_down_};
}

void HealthService::NotifyWatches() {
  std::vector<std::shared_ptr<WatchReactor>> watches;
  {
    absl::MutexLock lock(&mu_);
    watches.reserve(watches_.size());
    for (const auto& [key, watch] : watches_) watches.push_back(watch);
  }
  // Outside mu_: a pump takes its watch's lock first, then mu_.
  for (const std::shared_ptr<WatchReactor>& watch : watches) watch->Pump();
}

void HealthService::Forget(const WatchReactor* watch) {
  std::shared_ptr<WatchReactor> forgotten;  // dropped after mu_ is released
  absl::MutexLock lock(&mu_);
  if (auto it = watches_.find(watch); it != watches_.end()) {
    forgotten = std::move(it->second);
    watches_.erase(it);
  }
}

grpc::ServerUnaryReactor* HealthService::Check(grpc::CallbackServerContext* context,
                                               const HealthCheckRequest* request,
                                               HealthCheckResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (std::optional<grpc::Status> refused = CheckName(*request)) {
    reactor->Finish(*refused);
    return reactor;
  }
  const ServingStatus status = WatchedStatus(request->service()).first;
  if (status == HealthCheckResponse::SERVICE_UNKNOWN) {
    std::vector<std::string> names;
    {
      absl::MutexLock lock(&mu_);
      for (const auto& [name, value] : serving_) names.push_back(absl::StrCat("'", name, "'"));
    }
    std::sort(names.begin(), names.end());
    reactor->Finish(grpc::Status(
        grpc::StatusCode::NOT_FOUND,
        absl::StrCat("service '", absl::CHexEscape(request->service()),
                     "' has no health status; the names are ", absl::StrJoin(names, ", "))));
    return reactor;
  }
  response->set_status(status);
  reactor->Finish(grpc::Status::OK);
  return reactor;
}

grpc::ServerWriteReactor<HealthCheckResponse>* HealthService::Watch(
    grpc::CallbackServerContext* context, const HealthCheckRequest* request) {
  (void)context;
  auto watch = std::make_shared<WatchReactor>(this, request->service());
  watch->Keep(watch);
  if (std::optional<grpc::Status> refused = CheckName(*request)) {
    watch->Refuse(*refused);
    return watch.get();
  }
  bool full = false;
  {
    absl::MutexLock lock(&mu_);
    full = watches_.size() >= watches_max_;
    if (!full) watches_.emplace(watch.get(), watch);
  }
  if (full) {  // refused outside mu_: gRPC may run OnDone, which takes it, before Finish returns
    watch->Refuse(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                               absl::StrCat("the server already has ", watches_max_,
                                            " health watches, its limit: end one, or use Check")));
    return watch.get();
  }
  watch->Pump();
  return watch.get();
}

}  // namespace omnistock::services
