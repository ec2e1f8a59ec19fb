#include "services/status_map.h"

#include "google/rpc/status.pb.h"
#include "omnistock/v1/reservations.pb.h"

namespace omnistock::services {

absl::StatusCode StatusCodeFor(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOk:
    case Outcome::kReplayed:
      return absl::StatusCode::kOk;
    case Outcome::kLocationNotFound:
    case Outcome::kReservationNotFound:
    case Outcome::kTransferNotFound:
      return absl::StatusCode::kNotFound;
    case Outcome::kReservationExistsWithDifferentContent:
    case Outcome::kPosTransactionExistsWithDifferentContent:
    case Outcome::kStockChangeExistsWithDifferentContent:
    case Outcome::kTransferExistsWithDifferentContent:
      return absl::StatusCode::kAlreadyExists;
    case Outcome::kClientTimeTooOld:
      return absl::StatusCode::kInvalidArgument;
    case Outcome::kLocationDisabled:
    case Outcome::kLocationHasNoTill:
    case Outcome::kLocationHoldsNoStock:
    case Outcome::kIllegalTransition:
    case Outcome::kReservationExpired:
    case Outcome::kInsufficientAvailable:
    case Outcome::kOnHandBelowZero:
    case Outcome::kOnHandLimitExceeded:
      return absl::StatusCode::kFailedPrecondition;
  }
  return absl::StatusCode::kInternal;
}

grpc::Status ToGrpc(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  return grpc::Status(static_cast<grpc::StatusCode>(status.code()), std::string(status.message()));
}

v1::ReserveShortfall ToShortfall(const std::vector<ShortLine>& short_lines) {
  v1::ReserveShortfall shortfall;
  for (const ShortLine& line : short_lines) {
    v1::ShortLine* out = shortfall.add_short_lines();
    out->set_sku(line.sku.value());
    out->set_location_id(line.location.value());
    out->set_requested(line.requested);
    out->set_available(line.available);
  }
  return shortfall;
}

grpc::Status RejectionStatus(Outcome outcome, const std::string& detail,
                             const std::vector<ShortLine>& short_lines) {
  const auto code = static_cast<grpc::StatusCode>(StatusCodeFor(outcome));
  if (short_lines.empty()) return grpc::Status(code, detail);
  // gRPC's rich error model: a google.rpc.Status with the shortfall among its details, which
  // every gRPC language's status helpers decode.
  google::rpc::Status rich;
  rich.set_code(code);
  rich.set_message(detail);
  rich.add_details()->PackFrom(ToShortfall(short_lines));
  return grpc::Status(code, detail, rich.SerializeAsString());
}

}  // namespace omnistock::services
