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

// One SKU's rows, for the planner: in the order added, their locations alone (a tenth of the
// bytes, for a caller that looks for a few locations), and the row of a location directly.
struct SkuRows {
  std::span<const StockRow> rows;
  std::span<const LocationIndex> locations;  // rows[i].location
  std::span<const int32_t> row_of;           // by LocationIndex: index into rows, -1: none

  // The row of (this SKU, location), the last added of a pair; nullptr when there is none.
  const StockRow* At(LocationIndex location) const {
    if (static_cast<size_t>(location) >= row_of.size()) return nullptr;
    const int32_t i = row_of[location];
    return i >= 0 ? &rows[i] : nullptr;
  }
};

class StockSnapshot {
 public:
  void Add(const Sku& sku, const StockRow& row) { Add(sku, std::span<const StockRow>(&row, 1)); }
  void Add(const Sku& sku, std::span<const StockRow> rows);
  // Rows of `sku`, in the order they were added; empty when there are none.
  std::span<const StockRow> RowsFor(const Sku& sku) const;
  // The same rows, indexed; all empty when there are none.
  SkuRows Of(const Sku& sku) const;
  // The row of (sku, location), if any (the last added of a pair).
  std::optional<StockRow> Find(const Sku& sku, LocationIndex location) const;
  size_t sku_count() const { return rows_.size(); }
  void Clear() { rows_.clear(); }

 private:
  struct Rows {
    std::vector<LocationIndex> locations;
    std::vector<StockRow> rows;
    std::vector<int32_t> row_of;
  };
  absl::flat_hash_map<Sku, Rows> rows_;
};

}  // namespace omnistock::routing

#endif  // OMNISTOCK_ENGINE_ROUTING_STOCK_SNAPSHOT_H_
