// Validation at the edge: every request is checked here before it becomes an engine command.
// A bad request is INVALID_ARGUMENT (or NOT_FOUND for an unknown location) with a message that
// names the field and the limit, and nothing is touched. The limits are those of
// engine/limits.h.
#ifndef OMNISTOCK_SERVICES_VALIDATION_H_
#define OMNISTOCK_SERVICES_VALIDATION_H_

#include <vector>

#include "absl/status/statusor.h"
#include "engine/ledger.h"
#include "engine/transient_ids.h"
#include "omnistock/v1/availability.pb.h"
#include "omnistock/v1/fulfillment.pb.h"
#include "omnistock/v1/inventory.pb.h"
#include "omnistock/v1/network.pb.h"
#include "omnistock/v1/reservations.pb.h"
#include "omnistock/v1/store_sales.pb.h"
#include "omnistock/v1/warehouse.pb.h"
#include "services/change_feed.h"
#include "storage/store.h"

namespace omnistock::services {

absl::StatusOr<Location> ValidateUpsertLocation(const v1::UpsertLocationRequest& request);
// The location an update_mask request changes: the mask names only fields of a location that
// may be changed, and the location is known (NOT_FOUND otherwise).
absl::StatusOr<LocationId> ValidateUpdateMask(const v1::UpsertLocationRequest& request,
                                              const Ledger& ledger);
// `stored` with the fields of request.location that request.update_mask names, validated as
// UpsertLocation validates a whole location.
absl::StatusOr<Location> MergeMasked(const v1::UpsertLocationRequest& request,
                                     const Location& stored);
// Changes of stock and till transactions name their SKUs through `ids` (valid while it lives),
// and the ledger interns a SKU only once it makes the change: a refused call (a pickup point,
// a correction below zero, a till at a warehouse) interns nothing.
absl::StatusOr<ReceiveCommand> ValidateReceive(const v1::ReceiveRequest& request,
                                               const Ledger& ledger, TransientIds& ids);
absl::StatusOr<AdjustCommand> ValidateAdjust(const v1::AdjustRequest& request, const Ledger& ledger,
                                             TransientIds& ids);
absl::StatusOr<SafetyStockCommand> ValidateSetSafetyStock(const v1::SetSafetyStockRequest& request,
                                                          const Ledger& ledger, TransientIds& ids);

struct AvailabilityQuery {
  std::vector<Sku> skus;
  std::vector<LocationId> locations;
};
// Reads resolve the SKUs and locations they name through `ids` (never interning an unknown
// one): the query is valid while `ids` lives.
absl::StatusOr<AvailabilityQuery> ValidateGetAvailability(const v1::GetAvailabilityRequest& request,
                                                          const Ledger& ledger, TransientIds& ids);
struct PositionsQuery {
  LocationId location;
  std::string after_sku;
  int limit = 0;
};
// An unknown location_id is NOT_FOUND.
absl::StatusOr<PositionsQuery> ValidateListPositions(const v1::ListPositionsRequest& request,
                                                     const Ledger& ledger);
// An unknown location_id is NOT_FOUND.
absl::StatusOr<storage::JournalQuery> ValidateListMovements(const v1::ListMovementsRequest& request,
                                                            const Ledger& ledger,
                                                            TransientIds& ids);

// An order resolves its SKUs through `ids` (valid while it lives): a SKU never stocked anywhere
// stays a transient id, which finds no position, so the ledger refuses the order (or calls a
// retry of a stored one different) and keeps nothing of it. A held order's SKUs all had
// positions, so they are interned ids.
absl::StatusOr<ReserveCommand> ValidateReserve(const v1::ReserveRequest& request,
                                               const Ledger& ledger, TransientIds& ids);
absl::StatusOr<ReservationId> ValidateReservationRef(const v1::ReservationRef& request);
absl::StatusOr<std::pair<ReservationId, absl::Duration>> ValidateExtendReservation(
    const v1::ExtendReservationRequest& request);

// A plan resolves its SKUs through `ids`, valid while it lives, as ValidateReserve does. Its
// errors name each field after `in` (the request it is part of: "plan.").
absl::StatusOr<routing::PlanRequest> ValidatePlan(const v1::PlanRequest& request,
                                                  const Ledger& ledger, TransientIds& ids,
                                                  absl::string_view in = "");
absl::StatusOr<RouteCommand> ValidateRouteAndReserve(const v1::RouteAndReserveRequest& request,
                                                     const Ledger& ledger, TransientIds& ids);

// NOT_FOUND for a location the ledger does not know.
absl::StatusOr<WatchFilter> ValidateWatch(const v1::WatchRequest& request, const Ledger& ledger);

// One batch of cycle counts; `batch_index` names it in errors. Unknown locations are not an
// error: the ledger counts them. A row at a location not known now gets ids from `ids` that
// match no stored one (valid while it lives), so the ledger counts it as unknown even if the
// location is added meanwhile, and nothing of it is interned; an invalid batch interns nothing.
absl::StatusOr<std::vector<CountRow>> ValidateCountBatch(const v1::CountBatch& batch,
                                                         int64_t batch_index, absl::Time now,
                                                         const Ledger& ledger, TransientIds& ids);
absl::StatusOr<Transfer> ValidateTransfer(const v1::TransferRequest& request, const Ledger& ledger,
                                          TransientIds& ids);
// Whether received_lines name the transfer's SKUs, and no more than shipped, is the ledger's to
// check (it has the transfer).
absl::StatusOr<TransferReceipt> ValidateTransferRef(const v1::TransferRef& request,
                                                    TransientIds& ids);

// Till transactions; `now` bounds how far in the future a till's clock may be.
absl::StatusOr<SaleCommand> ValidateRecordSale(const v1::RecordSaleRequest& request,
                                               const Ledger& ledger, absl::Time now,
                                               TransientIds& ids);
absl::StatusOr<ReturnCommand> ValidateRecordReturn(const v1::RecordReturnRequest& request,
                                                   const Ledger& ledger, absl::Time now,
                                                   TransientIds& ids);

}  // namespace omnistock::services

#endif  // OMNISTOCK_SERVICES_VALIDATION_H_
