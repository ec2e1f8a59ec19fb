// omnistock.v1.Fulfillment: where an order should come from (Plan), and the same plan held at
// once (RouteAndReserve). The planning itself is engine/routing; this is its gRPC edge.
#ifndef OMNISTOCK_SERVICES_FULFILLMENT_SERVICE_H_
#define OMNISTOCK_SERVICES_FULFILLMENT_SERVICE_H_

#include "engine/routing/plan.h"
#include "omnistock/v1/fulfillment.grpc.pb.h"
#include "services/service_context.h"

namespace omnistock::services {

class FulfillmentService final : public v1::Fulfillment::CallbackService {
 public:
  explicit FulfillmentService(ServiceContext ctx) : ctx_(ctx) {}

  grpc::ServerUnaryReactor* Plan(grpc::CallbackServerContext* context,
                                 const v1::PlanRequest* request,
                                 v1::PlanResponse* response) override;
  grpc::ServerUnaryReactor* RouteAndReserve(grpc::CallbackServerContext* context,
                                            const v1::RouteAndReserveRequest* request,
                                            v1::RouteAndReserveResponse* response) override;
  grpc::ServerUnaryReactor* GetRoutingConfig(grpc::CallbackServerContext* context,
                                             const v1::GetRoutingConfigRequest* request,
                                             v1::RoutingConfig* response) override;

 private:
  ServiceContext ctx_;
};

// `lines` are the request's: rejected candidates name their lines by index.
void ToProto(const routing::Plan& plan, const std::vector<routing::OrderLine>& lines,
             v1::PlanResponse* out);
void ToProto(const routing::RoutingConfig& config, v1::RoutingConfig* out);

}  // namespace omnistock::services

#endif  // OMNISTOCK_SERVICES_FULFILLMENT_SERVICE_H_
