// A Position is the stock of one SKU at one location.
//
// Invariants (checked after every recovery, see Ledger::CheckInvariants):
//   0 <= on_hand <= kOnHandMax, 0 <= reserved, 0 <= safety_stock,
//   reserved == the sum of the quantities of the live (HELD or CONFIRMED) reservation lines
//   on this position.
// reserved may exceed on_hand only after a physical loss (Adjust down); it is never made so by
// a reservation.
#ifndef OMNISTOCK_ENGINE_POSITION_H_
#define OMNISTOCK_ENGINE_POSITION_H_

#include <algorithm>

#include "engine/types.h"

namespace omnistock {

struct Position {
  Sku sku;
  LocationId location;
  Quantity on_hand = 0;
  Quantity reserved = 0;
  Quantity safety_stock = 0;
  Sequence last_sequence = 0;

  // What an online order may still take. Negative when a physical loss left the position
  // short of its reservations.
  Quantity available() const { return on_hand - reserved - safety_stock; }
  // The figure shown to clients: never below zero.
  Quantity available_shown() const { return std::max<Quantity>(0, available()); }

  friend bool operator==(const Position&, const Position&) = default;
};

}  // namespace omnistock

#endif  // OMNISTOCK_ENGINE_POSITION_H_
