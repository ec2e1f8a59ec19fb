// A Location is a place that holds stock or hands it to customers: a store, a warehouse, the
// e-commerce distribution centre, or a pickup point. Plain value type.
#ifndef OMNISTOCK_ENGINE_LOCATION_H_
#define OMNISTOCK_ENGINE_LOCATION_H_

#include <cstdint>
#include <string>

#include "absl/strings/string_view.h"
#include "engine/types.h"

namespace omnistock {

enum class LocationKind : uint8_t { kStore = 1, kWarehouse = 2, kEcDc = 3, kPickupPoint = 4 };

struct Capabilities {
  bool pickup = false;
  bool curbside = false;
  bool ship_from_store = false;
  bool walk_in_sales = false;

  friend bool operator==(const Capabilities&, const Capabilities&) = default;
};

struct Location {
  LocationId id;
  LocationKind kind = LocationKind::kStore;
  std::string name;
  double latitude = 0;
  double longitude = 0;
  Capabilities capabilities;
  // Online orders per day; 0 means none for stores and unlimited for warehouses and the DC.
  int64_t daily_capacity = 0;
  bool disabled = false;
  std::string timezone;

  friend bool operator==(const Location&, const Location&) = default;
};

// "STORE", "WAREHOUSE", "EC_DC", "PICKUP_POINT" (the API's names).
absl::string_view LocationKindName(LocationKind kind);
// The same with its article, for messages: "a STORE", "an EC_DC".
std::string LocationKindWithArticle(LocationKind kind);

}  // namespace omnistock

#endif  // OMNISTOCK_ENGINE_LOCATION_H_
