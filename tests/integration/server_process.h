// A real omnistockd child process for integration tests: started on 127.0.0.1 with a free port
// (it reports the bound address through --ready_file), a data directory the test owns, and
// stopped with SIGTERM or killed with SIGKILL.
#ifndef OMNISTOCK_TESTS_INTEGRATION_SERVER_PROCESS_H_
#define OMNISTOCK_TESTS_INTEGRATION_SERVER_PROCESS_H_

#include <signal.h>
#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "grpcpp/grpcpp.h"
#include "omnistock/v1/availability.grpc.pb.h"
#include "omnistock/v1/inventory.grpc.pb.h"
#include "omnistock/v1/network.grpc.pb.h"
#include "omnistock/v1/reservations.grpc.pb.h"
#include "tests/support/temp_dir.h"

namespace omnistock::testing {

class ServerProcess {
 public:
  // Starts omnistockd on `data_dir` and waits until it serves (at most 30 s). `extra_env`
  // ("NAME=value") is added to the environment it inherits.
  explicit ServerProcess(const std::string& data_dir, std::vector<std::string> extra_flags = {},
                         std::vector<std::string> extra_env = {});
  ~ServerProcess();  // SIGKILL if still running

  const std::string& address() const { return address_; }
  std::shared_ptr<grpc::Channel> channel() const { return channel_; }

  // Sends `signal` (a stop) and waits; returns the exit code (-signal if killed by one).
  int Terminate(int signal = SIGTERM);
  // Sends `signal` and returns at once.
  void Signal(int signal);
  // SIGKILL, as a crash would.
  void Kill();

  std::unique_ptr<v1::Network::Stub> network() const { return v1::Network::NewStub(channel_); }
  std::unique_ptr<v1::Inventory::Stub> inventory() const {
    return v1::Inventory::NewStub(channel_);
  }
  std::unique_ptr<v1::Reservations::Stub> reservations() const {
    return v1::Reservations::NewStub(channel_);
  }

 private:
  int Wait();

  pid_t pid_ = -1;
  std::string address_;
  std::shared_ptr<grpc::Channel> channel_;
};

// A server on a fresh temporary data dir with one stub per service: the start of most tests.
struct LiveServer {
  TempDir dir;
  ServerProcess server{dir.Sub("data")};
  std::unique_ptr<v1::Network::Stub> network = server.network();
  std::unique_ptr<v1::Inventory::Stub> inventory = server.inventory();
  std::unique_ptr<v1::Reservations::Stub> reservations = server.reservations();
};

// Runs omnistockd on loopback with `flags` until it exits (at most 30 s): for start-ups that
// must fail. The exit code (-1 when it did not exit by itself) and everything it logged.
struct FailedStart {
  int exit_code = -1;
  std::string log;
};
FailedStart RunToExit(const std::string& data_dir, const std::vector<std::string>& flags);

v1::ReservationRef Ref(const std::string& reservation_id);

// A client context with a deadline, so that no test call can hang.
std::unique_ptr<grpc::ClientContext> Deadline(int seconds = 10);

// Upserts a location of the given kind at fixed coordinates; REQUIREs success.
void AddLocation(v1::Network::Stub& network, const std::string& id,
                 v1::LocationKind kind = v1::STORE);
// Receives stock; REQUIREs success.
void ReceiveStock(v1::Inventory::Stub& inventory, const std::string& location,
                  const std::string& sku, int64_t quantity);
// The position of one SKU at one location.
v1::PositionView PositionOf(v1::Inventory::Stub& inventory, const std::string& sku,
                            const std::string& location);
// The journal of one SKU at one location (its first page, oldest first); REQUIREs success.
google::protobuf::RepeatedPtrField<v1::Movement> MovementsOf(v1::Inventory::Stub& inventory,
                                                             const std::string& sku,
                                                             const std::string& location);

// A watch the server refuses: it CHECKs that nothing is delivered and returns how it ended.
grpc::Status RefusedWatch(v1::Availability::Stub& availability, const v1::WatchRequest& request);

v1::ReserveRequest ReserveOf(
    const std::string& id, const std::vector<std::tuple<std::string, std::string, int64_t>>& lines);

}  // namespace omnistock::testing

#endif  // OMNISTOCK_TESTS_INTEGRATION_SERVER_PROCESS_H_
