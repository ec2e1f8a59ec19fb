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

class SystemClock final : public Clock {
 public:
  absl::Time Now() const override { return absl::Now(); }
};

}  // namespace omnistock

#endif  // OMNISTOCK_SERVICES_CLOCK_H_
