// The two ways omnistock-bench reaches a ledger, behind one interface so that the closed loop
// (runner.h) and the report are the same for both:
//   engine: an in-process omnistock::Ledger whose JournalSink discards every commit: no gRPC, no
//           disk; the ceiling of the engine itself.
//   grpc:   a running omnistockd, one channel (and so one connection) per client thread.
// Every call answers with a gRPC status code number (0 = OK); the engine's outcomes are mapped
// with the server's own table (services/status_map.h).
#ifndef OMNISTOCK_BENCH_DRIVER_H_
#define OMNISTOCK_BENCH_DRIVER_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "bench/histogram.h"
#include "bench/workload.h"

namespace omnistock::bench {

// gRPC status codes, 0 (OK) .. 16 (UNAUTHENTICATED).
inline constexpr int kStatusCodeCount = 17;
inline constexpr int kFailedPrecondition = 9;  // a Reserve that stock does not cover: stock out
inline constexpr int kUnavailable = 14;
const char* StatusCodeName(int code);

struct PositionFigures {
  int64_t on_hand = 0;
  int64_t reserved = 0;
};

// What the reservation transitions are, for ClientSession::Transition.
enum class Transition { kConfirm, kRelease, kFulfill };

struct CountLine {
  int sku = 0;
  int location = 0;
  int64_t counted = 0;
};

// One client thread's connection to the ledger. Used by one thread only.
class ClientSession {
 public:
  virtual ~ClientSession() = default;
  // Reserves `order`; ttl zero means the server's default.
  virtual int Reserve(const Order& order, absl::Duration ttl) = 0;
  // Reserves each order on its own in one call (ReserveBatch); `codes` gets one per order. The
  // result is the status of the call itself.
  virtual int ReserveBatch(const std::vector<Order>& orders, std::vector<int>& codes) = 0;
  virtual int Transit(Transition transition, const std::string& reservation_id) = 0;
  // A till sale of one unit; `sequence` gets the journal sequence of its movement.
  virtual int Sale(int store, int sku, const std::string& transaction_id, uint64_t& sequence) = 0;
  virtual int Receive(int location, int sku, int64_t quantity) = 0;
  // One SyncCounts call (in batches of the largest allowed size) with these rows, counted now;
  // `stale` gets the rows the ledger ignored as older than a count it already applied.
  virtual int Counts(const std::vector<CountLine>& rows, int64_t& stale) = 0;
  // The availability of one SKU at every location.
  virtual int Read(int sku) = 0;
  // After a call answered UNAVAILABLE, before the next: waits up to `pause`, so as not to spin
  // on a server that is down. The gRPC session returns as soon as its connection is back.
  virtual void PauseAfterUnavailable(std::chrono::milliseconds pause) {
    std::this_thread::sleep_for(pause);
  }
};

// Pairs each till sale's acknowledgement with the feed update of the same journal sequence and
// records the time between them. Thread-safe.
class FeedLatency {
 public:
  void Acknowledged(uint64_t sequence, int64_t at_nanos);
  void Arrived(uint64_t sequence, int64_t at_nanos);
  LatencyHistogram Histogram() const;
  uint64_t unmatched() const;

 private:
  mutable std::mutex mu_;
  std::unordered_map<uint64_t, int64_t> acks_;      // acknowledged, update not seen yet
  std::unordered_map<uint64_t, int64_t> arrivals_;  // update seen, not acknowledged yet
  LatencyHistogram histogram_;
};

class Driver {
 public:
  virtual ~Driver() = default;

  // "engine (in-process ledger, commits discarded)" or "grpc 127.0.0.1:50051".
  virtual std::string Describe() const = 0;

  // Names the catalog every later call refers to; it must outlive the driver. First.
  virtual void Attach(const Catalog& catalog) = 0;

  // Creates the attached catalog's locations and puts in its stock through the public API,
  // with `parallelism` concurrent workers. Not needed for a catalog seeded before (grpc).
  virtual absl::Status Seed(int parallelism) = 0;

  // A session for client `index` (0-based); each gets its own connection. After Seed.
  virtual absl::StatusOr<std::unique_ptr<ClientSession>> NewClient(int index) = 0;

  // One catalog position now: for the flash check, and to tell whether a named catalog was
  // seeded before (a position the ledger never saw reads as all zero).
  virtual absl::StatusOr<PositionFigures> PositionAt(const std::string& sku,
                                                     const std::string& location) = 0;

  // Starts a watcher of every change on the live feed that reports to `latency` until
  // StopWatcher. UNIMPLEMENTED where there is no feed (engine mode).
  virtual absl::Status StartWatcher(FeedLatency* latency) = 0;
  virtual void StopWatcher() = 0;
};

std::unique_ptr<Driver> MakeEngineDriver();
// The closed-loop clients share `connections` channels (HTTP/2 connections), client i the
// (i mod connections)-th, as an application server's threads share its channels.
std::unique_ptr<Driver> MakeGrpcDriver(const std::string& target, int connections);

}  // namespace omnistock::bench

#endif  // OMNISTOCK_BENCH_DRIVER_H_
