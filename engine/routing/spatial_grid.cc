#include "engine/routing/spatial_grid.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace omnistock::routing {

namespace {
constexpr double kKmPerDegree = kEarthRadiusKm * std::numbers::pi / 180.0;
}  // namespace

SpatialGrid::SpatialGrid(double cell_degrees)
    : cell_degrees_(cell_degrees),
      lon_cells_(static_cast<int64_t>(std::ceil(360.0 / cell_degrees))) {}

int64_t SpatialGrid::LatCell(double latitude) const {
  return static_cast<int64_t>(std::floor((latitude + 90.0) / cell_degrees_));
}

int64_t SpatialGrid::LonCell(double longitude) const {
  const int64_t cell = static_cast<int64_t>(std::floor((longitude + 180.0) / cell_degrees_));
  return ((cell % lon_cells_) + lon_cells_) % lon_cells_;
}

void SpatialGrid::Insert(int32_t id, GeoPoint point) {
  Entry entry{id, point, ToUnitVector(point)};
  cells_[Key(LatCell(point.latitude), LonCell(point.longitude))].push_back(entry);
  all_.push_back(entry);
  ++size_;
}

void SpatialGrid::Near(GeoPoint center, double radius_km, std::vector<int32_t>& out) const {
  const UnitVector unit = ToUnitVector(center);
  const double limit = ChordSquaredForKm(radius_km) * (1 + 1e-6) + 1e-18;
  auto take = [&](const std::vector<Entry>& entries) {
    for (const Entry& entry : entries) {
      if (ChordSquared(entry.unit, unit) <= limit) out.push_back(entry.id);
    }
  };
  // A degree of latitude is kKmPerDegree everywhere; a degree of longitude shrinks with the
  // cosine of the latitude, so the box is widened at the parallel nearest a pole.
  const double lat_span = radius_km / kKmPerDegree * (1 + 1e-6);
  const double lat_low = center.latitude - lat_span;
  const double lat_high = center.latitude + lat_span;
  const double widest = std::max(std::abs(lat_low), std::abs(lat_high));
  const double cos_widest = std::cos(widest * std::numbers::pi / 180.0);
  if (lat_low <= -90 || lat_high >= 90 || cos_widest <= 0 || lat_span / cos_widest >= 90) {
    take(all_);
    return;
  }
  const double lon_span = lat_span / cos_widest;
  const int64_t lat_first = LatCell(lat_low);
  const int64_t lat_last = LatCell(lat_high);
  const int64_t lon_first =
      static_cast<int64_t>(std::floor((center.longitude - lon_span + 180.0) / cell_degrees_));
  const int64_t lon_last =
      static_cast<int64_t>(std::floor((center.longitude + lon_span + 180.0) / cell_degrees_));
  const int64_t lon_count = std::min(lon_last - lon_first + 1, lon_cells_);
  for (int64_t lat_cell = lat_first; lat_cell <= lat_last; ++lat_cell) {
    for (int64_t step = 0; step < lon_count; ++step) {
      const int64_t lon_cell = (((lon_first + step) % lon_cells_) + lon_cells_) % lon_cells_;
      auto it = cells_.find(Key(lat_cell, lon_cell));
      if (it != cells_.end()) take(it->second);
    }
  }
}

}  // namespace omnistock::routing
