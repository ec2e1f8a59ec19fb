// The omnistock command line's subcommands: each builds its request from the options, makes
// its call through the Client and prints the answer; each returns the process's exit code.
#ifndef OMNISTOCK_SERVICES_CLI_COMMANDS_H_
#define OMNISTOCK_SERVICES_CLI_COMMANDS_H_

#include <optional>

#include "CLI/CLI.hpp"
#include "absl/time/time.h"
#include "grpcpp/grpcpp.h"
#include "omnistock/v1/reservations.grpc.pb.h"
#include "services/cli/client.h"
#include "services/cli/options.h"

namespace omnistock::cli {

int Availability(const Client& client, const Options& o);
int Stock(const Client& client, const Options& o);
int Reserve(const Client& client, const Options& o);

// confirm, release, fulfill and get: one call naming a reservation, answered by the reservation.
using ReservationRpc = grpc::Status (v1::Reservations::Stub::*)(grpc::ClientContext*,
                                                                const v1::ReservationRef&,
                                                                v1::Reservation*);
int OnReservation(const Client& client, const Options& o, ReservationRpc rpc);
int Plan(const Client& client, const Options& o);
int Route(const Client& client, const Options& o);
int Receive(const Client& client, const Options& o);
int Adjust(const Client& client, const Options& o);
int SafetyStock(const Client& client, const Options& o);
int Locations(const Client& client, const Options&);

// The server's grpc.health.v1 status: what probes and supervisors ask.
int Health(const Client& client, const Options& o);
int Movements(const Client& client, const Options& o);
int Extend(const Client& client, const Options& o);
int Sale(const Client& client, const Options& o);
int Return(const Client& client, const Options& o);

// The deadline of a stream or a watch: none unless --timeout was given.
std::optional<absl::Duration> StreamDeadline(const CLI::Option* timeout, const Options& o);
int UploadSales(const Client& client, const Options& o, std::optional<absl::Duration> deadline);

// reserve-batch: a file of orders, sent as ReserveBatch calls of up to 1,000 orders each, one
// after the other. Prints each order's result by its line in the file (with --json, one
// ReserveBatchResponse of every result); exit 1 unless every order was held (or replayed).
int ReserveBatch(const Client& client, const Options& o);
int Counts(const Client& client, const Options& o, std::optional<absl::Duration> deadline);
int Transfer(const Client& client, const Options& o);
int ReceiveTransfer(const Client& client, const Options& o);
int RoutingConfig(const Client& client, const Options&);

// set-location's options, and which of them were given.
struct LocationOptions {
  CLI::Option* kind;
  CLI::Option* name;
  CLI::Option* latitude;
  CLI::Option* longitude;
  CLI::Option* capabilities;
  CLI::Option* capacity;
  CLI::Option* disabled;
  CLI::Option* enabled;
  CLI::Option* timezone;
};

// Creates a location, or changes the given fields of one (UpsertLocation's update_mask names
// them; the location as ListLocations showed it, with each option given applied, is sent
// whole for an older server).
// A new location needs --kind, --lat and --lon.
int SetLocation(const Client& client, const Options& o, const LocationOptions& given);

}  // namespace omnistock::cli

#endif  // OMNISTOCK_SERVICES_CLI_COMMANDS_H_
