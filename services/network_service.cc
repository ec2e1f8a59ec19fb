#include "services/network_service.h"

#include "services/convert.h"
#include "services/validation.h"

namespace omnistock::services {

grpc::ServerUnaryReactor* NetworkService::UpsertLocation(grpc::CallbackServerContext* context,
                                                         const v1::UpsertLocationRequest* request,
                                                         v1::Location* response) {
  if (grpc::ServerUnaryReactor* refused = RefuseUnlessStorageAdmits(context, ctx_)) return refused;
  if (request->has_update_mask()) {
    absl::StatusOr<LocationId> id = ValidateUpdateMask(*request, *ctx_.ledger);
    if (!id.ok()) return AnswerNow(context, ToGrpc(id.status()));
    absl::StatusOr<Applied<Location>> applied = ctx_.ledger->UpdateLocation(
        *id, [request](const Location& stored) { return MergeMasked(*request, stored); });
    if (!applied.ok()) return AnswerNow(context, ToGrpc(applied.status()));
    return Answer(context, ctx_, *std::move(applied),
                  [&](const Location& value) { ToProto(value, response); });
  }
  absl::StatusOr<Location> location = ValidateUpsertLocation(*request);
  if (!location.ok()) return AnswerNow(context, ToGrpc(location.status()));
  return Answer(context, ctx_, ctx_.ledger->UpsertLocation(*location),
                [&](const Location& value) { ToProto(value, response); });
}

grpc::ServerUnaryReactor* NetworkService::ListLocations(grpc::CallbackServerContext* context,
                                                        const v1::ListLocationsRequest*,
                                                        v1::ListLocationsResponse* response) {
  for (const Location& location : ctx_.ledger->ListLocations()) {
    ToProto(location, response->add_locations());
  }
  return AnswerNow(context, grpc::Status::OK);
}

}  // namespace omnistock::services
