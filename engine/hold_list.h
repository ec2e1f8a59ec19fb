// The live reservations that hold stock on one position, the oldest first (by created_at, then
// id), so that the ones on_hand no longer covers are found at one end of the list instead of by
// sorting it. A flash sale puts 100,000 holds on one position, and every release, fulfilment
// and sale there changes or reads this list under the shard lock:
// - Add appends: a reservation made now is the newest, or nearly (its place is then found a
//   few entries back, or by binary search when further). A restart restores reservations in id
//   order: AddRestored appends those as they come, and the list is sorted once, on its next
//   Remove or Uncovered.
// - Remove finds the hold by binary search and leaves a gap, closed when the gaps outnumber the
//   holds: O(log n), not a scan and a shift of the whole list.
// - Uncovered walks from whichever end is nearer the first uncovered hold, then on from it.
//
// Not thread-safe: the shard lock guards it (ledger_shard.h).
#ifndef OMNISTOCK_ENGINE_HOLD_LIST_H_
#define OMNISTOCK_ENGINE_HOLD_LIST_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "absl/time/time.h"
#include "engine/reservation.h"
#include "engine/types.h"

namespace omnistock {

// A live reservation's claim on one position. Points at the reservation as its stripe stores
// it: nodes that never move, never erased while live, and whose id and created_at do not change
// once made (read here under the shard lock only).
struct Hold {
  const Reservation* reservation = nullptr;
  Quantity quantity = 0;
};

class HoldList {
 public:
  // A hold placed now. A reservation's time is read before its locks are taken (and a routed
  // order keeps its time through its attempts), so others made a little later may have reached
  // this list first: the hold goes in its place, found among the last few entries, else by
  // binary search.
  void Add(Hold hold) {
    const Entry entry = EntryOf(hold);
    held_ += hold.quantity;
    if (!ordered_) {
      entries_.push_back(entry);
      return;
    }
    size_t from = entries_.size();
    size_t floor = from > kLateHoldSearchMax ? from - kLateHoldSearchMax : 0;
    if (floor > 0 && entries_[floor - 1].created >= entry.created) {
      from = static_cast<size_t>(
          std::upper_bound(entries_.begin(), entries_.end(), entry.created,
                           [](int64_t c, const Entry& e) { return c < e.created; }) -
          entries_.begin());
      floor = 0;
    }
    // Back from `from` past the newer holds; a gap of the same time is passed over without
    // deciding (it has no id), the first older hold stops the walk.
    size_t at = from;
    for (size_t i = from; i > floor; --i) {
      const Entry& e = entries_[i - 1];
      if (e.created < entry.created) break;
      if (e.reservation == nullptr && e.created == entry.created) continue;
      if (!Newer(e, entry)) break;
      at = i - 1;
    }
    entries_.insert(entries_.begin() + static_cast<std::ptrdiff_t>(at), entry);
  }

  // A hold of a reservation restored at a restart, which come in id order: appended, and the
  // list sorted once, on its next Remove or Uncovered (inserting each in its place would move
  // half the list each time).
  void AddRestored(Hold hold) {
    const Entry entry = EntryOf(hold);
    held_ += hold.quantity;
    if (ordered_ && !entries_.empty() && Newer(entries_.back(), entry)) ordered_ = false;
    entries_.push_back(entry);
  }

  // Does nothing when `reservation` holds nothing here.
  void Remove(const Reservation& reservation) {
    Order();
    const int64_t created = absl::ToUnixNanos(reservation.created_at);
    auto it = std::lower_bound(entries_.begin(), entries_.end(), created,
                               [](const Entry& e, int64_t c) { return e.created < c; });
    while (it != entries_.end() && it->created == created && it->reservation != &reservation) ++it;
    if (it == entries_.end() || it->reservation != &reservation) return;
    held_ -= it->quantity;
    it->reservation = nullptr;
    it->quantity = 0;
    ++removed_;
    // No gap at the end: it would only be carried along.
    while (!entries_.empty() && entries_.back().reservation == nullptr) {
      entries_.pop_back();
      --removed_;
    }
    if (entries_.empty()) {
      entries_ = {};  // most positions are held by nobody most of the time: give the memory back
    } else if (removed_ > entries_.size() / 2) {
      std::erase_if(entries_, [](const Entry& e) { return e.reservation == nullptr; });
      removed_ = 0;
      // A flash sale's list, mostly released: its memory back too, not only once it empties.
      if (entries_.capacity() > 4 * entries_.size()) entries_.shrink_to_fit();
    }
  }

  // The reservations that `on_hand` no longer covers, the oldest first, at most `max`. on_hand
  // covers the oldest holds first, each in full or not at all: a hold that what is left no
  // longer covers is uncovered, and a newer one that still fits in it stays covered. So a hold
  // is uncovered only when the older ones covered before it leave too little for it, which
  // re-sourcing newer orders would not change: the orders to re-source are as few as covering
  // the oldest first allows (on 3 units, holds of 5, 1 and 1, the 5 alone).
  std::vector<ReservationId> Uncovered(Quantity on_hand, int max) {
    std::vector<ReservationId> at_risk;
    if (held_ <= on_hand) return at_risk;
    Order();
    // The first hold that on_hand does not cover in full, and the units the holds before it
    // leave. Each walk visits at most as many holds as it counts units (a hold is at least
    // one), and the gaps between them (never more than the holds), so it takes the shorter way:
    // from the front through the covered units, or from the back through the uncovered ones.
    size_t first = 0;
    Quantity left = on_hand;
    if (on_hand <= held_ - on_hand) {
      while (first < entries_.size()) {
        const Entry& entry = entries_[first];
        if (entry.reservation != nullptr && entry.quantity > left) break;
        left -= entry.quantity;  // a gap holds 0
        ++first;
      }
    } else {
      // A hold is uncovered while the holds after it come to less than the shortfall.
      const Quantity shortfall = held_ - on_hand;
      Quantity after = 0;
      first = entries_.size();
      // A gap adds nothing, so the walk stops on the hold that brought `after` to the
      // shortfall: the first uncovered one, as what came after it was still short.
      while (first > 0 && after < shortfall) after += entries_[--first].quantity;
      left = on_hand - (held_ - after);
    }
    // From there, each hold that fits in what is left is covered; the walk ends once `max` are
    // listed. It runs under the shard lock at every movement of a short position: once it has
    // covered kNewerCoveredMax holds this way (one large hold that does not fit before thousands
    // of small ones that do), it lists the rest as uncovered, as if nothing were left. So it
    // visits at most max + kNewerCoveredMax holds, and the gaps between them.
    int newer_covered = 0;
    for (size_t i = first; i < entries_.size() && static_cast<int>(at_risk.size()) < max; ++i) {
      const Entry& entry = entries_[i];
      if (entry.reservation == nullptr) continue;
      if (entry.quantity <= left && newer_covered < kNewerCoveredMax) {
        left -= entry.quantity;
        ++newer_covered;
      } else {
        at_risk.push_back(entry.reservation->id);
      }
    }
    return at_risk;
  }

  // The units the holds come to: the position's reserved (Ledger::CheckInvariants).
  Quantity held() const { return held_; }
  size_t size() const { return entries_.size() - removed_; }

  // Starts fetching where the next Add writes.
  void PrefetchEnd() const {
    if (entries_.size() < entries_.capacity())
      __builtin_prefetch(entries_.data() + entries_.size(), 1);
  }

 private:
  struct Entry {
    const Reservation* reservation;  // nullptr: removed, a gap until the next compaction
    Quantity quantity;               // 0 once removed
    int64_t created;                 // the reservation's created_at in ns: kept in a gap
  };

  // How far back from the end Add looks for a hold's place before it searches the whole list:
  // usually further than the reservations in flight on one position at once.
  static constexpr size_t kLateHoldSearchMax = 64;
  // How many holds newer than the first uncovered one Uncovered finds covered before it lists
  // the rest as uncovered.
  static constexpr int kNewerCoveredMax = 1000;

  static Entry EntryOf(Hold hold) {
    return Entry{hold.reservation, hold.quantity, absl::ToUnixNanos(hold.reservation->created_at)};
  }

  // Whether live `a` is older than live `b`.
  static bool Before(const Entry& a, const Entry& b) {
    if (a.created != b.created) return a.created < b.created;
    return a.reservation->id < b.reservation->id;
  }
  // Whether `e`, live or a gap, belongs after live `hold`. A gap of the same time does not.
  static bool Newer(const Entry& e, const Entry& hold) {
    return e.reservation == nullptr ? e.created > hold.created : Before(hold, e);
  }

  void Order() {
    if (ordered_) return;
    std::erase_if(entries_, [](const Entry& e) { return e.reservation == nullptr; });
    removed_ = 0;
    std::sort(entries_.begin(), entries_.end(), Before);
    ordered_ = true;
  }

  std::vector<Entry> entries_;  // by created_at then id while ordered_
  Quantity held_ = 0;
  uint32_t removed_ = 0;  // gaps in entries_
  bool ordered_ = true;
};

}  // namespace omnistock

#endif  // OMNISTOCK_ENGINE_HOLD_LIST_H_
