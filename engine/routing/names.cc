#include "engine/routing/method.h"
#include "engine/routing/plan.h"

namespace omnistock::routing {

absl::string_view MethodName(Method method) {
  switch (method) {
    case Method::kUnspecified:
      return "UNSPECIFIED";
    case Method::kDeliveryParcel:
      return "DELIVERY_PARCEL";
    case Method::kShipFromStore:
      return "SHIP_FROM_STORE";
    case Method::kBopis:
      return "BOPIS";
    case Method::kCurbside:
      return "CURBSIDE";
  }
  return "UNKNOWN";
}

absl::string_view PreferenceName(Preference preference) {
  switch (preference) {
    case Preference::kDelivery:
      return "DELIVERY";
    case Preference::kBopis:
      return "BOPIS";
    case Preference::kCurbside:
      return "CURBSIDE";
  }
  return "UNKNOWN";
}

absl::string_view PlanStatusName(PlanStatus status) {
  switch (status) {
    case PlanStatus::kFulfilled:
      return "FULFILLED";
    case PlanStatus::kPartial:
      return "PARTIAL";
    case PlanStatus::kRejected:
      return "REJECTED";
  }
  return "UNKNOWN";
}

absl::string_view RejectReasonName(RejectReason reason) {
  switch (reason) {
    case RejectReason::kNotCapable:
      return "NOT_CAPABLE";
    case RejectReason::kDisabled:
      return "DISABLED";
    case RejectReason::kOutOfRadius:
      return "OUT_OF_RADIUS";
    case RejectReason::kInsufficientAvailable:
      return "INSUFFICIENT_AVAILABLE";
    case RejectReason::kSafetyStockProtected:
      return "SAFETY_STOCK_PROTECTED";
    case RejectReason::kCapacityExhausted:
      return "CAPACITY_EXHAUSTED";
    case RejectReason::kPickupIncomplete:
      return "PICKUP_INCOMPLETE";
    case RejectReason::kMaxShipments:
      return "MAX_SHIPMENTS";
    case RejectReason::kDominated:
      return "DOMINATED";
  }
  return "UNKNOWN";
}

}  // namespace omnistock::routing
