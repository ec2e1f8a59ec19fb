#include "services/store_sales_service.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "engine/limits.h"
#include "services/convert.h"
#include "services/parsed_stream.h"
#include "services/validation.h"

namespace omnistock::services {
namespace {

// Whether a sale's list of reservations at risk may be cut short: a line (one position) lists at
// most kAtRiskPerMovementMax of them.
bool MayBeCut(const std::vector<AtRisk>& at_risk) {
  absl::flat_hash_map<std::pair<Sku, LocationId>, int> per_position;
  for (const AtRisk& one : at_risk) {
    if (++per_position[{one.sku, one.location}] >= kAtRiskPerMovementMax) return true;
  }
  return false;
}

// Applies each uploaded sale as it arrives, in order, and answers with the summary once the
// last one is durable. A sale that is invalid, or does not parse, is rejected in the summary
// and the upload goes on. The first that finds the storage failed or too far behind ends it
// (UNAVAILABLE, saying where).
class UploadSalesReactor final
    : public ParsedReadReactor<v1::RecordSaleRequest, v1::UploadSalesSummary> {
 public:
  UploadSalesReactor(const ServiceContext& ctx, grpc::ByteBuffer* response)
      : ParsedReadReactor(response), ctx_(ctx) {
    ReadNext();
  }

 private:
  void OnEnd() override {  // the terminal has sent everything
    AnswerWhenDurable(*ctx_.committer, std::max(ticket_, ctx_.ledger->last_ticket()),
                      absl::OkStatus(), summary_);
  }

  void OnMessage(int64_t index, const v1::RecordSaleRequest* request) override {
    // Nothing more is applied after a storage failure (answered with it), nor while the disk
    // is too far behind (committer.h). An error carries no summary: its message tells where the
    // upload stopped, and uploading again from there (or from the start) skips duplicates.
    if (absl::Status admitted = ctx_.committer->Admit(); !admitted.ok()) {
      // What this upload applied (or found applied) must be durable first; not the whole
      // ledger's backlog, which waits for the disk.
      AnswerWhenDurable(
          *ctx_.committer, ticket_,
          absl::Status(admitted.code(),
                       absl::StrCat("sales[", index, "]: ", admitted.message(),
                                    " (this sale and those after it were not applied; of the ",
                                    index, " before it, ", summary_.applied(), " were applied, ",
                                    summary_.duplicates(), " duplicates, ", summary_.rejected(),
                                    " rejected)")),
          summary_);
      return;
    }
    summary_.set_received(index + 1);
    if (request == nullptr) {
      Reject(index, {},
             "the message does not parse as an omnistock.v1.RecordSaleRequest (a string that is "
             "not UTF-8, or bytes of another message)");
    } else {
      Apply(index, *request);
    }
    ReadNext();
  }

  void Apply(int64_t index, const v1::RecordSaleRequest& request) {
    const absl::Time now = ctx_.clock->Now();
    TransientIds ids;  // used by the ledger within this sale only
    absl::StatusOr<SaleCommand> command = ValidateRecordSale(request, *ctx_.ledger, now, ids);
    if (!command.ok()) {
      Reject(index, request.pos_transaction_id(), std::string(command.status().message()));
      return;
    }
    Applied<PosResult> applied = ctx_.ledger->RecordSale(*command, now);
    if (!Succeeded(applied.outcome)) {
      Reject(index, request.pos_transaction_id(), applied.detail);
      return;
    }
    ticket_ = std::max(ticket_, applied.ticket);
    if (applied.value.duplicate) {
      summary_.set_duplicates(summary_.duplicates() + 1);
    } else {
      summary_.set_applied(summary_.applied() + 1);
    }
    // A duplicate's too, as recorded (RecordSale answers it so): an upload sent again because
    // its summary was lost tells what the first one did.
    if (!applied.value.transaction.at_risk.empty()) {
      summary_.set_at_risk_results(summary_.at_risk_results() + 1);
      at_risk_.Add(applied.value.transaction.at_risk, summary_.mutable_at_risk(),
                   MayBeCut(applied.value.transaction.at_risk));
      summary_.set_at_risk_truncated(at_risk_.truncated());
    }
  }

  void Reject(int64_t index, const std::string& pos_transaction_id, std::string message) {
    summary_.set_rejected(summary_.rejected() + 1);
    if (summary_.rejections_size() >= kUploadRejectionsListedMax) return;
    v1::UploadRejection* rejection = summary_.add_rejections();
    rejection->set_index(index);
    rejection->set_pos_transaction_id(pos_transaction_id);
    rejection->set_message(std::move(message));
  }

  const ServiceContext ctx_;
  v1::UploadSalesSummary summary_;
  CommitTicket ticket_ = 0;
  AtRiskListing at_risk_;
};

}  // namespace

grpc::ServerUnaryReactor* StoreSalesService::RecordSale(grpc::CallbackServerContext* context,
                                                        const v1::RecordSaleRequest* request,
                                                        v1::PosResult* response) {
  if (grpc::ServerUnaryReactor* refused = RefuseUnlessStorageAdmits(context, ctx_)) return refused;
  const absl::Time now = ctx_.clock->Now();
  TransientIds ids;  // used by the ledger within this call only
  absl::StatusOr<SaleCommand> command = ValidateRecordSale(*request, *ctx_.ledger, now, ids);
  if (!command.ok()) return AnswerNow(context, ToGrpc(command.status()));
  return Answer(context, ctx_, ctx_.ledger->RecordSale(*command, now),
                [&](const PosResult& value) { ToProto(value, response); });
}

grpc::ServerUnaryReactor* StoreSalesService::RecordReturn(grpc::CallbackServerContext* context,
                                                          const v1::RecordReturnRequest* request,
                                                          v1::PosResult* response) {
  if (grpc::ServerUnaryReactor* refused = RefuseUnlessStorageAdmits(context, ctx_)) return refused;
  const absl::Time now = ctx_.clock->Now();
  TransientIds ids;  // used by the ledger within this call only
  absl::StatusOr<ReturnCommand> command = ValidateRecordReturn(*request, *ctx_.ledger, now, ids);
  if (!command.ok()) return AnswerNow(context, ToGrpc(command.status()));
  return Answer(context, ctx_, ctx_.ledger->RecordReturn(*command, now),
                [&](const PosResult& value) { ToProto(value, response); });
}

grpc::ServerReadReactor<grpc::ByteBuffer>* StoreSalesService::UploadSales(
    grpc::CallbackServerContext*, grpc::ByteBuffer* response) {
  return new UploadSalesReactor(ctx_, response);
}

}  // namespace omnistock::services
