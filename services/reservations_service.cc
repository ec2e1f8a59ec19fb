#include "services/reservations_service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "engine/limits.h"
#include "services/convert.h"
#include "services/validation.h"

namespace omnistock::services {

grpc::ServerUnaryReactor* ReservationsService::Reserve(grpc::CallbackServerContext* context,
                                                       const v1::ReserveRequest* request,
                                                       v1::Reservation* response) {
  if (grpc::ServerUnaryReactor* refused = RefuseUnlessStorageAdmits(context, ctx_)) return refused;
  TransientIds ids;
  absl::StatusOr<ReserveCommand> command = ValidateReserve(*request, *ctx_.ledger, ids);
  if (!command.ok()) return AnswerNow(context, ToGrpc(command.status()));
  return Answer(context, ctx_, ctx_.ledger->Reserve(*command, ctx_.clock->Now()),
                [&](const Reservation& value) { ToProto(value, response); });
}

grpc::ServerUnaryReactor* ReservationsService::ReserveBatch(grpc::CallbackServerContext* context,
                                                            const v1::ReserveBatchRequest* request,
                                                            v1::ReserveBatchResponse* response) {
  if (grpc::ServerUnaryReactor* refused = RefuseUnlessStorageAdmits(context, ctx_)) return refused;
  if (request->orders_size() == 0 || request->orders_size() > kReserveBatchOrdersMax) {
    return AnswerNow(context,
                     grpc::Status(grpc::StatusCode::INVALID_ARGUMENT,
                                  absl::StrCat("orders must hold 1 to ", kReserveBatchOrdersMax,
                                               " orders, not ", request->orders_size())));
  }
  // Each order is applied on its own; the call waits for the last applied one, and since
  // commits are durable in ticket order, that covers every earlier one.
  CommitTicket last_ticket = 0;
  for (const v1::ReserveRequest& order : request->orders()) {
    if (ctx_.committer->failed()) break;  // nothing more is applied: the call answers the failure
    TransientIds ids;  // per order: a SKU interned by a call meanwhile is seen by the next one
    v1::ReserveResult* result = response->add_results();
    absl::StatusOr<ReserveCommand> command = ValidateReserve(order, *ctx_.ledger, ids);
    if (!command.ok()) {
      result->set_code(static_cast<int32_t>(command.status().code()));
      result->set_message(std::string(command.status().message()));
      continue;
    }
    Applied<Reservation> applied = ctx_.ledger->Reserve(*command, ctx_.clock->Now());
    if (!Succeeded(applied.outcome)) {
      // A refusal that reports a state some commit made waits for it too (service_context.h).
      last_ticket = std::max(last_ticket, applied.ticket);
      result->set_code(static_cast<int32_t>(StatusCodeFor(applied.outcome)));
      result->set_message(applied.detail);
      if (!applied.short_lines.empty())
        *result->mutable_shortfall() = ToShortfall(applied.short_lines);
      continue;
    }
    ToProto(applied.value, result->mutable_reservation());
    last_ticket = std::max(last_ticket, applied.ticket);
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  ctx_.committer->WhenDurable(last_ticket,
                              [reactor](absl::Status status) { reactor->Finish(ToGrpc(status)); });
  return reactor;
}

grpc::ServerUnaryReactor* ReservationsService::Transition(grpc::CallbackServerContext* context,
                                                          const v1::ReservationRef* request,
                                                          TransitionFn fn,
                                                          v1::Reservation* response) {
  if (grpc::ServerUnaryReactor* refused = RefuseUnlessStorageAdmits(context, ctx_)) return refused;
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
  if (grpc::ServerUnaryReactor* refused = RefuseUnlessStorageAdmits(context, ctx_)) return refused;
  auto extend = ValidateExtendReservation(*request);
  if (!extend.ok()) return AnswerNow(context, ToGrpc(extend.status()));
  const auto& [id, ttl] = *extend;
  return Answer(context, ctx_, ctx_.ledger->Extend(id, ttl, ctx_.clock->Now()),
                [&](const Reservation& value) { ToProto(value, response); });
}

grpc::ServerUnaryReactor* ReservationsService::GetReservation(grpc::CallbackServerContext* context,
                                                              const v1::ReservationRef* request,
                                                              v1::Reservation* response) {
  absl::StatusOr<ReservationId> id = ValidateReservationRef(*request);
  if (!id.ok()) return AnswerNow(context, ToGrpc(id.status()));
  // A hold past its deadline is shown EXPIRED, as every other call on it would find it; after
  // a storage failure nothing more is applied, and the read shows what the disk holds.
  std::optional<Reservation> reservation =
      ctx_.committer->failed() ? ctx_.ledger->GetReservation(*id)
                               : ctx_.ledger->GetReservation(*id, ctx_.clock->Now());
  if (!reservation) {
    return AnswerNow(context,
                     grpc::Status(grpc::StatusCode::NOT_FOUND,
                                  absl::StrCat("reservation_id '", id->value(), "' is not known")));
  }
  ToProto(*reservation, response);
  return AnswerReadWhenDurable(context, ctx_, reservation->written_by.ticket);
}

}  // namespace omnistock::services
