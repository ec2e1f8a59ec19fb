// omnistock.v1.Inventory: stock movements that are not reservations, availability reads and
// the journal.
#ifndef OMNISTOCK_SERVICES_INVENTORY_SERVICE_H_
#define OMNISTOCK_SERVICES_INVENTORY_SERVICE_H_

#include "omnistock/v1/inventory.grpc.pb.h"
#include "services/service_context.h"

namespace omnistock::services {

// Receive and Adjust, which the Warehouse service serves too (the WMS's own endpoint): one
// handler each for both services.
grpc::ServerUnaryReactor* AnswerReceive(grpc::CallbackServerContext* context,
                                        const ServiceContext& ctx,
                                        const v1::ReceiveRequest& request,
                                        v1::PositionView* response);
grpc::ServerUnaryReactor* AnswerAdjust(grpc::CallbackServerContext* context,
                                       const ServiceContext& ctx, const v1::AdjustRequest& request,
                                       v1::PositionView* response);

class InventoryService final : public v1::Inventory::CallbackService {
 public:
  explicit InventoryService(ServiceContext ctx) : ctx_(ctx) {}

  grpc::ServerUnaryReactor* Receive(grpc::CallbackServerContext* context,
                                    const v1::ReceiveRequest* request,
                                    v1::PositionView* response) override;
  grpc::ServerUnaryReactor* Adjust(grpc::CallbackServerContext* context,
                                   const v1::AdjustRequest* request,
                                   v1::PositionView* response) override;
  grpc::ServerUnaryReactor* SetSafetyStock(grpc::CallbackServerContext* context,
                                           const v1::SetSafetyStockRequest* request,
                                           v1::PositionView* response) override;
  grpc::ServerUnaryReactor* GetAvailability(grpc::CallbackServerContext* context,
                                            const v1::GetAvailabilityRequest* request,
                                            v1::GetAvailabilityResponse* response) override;
  grpc::ServerUnaryReactor* ListMovements(grpc::CallbackServerContext* context,
                                          const v1::ListMovementsRequest* request,
                                          v1::ListMovementsResponse* response) override;
  grpc::ServerUnaryReactor* ListPositions(grpc::CallbackServerContext* context,
                                          const v1::ListPositionsRequest* request,
                                          v1::ListPositionsResponse* response) override;

 private:
  ServiceContext ctx_;
};

}  // namespace omnistock::services

#endif  // OMNISTOCK_SERVICES_INVENTORY_SERVICE_H_
