// A StockSnapshot is the stock the planner plans against: for each SKU, the positions that
// exist for it, as (location, on_hand, reserved, safety-stock override). It is a consistent
// copy taken by the caller (the ledger copies the positions of an order's SKUs under their
// shard locks), so a plan never sees half of a concurrent movement.
//
// A (SKU, location) pair with no row holds nothing. The caller adds at most one row per pair
// (positions are unique per pair in the ledger); should it add two, planning uses the last.
//
// Not thread-safe to build; read-only use from several threads is safe.
#ifndef OMNISTOCK_ENGINE_ROUTING_STOCK_SNAPSHOT_H_
#define OMNISTOCK_ENGINE_ROUTING_STOCK_SNAPSHOT_H_

#include <optional>
#include <span>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "engine/routing/network.h"
#include "engine/types.h"

namespace omnistock::routing {

struct StockRow {
  LocationIndex location = 0;
  Quantity on_hand = 0;
  Quantity reserved = 0;
  // The position's own safety stock when the merchant set one; it replaces the method default
  // for every method (see SafetyStockFor in fulfilment_rules.h). nullopt: the method default.
  std::optional<Quantity> safety_stock_override;

  friend bool operator==(const StockRow&, const StockRow&) = default;
};

class StockSnapshot {
 public:
  void Add(const Sku& sku, const StockRow& row);
  // Rows of `sku`, in the order they were added; empty when there are none.
  std::span<const StockRow> RowsFor(const Sku& sku) const;
  // The row of (sku, location), if any. Linear in the SKU's rows: for tests and tools.
  std::optional<StockRow> Find(const Sku& sku, LocationIndex location) const;
  size_t sku_count() const { return rows_.size(); }
  void Clear() { rows_.clear(); }

 private:
  absl::flat_hash_map<Sku, std::vector<StockRow>> rows_;
};

}  // namespace omnistock::routing

#endif  // OMNISTOCK_ENGINE_ROUTING_STOCK_SNAPSHOT_H_
