#include "services/reservations_service.h"

#include "absl/strings/str_cat.h"
#include "services/convert.h"
#include "services/validation.h"

namespace omnistock::services {

grpc::ServerUnaryReactor* ReservationsService::Reserve(grpc::CallbackServerContext* context,
                                                       const v1::ReserveRequest* request,
                                                       v1::Reservation* response) {
  absl::StatusOr<ReserveCommand> command = ValidateReserve(*request, *ctx_.ledger);
  if (!command.ok()) return AnswerNow(context, ToGrpc(command.status()));
  return Answer(context, ctx_, ctx_.ledger->Reserve(*command, ctx_.clock->Now()),
                [&](const Reservation& value) { ToProto(value, response); });
}

grpc::ServerUnaryReactor* ReservationsService::Transition(grpc::CallbackServerContext* context,
                                                          const v1::ReservationRef* request,
                                                          TransitionFn fn,
                                                          v1::Reservation* response) {
  absl::StatusOr<ReservationId> id = ValidateReservationRef(*request);
  if (!id.ok()) return AnswerNow(context, ToGrpc(id.status()));
  return Answer(context, ctx_, (ctx_.ledger->*fn)(*id, ctx_.clock->Now()),
                [&](const Reservation& value) { ToProto(value, response); });
}

grpc::ServerUnaryReactor* ReservationsService::Confirm(grpc::CallbackServerContext* context,
                                                       const v1::ReservationRef* request,
                                                       v1::Reservation* response) {
  return Transition(context, request, &Ledger::Confirm, response);
}

grpc::ServerUnaryReactor* ReservationsService::Release(grpc::CallbackServerContext* context,
                                                       const v1::ReservationRef* request,
                                                       v1::Reservation* response) {
  return Transition(context, request, &Ledger::Release, response);
}

grpc::ServerUnaryReactor* ReservationsService::Fulfill(grpc::CallbackServerContext* context,
                                                       const v1::ReservationRef* request,
                                                       v1::Reservation* response) {
  return Transition(context, request, &Ledger::Fulfill, response);
}

grpc::ServerUnaryReactor* ReservationsService::ExtendReservation(
    grpc::CallbackServerContext* context, const v1::ExtendReservationRequest* request,
    v1::Reservation* response) {
  auto extend = ValidateExtendReservation(*request);
  if (!extend.ok()) return AnswerNow(context, ToGrpc(extend.status()));
  const auto& [id, ttl] = *extend;
  return Answer(context, ctx_, ctx_.ledger->Extend(id, ttl, ctx_.clock->Now()),
                [&](const Reservation& value) { ToProto(value, response); });
}

grpc::ServerUnaryReactor* ReservationsService::GetReservation(
    grpc::CallbackServerContext* context, const v1::ReservationRef* request,
    v1::Reservation* response) {
  absl::StatusOr<ReservationId> id = ValidateReservationRef(*request);
  if (!id.ok()) return AnswerNow(context, ToGrpc(id.status()));
  std::optional<Reservation> reservation = ctx_.ledger->GetReservation(*id);
  if (!reservation) {
    return AnswerNow(context,
                     grpc::Status(grpc::StatusCode::NOT_FOUND,
                                  absl::StrCat("reservation_id '", id->value(), "' is not known")));
  }
  ToProto(*reservation, response);
  return AnswerNow(context, grpc::Status::OK);
}

}  // namespace omnistock::services
