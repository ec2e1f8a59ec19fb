#include "engine/routing/routing_config.h"

#include <cmath>

#include "absl/strings/str_cat.h"
#include "engine/ids.h"
#include "engine/limits.h"

namespace omnistock::routing {

absl::Status Validate(const RoutingConfig& config) {
  for (const auto& [name, term] : kRoutingCostTerms) {
    const double value = config.*term;
    if (!std::isfinite(value) || value < 0 || value > kRoutingCostMax) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, " must be from 0 to ", kRoutingCostMax, ", got ", value));
    }
  }
  if (!(config.pickup_radius_km > 0) || !(config.pickup_radius_km <= kRoutingDistanceMaxKm)) {
    return absl::InvalidArgumentError(absl::StrCat("pickup_radius_km must be above 0 and at most ",
                                                   kRoutingDistanceMaxKm, ", got ",
                                                   config.pickup_radius_km));
  }
  for (const auto& [name, safety] : kRoutingSafetyStocks) {
    if (config.*safety < 0 || config.*safety > kQuantityPerLineMax) {
      return absl::InvalidArgumentError(
          absl::StrCat(name, " must be from 0 to ", kQuantityPerLineMax, ", got ", config.*safety));
    }
  }
  for (const auto& [name, lead] : kRoutingLeadTimes) {
    if (config.*lead < absl::ZeroDuration() || config.*lead > kRoutingLeadMax) {
      return absl::InvalidArgumentError(absl::StrCat(name, " must be from 0 to ",
                                                     absl::FormatDuration(kRoutingLeadMax),
                                                     ", got ", absl::FormatDuration(config.*lead)));
    }
  }
  if (!(config.next_day_km > 0) || !(config.two_day_km >= config.next_day_km) ||
      !(config.two_day_km <= kRoutingDistanceMaxKm)) {
    return absl::InvalidArgumentError(
        absl::StrCat("need 0 < next_day_km <= two_day_km <= ", kRoutingDistanceMaxKm,
                     ", got next_day_km ", config.next_day_km, ", two_day_km ", config.two_day_km));
  }
  if (std::string problem = IdProblem("version", config.version, kRoutingVersionLengthMax);
      !problem.empty()) {
    return absl::InvalidArgumentError(problem);
  }
  return absl::OkStatus();
}

}  // namespace omnistock::routing
