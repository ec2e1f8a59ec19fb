#include "engine/routing/routing_config.h"

#include <cmath>

#include "absl/strings/str_cat.h"

namespace omnistock::routing {

absl::Status Validate(const RoutingConfig& config) {
  const std::pair<const char*, double> terms[] = {
      {"carrier_base", config.carrier_base},
      {"handling_store", config.handling_store},
      {"handling_warehouse", config.handling_warehouse},
      {"handling_pickup", config.handling_pickup},
      {"picking_store", config.picking_store},
      {"picking_warehouse", config.picking_warehouse},
      {"carrier_per_unit", config.carrier_per_unit},
      {"carrier_per_unit_km", config.carrier_per_unit_km},
      {"split_penalty", config.split_penalty},
      {"capacity_balancing", config.capacity_balancing},
      {"method_fallback_penalty", config.method_fallback_penalty},
      {"pickup_per_km", config.pickup_per_km},
  };
  for (const auto& [name, value] : terms) {
    if (!std::isfinite(value) || value < 0) {
      return absl::InvalidArgumentError(absl::StrCat(name, " must be finite and >= 0"));
    }
  }
  if (!(config.pickup_radius_km > 0) || !std::isfinite(config.pickup_radius_km)) {
    return absl::InvalidArgumentError("pickup_radius_km must be > 0");
  }
  if (config.safety_store_ship < 0 || config.safety_store_pickup < 0 ||
      config.safety_warehouse < 0) {
    return absl::InvalidArgumentError("safety stock defaults must be >= 0");
  }
  if (config.pickup_lead_store < absl::ZeroDuration() ||
      config.ship_lead_store < absl::ZeroDuration() ||
      config.ship_lead_warehouse < absl::ZeroDuration() ||
      config.ship_lead_dc < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("lead times must be >= 0");
  }
  if (!(config.next_day_km > 0) || !(config.two_day_km >= config.next_day_km) ||
      !std::isfinite(config.two_day_km)) {
    return absl::InvalidArgumentError("need 0 < next_day_km <= two_day_km");
  }
  if (config.version.empty()) return absl::InvalidArgumentError("version must not be empty");
  return absl::OkStatus();
}

}  // namespace omnistock::routing
