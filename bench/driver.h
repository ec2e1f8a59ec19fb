// The two ways omnistock-bench reaches a ledger, behind one interface so that the closed loop
// (runner.h) and the report are the same for both:
//   engine: an in-process omnistock::Ledger whose JournalSink discards every commit: no gRPC, no
//           disk; the ceiling of the engine itself.
//   grpc:   a running omnistockd, one channel (and so one connection) per client thread.
// Every op answers with a gRPC status code number (0 = OK); the engine's outcomes are mapped to
// the codes omnistockd would answer with (services/status_map.cc).
#ifndef OMNISTOCK_BENCH_DRIVER_H_
#define OMNISTOCK_BENCH_DRIVER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "bench/workload.h"

namespace omnistock::bench {

// gRPC status codes, 0 (OK) .. 16 (UNAUTHENTICATED).
inline constexpr int kStatusCodeCount = 17;
inline constexpr int kFailedPrecondition = 9;  // a Reserve that stock does not cover: stock out
const char* StatusCodeName(int code);

// One client thread's connection to the ledger. Used by one thread only.
class ClientSession {
 public:
  virtual ~ClientSession() = default;
  // Reserves `order` and returns the status code of the answer.
  virtual int Reserve(const Order& order) = 0;
};

class Driver {
 public:
  virtual ~Driver() = default;

  // "engine (in-process ledger, commits discarded)" or "grpc 127.0.0.1:50051".
  virtual std::string Describe() const = 0;

  // Creates the catalog's locations and receives its stock through the public API, with
  // `parallelism` concurrent workers. `catalog` must outlive the driver.
  virtual absl::Status Seed(const Catalog& catalog, int parallelism) = 0;

  // A session for client `index` (0-based); each gets its own connection. After Seed.
  virtual absl::StatusOr<std::unique_ptr<ClientSession>> NewClient(int index) = 0;

  // The reserved quantity of one catalog position now (for the flash check).
  virtual absl::StatusOr<int64_t> ReservedAt(const std::string& sku,
                                             const std::string& location) = 0;
};

std::unique_ptr<Driver> MakeEngineDriver();
std::unique_ptr<Driver> MakeGrpcDriver(const std::string& target);

}  // namespace omnistock::bench

#endif  // OMNISTOCK_BENCH_DRIVER_H_
