#include "engine/ledger_shard.h"

#include <algorithm>

namespace omnistock {

const RoutingRows& LedgerShard::RoutingRowsFor(
    const Sku& sku, const std::shared_ptr<const routing::Network>& network) const {
  // A SKU nobody stocks gets no entry, so made-up SKU names cannot grow the cache.
  static const RoutingRows kNoRows;
  const absl::Span<PositionSlot* const> of_sku = PositionsOf(sku);
  if (of_sku.empty()) return kNoRows;
  // One network at a time: entries for an older one are dropped, not kept alive.
  if (routing_network != network) {
    routing_rows.clear();
    routing_network = network;
  }
  RoutingRows& cached = routing_rows[sku];
  if (cached.network == network) return cached;
  cached.network = network;
  cached.rows.clear();
  cached.by_location.assign(static_cast<size_t>(network->size()), -1);
  for (const PositionSlot* position : of_sku) {
    if (std::optional<routing::LocationIndex> index = network->Find(position->location)) {
      cached.by_location[static_cast<size_t>(*index)] = static_cast<int32_t>(cached.rows.size());
      cached.rows.emplace_back(*index, position);
    }
  }
  return cached;
}

void PrefetchForChange(const PositionSlot& position) {
  position.holds.PrefetchEnd();
  position.history.Prefetch();
}

void Stamp(Movement& movement, PositionSlot& position) {
  LinkToPosition(movement, position);
  StampValues(movement, position);
}

void StampTouched(Commit& commit, absl::Span<PositionSlot* const> touched) {
  commit.positions.reserve(touched.size());
  for (size_t i = 0; i < touched.size(); ++i) {
    Stamp(commit.movements[i], *touched[i]);
    commit.positions.push_back(*touched[i]);
  }
}

void StampValues(Movement& movement, PositionSlot& position) {
  position.RecordChange(movement.time, movement.on_hand_delta);
  movement.on_hand_after = position.on_hand;
  movement.reserved_after = position.reserved;
  movement.safety_stock_after = position.safety_stock;
  movement.in_transit_after = position.in_transit;
  movement.non_sellable_after = position.non_sellable;
  movement.at_risk = position.holds.Uncovered(position.on_hand, kAtRiskPerMovementMax);
}

void ShardLockSet::LockAll() {
  std::sort(indices_.begin(), indices_.end());
  indices_.erase(std::unique(indices_.begin(), indices_.end()), indices_.end());
  for (int index : indices_) shards_[index].mu.Lock();
}

ShardLockSet::~ShardLockSet() {
  for (auto it = indices_.rbegin(); it != indices_.rend(); ++it) shards_[*it].mu.Unlock();
}

}  // namespace omnistock
