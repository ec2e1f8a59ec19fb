#include "services/status_map.h"

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "engine/limits.h"
#include "google/rpc/status.pb.h"
#include "omnistock/v1/reservations.pb.h"

namespace omnistock::services {
namespace {

// What google.protobuf.Any names a message type by.
constexpr absl::string_view kTypeUrlPrefix = "type.googleapis.com/";

}  // namespace

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
    case Outcome::kTransferReceiptMismatch:
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

void AddDetail(const google::protobuf::Message& detail, absl::Status& status) {
  status.SetPayload(absl::StrCat(kTypeUrlPrefix, detail.GetDescriptor()->full_name()),
                    absl::Cord(detail.SerializeAsString()));
}

grpc::Status ToGrpc(const absl::Status& status) {
  if (status.ok()) return grpc::Status::OK;
  const auto code = static_cast<grpc::StatusCode>(status.code());
  std::string message(status.message());
  google::rpc::Status rich;
  size_t bytes = 0;
  status.ForEachPayload([&](absl::string_view type_url, const absl::Cord& payload) {
    google::protobuf::Any* any = rich.add_details();
    any->set_type_url(std::string(type_url));
    any->set_value(std::string(payload));
    bytes += payload.size();
  });
  // The message goes twice: as grpc-message, and in the google.rpc.Status.
  if (bytes + 2 * message.size() > kStatusDetailsBytesMax) {
    // Past what a client takes in a trailer, the call would end with none of its status.
    absl::StrAppend(&message, " (the details, ", bytes, " bytes, are left out: a status carries ",
                    kStatusDetailsBytesMax, " at most)");
    rich.clear_details();
  }
  if (rich.details().empty()) return grpc::Status(code, std::move(message));
  rich.set_code(code);
  rich.set_message(message);
  return grpc::Status(code, std::move(message), rich.SerializeAsString());
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
  absl::Status status(StatusCodeFor(outcome), detail);
  if (!short_lines.empty()) AddDetail(ToShortfall(short_lines), status);
  return ToGrpc(status);
}

}  // namespace omnistock::services
