// omnistock.v1.Network: the locations of the retailer's network.
#ifndef OMNISTOCK_SERVICES_NETWORK_SERVICE_H_
#define OMNISTOCK_SERVICES_NETWORK_SERVICE_H_

#include "omnistock/v1/network.grpc.pb.h"
#include "services/service_context.h"

namespace omnistock::services {

class NetworkService final : public v1::Network::CallbackService {
 public:
  explicit NetworkService(ServiceContext ctx) : ctx_(ctx) {}

  grpc::ServerUnaryReactor* UpsertLocation(grpc::CallbackServerContext* context,
                                           const v1::UpsertLocationRequest* request,
                                           v1::Location* response) override;
  grpc::ServerUnaryReactor* ListLocations(grpc::CallbackServerContext* context,
                                          const v1::ListLocationsRequest* request,
                                          v1::ListLocationsResponse* response) override;

 private:
  ServiceContext ctx_;
};

}  // namespace omnistock::services

#endif  // OMNISTOCK_SERVICES_NETWORK_SERVICE_H_
