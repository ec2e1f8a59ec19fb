// The tests' main: Catch2's, after one setting for the gRPC clients of the integration tests.
#define CATCH_CONFIG_RUNNER
#include <cstdlib>

#include "catch2/catch.hpp"

int main(int argc, char* argv[]) {
  // A server stopping gracefully sends GOAWAY and a PING, and waits for the acknowledgement
  // before it lets the connection go. An idle C++ client channel reads its socket only when
  // gRPC's backup poller runs, every 5 s by default, so each SIGTERM of a test's server waited
  // 5 s for the test's own idle channel. Set before any channel exists; an explicit setting in
  // the environment wins.
  ::setenv("GRPC_CLIENT_CHANNEL_BACKUP_POLL_INTERVAL_MS", "100", /*overwrite=*/0);
  return Catch::Session().run(argc, argv);
}
