#include "engine/routing/stock_snapshot.h"

namespace omnistock::routing {

void StockSnapshot::Add(const Sku& sku, const StockRow& row) { rows_[sku].push_back(row); }

std::span<const StockRow> StockSnapshot::RowsFor(const Sku& sku) const {
  auto it = rows_.find(sku);
  if (it == rows_.end()) return {};
  return it->second;
}

std::optional<StockRow> StockSnapshot::Find(const Sku& sku, LocationIndex location) const {
  std::optional<StockRow> found;
  for (const StockRow& row : RowsFor(sku)) {
    if (row.location == location) found = row;  // the last row of a pair wins
  }
  return found;
}

}  // namespace omnistock::routing
