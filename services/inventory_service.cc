#include "services/inventory_service.h"

#include <algorithm>
#include <memory>
#include <optional>

#include "absl/strings/str_cat.h"
#include "engine/limits.h"
#include "services/convert.h"
#include "services/validation.h"

namespace omnistock::services {

grpc::ServerUnaryReactor* AnswerReceive(grpc::CallbackServerContext* context,
                                        const ServiceContext& ctx,
                                        const v1::ReceiveRequest& request,
                                        v1::PositionView* response) {
  TransientIds ids;  // used by the ledger within this call only
  return AnswerCommand(context, ctx, ValidateReceive(request, *ctx.ledger, ids), &Ledger::Receive,
                       response);
}

grpc::ServerUnaryReactor* AnswerAdjust(grpc::CallbackServerContext* context,
                                       const ServiceContext& ctx, const v1::AdjustRequest& request,
                                       v1::PositionView* response) {
  TransientIds ids;  // used by the ledger within this call only
  return AnswerCommand(context, ctx, ValidateAdjust(request, *ctx.ledger, ids), &Ledger::Adjust,
                       response);
}

grpc::ServerUnaryReactor* InventoryService::Receive(grpc::CallbackServerContext* context,
                                                    const v1::ReceiveRequest* request,
                                                    v1::PositionView* response) {
  return AnswerReceive(context, ctx_, *request, response);
}

grpc::ServerUnaryReactor* InventoryService::Adjust(grpc::CallbackServerContext* context,
                                                   const v1::AdjustRequest* request,
                                                   v1::PositionView* response) {
  return AnswerAdjust(context, ctx_, *request, response);
}

grpc::ServerUnaryReactor* InventoryService::SetSafetyStock(grpc::CallbackServerContext* context,
                                                           const v1::SetSafetyStockRequest* request,
                                                           v1::PositionView* response) {
  TransientIds ids;  // used by the ledger within this call only
  return AnswerCommand(context, ctx_, ValidateSetSafetyStock(*request, *ctx_.ledger, ids),
                       &Ledger::SetSafetyStock, response);
}

grpc::ServerUnaryReactor* InventoryService::GetAvailability(
    grpc::CallbackServerContext* context, const v1::GetAvailabilityRequest* request,
    v1::GetAvailabilityResponse* response) {
  TransientIds ids;
  absl::StatusOr<AvailabilityQuery> query = ValidateGetAvailability(*request, *ctx_.ledger, ids);
  if (!query.ok()) return AnswerNow(context, ToGrpc(query.status()));
  Sequence shown = 0;
  for (const Position& position : ctx_.ledger->GetPositions(query->skus, query->locations)) {
    ToProto(position, response->add_positions());
    shown = std::max(shown, position.last_sequence);
  }
  return AnswerReadWhenDurable(context, ctx_, TicketShowing(ctx_, shown));
}

grpc::ServerUnaryReactor* InventoryService::ListPositions(grpc::CallbackServerContext* context,
                                                          const v1::ListPositionsRequest* request,
                                                          v1::ListPositionsResponse* response) {
  absl::StatusOr<PositionsQuery> query = ValidateListPositions(*request, *ctx_.ledger);
  if (!query.ok()) return AnswerNow(context, ToGrpc(query.status()));
  // One more than the page, to know whether another follows.
  std::vector<Position> positions =
      ctx_.ledger->PositionsAt(query->location, query->after_sku, query->limit + 1);
  if (static_cast<int>(positions.size()) > query->limit) {
    positions.resize(query->limit);
    response->set_next_after_sku(positions.back().sku.value());
  }
  Sequence shown = 0;
  for (const Position& position : positions) {
    ToProto(position, response->add_positions());
    shown = std::max(shown, position.last_sequence);
  }
  return AnswerReadWhenDurable(context, ctx_, TicketShowing(ctx_, shown));
}

grpc::ServerUnaryReactor* InventoryService::ListMovements(grpc::CallbackServerContext* context,
                                                          const v1::ListMovementsRequest* request,
                                                          v1::ListMovementsResponse* response) {
  // The query's ids may be the call's own (transient_ids.h): they go with it to the reader.
  auto ids = std::make_shared<TransientIds>();
  absl::StatusOr<storage::JournalQuery> query = ValidateListMovements(*request, *ctx_.ledger, *ids);
  if (!query.ok()) return AnswerNow(context, ToGrpc(query.status()));
  if (std::optional<grpc::Status> lost =
          RefuseDroppedSequence(ctx_, "after_sequence", query->after_sequence,
                                "Movements read up to it may no longer be in the journal: read "
                                "it again from before the gap")) {
    return AnswerNow(context, *lost);
  }
  if (const int64_t pending = ctx_.journal_readers->pending(); pending >= kJournalReadsPendingMax) {
    return AnswerNow(context,
                     grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                  absl::StrCat(pending,
                                               " journal reads are waiting for the reader "
                                               "(at most ",
                                               kJournalReadsPendingMax, "); retry later")));
  }
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  // A call that ended (its deadline passed, its client cancelled) while its read waited costs
  // no read. The context lives until Finish, which comes after.
  auto wanted = [context] { return !context->IsCancelled(); };
  ReadJournal(
      ctx_, *query,
      [ids, limit = query->limit, response, reactor](
          absl::StatusOr<std::vector<Movement>> movements, Sequence scanned_through) {
        if (!movements.ok()) {
          reactor->Finish(ToGrpc(movements.status()));
          return;
        }
        for (const Movement& movement : *movements) {
          ToProto(movement, response->add_movements());
        }
        if (static_cast<int>(movements->size()) == limit) {
          response->set_next_after_sequence(movements->back().sequence);
        } else if (scanned_through > 0) {
          // The read stopped at its row bound.
          response->set_next_after_sequence(scanned_through);
        }
        reactor->Finish(grpc::Status::OK);
      },
      wanted);
  return reactor;
}

}  // namespace omnistock::services
