#include "engine/routing/network.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "engine/routing/fulfilment_rules.h"

namespace omnistock::routing {

absl::StatusOr<std::shared_ptr<const Network>> Network::Build(std::vector<Location> locations,
                                                              std::string version) {
  std::sort(locations.begin(), locations.end(),
            [](const Location& a, const Location& b) { return a.id < b.id; });
  std::shared_ptr<Network> network(new Network());
  network->version_ = std::move(version);
  network->units_.reserve(locations.size());
  for (size_t i = 0; i < locations.size(); ++i) {
    const Location& location = locations[i];
    if (location.id.empty()) return absl::InvalidArgumentError("location with an empty id");
    if (i > 0 && locations[i - 1].id == location.id) {
      return absl::InvalidArgumentError(
          absl::StrCat("duplicate location id ", location.id.value()));
    }
    const GeoPoint point{location.latitude, location.longitude};
    if (!IsValid(point)) {
      return absl::InvalidArgumentError(
          absl::StrCat("location ", location.id.value(), " has invalid coordinates"));
    }
    const auto index = static_cast<LocationIndex>(i);
    network->units_.push_back(ToUnitVector(point));
    LocationTraits traits;
    traits.kind = location.kind;
    traits.disabled = location.disabled;
    traits.capacity_limited = CapacityOf(location, 0).limited;
    traits.daily_capacity = location.daily_capacity;
    for (Method method : MethodsOffered(location)) {
      traits.methods |= static_cast<uint8_t>(1u << static_cast<int>(method));
    }
    network->traits_.push_back(traits);
    network->index_.emplace(location.id, index);
    if (location.kind == LocationKind::kWarehouse || location.kind == LocationKind::kEcDc) {
      network->hubs_.push_back(index);
    }
    const bool hands_over = location.capabilities.pickup || location.capabilities.curbside;
    if (location.kind == LocationKind::kStore && hands_over) {
      network->pickup_stores_.Insert(index, point);
    }
  }
  network->locations_ = std::move(locations);
  return std::shared_ptr<const Network>(std::move(network));
}

std::optional<LocationIndex> Network::Find(const LocationId& id) const {
  auto it = index_.find(id);
  if (it == index_.end()) return std::nullopt;
  return it->second;
}

}  // namespace omnistock::routing
