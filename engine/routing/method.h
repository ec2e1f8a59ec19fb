// How an order reaches its customer (Method) and what the customer asked for (Preference).
//
// A delivery method brings the parcel to the customer's address: DELIVERY_PARCEL from a
// warehouse or the EC distribution centre, SHIP_FROM_STORE from a store's back room. A pickup
// method has the customer collect at a store: BOPIS at the counter, CURBSIDE at the car park.
// A DELIVERY preference is honoured by either delivery method.
#ifndef OMNISTOCK_ENGINE_ROUTING_METHOD_H_
#define OMNISTOCK_ENGINE_ROUTING_METHOD_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace omnistock::routing {

enum class Method : uint8_t {
  kUnspecified = 0,  // a reason that concerns the location, not one of its methods
  kDeliveryParcel = 1,
  kShipFromStore = 2,
  kBopis = 3,
  kCurbside = 4,
};

enum class Preference : uint8_t {
  kDelivery = 1,
  kBopis = 2,
  kCurbside = 3,
};

inline bool IsPickup(Method method) {
  return method == Method::kBopis || method == Method::kCurbside;
}
inline bool IsDelivery(Method method) {
  return method == Method::kDeliveryParcel || method == Method::kShipFromStore;
}

// Whether a shipment by `method` gives the customer what they asked for. Only an order with
// allow_method_fallback may use a method that does not, at a penalty per shipment.
inline bool Honours(Preference preference, Method method) {
  switch (preference) {
    case Preference::kDelivery:
      return IsDelivery(method);
    case Preference::kBopis:
      return method == Method::kBopis;
    case Preference::kCurbside:
      return method == Method::kCurbside;
  }
  return false;
}

absl::string_view MethodName(Method method);
absl::string_view PreferenceName(Preference preference);

}  // namespace omnistock::routing

#endif  // OMNISTOCK_ENGINE_ROUTING_METHOD_H_
