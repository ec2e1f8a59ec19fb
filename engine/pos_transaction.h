// A PosTransaction is a sale or a return rung up at a store's till (or a WMS's kept key, below).
// It is a physical fact: the ledger records it even when it takes on_hand below what is
// reserved (or below zero), and reports the reservations it left uncovered. (terminal_id,
// transaction_id) identifies it, so a retried or re-uploaded transaction has no second effect
// within the idempotency retention (limits.h) after it was recorded; then the ledger forgets it.
#ifndef OMNISTOCK_ENGINE_POS_TRANSACTION_H_
#define OMNISTOCK_ENGINE_POS_TRANSACTION_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "engine/movement.h"
#include "engine/types.h"

namespace omnistock {

struct PosLine {
  Sku sku;
  Quantity quantity = 0;

  friend bool operator==(const PosLine&, const PosLine&) = default;
};

// The lines as messages name them: "4 of 'A', 0 of 'B'" (names.cc).
std::string DescribeLines(const std::vector<PosLine>& lines);

// A live reservation that a movement left without stock to cover it.
struct AtRisk {
  ReservationId reservation;
  Sku sku;
  LocationId location;

  friend bool operator==(const AtRisk&, const AtRisk&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const AtRisk& a) {
    return H::combine(std::move(h), a.reservation, a.sku, a.location);
  }
};

struct PosTransaction {
  std::string terminal_id;
  std::string transaction_id;
  MovementKind kind = MovementKind::kSale;  // kSale or kReturn (a WMS's key: kReceive, kAdjust)
  LocationId store;
  std::vector<PosLine> lines;
  absl::Time occurred_at;
  bool non_sellable = false;  // returns (kept apart, never available), and adjustments of them
  // Returns only: why, and the order the goods came from ("damaged (order web-7)"). In the
  // movements' actor; not part of the content a retry must repeat.
  std::string reason;
  Sequence sequence = 0;  // of its last movement
  std::vector<AtRisk> at_risk;
  // When the ledger recorded it (server time; occurred_at is the till's), from which its
  // retention counts. Infinite future in rows written before it was kept: never forgotten.
  absl::Time recorded_at = absl::InfiniteFuture();

  // The idempotency key: a till's is its store, terminal and transaction (tills are numbered
  // per store: "till-1" at every store is a different till), which never contain NUL. A WMS's
  // key (no terminal) is NUL and its own key, so it is never a till's. Before session 19 a
  // till's key had no store; Store::LoadInto moves such rows to this key.
  std::string Key() const {
    if (terminal_id.empty()) return '\0' + transaction_id;
    std::string key(store.value());
    key += '\0';
    key += terminal_id;
    key += '\0';
    key += transaction_id;
    return key;
  }

  friend bool operator==(const PosTransaction&, const PosTransaction&) = default;
};

// Whether `b` repeats `a` as a retry must: the same kind, place, lines (in any order) and
// non_sellable flag; not the reason, nor the times (engine/ledger_sales.cc).
bool SameContent(const PosTransaction& a, const PosTransaction& b);

}  // namespace omnistock

#endif  // OMNISTOCK_ENGINE_POS_TRANSACTION_H_
