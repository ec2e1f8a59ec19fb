// How the omnistock command line prints: tables of a response's fields, JSON (--json), and a
// failed call's status.
#ifndef OMNISTOCK_SERVICES_CLI_OUTPUT_H_
#define OMNISTOCK_SERVICES_CLI_OUTPUT_H_

#include <cstddef>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "google/protobuf/message.h"
#include "google/rpc/status.pb.h"
#include "grpcpp/grpcpp.h"
#include "omnistock/v1/availability.pb.h"
#include "omnistock/v1/fulfillment.pb.h"
#include "omnistock/v1/inventory.pb.h"
#include "omnistock/v1/network.pb.h"
#include "omnistock/v1/reservations.pb.h"
#include "omnistock/v1/store_sales.pb.h"
#include "omnistock/v1/warehouse.pb.h"
#include "services/cli/options.h"

namespace omnistock::cli {

using Row = std::vector<std::string>;

// Prints rows as left-aligned columns two spaces apart, each as wide as its widest cell.
void PrintTable(const std::vector<Row>& rows, std::ostream& out = std::cout);
int PrintJson(const google::protobuf::Message& message);

inline std::string OrDash(const std::string& text) { return text.empty() ? "-" : text; }

// SHORTFALL: units held for orders beyond what is on hand (the position is oversold).
Row PositionHeader();
Row PositionRow(const v1::PositionView& p);
void PrintPosition(const v1::PositionView& position);

template <typename Response>  // GetAvailabilityResponse, ListPositionsResponse
void PrintPositions(const Response& response) {
  std::vector<Row> rows = {PositionHeader()};
  for (const v1::PositionView& position : response.positions())
    rows.push_back(PositionRow(position));
  PrintTable(rows);
}

void PrintStock(const v1::ListPositionsResponse& response);
void PrintReservation(const v1::Reservation& reservation);

// A location's capabilities by the names the command line uses for them.
struct CapabilityName {
  const char* name;
  bool (v1::Capabilities::*get)() const;
  void (v1::Capabilities::*set)(bool);
};

inline constexpr CapabilityName kCapabilityNames[] = {
    {"pickup", &v1::Capabilities::pickup, &v1::Capabilities::set_pickup},
    {"curbside", &v1::Capabilities::curbside, &v1::Capabilities::set_curbside},
    {"ship", &v1::Capabilities::ship_from_store, &v1::Capabilities::set_ship_from_store},
    {"pos", &v1::Capabilities::walk_in_sales, &v1::Capabilities::set_walk_in_sales},
};

void PrintLocations(const v1::ListLocationsResponse& response);
void PrintMovements(const v1::ListMovementsResponse& response);
void PrintPosResult(const v1::PosResult& result);
void PrintTransfer(const v1::TransferView& transfer);

// `line_of[i]`: the file line of the i-th sale sent.
void PrintUploadSummary(const v1::UploadSalesSummary& summary, const std::vector<size_t>& line_of);
void PrintCountsSummary(const v1::SyncCountsSummary& summary, std::ostream& out = std::cout);

// Every field of the routing configuration as NAME VALUE, in the message's order (durations as
// "7200s", strings as they are, numbers as protobuf's text format writes them).
void PrintRoutingConfig(const v1::RoutingConfig& config);

// Prints a failed call's status to stderr and returns the exit code for it, with what its
// google.rpc.Status details carry: the lines a FAILED_PRECONDITION for lack of stock could not
// cover, the summary of the count batches applied before a refused one.
// `reached`: the server answered (still connected after a unary call; a stream's updates came),
// so an UNAVAILABLE is its own (a storage failure, a shutdown), not "cannot reach". Neither that
// nor a failure to connect (a server that answered, then closed the connection as it stopped):
// the call was ended, whoever ended it. `json` (--json): the details go to stdout as JSON, one
// message each (a ReserveShortfall, a SyncCountsSummary), instead of tables on stderr.
int ReportError(const grpc::Status& status, const std::string& target, bool reached = false,
                bool json = false);

// The `Detail` among `status`'s details (gRPC's rich error model), if it carries one.
template <typename Detail>
std::optional<Detail> StatusDetail(const grpc::Status& status) {
  google::rpc::Status rich;
  if (status.error_details().empty() || !rich.ParseFromString(status.error_details())) {
    return std::nullopt;
  }
  Detail detail;
  for (const google::protobuf::Any& any : rich.details()) {
    if (any.UnpackTo(&detail)) return detail;
  }
  return std::nullopt;
}
void PrintPlan(const v1::PlanResponse& plan);

}  // namespace omnistock::cli

#endif  // OMNISTOCK_SERVICES_CLI_OUTPUT_H_
