// What the omnistock command line sets, shared by every part of the client: the options, the
// exit codes, and the usage error.
#ifndef OMNISTOCK_SERVICES_CLI_OPTIONS_H_
#define OMNISTOCK_SERVICES_CLI_OPTIONS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "google/protobuf/util/time_util.h"
#include "services/command_line.h"

namespace omnistock::v1 {}

namespace omnistock::cli {

namespace v1 = omnistock::v1;
using command_line::kExitUsage;
using google::protobuf::util::TimeUtil;

// Exit codes: 0 the call succeeded, 1 it failed (the server's status is printed), 2 the
// command line is wrong (kExitUsage).
inline constexpr int kExitOk = 0;
inline constexpr int kExitRpcError = 1;

// Everything the command line sets. A subcommand reads only the fields it declared.
struct Options {
  // Global options.
  std::string target = "127.0.0.1:50051";
  double timeout_seconds = 10;
  bool json = false;
  // Subcommand arguments.
  std::vector<std::string> skus;
  std::vector<std::string> locations;
  std::vector<std::string> lines;
  std::string reservation_id;
  std::string channel;
  std::string ttl;
  std::string order_ref;
  std::string location;
  std::string sku;
  int64_t quantity = 0;  // QTY, or DELTA for adjust
  std::string reason;
  std::string reference;
  std::string idempotency_key;  // receive, adjust
  bool non_sellable = false;    // adjust
  std::string health_service;   // health: "" is the server's own
  uint64_t after_sequence = 0;
  std::string after_sku;
  int32_t limit = 0;
  int64_t count = 0;  // watch: stop after this many updates (0: no limit)
  // plan and route
  std::vector<std::string> order_lines;  // SKU:QTY
  std::string to;                        // LAT,LON
  std::string pickup;
  std::string preference = "delivery";
  bool fallback = false;
  bool partial = false;
  bool brief = false;
  int32_t max_shipments = 0;
  // sale, return, transfer: SKU:QTY lines (order_lines above), and
  std::string terminal;
  std::string transaction;
  std::string at;  // RFC 3339; empty: the server's now
  std::string transfer_id;
  std::string from_location;
  std::string to_location;
  // counts, upload-sales
  std::string file;  // "-": standard input
  // set-location
  std::string kind;
  std::string name;
  double latitude = 0;
  double longitude = 0;
  std::string capabilities;
  int64_t capacity = 0;
  bool disabled = false;
  bool enabled = false;
  std::string timezone;
};

// Prints "error: MESSAGE" to stderr and returns the usage exit code (2).
int UsageError(const std::string& message);

}  // namespace omnistock::cli

#endif  // OMNISTOCK_SERVICES_CLI_OPTIONS_H_
