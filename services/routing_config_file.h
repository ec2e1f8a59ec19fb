// The routing cost model and rules from a TOML file (omnistockd --routing_config): a retailer's
// own carrier rates, handling and picking costs, radius, safety stock defaults, lead times and
// delivery bands instead of the built-in defaults. deploy/routing.toml lists every setting with
// its default.
//
// A setting the file leaves out keeps its default. The file must name its `version` (every plan
// carries it, so that a plan can be explained against the figures that chose it), and a file that
// changes any setting must give another version than the built-in one. Refused, naming the
// setting: an unknown one (a typo must not pass for a default), a value of the wrong type, a
// duration that does not parse ("2h", "90m"), an unknown time zone, and whatever
// routing::Validate refuses (a negative cost, bands out of order).
#ifndef OMNISTOCK_SERVICES_ROUTING_CONFIG_FILE_H_
#define OMNISTOCK_SERVICES_ROUTING_CONFIG_FILE_H_

#include <string>

#include "absl/status/statusor.h"
#include "engine/routing/routing_config.h"

namespace omnistock::services {

// INVALID_ARGUMENT naming the file, and the line or setting, when it cannot be used; NOT_FOUND
// when it cannot be read.
absl::StatusOr<routing::RoutingConfig> LoadRoutingConfig(const std::string& path);

}  // namespace omnistock::services

#endif  // OMNISTOCK_SERVICES_ROUTING_CONFIG_FILE_H_
