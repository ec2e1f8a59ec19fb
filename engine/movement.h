// A Movement is one record of the journal: one change to one position, with the global
// sequence number that orders it among all others. The journal is append-only.
#ifndef OMNISTOCK_ENGINE_MOVEMENT_H_
#define OMNISTOCK_ENGINE_MOVEMENT_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "engine/types.h"

namespace omnistock {

// Values match omnistock.v1.MovementKind so that the mapping is the identity.
enum class MovementKind : uint8_t {
  kReceive = 1,
  kAdjust = 2,
  kSale = 3,
  kReturn = 4,
  kCount = 5,
  kReserve = 6,
  kConfirm = 7,
  kRelease = 8,
  kExpire = 9,
  kFulfil = 10,
  kTransfer = 11,
  kSafetyStock = 12,
};

struct Movement {
  Sequence sequence = 0;
  // When it happened: the till's sold_at for POS, the count's counted_at, else server time.
  absl::Time time;
  MovementKind kind = MovementKind::kReceive;
  Sku sku;
  LocationId location;
  Quantity on_hand_delta = 0;
  Quantity reserved_delta = 0;
  Quantity safety_stock_delta = 0;
  Quantity in_transit_delta = 0;
  Quantity non_sellable_delta = 0;  // a return kept apart (never available)
  std::string reference;            // reservation id, receipt reference, ...
  std::string actor;                // channel, adjust reason, terminal, ...
  // The position right after this movement, so a feed or a replay needs no other state.
  Quantity on_hand_after = 0;
  Quantity reserved_after = 0;
  Quantity safety_stock_after = 0;
  Quantity in_transit_after = 0;
  Quantity non_sellable_after = 0;
  // Live reservations at this position that on_hand no longer covers after this movement, the
  // oldest first, at most kAtRiskPerMovementMax (the whole shortfall is
  // ShortfallOf(on_hand_after, reserved_after)).
  std::vector<ReservationId> at_risk;
  // The journal of one position is a chain: each movement names the one before it at the same
  // position (0: none, or a movement written before omnistock linked them, which the position
  // index holds). The index holds one movement in kPositionIndexEvery of each position
  // (`indexed`), so reading a position walks at most that many links between index entries.
  Sequence previous = 0;
  bool indexed = false;

  friend bool operator==(const Movement&, const Movement&) = default;
};

}  // namespace omnistock

#endif  // OMNISTOCK_ENGINE_MOVEMENT_H_
