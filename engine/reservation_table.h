// The reservations of one stripe of the ledger, by id.
//
// A flat table of (hash, owned reservation) beside reservations allocated one by one: a
// reservation never moves once made (holds, the expiry heap and the terminal heap point at it),
// and growing the table moves 16-byte entries whose hash is in the entry. A node map keyed by
// the id (what this replaced) kept each key in its node, so every rehash of a growing table
// fetched every reservation from memory to hash it again, and the key was a second copy of the
// id (measured in bench/HISTORY.md).
//
// Not thread-safe: the stripe's lock guards it.
#ifndef OMNISTOCK_ENGINE_RESERVATION_TABLE_H_
#define OMNISTOCK_ENGINE_RESERVATION_TABLE_H_

#include <cstddef>
#include <memory>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/functional/function_ref.h"
#include "absl/hash/hash.h"
#include "engine/reservation.h"
#include "engine/types.h"

namespace omnistock {

class ReservationTable {
 public:
  // The reservation with `id`, or nullptr.
  Reservation* Find(const ReservationId& id) const {
    auto it = entries_.find(id);
    return it == entries_.end() ? nullptr : it->reservation.get();
  }

  // Starts fetching where Find(id) or FindOrAdd(id) will look, so that the caller can do other
  // work (other cache misses) while it arrives. A hint only.
  void Prefetch(const ReservationId& id) const { entries_.prefetch(id); }

  // The reservation with `id`, made (empty but for its id) when there was none. second: it was
  // made by this call.
  std::pair<Reservation*, bool> FindOrAdd(const ReservationId& id) {
    bool added = false;
    auto it = entries_.lazy_emplace(id, [&](const auto& construct) {
      auto reservation = std::make_unique<Reservation>();
      reservation->id = id;
      construct(Entry{HashOf(id), std::move(reservation)});
      added = true;
    });
    return {it->reservation.get(), added};
  }

  // Erases and frees the reservation with `id`, if there is one. `id` may be its own id.
  void Erase(const ReservationId& id) {
    auto it = entries_.find(id);
    if (it != entries_.end()) entries_.erase(it);
  }

  size_t size() const { return entries_.size(); }

  void ForEach(absl::FunctionRef<void(const Reservation&)> visit) const {
    for (const Entry& entry : entries_) visit(*entry.reservation);
  }

 private:
  struct Entry {
    size_t hash;  // HashOf(reservation->id)
    std::unique_ptr<Reservation> reservation;
  };
  static size_t HashOf(const ReservationId& id) { return absl::Hash<ReservationId>{}(id); }
  struct EntryHash {
    using is_transparent = void;
    size_t operator()(const Entry& entry) const { return entry.hash; }
    size_t operator()(const ReservationId& id) const { return HashOf(id); }
  };
  struct EntryEq {
    using is_transparent = void;
    bool operator()(const Entry& a, const Entry& b) const { return a.reservation == b.reservation; }
    bool operator()(const Entry& a, const ReservationId& id) const {
      return a.hash == HashOf(id) && a.reservation->id == id;
    }
    bool operator()(const ReservationId& id, const Entry& a) const { return (*this)(a, id); }
  };

  absl::flat_hash_set<Entry, EntryHash, EntryEq> entries_;
};

}  // namespace omnistock

#endif  // OMNISTOCK_ENGINE_RESERVATION_TABLE_H_
