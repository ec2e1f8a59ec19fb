// A SpatialGrid finds the points near a place without looking at every point: points are
// bucketed into cells of a fixed size in latitude and longitude, and a query reads only the
// cells that overlap the bounding box of its circle. Built once per network version.
//
// Immutable after construction; concurrent queries are safe.
#ifndef OMNISTOCK_ENGINE_ROUTING_SPATIAL_GRID_H_
#define OMNISTOCK_ENGINE_ROUTING_SPATIAL_GRID_H_

#include <cstdint>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "engine/routing/geo.h"

namespace omnistock::routing {

class SpatialGrid {
 public:
  struct Entry {
    int32_t id = 0;  // the caller's identifier of the point
    GeoPoint point;
    UnitVector unit;
  };

  // `cell_degrees` is the side of a cell; a query radius around it reads about 9 cells.
  explicit SpatialGrid(double cell_degrees = 0.25);

  void Insert(int32_t id, GeoPoint point);

  // Appends to `out` the ids of every point within `radius_km` of `center`, and possibly a few
  // just beyond it (by at most a millionth of the radius): callers that need the exact
  // boundary test the distance themselves. Order: cell by cell, deterministic.
  void Near(GeoPoint center, double radius_km, std::vector<int32_t>& out) const;

  size_t size() const { return size_; }

 private:
  static int64_t Key(int64_t lat_cell, int64_t lon_cell) { return lat_cell * 100'000 + lon_cell; }
  int64_t LatCell(double latitude) const;
  int64_t LonCell(double longitude) const;

  double cell_degrees_;
  int64_t lon_cells_;  // cells around a parallel; longitude cells wrap modulo this
  size_t size_ = 0;
  absl::flat_hash_map<int64_t, std::vector<Entry>> cells_;
  std::vector<Entry> all_;  // for circles that reach a pole or span half the globe
};

}  // namespace omnistock::routing

#endif  // OMNISTOCK_ENGINE_ROUTING_SPATIAL_GRID_H_
