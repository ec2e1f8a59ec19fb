#include "engine/routing/plan.h"

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "engine/limits.h"

namespace omnistock::routing {

absl::Status ValidatePlanRequest(const PlanRequest& request, const Network& network) {
  if (request.lines.empty()) return absl::InvalidArgumentError("lines: at least one is needed");
  if (static_cast<int>(request.lines.size()) > kLinesPerOrderMax) {
    return absl::InvalidArgumentError(absl::StrCat("lines: at most ", kLinesPerOrderMax));
  }
  absl::flat_hash_set<Sku> seen;
  for (size_t i = 0; i < request.lines.size(); ++i) {
    const OrderLine& line = request.lines[i];
    if (line.sku.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("lines[", i, "].sku: empty"));
    }
    if (!seen.insert(line.sku).second) {
      return absl::InvalidArgumentError(
          absl::StrCat("lines[", i, "].sku: ", line.sku.value(), " appears twice"));
    }
    if (line.quantity < 1 || line.quantity > kQuantityPerLineMax) {
      return absl::InvalidArgumentError(
          absl::StrCat("lines[", i, "].quantity: must be in [1, ", kQuantityPerLineMax, "]"));
    }
  }
  if (request.max_shipments < 1 || request.max_shipments > kShipmentsPerPlanMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("max_shipments: must be in [1, ", kShipmentsPerPlanMax, "]"));
  }
  if (request.destination.has_value() && !IsValid(*request.destination)) {
    return absl::InvalidArgumentError("destination: invalid coordinates");
  }
  if (!request.destination.has_value() && !request.preferred_pickup.has_value()) {
    return absl::InvalidArgumentError(
        "destination: a destination or a preferred pickup store is needed");
  }
  if (request.preferred_pickup.has_value() && !network.Find(*request.preferred_pickup)) {
    return absl::NotFoundError(
        absl::StrCat("preferred_pickup: unknown location ", request.preferred_pickup->value()));
  }
  return absl::OkStatus();
}

}  // namespace omnistock::routing
