// omnistock.v1.StoreSales: sales and returns from the stores' tills, one by one or uploaded in
// bulk by a terminal that was offline.
#ifndef OMNISTOCK_SERVICES_STORE_SALES_SERVICE_H_
#define OMNISTOCK_SERVICES_STORE_SALES_SERVICE_H_

#include "omnistock/v1/store_sales.grpc.pb.h"
#include "services/service_context.h"

namespace omnistock::services {

// UploadSales reads its sales as bytes and parses them itself (services/parsed_stream.h).
class StoreSalesService final
    : public v1::StoreSales::WithRawCallbackMethod_UploadSales<v1::StoreSales::CallbackService> {
 public:
  explicit StoreSalesService(ServiceContext ctx) : ctx_(ctx) {}

  grpc::ServerUnaryReactor* RecordSale(grpc::CallbackServerContext* context,
                                       const v1::RecordSaleRequest* request,
                                       v1::PosResult* response) override;
  grpc::ServerUnaryReactor* RecordReturn(grpc::CallbackServerContext* context,
                                         const v1::RecordReturnRequest* request,
                                         v1::PosResult* response) override;
  grpc::ServerReadReactor<grpc::ByteBuffer>* UploadSales(grpc::CallbackServerContext* context,
                                                         grpc::ByteBuffer* response) override;

 private:
  ServiceContext ctx_;
};

}  // namespace omnistock::services

#endif  // OMNISTOCK_SERVICES_STORE_SALES_SERVICE_H_
