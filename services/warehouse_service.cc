#include "services/warehouse_service.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "services/inventory_service.h"
#include "services/parsed_stream.h"
#include "services/validation.h"

namespace omnistock::services {
namespace {

// Copies `from`'s entries into `to` while `size` stays within kStatusDetailsBytesMax, counting
// each in it; false when some were left out.
template <typename Entry>
bool CopyWhileFits(const google::protobuf::RepeatedPtrField<Entry>& from,
                   google::protobuf::RepeatedPtrField<Entry>* to, size_t& size) {
  for (const Entry& one : from) {
    const size_t entry = one.ByteSizeLong();
    // A tag byte and the entry's length before it.
    size += 1 + google::protobuf::io::CodedOutputStream::VarintSize64(entry) + entry;
    if (size > kStatusDetailsBytesMax) return false;
    *to->Add() = one;
  }
  return true;
}

// The summary as a refused batch's status carries it: with as many of its reservations at risk,
// then of its rows not applied, as fit within kStatusDetailsBytesMax with the status's
// `message` (the first of each; *_truncated when some are left out).
v1::SyncCountsSummary DetailOf(const v1::SyncCountsSummary& summary, absl::string_view message) {
  v1::SyncCountsSummary detail = summary;
  detail.clear_at_risk();
  detail.clear_rows_not_applied();
  // The message goes twice (grpc-message, and in the google.rpc.Status of the details), and the
  // status wraps the summary in an Any.
  constexpr size_t kWrapping = 256;
  size_t size = detail.ByteSizeLong() + 2 * message.size() + kWrapping;
  if (!CopyWhileFits(summary.at_risk(), detail.mutable_at_risk(), size)) {
    detail.set_at_risk_truncated(true);
  }
  if (!CopyWhileFits(summary.rows_not_applied(), detail.mutable_rows_not_applied(), size)) {
    detail.set_rows_not_applied_truncated(true);
  }
  return detail;
}

// Applies each batch of counts as it arrives (one commit per batch), and answers with the
// summary once the last batch is durable. A malformed batch, or one that does not parse, ends
// the stream with INVALID_ARGUMENT; the batches before it stay applied, and the message says
// how many. So does one that finds the storage failed or too far behind, with UNAVAILABLE.
class SyncCountsReactor final : public ParsedReadReactor<v1::CountBatch, v1::SyncCountsSummary> {
 public:
  SyncCountsReactor(const ServiceContext& ctx, grpc::ByteBuffer* response)
      : ParsedReadReactor(response), ctx_(ctx) {
    ReadNext();
  }

 private:
  void OnEnd() override { FinishWhenDurable(absl::OkStatus()); }

  void OnMessage(int64_t index, const v1::CountBatch* batch) override {
    // Nothing more is applied after a storage failure (answered with it), nor while the disk
    // is too far behind (committer.h): the batches before this one stay applied.
    if (absl::Status admitted = ctx_.committer->Admit(); !admitted.ok()) {
      Refuse(absl::StrCat("batches[", index, "]: ", admitted.message()), admitted.code());
      return;
    }
    if (batch == nullptr) {
      Refuse(absl::StrCat("batches[", index,
                          "] does not parse as an omnistock.v1.CountBatch (a string that is not "
                          "UTF-8, or bytes of another message)"));
      return;
    }
    TransientIds ids;  // the rows at unknown locations: counted, kept nowhere
    absl::StatusOr<std::vector<CountRow>> rows =
        ValidateCountBatch(*batch, index, ctx_.clock->Now(), *ctx_.ledger, ids);
    if (!rows.ok()) {
      Refuse(rows.status().message());
      return;
    }
    Applied<CountSummary> applied = ctx_.ledger->ApplyCounts(*rows, ctx_.clock->Now());
    ticket_ = std::max(ticket_, applied.ticket);
    const CountSummary& counted = applied.value;
    summary_.set_batches(index + 1);
    summary_.set_rows_applied(summary_.rows_applied() + counted.applied);
    summary_.set_rows_stale(summary_.rows_stale() + counted.stale);
    summary_.set_rows_unknown(summary_.rows_unknown() + counted.unknown);
    summary_.set_rows_over_limit(summary_.rows_over_limit() + counted.over_limit);
    summary_.set_rows_holding_no_stock(summary_.rows_holding_no_stock() + counted.holds_no_stock);
    summary_.set_rows_unreconciled(summary_.rows_unreconciled() + counted.unreconciled);
    summary_.set_total_absolute_discrepancy(summary_.total_absolute_discrepancy() +
                                            counted.discrepancy);
    at_risk_.Add(counted.at_risk, summary_.mutable_at_risk(), counted.at_risk_truncated);
    summary_.set_at_risk_truncated(at_risk_.truncated());
    for (const CountRowNotApplied& row : counted.not_applied) {
      if (summary_.rows_not_applied_size() >= kCountRowsNotAppliedListedMax) {
        summary_.set_rows_not_applied_truncated(true);
        break;
      }
      v1::CountRowNotApplied* listed = summary_.add_rows_not_applied();
      listed->set_batch(index);
      listed->set_row(row.row);
      listed->set_location_id(batch->rows(row.row).location_id());
      listed->set_sku(batch->rows(row.row).sku());
      listed->set_reason(static_cast<v1::CountRowNotApplied::Reason>(row.issue));
    }
    ReadNext();
  }

  // What the applied batches did is told in the error's message, and their summary, at-risk
  // reservations included, is among its details (warehouse.proto).
  void Refuse(absl::string_view why, absl::StatusCode code = absl::StatusCode::kInvalidArgument) {
    absl::Status status(
        code,
        absl::StrCat(why, " (nothing of this batch was applied; the batches before it, ",
                     summary_.batches(), ", were: ", summary_.rows_applied(), " rows applied, ",
                     summary_.rows_stale(), " stale, ", summary_.rows_unknown(),
                     " at unknown locations, ", summary_.rows_over_limit(), " over the limit, ",
                     summary_.rows_holding_no_stock(), " raising a pickup point's stock, ",
                     summary_.rows_unreconciled(), " older than their positions' history, ",
                     summary_.at_risk_size(), summary_.at_risk_truncated() ? " and more" : "",
                     " reservations put at risk; the status's details hold their summary)"));
    AddDetail(DetailOf(summary_, status.message()), status);
    FinishWhenDurable(std::move(status));
  }

  void FinishWhenDurable(absl::Status status) {
    AnswerWhenDurable(*ctx_.committer, ticket_, std::move(status), summary_);
  }

  const ServiceContext ctx_;
  v1::SyncCountsSummary summary_;
  CommitTicket ticket_ = 0;
  AtRiskListing at_risk_;
};

}  // namespace

grpc::ServerReadReactor<grpc::ByteBuffer>* WarehouseService::SyncCounts(
    grpc::CallbackServerContext*, grpc::ByteBuffer* response) {
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
  TransientIds ids;  // used by the ledger within this call only
  return AnswerCommand(context, ctx_, ValidateTransferRef(*request, ids), &Ledger::ReceiveTransfer,
                       response);
}

}  // namespace omnistock::services
