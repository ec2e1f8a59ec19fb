// A LedgerShard owns the positions of the SKUs that hash to it, at every location, so that one
// SKU's stock across the network is read and changed under one lock.
//
// Thread-safety: every member is guarded by mu. Operations that span shards lock them in
// ascending index order (see ShardLockSet), which is what makes them deadlock-free.
#ifndef OMNISTOCK_ENGINE_LEDGER_SHARD_H_
#define OMNISTOCK_ENGINE_LEDGER_SHARD_H_

#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/synchronization/mutex.h"
#include "engine/limits.h"
#include "engine/position.h"
#include "engine/types.h"

namespace omnistock {

inline int ShardIndexFor(const Sku& sku) {
  return static_cast<int>(absl::Hash<Sku>{}(sku) & (kLedgerShardCount - 1));
}

struct LedgerShard {
  mutable absl::Mutex mu;
  absl::flat_hash_map<Sku, absl::flat_hash_map<LocationId, Position>> positions
      ABSL_GUARDED_BY(mu);

  Position* Find(const Sku& sku, const LocationId& location) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    auto by_sku = positions.find(sku);
    if (by_sku == positions.end()) return nullptr;
    auto it = by_sku->second.find(location);
    return it == by_sku->second.end() ? nullptr : &it->second;
  }

  Position& FindOrCreate(const Sku& sku, const LocationId& location)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu) {
    Position& position = positions[sku][location];
    if (position.sku.empty()) {
      position.sku = sku;
      position.location = location;
    }
    return position;
  }
};

// Locks a set of shards in ascending index order for the lifetime of the object.
class ShardLockSet {
 public:
  ShardLockSet(LedgerShard* shards, std::vector<int> indices);
  ~ShardLockSet();
  ShardLockSet(const ShardLockSet&) = delete;
  ShardLockSet& operator=(const ShardLockSet&) = delete;

 private:
  LedgerShard* shards_;
  std::vector<int> indices_;  // sorted, unique
};

}  // namespace omnistock

#endif  // OMNISTOCK_ENGINE_LEDGER_SHARD_H_
