// The demo network that `make run` starts with: a retailer around Tokyo with three warehouses,
// an e-commerce distribution centre, a pickup point and a dozen stores at their real
// coordinates, and a few hundred SKUs with stock. Deterministic: the same every time.
#ifndef OMNISTOCK_SERVICES_DEMO_NETWORK_H_
#define OMNISTOCK_SERVICES_DEMO_NETWORK_H_

#include <cstddef>

#include "absl/time/time.h"
#include "engine/ledger.h"

namespace omnistock::services {

inline constexpr int kDemoSkuCount = 300;

struct DemoSummary {
  size_t locations = 0;
  size_t skus = 0;
  size_t positions = 0;
};

// Applies the demo network through the ledger's normal commands, so it is journaled and
// committed like any other change. Meant for an empty ledger, or for one a seeding was cut
// short in, and nothing else changed since: it finishes that one (a position that has stock
// was stocked by it; the locations and safety stocks are the same again).
DemoSummary SeedDemoNetwork(Ledger& ledger, absl::Time now);

}  // namespace omnistock::services

#endif  // OMNISTOCK_SERVICES_DEMO_NETWORK_H_
