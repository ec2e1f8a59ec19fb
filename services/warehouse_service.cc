#include "services/warehouse_service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "services/inventory_service.h"
#include "services/validation.h"

namespace omnistock::services {
namespace {

// Applies each batch of counts as it arrives (one commit per batch), and answers with the
// summary once the last batch is durable. A malformed batch ends the stream with
// INVALID_ARGUMENT; the batches before it stay applied, and the message says how many.
class SyncCountsReactor final : public grpc::ServerReadReactor<v1::CountBatch> {
 public:
  SyncCountsReactor(const ServiceContext& ctx, v1::SyncCountsSummary* summary)
      : ctx_(ctx), summary_(summary) {
    StartRead(&batch_);
  }

  void OnReadDone(bool ok) override {
    if (!ok) {
      FinishWhenDurable(absl::OkStatus());
      return;
    }
    const int64_t index = summary_->batches();
    TransientIds ids;  // the rows at unknown locations: counted, kept nowhere
    absl::StatusOr<std::vector<CountRow>> rows =
        ValidateCountBatch(batch_, index, ctx_.clock->Now(), *ctx_.ledger, ids);
    if (!rows.ok()) {
      // An error carries no summary: what the applied batches did is told here, and their
      // at-risk reservations are on their count movements (ListMovements, Watch).
      FinishWhenDurable(absl::InvalidArgumentError(
          absl::StrCat(rows.status().message(), " (nothing of this batch was applied; the ", index,
                       " before it were: ", summary_->rows_applied(), " rows applied, ",
                       summary_->rows_stale(), " stale, ", summary_->rows_unknown(),
                       " at unknown locations, ", summary_->rows_over_limit(), " over the limit, ",
                       summary_->at_risk_size(), " reservations listed at risk (at most ",
                       kAtRiskListedMax, "; all are on their count movements))")));
      return;
    }
    Applied<CountSummary> applied = ctx_.ledger->ApplyCounts(*rows, ctx_.clock->Now());
    ticket_ = std::max(ticket_, applied.ticket);
    const CountSummary& counted = applied.value;
    summary_->set_batches(index + 1);
    summary_->set_rows_applied(summary_->rows_applied() + counted.applied);
    summary_->set_rows_stale(summary_->rows_stale() + counted.stale);
    summary_->set_rows_unknown(summary_->rows_unknown() + counted.unknown);
    summary_->set_rows_over_limit(summary_->rows_over_limit() + counted.over_limit);
    summary_->set_total_absolute_discrepancy(summary_->total_absolute_discrepancy() +
                                             counted.discrepancy);
    at_risk_.Add(counted.at_risk, summary_->mutable_at_risk());
    StartRead(&batch_);
  }

  void OnDone() override { delete this; }

 private:
  void FinishWhenDurable(absl::Status status) {
    ctx_.committer->WhenDurable(ticket_, [this, status](absl::Status durable) {
      Finish(ToGrpc(durable.ok() ? status : durable));
    });
  }

  const ServiceContext ctx_;
  v1::SyncCountsSummary* const summary_;
  v1::CountBatch batch_;
  CommitTicket ticket_ = 0;
  AtRiskListing at_risk_;
};

}  // namespace

grpc::ServerReadReactor<v1::CountBatch>* WarehouseService::SyncCounts(
    grpc::CallbackServerContext*, v1::SyncCountsSummary* response) {
  return new SyncCountsReactor(ctx_, response);
}

grpc::ServerUnaryReactor* WarehouseService::Receive(grpc::CallbackServerContext* context,
                                                    const v1::ReceiveRequest* request,
                                                    v1::PositionView* response) {
  return AnswerReceive(context, ctx_, *request, response);
}

grpc::ServerUnaryReactor* WarehouseService::Adjust(grpc::CallbackServerContext* context,
                                                   const v1::AdjustRequest* request,
                                                   v1::PositionView* response) {
  return AnswerAdjust(context, ctx_, *request, response);
}

grpc::ServerUnaryReactor* WarehouseService::Transfer(grpc::CallbackServerContext* context,
                                                     const v1::TransferRequest* request,
                                                     v1::TransferView* response) {
  TransientIds ids;  // used by the ledger within this call only
  return AnswerCommand(context, ctx_, ValidateTransfer(*request, *ctx_.ledger, ids),
                       &Ledger::ShipTransfer, response);
}

grpc::ServerUnaryReactor* WarehouseService::ReceiveTransfer(grpc::CallbackServerContext* context,
                                                            const v1::TransferRef* request,
                                                            v1::TransferView* response) {
  return AnswerCommand(context, ctx_, ValidateTransferRef(*request), &Ledger::ReceiveTransfer,
                       response);
}

}  // namespace omnistock::services
