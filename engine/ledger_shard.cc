#include "engine/ledger_shard.h"

#include <algorithm>

namespace omnistock {

ShardLockSet::ShardLockSet(LedgerShard* shards, std::vector<int> indices)
    : shards_(shards), indices_(std::move(indices)) {
  std::sort(indices_.begin(), indices_.end());
  indices_.erase(std::unique(indices_.begin(), indices_.end()), indices_.end());
  for (int index : indices_) shards_[index].mu.Lock();
}

ShardLockSet::~ShardLockSet() {
  for (auto it = indices_.rbegin(); it != indices_.rend(); ++it) shards_[*it].mu.Unlock();
}

}  // namespace omnistock
