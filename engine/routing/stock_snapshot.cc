#include "engine/routing/stock_snapshot.h"

#include <algorithm>

#include "engine/check.h"

namespace omnistock::routing {

void StockSnapshot::Add(const Sku& sku, std::span<const StockRow> rows) {
  Rows& to = rows_[sku];
  for (const StockRow& row : rows) {
    OMNISTOCK_CHECK(row.location >= 0);
    if (static_cast<size_t>(row.location) >= to.row_of.size()) {
      to.row_of.resize(std::max<size_t>(row.location + 1, to.row_of.size() * 2), -1);
    }
    to.row_of[row.location] = static_cast<int32_t>(to.rows.size());
    to.locations.push_back(row.location);
    to.rows.push_back(row);
  }
}

std::span<const StockRow> StockSnapshot::RowsFor(const Sku& sku) const {
  auto it = rows_.find(sku);
  if (it == rows_.end()) return {};
  return it->second.rows;
}

SkuRows StockSnapshot::Of(const Sku& sku) const {
  auto it = rows_.find(sku);
  if (it == rows_.end()) return {};
  return SkuRows{it->second.rows, it->second.locations, it->second.row_of};
}

std::optional<StockRow> StockSnapshot::Find(const Sku& sku, LocationIndex location) const {
  const StockRow* row = Of(sku).At(location);
  if (row == nullptr) return std::nullopt;
  return *row;
}

}  // namespace omnistock::routing
