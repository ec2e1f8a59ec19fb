// omnistock.v1.Availability: the live, resumable change feed of stock (Watch).
#ifndef OMNISTOCK_SERVICES_AVAILABILITY_SERVICE_H_
#define OMNISTOCK_SERVICES_AVAILABILITY_SERVICE_H_

#include "omnistock/v1/availability.grpc.pb.h"
#include "services/change_feed.h"
#include "services/service_context.h"

namespace omnistock::services {

class AvailabilityService final : public v1::Availability::CallbackService {
 public:
  // `feed` must outlive the service.
  AvailabilityService(ServiceContext ctx, ChangeFeed* feed) : ctx_(ctx), feed_(feed) {}

  grpc::ServerWriteReactor<v1::AvailabilityUpdate>* Watch(grpc::CallbackServerContext* context,
                                                          const v1::WatchRequest* request) override;

 private:
  ServiceContext ctx_;
  ChangeFeed* const feed_;
};

}  // namespace omnistock::services

#endif  // OMNISTOCK_SERVICES_AVAILABILITY_SERVICE_H_
