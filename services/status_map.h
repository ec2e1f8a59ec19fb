// The one table from engine outcomes to gRPC status codes, and the conversion of abseil
// statuses (whose codes are gRPC's) at the RPC boundary.
#ifndef OMNISTOCK_SERVICES_STATUS_MAP_H_
#define OMNISTOCK_SERVICES_STATUS_MAP_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "engine/ledger.h"
#include "engine/outcome.h"
#include "google/protobuf/message.h"
#include "grpcpp/support/status.h"
#include "omnistock/v1/reservations.pb.h"

namespace omnistock::services {

absl::StatusCode StatusCodeFor(Outcome outcome);

// Adds `detail` to `status` (as a payload named by the message's type URL), for ToGrpc.
void AddDetail(const google::protobuf::Message& detail, absl::Status& status);

// The status at the RPC boundary: with `status`'s details, if it has any (AddDetail), as a
// google.rpc.Status in the error details (gRPC's rich error model, which every gRPC language's
// status helpers decode).
grpc::Status ToGrpc(const absl::Status& status);

// The short lines of a Reserve that stock did not cover, as the API reports them.
v1::ReserveShortfall ToShortfall(const std::vector<ShortLine>& short_lines);

// The status of a rejected command: its code from the table, its detail as message, and for
// a short Reserve (or Transfer), an omnistock.v1.ReserveShortfall among its details (ToGrpc).
grpc::Status RejectionStatus(Outcome outcome, const std::string& detail,
                             const std::vector<ShortLine>& short_lines = {});

}  // namespace omnistock::services

#endif  // OMNISTOCK_SERVICES_STATUS_MAP_H_
