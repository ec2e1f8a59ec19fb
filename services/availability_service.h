// omnistock.v1.Availability: the live, resumable change feed of stock (Watch).
#ifndef OMNISTOCK_SERVICES_AVAILABILITY_SERVICE_H_
#define OMNISTOCK_SERVICES_AVAILABILITY_SERVICE_H_

#include "omnistock/v1/availability.grpc.pb.h"
#include "services/change_feed.h"
#include "services/service_context.h"

namespace omnistock::services {

class AvailabilityService final : public v1::Availability::CallbackService {
 public:
  // `feed` must outlive the service. At most `watchers_max` watches at once: each may hold
  // kWatchBufferMax updates it has not read yet.
  AvailabilityService(ServiceContext ctx, ChangeFeed* feed, size_t watchers_max)
      : ctx_(ctx), feed_(feed), watchers_max_(watchers_max) {}

  grpc::ServerWriteReactor<v1::AvailabilityUpdate>* Watch(grpc::CallbackServerContext* context,
                                                          const v1::WatchRequest* request) override;

 private:
  ServiceContext ctx_;
  ChangeFeed* const feed_;
  const size_t watchers_max_;
};

}  // namespace omnistock::services

#endif  // OMNISTOCK_SERVICES_AVAILABILITY_SERVICE_H_
