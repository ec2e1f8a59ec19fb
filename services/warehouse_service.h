// omnistock.v1.Warehouse: what the WMS reports: cycle counts, receipts, adjustments and
// transfers between locations.
#ifndef OMNISTOCK_SERVICES_WAREHOUSE_SERVICE_H_
#define OMNISTOCK_SERVICES_WAREHOUSE_SERVICE_H_

#include "omnistock/v1/warehouse.grpc.pb.h"
#include "services/service_context.h"

namespace omnistock::services {

// SyncCounts reads its batches as bytes and parses them itself (services/parsed_stream.h).
class WarehouseService final
    : public v1::Warehouse::WithRawCallbackMethod_SyncCounts<v1::Warehouse::CallbackService> {
 public:
  explicit WarehouseService(ServiceContext ctx) : ctx_(ctx) {}

  grpc::ServerReadReactor<grpc::ByteBuffer>* SyncCounts(grpc::CallbackServerContext* context,
                                                        grpc::ByteBuffer* response) override;
  grpc::ServerUnaryReactor* Receive(grpc::CallbackServerContext* context,
                                    const v1::ReceiveRequest* request,
                                    v1::PositionView* response) override;
  grpc::ServerUnaryReactor* Adjust(grpc::CallbackServerContext* context,
                                   const v1::AdjustRequest* request,
                                   v1::PositionView* response) override;
  grpc::ServerUnaryReactor* Transfer(grpc::CallbackServerContext* context,
                                     const v1::TransferRequest* request,
                                     v1::TransferView* response) override;
  grpc::ServerUnaryReactor* ReceiveTransfer(grpc::CallbackServerContext* context,
                                            const v1::TransferRef* request,
                                            v1::TransferView* response) override;

 private:
  ServiceContext ctx_;
};

}  // namespace omnistock::services

#endif  // OMNISTOCK_SERVICES_WAREHOUSE_SERVICE_H_
