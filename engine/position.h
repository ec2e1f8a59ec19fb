// A Position is the stock of one SKU at one location.
//
// Invariants (checked after every recovery, see Ledger::CheckInvariants):
//   -kOnHandMax <= on_hand <= kOnHandMax, 0 <= reserved, 0 <= safety_stock, 0 <= in_transit,
//   0 <= non_sellable <= kOnHandMax (a till's non-sellable return past it is refused),
//   reserved == the sum of the quantities of the live (HELD or CONFIRMED) reservation lines
//   on this position.
// reserved may exceed on_hand only after a physical fact (a sale at the till, a loss, a count);
// it is never made so by a reservation. on_hand goes below zero only through till sales the
// ledger did not know it had stock for: a sale is never refused, and a count corrects it.
#ifndef OMNISTOCK_ENGINE_POSITION_H_
#define OMNISTOCK_ENGINE_POSITION_H_

#include <algorithm>
#include <initializer_list>
#include <memory>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "engine/limits.h"
#include "engine/types.h"

namespace omnistock {

// One change of on_hand at the time it happened physically (a till's sold_at, a count's
// counted_at, the server's time otherwise). A cycle count needs the changes after its
// counted_at to reconcile.
struct OnHandChange {
  absl::Time at;
  Quantity delta = 0;

  friend bool operator==(const OnHandChange&, const OnHandChange&) = default;
};

// The newest on_hand changes of a position, oldest first. Shared between the copies of a
// position: a position is copied into every commit and answer that touches it, and most of
// those (reservations) leave its history as it was. A change makes a new history, so a copy
// never sees a later change.
class OnHandHistory {
 public:
  OnHandHistory() = default;
  OnHandHistory(std::initializer_list<OnHandChange> changes)
      : OnHandHistory(std::vector<OnHandChange>(changes)) {}
  explicit OnHandHistory(std::vector<OnHandChange> changes)
      : changes_(changes.empty()
                     ? nullptr
                     : std::make_shared<const std::vector<OnHandChange>>(std::move(changes))) {}

  const OnHandChange* begin() const { return changes_ ? changes_->data() : nullptr; }
  const OnHandChange* end() const { return begin() + size(); }
  size_t size() const { return changes_ ? changes_->size() : 0; }
  bool empty() const { return size() == 0; }

  friend bool operator==(const OnHandHistory& a, const OnHandHistory& b) {
    return std::equal(a.begin(), a.end(), b.begin(), b.end());
  }

  // Starts fetching the shared block's reference count, which the next copy of this history
  // writes (a cache miss per copied position otherwise, see bench/HISTORY.md). A hint only.
  void Prefetch() const {
    // make_shared keeps the counts just before the object.
    if (changes_) __builtin_prefetch(reinterpret_cast<const char*>(changes_.get()) - 8, 1);
  }

 private:
  std::shared_ptr<const std::vector<OnHandChange>> changes_;  // null: no change yet
};

// The reserved units that `on_hand` does not cover: 0 while on_hand covers every one, at most
// `reserved` (when on_hand is 0 or below, as after a till sold units the ledger did not know
// of, none is covered; a negative on_hand with nothing reserved leaves no reservation short).
inline Quantity ShortfallOf(Quantity on_hand, Quantity reserved) {
  return std::clamp<Quantity>(reserved - on_hand, 0, std::max<Quantity>(reserved, 0));
}

struct Position {
  Sku sku;
  LocationId location;
  Quantity on_hand = 0;
  Quantity reserved = 0;
  Quantity safety_stock = 0;
  // Inbound transfers shipped to this location and not yet received: visible, not available.
  Quantity in_transit = 0;
  // Returned units kept apart (damaged, opened): on the premises, never available.
  Quantity non_sellable = 0;
  Sequence last_sequence = 0;
  // How many movements this position has had (since omnistock counted them): every
  // kPositionIndexEvery-th is in the position index (Movement::indexed).
  uint64_t movements = 0;
  // The time the last applied cycle count took effect: its counted_at, or the server's time
  // when the WMS dated it ahead. Sales at or before it are in the count.
  absl::Time last_counted_at = absl::InfinitePast();
  // That count's counted_at as the WMS sent it (later than last_counted_at when dated ahead):
  // a count dated at or before it is stale, the same count sent again included.
  absl::Time last_count_reported_at = absl::InfinitePast();
  // The newest on_hand changes, oldest first, at most kOnHandHistoryMax. Changes before
  // history_complete_after were dropped, so a count older than that cannot be reconciled.
  OnHandHistory history;
  absl::Time history_complete_after = absl::InfinitePast();

  // What an online order may still take. Negative when a physical loss left the position
  // short of its reservations.
  Quantity available() const { return on_hand - reserved - safety_stock; }
  // The figure shown to clients: never below zero.
  Quantity available_shown() const { return std::max<Quantity>(0, available()); }
  // Reserved units that on_hand no longer covers, after a sale or loss at the till.
  Quantity shortfall() const { return ShortfallOf(on_hand, reserved); }

  // Keeps a change for the counts to come to net out. One dated at or before the last count
  // is in that count (or older), and no count after it nets it: it takes no room (a count's own
  // correction, dated at its counted_at, among them).
  void RecordChange(absl::Time at, Quantity delta) {
    if (delta == 0 || at <= last_counted_at) return;
    std::vector<OnHandChange> changes(history.begin(), history.end());
    changes.push_back(OnHandChange{at, delta});
    if (static_cast<int>(changes.size()) > kOnHandHistoryMax) {
      history_complete_after = std::max(history_complete_after, changes.front().at);
      changes.erase(changes.begin());
    }
    history = OnHandHistory(std::move(changes));
  }

  // After a count taken at `at` (last_counted_at): the changes at or before it are in it, so
  // they make room for later ones (RecordChange).
  void ForgetChangesThrough(absl::Time at) {
    if (std::none_of(history.begin(), history.end(),
                     [at](const OnHandChange& change) { return change.at <= at; })) {
      return;
    }
    std::vector<OnHandChange> after;
    for (const OnHandChange& change : history) {
      if (change.at > at) after.push_back(change);
    }
    history = OnHandHistory(std::move(after));
  }

  friend bool operator==(const Position&, const Position&) = default;
};

// A position that has seen no movement yet.
inline Position EmptyPosition(const Sku& sku, const LocationId& location) {
  Position position;
  position.sku = sku;
  position.location = location;
  return position;
}

}  // namespace omnistock

#endif  // OMNISTOCK_ENGINE_POSITION_H_
