#include "tests/integration/server_process.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string_view>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"

namespace omnistock::testing {

namespace {

// Starts omnistockd on loopback (any free port) on `data_dir` with `flags`, and `extra_env`
// beside the environment it inherits; returns its pid.
pid_t SpawnOmnistockd(const std::string& data_dir, const std::vector<std::string>& flags,
                      std::vector<std::string> extra_env = {}) {
  std::vector<std::string> args = {OMNISTOCKD_PATH, "--listen=127.0.0.1:0",
                                   "--data_dir=" + data_dir, "--log_level=warn"};
  args.insert(args.end(), flags.begin(), flags.end());
  // Built before the fork: the child only execs.
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  // The extras replace inherited variables of their names; a service manager's notification
  // socket is never inherited (the tests' own runner may have one).
  auto name_of = [](std::string_view variable) { return variable.substr(0, variable.find('=')); };
  std::set<std::string_view> replaced = {"NOTIFY_SOCKET"};
  for (const std::string& variable : extra_env) replaced.insert(name_of(variable));
  std::vector<char*> envp;
  for (char** variable = environ; *variable != nullptr; ++variable) {
    if (!replaced.contains(name_of(*variable))) envp.push_back(*variable);
  }
  for (std::string& variable : extra_env) envp.push_back(variable.data());
  envp.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::execve(argv[0], argv.data(), envp.data());
    ::_exit(127);
  }
  return pid;
}

}  // namespace

ServerProcess::ServerProcess(const std::string& data_dir, std::vector<std::string> extra_flags,
                             std::vector<std::string> extra_env) {
  const std::string ready_file = data_dir + ".ready";
  ::unlink(ready_file.c_str());
  extra_flags.insert(extra_flags.begin(), "--ready_file=" + ready_file);
  pid_ = SpawnOmnistockd(data_dir, extra_flags, std::move(extra_env));
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    std::ifstream in(ready_file);
    if (in >> address_) break;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("omnistockd exited during start-up");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (address_.empty()) throw std::runtime_error("omnistockd did not become ready in 30 s");
  channel_ = grpc::CreateChannel(address_, grpc::InsecureChannelCredentials());
}

ServerProcess::~ServerProcess() {
  if (pid_ > 0) Kill();
}

int ServerProcess::Wait() {
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return WIFSIGNALED(status) ? -WTERMSIG(status) : -1;
}

int ServerProcess::Terminate(int signal) {
  Signal(signal);
  return Wait();
}

void ServerProcess::Signal(int signal) { ::kill(pid_, signal); }

void ServerProcess::Kill() {
  ::kill(pid_, SIGKILL);
  Wait();
}

FailedStart RunToExit(const std::string& data_dir, const std::vector<std::string>& flags) {
  const std::string log_path = data_dir + ".log";
  std::string command =
      absl::StrCat("timeout 30 ", OMNISTOCKD_PATH, " --listen=127.0.0.1:0 --data_dir=", data_dir);
  for (const std::string& flag : flags) absl::StrAppend(&command, " ", flag);
  absl::StrAppend(&command, " >", log_path, " 2>&1");
  const int status = std::system(command.c_str());
  FailedStart result;
  if (WIFEXITED(status) && WEXITSTATUS(status) != 124) result.exit_code = WEXITSTATUS(status);
  std::stringstream log;
  log << std::ifstream(log_path).rdbuf();
  result.log = log.str();
  return result;
}

v1::ReservationRef Ref(const std::string& reservation_id) {
  v1::ReservationRef ref;
  ref.set_reservation_id(reservation_id);
  return ref;
}

std::unique_ptr<grpc::ClientContext> Deadline(int seconds) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(seconds));
  return context;
}

void AddLocation(v1::Network::Stub& network, const std::string& id, v1::LocationKind kind) {
  v1::UpsertLocationRequest request;
  v1::Location* location = request.mutable_location();
  location->set_location_id(id);
  location->set_kind(kind);
  location->set_name(id);
  location->set_latitude(35.68);
  location->set_longitude(139.76);
  v1::Location response;
  grpc::Status status = network.UpsertLocation(Deadline().get(), request, &response);
  INFO(status.error_message());
  REQUIRE(status.ok());
}

void ReceiveStock(v1::Inventory::Stub& inventory, const std::string& location,
                  const std::string& sku, int64_t quantity) {
  v1::ReceiveRequest request;
  request.set_location_id(location);
  request.set_sku(sku);
  request.set_quantity(quantity);
  request.set_reference("test-receipt");
  v1::PositionView response;
  grpc::Status status = inventory.Receive(Deadline().get(), request, &response);
  INFO(status.error_message());
  REQUIRE(status.ok());
}

grpc::Status RefusedWatch(v1::Availability::Stub& availability, const v1::WatchRequest& request) {
  auto context = Deadline(20);
  auto stream = availability.Watch(context.get(), request);
  v1::AvailabilityUpdate update;
  CHECK_FALSE(stream->Read(&update));
  return stream->Finish();
}

v1::PositionView PositionOf(v1::Inventory::Stub& inventory, const std::string& sku,
                            const std::string& location) {
  v1::GetAvailabilityRequest request;
  request.add_skus(sku);
  request.add_location_ids(location);
  v1::GetAvailabilityResponse response;
  grpc::Status status = inventory.GetAvailability(Deadline().get(), request, &response);
  INFO(status.error_message());
  REQUIRE(status.ok());
  REQUIRE(response.positions_size() == 1);
  return response.positions(0);
}

google::protobuf::RepeatedPtrField<v1::Movement> MovementsOf(v1::Inventory::Stub& inventory,
                                                             const std::string& sku,
                                                             const std::string& location) {
  v1::ListMovementsRequest request;
  request.set_sku(sku);
  request.set_location_id(location);
  v1::ListMovementsResponse response;
  grpc::Status status = inventory.ListMovements(Deadline().get(), request, &response);
  INFO(status.error_message());
  REQUIRE(status.ok());
  return response.movements();
}

v1::ReserveRequest ReserveOf(
    const std::string& id,
    const std::vector<std::tuple<std::string, std::string, int64_t>>& lines) {
  v1::ReserveRequest request;
  request.set_reservation_id(id);
  request.set_channel("web");
  for (const auto& [sku, location, quantity] : lines) {
    v1::Line* line = request.add_lines();
    line->set_sku(sku);
    line->set_location_id(location);
    line->set_quantity(quantity);
  }
  return request;
}

}  // namespace omnistock::testing
