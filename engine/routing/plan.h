// A Plan answers "where should this order be fulfilled from, and how?": the shipments (which
// location, which method, which units, when, at what cost), the totals, every candidate that
// was not used with the reason why, and the versions of the network and cost configuration it
// was made with. A PlanRequest is the question.
//
// Plain value types. A Plan keeps the Network it was made against alive (rejected candidates
// point into it), so it may outlive a network reload.
#ifndef OMNISTOCK_ENGINE_ROUTING_PLAN_H_
#define OMNISTOCK_ENGINE_ROUTING_PLAN_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "engine/location.h"
#include "engine/routing/cost_model.h"
#include "engine/routing/geo.h"
#include "engine/routing/method.h"
#include "engine/routing/network.h"
#include "engine/types.h"

namespace omnistock::routing {

// An order may be split into at most this many shipments; the request's max_shipments is
// refused above it. Each extra shipment costs at least a carrier base and a split penalty, so
// real plans stay far below; the bound keeps the exact search's depth small.
inline constexpr int kShipmentsPerPlanMax = 5;
inline constexpr int kShipmentsPerPlanDefault = 3;
static_assert(1 <= kShipmentsPerPlanDefault && kShipmentsPerPlanDefault <= kShipmentsPerPlanMax);

struct OrderLine {
  Sku sku;
  Quantity quantity = 0;
};

struct PlanRequest {
  std::vector<OrderLine> lines;  // unique SKUs, quantities >= 1
  // Where a delivery goes. Without it no delivery method is possible. Also the centre of the
  // pickup search when there is no preferred pickup store.
  std::optional<GeoPoint> destination;
  // The store the customer chose for pickup: planned when it can serve the whole order by the
  // preferred pickup method; otherwise the pickup search is centred on it.
  std::optional<LocationId> preferred_pickup;
  Preference preference = Preference::kDelivery;
  bool allow_method_fallback = false;  // other methods, at method_fallback_penalty per shipment
  bool allow_partial = false;          // plan what can be covered when not everything can
  int max_shipments = kShipmentsPerPlanDefault;
  absl::Time now = absl::UnixEpoch();  // the base of ready_at and estimated_delivery
  // List every rejected candidate with its reason. Without it a FULFILLED plan comes with an
  // empty `rejected` and is found faster (the planner may prove the optimum without looking
  // at most stores); a PARTIAL or REJECTED plan is always explained.
  bool explain = true;
};

enum class PlanStatus : uint8_t {
  kFulfilled = 1,  // every unit of every line is planned
  kPartial = 2,    // allow_partial, and no plan covers everything: the most units, then cheapest
  kRejected = 3,   // nothing planned; `rejected` says why for every candidate
};

// Why a candidate (a location, or one method of it) is not in the plan. Checked in this order;
// the first that applies is reported:
//   1. DISABLED                the location is disabled                      (location level)
//   2. NOT_CAPABLE             none of its methods is allowed by the request  (location level)
//   3. CAPACITY_EXHAUSTED      no room today for one more online order        (location level)
//   4. OUT_OF_RADIUS           a pickup method, beyond pickup_radius_km of the pickup centre
//   5. stock, per method:
//      delivery: when it can send no unit of any line, INSUFFICIENT_AVAILABLE, or
//                SAFETY_STOCK_PROTECTED when every line is short only because of safety stock
//                (on_hand - reserved >= needed); the lines it holds a position for are listed
//                (it holds nothing of the others);
//      pickup:   PICKUP_INCOMPLETE when it cannot hand over every line in full (the short lines
//                are listed), or SAFETY_STOCK_PROTECTED when every short line is short only
//                because of safety stock.
//   6. a usable candidate left out:
//      DOMINATED               the plan is FULFILLED and cheaper (or better by the tie-breaks);
//                              `cost` is a lower bound on any plan that uses this candidate
//                              (exact for a pickup), never below the winner's;
//      MAX_SHIPMENTS           not FULFILLED, though the usable candidates together hold every
//                              unit: only the shipment limit stood in the way;
//      INSUFFICIENT_AVAILABLE  not FULFILLED because the network as a whole is short, or
//      SAFETY_STOCK_PROTECTED  the same, when every line this candidate is short of is short
//                              only because of safety stock (as for pickup above).
enum class RejectReason : uint8_t {
  kNotCapable = 1,
  kDisabled = 2,
  kOutOfRadius = 3,
  kInsufficientAvailable = 4,
  kSafetyStockProtected = 5,
  kCapacityExhausted = 6,
  kPickupIncomplete = 7,
  kMaxShipments = 8,
  kDominated = 9,
};

struct ShipmentLine {
  Sku sku;
  Quantity quantity = 0;
};

struct Shipment {
  LocationId location_id;
  LocationKind location_kind = LocationKind::kStore;
  Method method = Method::kUnspecified;
  std::vector<ShipmentLine> lines;  // in the order's line order; quantities >= 1
  Quantity units = 0;
  // Delivery: from the location to the destination. Pickup: from the store to the pickup
  // centre (the preferred store, or the destination).
  double distance_km = 0;
  absl::Time ready_at;            // ready for pickup, or handed to the carrier
  absl::Time estimated_delivery;  // in the customer's hands; ready_at for a pickup
  CostTerms cost;
  double cost_total = 0;  // cost.Total()
};

// One order line's stock at a rejected candidate, under that candidate's method.
struct LineStock {
  int line = 0;  // index into the request's lines
  Quantity needed = 0;
  Quantity on_hand = 0;
  Quantity reserved = 0;
  Quantity safety_stock = 0;  // effective for the method (override or method default)

  Quantity available() const { return on_hand - reserved - safety_stock; }
  // The units are there, but taking them would eat into safety stock.
  bool safety_protected() const { return available() < needed && on_hand - reserved >= needed; }
};

struct RejectedCandidate {
  LocationIndex index = 0;               // Plan::LocationOf gives the Location
  Method method = Method::kUnspecified;  // kUnspecified for a location-level reason
  RejectReason reason = RejectReason::kNotCapable;
  uint32_t lines_begin = 0;  // stock lines in Plan::rejected_lines, for the stock reasons
  uint32_t lines_count = 0;
  // To the destination (delivery) or the pickup centre (pickup), where the planner measured
  // it: -1 for a candidate ruled out without needing its exact distance (disabled, not
  // capable, at capacity, beyond the radius by a clear margin, or dominated by bound alone).
  double distance_km = -1;
  // DOMINATED: a lower bound on the cost of any plan that uses this candidate (exact for a
  // pickup), never below the winner's cost, Plan::totals.cost.
  double cost = 0;
  int64_t orders_today = 0;    // CAPACITY_EXHAUSTED
  int64_t daily_capacity = 0;  // CAPACITY_EXHAUSTED
};

struct PlanTotals {
  double cost = 0;  // sum of shipment costs plus the split penalty
  double split_penalty = 0;
  int shipments = 0;
  bool is_split = false;
  // Every shipment uses a method the customer asked for and, with a preferred pickup store and
  // a pickup preference, that store.
  bool preference_honoured = false;
  Quantity units = 0;                                    // planned
  Quantity units_ordered = 0;                            // asked for
  double distance_km = 0;                                // summed over shipments
  absl::Time estimated_delivery = absl::InfinitePast();  // the last shipment's
};

struct Plan {
  PlanStatus status = PlanStatus::kRejected;
  std::vector<Shipment> shipments;  // ordered by location id
  PlanTotals totals;
  std::vector<RejectedCandidate> rejected;  // empty for a FULFILLED plan without `explain`
  std::vector<LineStock> rejected_lines;
  std::string config_version;
  std::string network_version;
  std::shared_ptr<const Network> network;
  // How much searching the plan took, for benchmarks and tests: candidate sets evaluated, and
  // whether every store position of the order's SKUs was read (always when explaining; without
  // `explain` only when the hubs and nearby pickup stores could not settle the plan).
  int64_t sets_evaluated = 0;
  bool read_every_store = false;

  const Location& LocationOf(const RejectedCandidate& candidate) const {
    return network->location(candidate.index);
  }
  std::span<const LineStock> LinesOf(const RejectedCandidate& candidate) const {
    return std::span<const LineStock>(rejected_lines)
        .subspan(candidate.lines_begin, candidate.lines_count);
  }
};

// INVALID_ARGUMENT naming the field: no lines or more than kLinesPerOrderMax, an empty or
// repeated SKU, a quantity outside [1, kQuantityPerLineMax], max_shipments outside
// [1, kShipmentsPerPlanMax], invalid destination coordinates, neither a destination nor a
// preferred pickup store. NOT_FOUND: a preferred pickup store the network does not have.
absl::Status ValidatePlanRequest(const PlanRequest& request, const Network& network);

absl::string_view PlanStatusName(PlanStatus status);
absl::string_view RejectReasonName(RejectReason reason);

}  // namespace omnistock::routing

#endif  // OMNISTOCK_ENGINE_ROUTING_PLAN_H_
