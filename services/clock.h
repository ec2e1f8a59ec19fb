// Where the server's time comes from. The engine never reads a clock: services/ passes `now`
// into every ledger call, so tests can drive time deterministically.
#ifndef OMNISTOCK_SERVICES_CLOCK_H_
#define OMNISTOCK_SERVICES_CLOCK_H_

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace omnistock {

class Clock {
 public:
  virtual ~Clock() = default;
  virtual absl::Time Now() const = 0;
};

// To the microsecond: the store keeps times in microseconds (storage/codec.cc), and a time kept
// finer in memory than on disk would compare differently after a restart (a retried count
// stale before it, applied again after).
class SystemClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::FromUnixMicros(absl::ToUnixMicros(absl::Now())); }
};

}  // namespace omnistock

#endif  // OMNISTOCK_SERVICES_CLOCK_H_
