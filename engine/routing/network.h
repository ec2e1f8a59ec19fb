// A Network is an immutable, indexed copy of the fulfilment network (every location) at one
// version, built once when the locations change and shared by every plan made against it.
//
// Each location gets a dense LocationIndex (its rank by id, so index order is id order); its
// unit vector is computed once; the stores that hand orders to customers (pickup or curbside)
// are in a SpatialGrid so that a pickup query reads a few cells, not the whole network.
//
// Immutable after Build; share it as std::shared_ptr<const Network> across threads.
#ifndef OMNISTOCK_ENGINE_ROUTING_NETWORK_H_
#define OMNISTOCK_ENGINE_ROUTING_NETWORK_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "engine/location.h"
#include "engine/routing/geo.h"
#include "engine/routing/spatial_grid.h"
#include "engine/types.h"

namespace omnistock::routing {

// Dense index of a location in one Network; meaningless across versions.
using LocationIndex = int32_t;

// What the planner reads of a location for every order, packed small so that a pass over
// thousands of locations stays in cache.
struct LocationTraits {
  LocationKind kind = LocationKind::kStore;
  bool disabled = false;
  bool capacity_limited = false;  // see fulfilment_rules.h, Capacity
  uint8_t methods = 0;            // bit 1 << Method for every method offered (MethodsOffered)
  int64_t daily_capacity = 0;
};

class Network {
 public:
  // Fails with INVALID_ARGUMENT on an empty or duplicate id or invalid coordinates.
  static absl::StatusOr<std::shared_ptr<const Network>> Build(std::vector<Location> locations,
                                                              std::string version);

  const std::string& version() const { return version_; }
  int size() const { return static_cast<int>(locations_.size()); }
  const Location& location(LocationIndex index) const { return locations_[index]; }
  const UnitVector& unit(LocationIndex index) const { return units_[index]; }
  const LocationTraits& traits(LocationIndex index) const { return traits_[index]; }
  GeoPoint point(LocationIndex index) const {
    return GeoPoint{locations_[index].latitude, locations_[index].longitude};
  }
  std::optional<LocationIndex> Find(const LocationId& id) const;
  // The warehouses and the EC DC (disabled ones too), in index order: the few locations a plan
  // without an explanation reads before any store.
  std::span<const LocationIndex> hubs() const { return hubs_; }

  // Appends the stores with the pickup or curbside capability (disabled ones too: a plan says
  // why it skipped them) within about `radius_km` of `center`; see SpatialGrid::Near.
  void PickupStoresNear(GeoPoint center, double radius_km, std::vector<LocationIndex>& out) const {
    pickup_stores_.Near(center, radius_km, out);
  }

 private:
  Network() = default;

  std::string version_;
  std::vector<Location> locations_;  // ordered by id
  std::vector<UnitVector> units_;
  std::vector<LocationTraits> traits_;
  std::vector<LocationIndex> hubs_;
  absl::flat_hash_map<LocationId, LocationIndex> index_;
  SpatialGrid pickup_stores_;
};

}  // namespace omnistock::routing

#endif  // OMNISTOCK_ENGINE_ROUTING_NETWORK_H_
