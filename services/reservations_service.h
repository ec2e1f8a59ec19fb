// omnistock.v1.Reservations: the checkout's hold, confirm, release and fulfil of an order.
#ifndef OMNISTOCK_SERVICES_RESERVATIONS_SERVICE_H_
#define OMNISTOCK_SERVICES_RESERVATIONS_SERVICE_H_

#include "omnistock/v1/reservations.grpc.pb.h"
#include "services/arena_messages.h"
#include "services/service_context.h"

namespace omnistock::services {

class ReservationsService final : public v1::Reservations::CallbackService {
 public:
  explicit ReservationsService(ServiceContext ctx) : ctx_(ctx) {
    SetMessageAllocatorFor_Reserve(&reserve_messages_);
    SetMessageAllocatorFor_ReserveBatch(&reserve_batch_messages_);
  }

  grpc::ServerUnaryReactor* Reserve(grpc::CallbackServerContext* context,
                                    const v1::ReserveRequest* request,
                                    v1::Reservation* response) override;
  grpc::ServerUnaryReactor* Confirm(grpc::CallbackServerContext* context,
                                    const v1::ReservationRef* request,
                                    v1::Reservation* response) override;
  grpc::ServerUnaryReactor* Release(grpc::CallbackServerContext* context,
                                    const v1::ReservationRef* request,
                                    v1::Reservation* response) override;
  grpc::ServerUnaryReactor* Fulfill(grpc::CallbackServerContext* context,
                                    const v1::ReservationRef* request,
                                    v1::Reservation* response) override;
  grpc::ServerUnaryReactor* ExtendReservation(grpc::CallbackServerContext* context,
                                              const v1::ExtendReservationRequest* request,
                                              v1::Reservation* response) override;
  grpc::ServerUnaryReactor* ReserveBatch(grpc::CallbackServerContext* context,
                                         const v1::ReserveBatchRequest* request,
                                         v1::ReserveBatchResponse* response) override;
  grpc::ServerUnaryReactor* GetReservation(grpc::CallbackServerContext* context,
                                           const v1::ReservationRef* request,
                                           v1::Reservation* response) override;

 private:
  using TransitionFn = Applied<Reservation> (Ledger::*)(const ReservationId&, absl::Time);
  grpc::ServerUnaryReactor* Transition(grpc::CallbackServerContext* context,
                                       const v1::ReservationRef* request, TransitionFn fn,
                                       v1::Reservation* response);

  ServiceContext ctx_;
  ArenaMessages<v1::ReserveRequest, v1::Reservation> reserve_messages_;
  ArenaMessages<v1::ReserveBatchRequest, v1::ReserveBatchResponse> reserve_batch_messages_;
};

}  // namespace omnistock::services

#endif  // OMNISTOCK_SERVICES_RESERVATIONS_SERVICE_H_
