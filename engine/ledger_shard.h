// A LedgerShard owns the positions of the SKUs that hash to it, at every location, so that one
// SKU's stock across the network is read and changed under one lock.
//
// Thread-safety: every member is guarded by mu. Operations that span shards lock them in
// ascending index order (see ShardLockSet), which is what makes them deadlock-free.
#ifndef OMNISTOCK_ENGINE_LEDGER_SHARD_H_
#define OMNISTOCK_ENGINE_LEDGER_SHARD_H_

#include <bit>
#include <limits>
#include <memory>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/inlined_vector.h"
#include "absl/container/node_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "engine/hold_list.h"
#include "engine/journal_sink.h"
#include "engine/limits.h"
#include "engine/movement.h"
#include "engine/position.h"
#include "engine/reservation.h"
#include "engine/routing/network.h"
#include "engine/types.h"

namespace omnistock {

// Which of `kCount` (a power of two) stripes a key belongs to, from its absl::Hash. Taken from
// the hash's top bits: the hash maps inside a stripe hash the same key with the same absl::Hash
// and take their 7-bit probe tag from its bottom bits, so a stripe chosen by the bottom bits
// leaves its keys only two tags between them and every probe compares (and fetches) keys.
template <int kCount>
inline int StripeOfHash(size_t hash) {
  static_assert(kCount > 1 && std::has_single_bit(static_cast<unsigned>(kCount)));
  return static_cast<int>(hash >> (std::numeric_limits<size_t>::digits -
                                   std::countr_zero(static_cast<unsigned>(kCount))));
}

inline int ShardIndexFor(const Sku& sku) {
  return StripeOfHash<kLedgerShardCount>(absl::Hash<Sku>{}(sku));
}

// Puts the numbered `movement` at the head of its position's chain of movements (see
// Movement::previous) and decides whether the position index holds it.
inline void LinkToPosition(Movement& movement, Position& position) {
  movement.previous = position.last_sequence;
  position.last_sequence = movement.sequence;
  ++position.movements;
  movement.indexed = position.movements % kPositionIndexEvery == 0;
}

// A position as a shard stores it: with the live reservations that hold stock on it, so that
// a sale or a count can tell, under the shard lock alone, which reservations it leaves
// uncovered. The shard hands out these (Find, FindOrCreate, PositionsOf), so what needs the
// holds takes a PositionSlot and cannot be given a copy of the Position (into a commit, into an
// answer), which leaves the holds behind. Its holds need the shard's lock held, which the
// position alone cannot be annotated with.
struct PositionSlot : Position {
  HoldList holds;
};

// What follows changes or reads a position a shard handed out and needs that shard's lock held.
// Starts fetching what changing `position` and copying it into a commit will write besides the
// position itself (the end of its hold list, its history's reference count), so that those
// cache misses overlap with the work in between instead of following one another.
void PrefetchForChange(const PositionSlot& position);
// Records that the numbered `movement` changed `position`: LinkToPosition, then StampValues.
void Stamp(Movement& movement, PositionSlot& position);
// Stamps the i-th movement of `commit` on the i-th of `touched` and copies those positions into
// the commit.
void StampTouched(Commit& commit, absl::Span<PositionSlot* const> touched);
// The on_hand history, and the position's values after the movement (and who is at risk) in
// the movement itself. Needs no sequence.
void StampValues(Movement& movement, PositionSlot& position);

// Where a SKU's positions are in one routing network: its location index beside each
// position, and the position at each index, so that planning an order reads the stock without
// looking every location up by its id. Valid for `network` only, and until the SKU gains a
// position (which it would miss).
struct RoutingRows {
  std::shared_ptr<const routing::Network> network;  // held: its address cannot be reused
  std::vector<std::pair<routing::LocationIndex, const Position*>> rows;
  std::vector<int32_t> by_location;  // by LocationIndex: index into rows, -1: no position

  const Position* At(routing::LocationIndex location) const {
    if (static_cast<size_t>(location) >= by_location.size()) return nullptr;
    const int32_t i = by_location[location];
    return i >= 0 ? rows[i].second : nullptr;
  }
};

// The positions a command changes, one per line.
using TouchedPositions = absl::InlinedVector<PositionSlot*, 4>;

// A position's key in its shard's map (and wherever the ledger counts by position). Not
// storage::PositionKey, the position's row key on disk.
struct SkuAtLocation {
  Sku sku;
  LocationId location;

  friend bool operator==(const SkuAtLocation&, const SkuAtLocation&) = default;
  template <typename H>
  friend H AbslHashValue(H h, const SkuAtLocation& key) {
    return H::combine(std::move(h), key.sku, key.location);
  }
};

struct LedgerShard {
  mutable absl::Mutex mu;
  // Every position of the shard in one map, so that finding one is a single probe: its control
  // bytes and slot (which Prefetch fetches together, from the key's hash alone), then the node.
  // A map per SKU inside a map of SKUs took twice that, each step waiting for the one before
  // (bench/README.md, "Where the time goes"). Node-based: a position stays where it is while
  // others are added, so by_sku, the routing cache and the calls in flight can point at it.
  absl::node_hash_map<SkuAtLocation, PositionSlot> positions ABSL_GUARDED_BY(mu);
  // The positions of each SKU, in the order they were made, for what reads a SKU across the
  // network (availability, routing).
  absl::flat_hash_map<Sku, std::vector<PositionSlot*>> by_sku ABSL_GUARDED_BY(mu);
  // The positions at each location, in the order they were made, for what lists a location's
  // stock (Ledger::PositionsAt) without reading every position of the shard.
  absl::flat_hash_map<LocationId, std::vector<PositionSlot*>> by_location ABSL_GUARDED_BY(mu);
  // A cache for planning, filled by RoutingRowsFor: only SKUs with a position have an entry, only
  // for routing_network. FindOrCreate drops a SKU's entry when it adds a position.
  mutable absl::flat_hash_map<Sku, RoutingRows> routing_rows ABSL_GUARDED_BY(mu);
  mutable std::shared_ptr<const routing::Network> routing_network ABSL_GUARDED_BY(mu);

  // Starts fetching what Find(sku, location) will read first, so that those cache misses overlap
  // with the work before it. A hint only.
  void Prefetch(const Sku& sku, const LocationId& location) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    positions.prefetch(SkuAtLocation{sku, location});
  }

  PositionSlot* Find(const Sku& sku, const LocationId& location) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    auto it = positions.find(SkuAtLocation{sku, location});
    return it == positions.end() ? nullptr : &it->second;
  }

  PositionSlot& FindOrCreate(const Sku& sku, const LocationId& location)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    auto [it, made] = positions.try_emplace(SkuAtLocation{sku, location});
    PositionSlot& position = it->second;
    if (made) {
      position.sku = sku;
      position.location = location;
      by_sku[sku].push_back(&position);
      by_location[location].push_back(&position);
      routing_rows.erase(sku);
    }
    return position;
  }

  // The positions of `sku`, empty if it has none here.
  absl::Span<PositionSlot* const> PositionsOf(const Sku& sku) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    auto it = by_sku.find(sku);
    if (it == by_sku.end()) return {};
    return it->second;
  }

  // The positions of `sku` at the locations `network` has, each with its index there.
  const RoutingRows& RoutingRowsFor(const Sku& sku,
                                    const std::shared_ptr<const routing::Network>& network) const
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu);
};

// Locks the shards of a command's SKUs in ascending index order for the lifetime of the object.
class ShardLockSet {
 public:
  // The shards of the `sku` of every one of `items` (lines, rows).
  template <typename Items>
  ShardLockSet(LedgerShard* shards, const Items& items) : shards_(shards) {
    for (const auto& item : items) indices_.push_back(ShardIndexFor(item.sku));
    LockAll();
  }
  ~ShardLockSet();
  ShardLockSet(const ShardLockSet&) = delete;
  ShardLockSet& operator=(const ShardLockSet&) = delete;

 private:
  void LockAll();

  LedgerShard* shards_;
  absl::InlinedVector<int, 4> indices_;  // sorted, unique once locked
};

}  // namespace omnistock

#endif  // OMNISTOCK_ENGINE_LEDGER_SHARD_H_
