// A Reservation holds stock for one order across one or more positions.
//
// Life cycle: HELD -> CONFIRMED -> FULFILLED, or HELD/CONFIRMED -> RELEASED, or HELD -> EXPIRED.
// HELD and CONFIRMED are live: their lines count in the positions' reserved. The three others
// are terminal and kept for a retention period (kIdempotencyRetentionDefault, omnistockd's
// --idempotency_retention) so that retries of any call stay idempotent, then forgotten.
#ifndef OMNISTOCK_ENGINE_RESERVATION_H_
#define OMNISTOCK_ENGINE_RESERVATION_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/types.h"

namespace omnistock {

// Values match omnistock.v1.ReservationState.
enum class ReservationState : uint8_t {
  kHeld = 1,
  kConfirmed = 2,
  kFulfilled = 3,
  kReleased = 4,
  kExpired = 5,
};

absl::string_view ReservationStateName(ReservationState state);

inline bool IsLive(ReservationState state) {
  return state == ReservationState::kHeld || state == ReservationState::kConfirmed;
}

struct Line {
  Sku sku;
  LocationId location;
  Quantity quantity = 0;

  friend bool operator==(const Line&, const Line&) = default;
};

// An order's lines. Most orders have one: it is kept inline, so that the stored reservation and
// its copies in the commit and the answer allocate nothing for it (bench/HISTORY.md).
using Lines = absl::InlinedVector<Line, 1>;

// One online order counted against a location's daily capacity, on the location's local day
// ("2027-01-15"). Routed reservations carry theirs, so releasing or expiring the order gives
// the capacity back, and a restart recounts the day from the reservations.
struct CapacityUse {
  LocationId location;
  std::string day;

  friend bool operator==(const CapacityUse&, const CapacityUse&) = default;
};

// Units of one SKU, wherever they come from.
struct SkuUnits {
  Sku sku;
  Quantity quantity = 0;

  friend bool operator==(const SkuUnits&, const SkuUnits&) = default;
};

// The units of each SKU in `lines` (order lines, reservation lines, SkuUnits), keyed by the
// SKU's string: equal for the same order however its ids were made (a retry's SKU may still be
// a transient id where the original's is interned, transient_ids.h). Valid while they live.
template <typename Lines>
std::map<std::string_view, Quantity> UnitsBySku(const Lines& lines) {
  std::map<std::string_view, Quantity> units;
  for (const auto& line : lines) units[line.sku.value()] += line.quantity;
  return units;
}

// What sets an order sent under an existing reservation's id apart from it, for the refusal's
// message: `other_lines` when the caller found its lines (or units) other ("other lines"), or
// empty, then the channel and the order_ref that differ, each with both values. Empty: the same
// order.
inline std::string ContentDifference(absl::string_view other_lines, absl::string_view held_channel,
                                     absl::string_view channel, absl::string_view held_order_ref,
                                     absl::string_view order_ref) {
  std::vector<std::string> parts;
  if (!other_lines.empty()) parts.emplace_back(other_lines);
  if (held_channel != channel) {
    parts.push_back(absl::StrCat("channel '", held_channel, "' (this call: '", channel, "')"));
  }
  if (held_order_ref != order_ref) {
    parts.push_back(
        absl::StrCat("order_ref '", held_order_ref, "' (this call: '", order_ref, "')"));
  }
  return absl::StrJoin(parts, ", ");
}

// The commit that last wrote a reservation, kept in memory for a read to wait on until it is
// durable (0: loaded at start-up, so durable). Not part of the reservation's value: any two
// compare equal.
struct WrittenBy {
  CommitTicket ticket = 0;
  friend bool operator==(const WrittenBy&, const WrittenBy&) { return true; }
};

struct Reservation {
  ReservationId id;
  ReservationState state = ReservationState::kHeld;
  Lines lines;
  std::string channel;
  std::string order_ref;
  absl::Time created_at;
  absl::Time updated_at;
  absl::Time expires_at;              // meaningful while HELD
  Sequence sequence = 0;              // of the last movement that changed it
  std::vector<CapacityUse> capacity;  // routed orders only (Fulfillment.RouteAndReserve)
  // Routed orders held in part (allow_partial) only: the units ordered of each SKU, so that a
  // retry of the same call is known as one although the lines hold less. Empty otherwise.
  std::vector<SkuUnits> ordered;
  WrittenBy written_by;

  friend bool operator==(const Reservation&, const Reservation&) = default;
};

}  // namespace omnistock

#endif  // OMNISTOCK_ENGINE_RESERVATION_H_
