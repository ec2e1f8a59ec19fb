#include "engine/routing/planner.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>

#include "engine/check.h"
#include "engine/limits.h"
#include "engine/routing/cost_model.h"
#include "engine/routing/fulfilment_rules.h"
#include "engine/routing/plan_rank.h"

namespace omnistock::routing {

namespace {

constexpr double kInfinity = std::numeric_limits<double>::infinity();
constexpr int32_t kNoSlot = -1;
constexpr double kUnknownKm = -1;
// A squared chord within this relative margin of the radius's is settled by the exact
// distance, so that the radius test agrees to the bit with DistanceKm <= radius.
constexpr double kChordMargin = 1e-9;

// A location the plan looks at: it holds a row of some line, or is a pickup store near the
// pickup centre, or is the preferred pickup store. What does not depend on stock is settled
// when the slot is made; the counters are filled from the rows. Kept small: every order
// makes one per location it touches, thousands on a large network.
struct Slot {
  LocationIndex index = 0;
  LocationKind kind = LocationKind::kStore;
  uint8_t methods = 0;                     // offered and allowed
  Method delivery = Method::kUnspecified;  // its delivery method, if offered and allowed
  bool pickup = false;                     // some pickup method offered and allowed
  bool rejected = false;                   // for a location-level reason, already known
  RejectReason reason = RejectReason::kNotCapable;
  int16_t delivery_lines = 0;  // lines its delivery method can send at least one unit of
  int16_t delivery_full = 0;   // lines it can send in full
  int16_t pickup_full = 0;     // lines a pickup there can hand over in full
  // For counting rows without branches: 1 when the method is usable here (0 when rejected),
  // and the method defaults of safety stock (a row's override replaces them).
  int16_t delivery_ok = 0;
  int16_t pickup_ok = 0;
  Quantity delivery_safety = 0;
  Quantity pickup_safety = 0;
  double unit_low = kInfinity;  // delivery: its unit cost at distance 0 (UnitLow)
  double chord2_centre = 0;     // pickup: for the radius test
  double km_to_destination = kUnknownKm;
  double km_to_centre = kUnknownKm;
};
static_assert(kLinesPerOrderMax <= INT16_MAX, "slot counters are 16-bit");

// A usable pickup: one store, one pickup method, every line in full.
struct PickupOption {
  int slot = 0;
  Method method = Method::kUnspecified;
  double load = 0;
  bool fallback = false;
  PlanRank rank;
};

// A delivery candidate that can send at least one unit of some line, known before pricing:
// its fixed cost F_l is exact, its unit cost only bounded below (by its cost at distance 0).
struct Usable {
  int slot = 0;
  Method method = Method::kUnspecified;
  double fixed = 0;
  double unit_low = 0;
  double load = 0;
  bool fallback = false;
  bool covers_all = false;
  int priced = -1;  // its DeliveryCandidate, once priced
};

// A priced delivery candidate: exact distance, unit cost and what it can send of each line.
struct DeliveryCandidate {
  int usable = 0;
  LocationIndex index = 0;
  Method method = Method::kUnspecified;
  double km = 0;
  double fixed = 0;
  double unit = 0;
  absl::Time delivered;
  uint32_t entries_begin = 0;
  uint32_t entries_count = 0;
};

// Units of one line a delivery candidate may send: >= 1, at most the line's quantity.
struct Entry {
  int line = 0;
  Quantity units = 0;
};

// A holder of a line, by its position k among the sorted priced candidates.
struct Holder {
  int k = 0;
  Quantity units = 0;
};

}  // namespace

struct Planner::Scratch {
  std::vector<int32_t> slot_of;  // by LocationIndex
  std::vector<Slot> slots;
  std::vector<const StockRow*> cells;  // slot * lines + line
  std::vector<SkuRows> line_rows;      // per line: its SKU's rows
  std::vector<uint64_t> listed;        // bit LocationIndex set when listed without a slot
  std::vector<LocationIndex> near;
  std::vector<PickupOption> pickups;
  std::vector<Usable> usable;
  std::vector<DeliveryCandidate> delivery;
  std::vector<Entry> entries;
  std::vector<int> line_begin;  // holders of line i: [line_begin[i], line_begin[i + 1])
  std::vector<Holder> holders;
  std::vector<Quantity> suffix_units;    // parallel to holders: units held from here on
  std::vector<double> suffix_fixed_min;  // parallel to holders: cheapest F from here on
  std::vector<Quantity> residual;        // (depth + 1) * lines
  std::vector<int> short_lines;          // depth * lines
  std::vector<int> heads;                // depth * lines
  std::vector<int> members;              // the set being built, by k
  std::vector<double> unit_low_min;      // per line: cheapest unit_low among its holders
  std::vector<Quantity> held;            // per line: units all usable candidates hold
};

namespace {

// One planning call: the inputs, the scratch, and the state of the search.
class Solver {
 public:
  Solver(Planner::Scratch& scratch, const std::shared_ptr<const Network>& network,
         const RoutingConfig& config, const StockSnapshot& stock,
         std::span<const int64_t> orders_today, const PlanRequest& request)
      : s_(scratch),
        network_(*network),
        config_(config),
        stock_(stock),
        orders_today_(orders_today),
        request_(request),
        lines_(static_cast<int>(request.lines.size())) {
    plan_.network = network;
    plan_.config_version = config.version;
    plan_.network_version = network->version();
  }

  // The plan. With `first_reads_only`, std::nullopt when the hubs-first pass cannot settle it.
  std::optional<Plan> Run(bool first_reads_only = false);
  // The locations the hubs-first pass reads rows of.
  std::vector<LocationIndex> FirstReads();

 private:
  // --- Preparing the candidates ---
  void Setup();
  int SlotFor(LocationIndex index);
  // What does not depend on stock: methods, the location-level reason, the pickup geometry.
  Slot Describe(LocationIndex index);
  int AddSlot(const Slot& where);
  int MakeSlot(LocationIndex index) { return AddSlot(Describe(index)); }
  // Whether the location's stock can change its fate: it has a usable delivery method, or a
  // pickup method within the radius. Any other location is rejected whatever it holds.
  bool NeedsStock(Slot& where) {
    return where.delivery_ok != 0 || (where.pickup && WithinRadius(where));
  }
  Capacity CapacityAt(LocationIndex index) const {
    const LocationTraits& traits = network_.traits(index);
    Capacity capacity;
    capacity.limited = traits.capacity_limited;
    capacity.daily = traits.daily_capacity;
    capacity.orders_today = OrdersToday(index);
    return capacity;
  }
  // The unit cost of a delivery from a location of `kind` at distance zero: a lower bound of
  // its real unit cost that needs no geometry.
  double UnitLow(LocationKind kind) const {
    return kind == LocationKind::kStore ? unit_low_store_ : unit_low_other_;
  }
  void CollectSlots();
  // Records `row` as line `line` of `slot`; of two rows of a pair, the last wins.
  void Place(int slot, int line, const StockRow& row) {
    const StockRow*& cell = s_.cells[slot * lines_ + line];
    if (cell != nullptr) Count(slot, line, *cell, -1);
    cell = &row;
    Count(slot, line, row, +1);
  }
  // Adds (sign +1) or removes (-1) what `row`, line `line` of `slot`, contributes.
  void Count(int slot, int line, const StockRow& row, int sign) {
    // Branch-free: rows come in no useful order, so every test would be a coin toss for the
    // branch predictor.
    Slot& where = s_.slots[slot];
    const Quantity needed = request_.lines[line].quantity;
    const Quantity there = row.on_hand - row.reserved;
    const bool has_override = row.safety_stock_override.has_value();
    const Quantity override = has_override ? *row.safety_stock_override : 0;
    const Quantity ship = there - (has_override ? override : where.delivery_safety);
    const Quantity hand = there - (has_override ? override : where.pickup_safety);
    const int some = where.delivery_ok & static_cast<int>(ship > 0);
    where.delivery_lines += static_cast<int16_t>(sign * some);
    where.delivery_full += static_cast<int16_t>(sign * (where.delivery_ok & (ship >= needed)));
    where.pickup_full += static_cast<int16_t>(sign * (where.pickup_ok & (hand >= needed)));
    s_.held[line] += sign * some * std::clamp<Quantity>(ship, 0, needed);
    const double low = s_.unit_low_min[line];
    s_.unit_low_min[line] = some != 0 && where.unit_low < low ? where.unit_low : low;
  }

  void Classify();
  void ClassifySlot(int slot);
  bool WithinRadius(Slot& where);
  double KmToDestination(Slot& where);
  double KmToCentre(Slot& where);
  LineStock StockOf(int slot, int line, LocationKind kind, Method method) const;
  RejectReason StockReason(int slot, Method method) const;
  // Lists a rejected candidate; nullptr (nothing listed) when the plan is not explaining.
  RejectedCandidate* Reject(const Slot& where, Method method, RejectReason reason, double km);
  // Lists a location that NeedsStock says is rejected whatever it holds.
  void RejectUnstocked(const Slot& where);
  // Appends the stock of the lines (the short ones only, or all; those it holds a position
  // for, or all, as when it holds none of them) to the last rejection.
  void AppendLines(RejectedCandidate* rejected, int slot, Method method, bool short_only,
                   bool held_only = false);
  bool TryPreferredPickup();

  // --- Searching ---
  void ConsiderPickups();
  int Price(int usable);
  void ConsiderSingles();
  void GreedyIncumbent();
  void BoundUsable();
  void PriceRelevant();
  void IndexDelivery();
  int CollectShortLines(int depth, int start_k);
  Quantity FillChild(int depth, const DeliveryCandidate& candidate);
  void AdvanceHeads(int depth, int count, int next);
  void SearchFull(int depth, int start_k, double fixed, double var);
  void SearchLast(int depth, double fixed, double var, int count);
  void SearchPartial(int depth, int start_k, double fixed, double var, Quantity units);
  void Offer(int depth, Quantity units, double cost);
  PlanRank RankOfMembers(int count, Quantity units, double cost) const;
  double LowerBound(int usable) const;

  // --- The answer ---
  void ExplainUnused();
  void Solve();
  bool OtherStoresMayMatter() const;
  void Reset();
  void BuildShipments();
  Shipment MakeShipment(int slot, Method method, double km, double load, bool fallback,
                        std::vector<ShipmentLine> lines) const;

  int64_t OrdersToday(LocationIndex index) const {
    return static_cast<size_t>(index) < orders_today_.size() ? orders_today_[index] : 0;
  }
  const StockRow* Cell(int slot, int line) const { return s_.cells[slot * lines_ + line]; }
  Quantity DeliveryUnits(int slot, int line, LocationKind kind, Method method) const {
    const StockRow* row = Cell(slot, line);
    if (row == nullptr) return 0;
    const Quantity free = row->on_hand - row->reserved -
                          SafetyStockFor(kind, method, row->safety_stock_override, config_);
    return std::clamp<Quantity>(free, 0, request_.lines[line].quantity);
  }

  Planner::Scratch& s_;
  const Network& network_;
  const RoutingConfig& config_;
  const StockSnapshot& stock_;
  std::span<const int64_t> orders_today_;
  const PlanRequest& request_;
  const int lines_;
  Plan plan_;

  Quantity units_ordered_ = 0;
  uint8_t allowed_methods_ = 0;
  bool pickup_allowed_ = false;
  bool has_destination_ = false;
  bool centre_is_destination_ = false;
  UnitVector destination_;
  UnitVector centre_;
  GeoPoint centre_point_;
  double radius_chord2_ = 0;
  double unit_low_store_ = 0;
  double unit_low_other_ = 0;
  int preferred_slot_ = kNoSlot;
  int max_shipments_ = 1;
  bool explain_ = true;      // list the rejected candidates
  bool hubs_first_ = false;  // look only at hubs and pickup stores near the centre
  bool preferred_served_ = false;

  // Bounds over every usable delivery candidate.
  bool delivery_holds_all_ = false;
  double cheapest_units_low_ = 0;  // sum of q_i x the cheapest unit_low of line i
  double fixed_min_ = kInfinity;
  double fixed_second_ = kInfinity;
  int fixed_min_usable_ = -1;

  // The best plan so far: a pickup (best_pickup_ >= 0) or the delivery set best_members_ (by
  // k) of priced candidates.
  PlanRank best_;
  int best_pickup_ = -1;
  int best_count_ = 0;
  std::array<int, kShipmentsPerPlanMax> best_members_{};
};

void Solver::Setup() {
  for (const OrderLine& line : request_.lines) units_ordered_ += line.quantity;
  max_shipments_ = request_.max_shipments;
  has_destination_ = request_.destination.has_value();
  if (has_destination_) destination_ = ToUnitVector(*request_.destination);
  bool has_centre = false;
  if (request_.preferred_pickup.has_value()) {
    const LocationIndex preferred = *network_.Find(*request_.preferred_pickup);
    centre_point_ = network_.point(preferred);
    centre_ = network_.unit(preferred);
    has_centre = true;
  } else if (has_destination_) {
    centre_point_ = *request_.destination;
    centre_ = destination_;
    has_centre = true;
    centre_is_destination_ = true;
  }
  for (Method method :
       {Method::kDeliveryParcel, Method::kShipFromStore, Method::kBopis, Method::kCurbside}) {
    const bool wanted = Honours(request_.preference, method) || request_.allow_method_fallback;
    const bool placed = IsPickup(method) ? has_centre : has_destination_;
    if (wanted && placed) {
      allowed_methods_ |= static_cast<uint8_t>(1u << static_cast<int>(method));
      if (IsPickup(method)) pickup_allowed_ = true;
    }
  }
  radius_chord2_ = ChordSquaredForKm(config_.pickup_radius_km);
  unit_low_store_ = UnitCost(config_, LocationKind::kStore, Method::kShipFromStore, 0);
  unit_low_other_ = UnitCost(config_, LocationKind::kWarehouse, Method::kDeliveryParcel, 0);
  s_.members.assign(max_shipments_, 0);
}

int Solver::SlotFor(LocationIndex index) {
  const int32_t slot = s_.slot_of[index];
  return slot != kNoSlot ? slot : MakeSlot(index);
}

int Solver::AddSlot(const Slot& where) {
  const auto slot = static_cast<int32_t>(s_.slots.size());
  s_.slot_of[where.index] = slot;
  s_.slots.push_back(where);
  std::fill_n(s_.cells.begin() + static_cast<size_t>(slot) * lines_, lines_, nullptr);
  return slot;
}

Slot Solver::Describe(LocationIndex index) {
  Slot where;
  where.index = index;
  // The location-level checks, in RejectReason order.
  const LocationTraits& traits = network_.traits(index);
  where.kind = traits.kind;
  where.methods = traits.methods & allowed_methods_;
  if (traits.disabled) {
    where.rejected = true;
    where.reason = RejectReason::kDisabled;
  } else if (where.methods == 0) {
    where.rejected = true;
    where.reason = RejectReason::kNotCapable;
  } else if (CapacityAt(index).exhausted()) {
    where.rejected = true;
    where.reason = RejectReason::kCapacityExhausted;
  }
  if (where.rejected) return where;
  if ((where.methods >> static_cast<int>(Method::kDeliveryParcel)) & 1u) {
    where.delivery = Method::kDeliveryParcel;
  } else if ((where.methods >> static_cast<int>(Method::kShipFromStore)) & 1u) {
    where.delivery = Method::kShipFromStore;
  }
  where.pickup = ((where.methods >> static_cast<int>(Method::kBopis)) & 1u) ||
                 ((where.methods >> static_cast<int>(Method::kCurbside)) & 1u);
  if (where.pickup) where.chord2_centre = ChordSquared(network_.unit(index), centre_);
  // SafetyStockFor's defaults, for Count (which applies a row's override itself).
  static const std::optional<Quantity> kNoOverride;
  if (where.delivery != Method::kUnspecified) {
    where.delivery_ok = 1;
    where.delivery_safety = SafetyStockFor(where.kind, where.delivery, kNoOverride, config_);
    where.unit_low = UnitLow(where.kind);
  }
  if (where.pickup) {
    where.pickup_ok = 1;
    where.pickup_safety = SafetyStockFor(where.kind, Method::kBopis, kNoOverride, config_);
  }
  return where;
}

// One pass over the rows makes the slots, records which row is each (slot, line), and counts
// per slot how many lines each method can serve; then the pickup stores near the centre and
// the preferred store, which may hold nothing. Hubs first, only the rows of the hubs and of
// those stores are read.
void Solver::CollectSlots() {
  if (s_.slot_of.size() < static_cast<size_t>(network_.size())) {
    s_.slot_of.assign(network_.size(), kNoSlot);
  }
  s_.slots.clear();
  // Room for every slot the call can make (each row, or each hub, each store near the centre,
  // the preferred store), so that making a slot never reallocates; cells are cleared slot by
  // slot.
  size_t most = 2 + network_.hubs().size();
  s_.line_rows.clear();
  for (const OrderLine& line : request_.lines) {
    most += s_.line_rows.emplace_back(stock_.Of(line.sku)).rows.size();
  }
  s_.near.clear();
  if (pickup_allowed_) {
    network_.PickupStoresNear(centre_point_, config_.pickup_radius_km, s_.near);
    most += s_.near.size();
  }
  s_.slots.reserve(most);
  if (s_.cells.size() < most * lines_) s_.cells.resize(most * lines_);
  s_.held.assign(lines_, 0);
  s_.unit_low_min.assign(lines_, kInfinity);
  for (LocationIndex index : s_.near) SlotFor(index);
  if (request_.preferred_pickup.has_value()) {
    preferred_slot_ = SlotFor(*network_.Find(*request_.preferred_pickup));
  }
  const LocationIndex size = network_.size();
  if (hubs_first_) {
    // Every hub gets a slot, rows or not (one without rows is not usable). Hubs offer parcel
    // delivery alone: without it they cannot serve.
    if ((allowed_methods_ >> static_cast<int>(Method::kDeliveryParcel)) & 1u) {
      for (LocationIndex index : network_.hubs()) SlotFor(index);
    }
    // Their rows only, looked up by location: the thousands of store rows of a popular SKU
    // are never read.
    for (int slot = 0; slot < static_cast<int>(s_.slots.size()); ++slot) {
      for (int line = 0; line < lines_; ++line) {
        if (const StockRow* row = s_.line_rows[line].At(s_.slots[slot].index)) {
          Place(slot, line, *row);
        }
      }
    }
    return;
  }
  // Every location holding a row is looked at. One whose stock cannot matter (for a pickup
  // order, every store beyond the radius) is listed at once, when explaining, and gets no
  // slot: its rows are never read, and the search never sees it.
  if (explain_) plan_.rejected.reserve(std::min<size_t>(most, size) + most / 8);
  s_.listed.assign((static_cast<size_t>(size) + 63) / 64, 0);
  for (int line = 0; line < lines_; ++line) {
    const std::span<const LocationIndex> locations = s_.line_rows[line].locations;
    const StockRow* rows = s_.line_rows[line].rows.data();
    for (size_t i = 0; i < locations.size(); ++i) {
      const LocationIndex location = locations[i];
      OMNISTOCK_CHECK(location >= 0 && location < size);
      int slot = s_.slot_of[location];
      if (slot == kNoSlot) {
        uint64_t& listed = s_.listed[location / 64];
        const uint64_t bit = uint64_t{1} << (location % 64);
        if (listed & bit) continue;
        Slot where = Describe(location);
        if (!NeedsStock(where)) {
          if (explain_) RejectUnstocked(where);
          listed |= bit;
          continue;
        }
        slot = AddSlot(where);
      }
      Place(slot, line, rows[i]);
    }
  }
}

double Solver::KmToDestination(Slot& where) {
  if (where.km_to_destination < 0) {
    where.km_to_destination = DistanceKm(network_.unit(where.index), destination_);
    if (centre_is_destination_) where.km_to_centre = where.km_to_destination;
  }
  return where.km_to_destination;
}

double Solver::KmToCentre(Slot& where) {
  if (where.km_to_centre < 0) {
    where.km_to_centre = DistanceKm(network_.unit(where.index), centre_);
    if (centre_is_destination_) where.km_to_destination = where.km_to_centre;
  }
  return where.km_to_centre;
}

// DistanceKm(store, centre) <= radius, reading the arcsine only near the boundary.
bool Solver::WithinRadius(Slot& where) {
  if (where.chord2_centre < radius_chord2_ * (1 - kChordMargin)) return true;
  if (where.chord2_centre > radius_chord2_ * (1 + kChordMargin)) return false;
  return KmToCentre(where) <= config_.pickup_radius_km;
}

LineStock Solver::StockOf(int slot, int line, LocationKind kind, Method method) const {
  static const std::optional<Quantity> kNoOverride;
  const StockRow* row = Cell(slot, line);
  LineStock stock;
  stock.line = line;
  stock.needed = request_.lines[line].quantity;
  if (row != nullptr) {
    stock.on_hand = row->on_hand;
    stock.reserved = row->reserved;
  }
  stock.safety_stock = SafetyStockFor(
      kind, method, row != nullptr ? row->safety_stock_override : kNoOverride, config_);
  return stock;
}

RejectedCandidate* Solver::Reject(const Slot& where, Method method, RejectReason reason,
                                  double km) {
  if (!explain_) return nullptr;
  RejectedCandidate& rejected = plan_.rejected.emplace_back();
  rejected.index = where.index;
  rejected.method = method;
  rejected.reason = reason;
  rejected.distance_km = km;
  return &rejected;
}

void Solver::AppendLines(RejectedCandidate* rejected, int slot, Method method, bool short_only,
                         bool held_only) {
  if (rejected == nullptr) return;
  const LocationKind kind = s_.slots[slot].kind;
  rejected->lines_begin = static_cast<uint32_t>(plan_.rejected_lines.size());
  auto append = [&](bool held) {
    for (int line = 0; line < lines_; ++line) {
      if (held && Cell(slot, line) == nullptr) continue;
      LineStock stock = StockOf(slot, line, kind, method);
      if (short_only && stock.available() >= stock.needed) continue;
      plan_.rejected_lines.push_back(stock);
    }
  };
  append(held_only);
  // A location holding none of the order's SKUs still lists what it is short of (the reason
  // promises its lines), as zeros.
  if (held_only && plan_.rejected_lines.size() == rejected->lines_begin) append(false);
  rejected->lines_count =
      static_cast<uint32_t>(plan_.rejected_lines.size()) - rejected->lines_begin;
}

void Solver::RejectUnstocked(const Slot& where) {
  if (where.rejected) {
    RejectedCandidate* rejected = Reject(where, Method::kUnspecified, where.reason, kUnknownKm);
    if (rejected != nullptr && where.reason == RejectReason::kCapacityExhausted) {
      const Capacity capacity = CapacityAt(where.index);
      rejected->orders_today = capacity.orders_today;
      rejected->daily_capacity = capacity.daily;
    }
    return;
  }
  for (Method method : {Method::kBopis, Method::kCurbside}) {
    if ((where.methods >> static_cast<int>(method)) & 1u) {
      Reject(where, method, RejectReason::kOutOfRadius, where.km_to_centre);
    }
  }
}

void Solver::ClassifySlot(int slot) {
  Slot& where = s_.slots[slot];
  if (!NeedsStock(where)) {
    RejectUnstocked(where);
    return;
  }
  // The load (a division) only for the methods that turn out usable: most are rejected.
  auto load = [&] { return CapacityAt(where.index).load(); };
  for (Method method :
       {Method::kDeliveryParcel, Method::kShipFromStore, Method::kBopis, Method::kCurbside}) {
    if (!((where.methods >> static_cast<int>(method)) & 1u)) continue;
    const bool fallback = !Honours(request_.preference, method);
    if (IsPickup(method)) {
      if (!WithinRadius(where)) {
        Reject(where, method, RejectReason::kOutOfRadius, where.km_to_centre);
        continue;
      }
      if (where.pickup_full < lines_) {
        if (!explain_) continue;
        bool only_safety = true;
        for (int line = 0; line < lines_ && only_safety; ++line) {
          const LineStock stock = StockOf(slot, line, where.kind, method);
          if (stock.available() < stock.needed && !stock.safety_protected()) only_safety = false;
        }
        AppendLines(Reject(where, method,
                           only_safety ? RejectReason::kSafetyStockProtected
                                       : RejectReason::kPickupIncomplete,
                           KmToCentre(where)),
                    slot, method, /*short_only=*/true);
        continue;
      }
      PickupOption& option = s_.pickups.emplace_back();
      option.slot = slot;
      option.method = method;
      option.load = load();
      option.fallback = fallback;
      option.rank.units = units_ordered_;
      const double km = KmToCentre(where);
      option.rank.cost =
          ShipmentCost(config_, where.kind, method, km, units_ordered_, option.load, fallback)
              .Total();
      option.rank.Add(ShipmentKey{where.index, method},
                      request_.now + LeadTime(where.kind, method, config_), km);
      continue;
    }
    // A delivery method.
    if (where.delivery_lines == 0) {
      if (!explain_) continue;
      AppendLines(Reject(where, method, StockReason(slot, method), kUnknownKm), slot, method,
                  /*short_only=*/false, /*held_only=*/true);
      continue;
    }
    Usable& usable = s_.usable.emplace_back();
    usable.slot = slot;
    usable.method = method;
    usable.load = load();
    usable.fallback = fallback;
    usable.fixed = FixedCost(config_, where.kind, method, /*distance_km=*/0, usable.load, fallback);
    usable.unit_low = UnitLow(where.kind);
    usable.covers_all = where.delivery_full == lines_;
  }
}

void Solver::Classify() {
  s_.pickups.clear();
  s_.usable.clear();
  s_.delivery.clear();
  s_.entries.clear();
  // Most looked-at locations end up listed with a reason: size the lists once.
  if (explain_) {
    plan_.rejected.reserve(plan_.rejected.size() + s_.slots.size() + s_.slots.size() / 4);
  }
  for (int slot = 0; slot < static_cast<int>(s_.slots.size()); ++slot) ClassifySlot(slot);
}

// Prices usable candidate u exactly (distance, unit cost, delivery, units per line), once.
int Solver::Price(int u) {
  Usable& usable = s_.usable[u];
  if (usable.priced >= 0) return usable.priced;
  Slot& where = s_.slots[usable.slot];
  const LocationKind kind = network_.traits(where.index).kind;
  DeliveryCandidate& candidate = s_.delivery.emplace_back();
  candidate.usable = u;
  candidate.index = where.index;
  candidate.method = usable.method;
  candidate.km = KmToDestination(where);
  candidate.fixed = usable.fixed;
  candidate.unit = UnitCost(config_, kind, usable.method, candidate.km);
  candidate.delivered = request_.now + LeadTime(kind, usable.method, config_) +
                        absl::Hours(24) * TransitDays(candidate.km, config_);
  candidate.entries_begin = static_cast<uint32_t>(s_.entries.size());
  for (int line = 0; line < lines_; ++line) {
    const Quantity units = DeliveryUnits(usable.slot, line, kind, usable.method);
    if (units > 0) s_.entries.push_back(Entry{line, units});
  }
  candidate.entries_count = static_cast<uint32_t>(s_.entries.size()) - candidate.entries_begin;
  usable.priced = static_cast<int>(s_.delivery.size()) - 1;
  return usable.priced;
}

// Bounds over all usable candidates: whether together they hold every unit, and the two
// cheapest fixed costs (the rows pass summed the units and each line's cheapest unit bound).
void Solver::BoundUsable() {
  for (int u = 0; u < static_cast<int>(s_.usable.size()); ++u) {
    const Usable& usable = s_.usable[u];
    if (usable.fixed < fixed_min_) {
      fixed_second_ = fixed_min_;
      fixed_min_ = usable.fixed;
      fixed_min_usable_ = u;
    } else if (usable.fixed < fixed_second_) {
      fixed_second_ = usable.fixed;
    }
  }
  delivery_holds_all_ = !s_.usable.empty();
  for (int line = 0; line < lines_; ++line) {
    if (s_.held[line] < request_.lines[line].quantity) delivery_holds_all_ = false;
  }
  cheapest_units_low_ = 0;
  for (int line = 0; line < lines_ && delivery_holds_all_; ++line) {
    cheapest_units_low_ +=
        static_cast<double>(request_.lines[line].quantity) * s_.unit_low_min[line];
  }
}

// A lower bound on the cost of every full plan that uses usable candidate u: its fixed cost,
// every unit at its line's cheapest unit cost bound, and, when it cannot cover the order
// alone, a split penalty and the cheapest other fixed cost.
double Solver::LowerBound(int u) const {
  const Usable& usable = s_.usable[u];
  double bound = usable.fixed + cheapest_units_low_;
  if (!usable.covers_all) {
    bound += config_.split_penalty + (u == fixed_min_usable_ ? fixed_second_ : fixed_min_);
  }
  return bound;
}

PlanRank Solver::RankOfMembers(int count, Quantity units, double cost) const {
  PlanRank rank;
  rank.units = units;
  rank.cost = cost;
  for (int m = 0; m < count; ++m) {
    const DeliveryCandidate& candidate = s_.delivery[s_.members[m]];
    rank.Add(ShipmentKey{candidate.index, candidate.method}, candidate.delivered, candidate.km);
  }
  return rank;
}

// The set s_.members[0..depth] (priced candidates) plans `units` at `cost`: keep it if it
// beats the best.
void Solver::Offer(int depth, Quantity units, double cost) {
  ++plan_.sets_evaluated;
  if (units < best_.units) return;
  if (units == best_.units && cost > best_.cost + kCostTolerance) return;
  const PlanRank rank = RankOfMembers(depth + 1, units, cost);
  if (!Better(rank, best_)) return;
  best_ = rank;
  best_pickup_ = -1;
  best_count_ = depth + 1;
  std::copy(s_.members.begin(), s_.members.begin() + best_count_, best_members_.begin());
}

void Solver::ConsiderPickups() {
  for (int p = 0; p < static_cast<int>(s_.pickups.size()); ++p) {
    ++plan_.sets_evaluated;
    if (Better(s_.pickups[p].rank, best_)) {
      best_ = s_.pickups[p].rank;
      best_pickup_ = p;
      best_count_ = 1;
    }
  }
}

// Every location that covers the order alone and might beat the best so far, priced: the one
// with the lowest bound first, then the others whose bound does not exceed the new best. A
// strong incumbent for the filter and the search, in two linear passes.
void Solver::ConsiderSingles() {
  auto low = [&](const Usable& usable) {
    return usable.fixed + usable.unit_low * static_cast<double>(units_ordered_);
  };
  auto offer = [&](int u) {
    const int k = Price(u);
    s_.members[0] = k;
    const DeliveryCandidate& candidate = s_.delivery[k];
    Offer(0, units_ordered_,
          candidate.fixed + candidate.unit * static_cast<double>(units_ordered_));
  };
  int lowest = -1;
  for (int u = 0; u < static_cast<int>(s_.usable.size()); ++u) {
    if (!s_.usable[u].covers_all) continue;
    if (lowest < 0 || low(s_.usable[u]) < low(s_.usable[lowest])) lowest = u;
  }
  if (lowest < 0) return;
  offer(lowest);
  for (int u = 0; u < static_cast<int>(s_.usable.size()); ++u) {
    const Usable& usable = s_.usable[u];
    if (usable.covers_all && usable.priced < 0 && low(usable) <= best_.cost + kCostTolerance) {
      offer(u);
    }
  }
}

// No pickup and no single location: build a covering set greedily (most units first) for an
// incumbent, priced exactly with the canonical fill.
void Solver::GreedyIncumbent() {
  std::vector<Quantity> residual(lines_);
  for (int line = 0; line < lines_; ++line) residual[line] = request_.lines[line].quantity;
  std::vector<int> chosen;
  Quantity left = units_ordered_;
  while (left > 0 && static_cast<int>(chosen.size()) < max_shipments_) {
    int pick = -1;
    Quantity pick_units = 0;
    double pick_cost = kInfinity;
    for (int u = 0; u < static_cast<int>(s_.usable.size()); ++u) {
      if (std::find(chosen.begin(), chosen.end(), u) != chosen.end()) continue;
      const Usable& usable = s_.usable[u];
      const LocationKind kind = network_.traits(s_.slots[usable.slot].index).kind;
      Quantity units = 0;
      for (int line = 0; line < lines_; ++line) {
        if (residual[line] > 0) {
          units += std::min(residual[line], DeliveryUnits(usable.slot, line, kind, usable.method));
        }
      }
      const double cost = usable.fixed + usable.unit_low * static_cast<double>(units);
      if (units > pick_units || (units == pick_units && units > 0 && cost < pick_cost)) {
        pick = u;
        pick_units = units;
        pick_cost = cost;
      }
    }
    if (pick < 0) return;
    chosen.push_back(pick);
    const Usable& usable = s_.usable[pick];
    const LocationKind kind = network_.traits(s_.slots[usable.slot].index).kind;
    for (int line = 0; line < lines_; ++line) {
      const Quantity take =
          std::min(residual[line], DeliveryUnits(usable.slot, line, kind, usable.method));
      residual[line] -= take;
      left -= take;
    }
  }
  if (left > 0) return;
  // Price the members and fill canonically: ascending (unit cost, id).
  std::vector<int> members;
  for (int u : chosen) members.push_back(Price(u));
  std::sort(members.begin(), members.end(), [&](int a, int b) {
    const DeliveryCandidate& x = s_.delivery[a];
    const DeliveryCandidate& y = s_.delivery[b];
    return x.unit != y.unit ? x.unit < y.unit : x.index < y.index;
  });
  for (int line = 0; line < lines_; ++line) residual[line] = request_.lines[line].quantity;
  double cost = 0;
  int count = 0;
  for (int k : members) {
    const DeliveryCandidate& candidate = s_.delivery[k];
    Quantity shipped = 0;
    for (uint32_t e = 0; e < candidate.entries_count; ++e) {
      const Entry& entry = s_.entries[candidate.entries_begin + e];
      const Quantity take = std::min(residual[entry.line], entry.units);
      residual[entry.line] -= take;
      shipped += take;
    }
    if (shipped == 0) continue;  // the cheaper members already cover its part
    cost += candidate.fixed + candidate.unit * static_cast<double>(shipped);
    s_.members[count++] = k;
  }
  Offer(count - 1, units_ordered_, cost + config_.split_penalty * (count - 1));
}

// Prices every usable candidate whose lower bound does not exceed the best plan so far (all
// of them when there is none): the others cannot be in the optimum, nor tie with it.
void Solver::PriceRelevant() {
  for (int u = 0; u < static_cast<int>(s_.usable.size()); ++u) {
    if (s_.usable[u].priced >= 0) continue;
    if (best_count_ > 0 && LowerBound(u) > best_.cost + kCostTolerance) continue;
    Price(u);
  }
}

// Sorts the priced candidates by (unit cost, location id) and indexes, per line, its holders
// with the suffix sums and minima the bounds read.
void Solver::IndexDelivery() {
  // Remember the incumbent's members by usable index across the sort.
  if (best_pickup_ < 0) {
    for (int m = 0; m < best_count_; ++m) best_members_[m] = s_.delivery[best_members_[m]].usable;
  }
  std::sort(s_.delivery.begin(), s_.delivery.end(),
            [](const DeliveryCandidate& a, const DeliveryCandidate& b) {
              if (a.unit != b.unit) return a.unit < b.unit;
              return a.index < b.index;
            });
  for (int k = 0; k < static_cast<int>(s_.delivery.size()); ++k) {
    s_.usable[s_.delivery[k].usable].priced = k;
  }
  if (best_pickup_ < 0) {
    for (int m = 0; m < best_count_; ++m) best_members_[m] = s_.usable[best_members_[m]].priced;
  }
  s_.line_begin.assign(lines_ + 1, 0);
  for (const DeliveryCandidate& candidate : s_.delivery) {
    for (uint32_t e = 0; e < candidate.entries_count; ++e) {
      ++s_.line_begin[s_.entries[candidate.entries_begin + e].line + 1];
    }
  }
  for (int line = 0; line < lines_; ++line) s_.line_begin[line + 1] += s_.line_begin[line];
  s_.holders.resize(s_.line_begin[lines_]);
  std::vector<int>& fill = s_.heads;  // reused as write cursors
  fill.assign(s_.line_begin.begin(), s_.line_begin.end() - 1);
  for (int k = 0; k < static_cast<int>(s_.delivery.size()); ++k) {
    const DeliveryCandidate& candidate = s_.delivery[k];
    for (uint32_t e = 0; e < candidate.entries_count; ++e) {
      const Entry& entry = s_.entries[candidate.entries_begin + e];
      s_.holders[fill[entry.line]++] = Holder{k, entry.units};
    }
  }
  s_.suffix_units.resize(s_.holders.size());
  s_.suffix_fixed_min.resize(s_.holders.size());
  for (int line = 0; line < lines_; ++line) {
    Quantity units = 0;
    double fixed_min = kInfinity;
    for (int p = s_.line_begin[line + 1] - 1; p >= s_.line_begin[line]; --p) {
      units += s_.holders[p].units;
      fixed_min = std::min(fixed_min, s_.delivery[s_.holders[p].k].fixed);
      s_.suffix_units[p] = units;
      s_.suffix_fixed_min[p] = fixed_min;
    }
  }
  s_.residual.assign((max_shipments_ + 1) * lines_, 0);
  for (int line = 0; line < lines_; ++line) s_.residual[line] = request_.lines[line].quantity;
  s_.short_lines.assign(max_shipments_ * lines_, 0);
  s_.heads.assign(max_shipments_ * lines_, 0);
}

// The lines that residual[depth] leaves short, into short_lines[depth], and for each the first
// of its holders at or after position `start_k`, into heads[depth]. Returns how many.
int Solver::CollectShortLines(int depth, int start_k) {
  const Quantity* residual = &s_.residual[depth * lines_];
  int* short_lines = &s_.short_lines[depth * lines_];
  int* heads = &s_.heads[depth * lines_];
  int count = 0;
  for (int line = 0; line < lines_; ++line) {
    if (residual[line] == 0) continue;
    short_lines[count] = line;
    const Holder* first = s_.holders.data() + s_.line_begin[line];
    const Holder* last = s_.holders.data() + s_.line_begin[line + 1];
    heads[count] = static_cast<int>(
        std::lower_bound(first, last, start_k,
                         [](const Holder& holder, int k) { return holder.k < k; }) -
        s_.holders.data());
    ++count;
  }
  return count;
}

// residual[depth + 1] = residual[depth] less what `candidate` ships of it. Returns the units.
Quantity Solver::FillChild(int depth, const DeliveryCandidate& candidate) {
  const Quantity* residual = &s_.residual[depth * lines_];
  Quantity* child = &s_.residual[(depth + 1) * lines_];
  std::copy(residual, residual + lines_, child);
  Quantity shipped = 0;
  for (uint32_t e = 0; e < candidate.entries_count; ++e) {
    const Entry& entry = s_.entries[candidate.entries_begin + e];
    const Quantity take = std::min(child[entry.line], entry.units);
    child[entry.line] -= take;
    shipped += take;
  }
  return shipped;
}

// Moves each short line's head past candidate `next`, once it has been tried as a child.
void Solver::AdvanceHeads(int depth, int count, int next) {
  const int* short_lines = &s_.short_lines[depth * lines_];
  int* heads = &s_.heads[depth * lines_];
  for (int t = 0; t < count; ++t) {
    if (heads[t] < s_.line_begin[short_lines[t] + 1] && s_.holders[heads[t]].k == next) {
      ++heads[t];
    }
  }
}

// Depth-first over sets in (unit cost, id) order; see planner.h. The members s_.members[0..
// depth) are chosen, leave residual[depth] short, and cost `fixed` + `var` so far (without
// the split penalty). Children are the holders of short lines from position `start_k` on.
void Solver::SearchFull(int depth, int start_k, double fixed, double var) {
  const Quantity* residual = &s_.residual[depth * lines_];
  const int* short_lines = &s_.short_lines[depth * lines_];
  const int* heads = &s_.heads[depth * lines_];
  const int count = CollectShortLines(depth, start_k);
  const double split = config_.split_penalty * depth;
  if (depth + 1 == max_shipments_) {
    SearchLast(depth, fixed, var, count);
    return;
  }
  while (true) {
    // Everything from the heads on: can it still cover, and can it still win?
    double fixed_min = 0;
    double var_min = 0;
    int next = std::numeric_limits<int>::max();
    for (int t = 0; t < count; ++t) {
      const int line = short_lines[t];
      const int p = heads[t];
      if (p == s_.line_begin[line + 1] || s_.suffix_units[p] < residual[line]) return;
      const Holder& holder = s_.holders[p];
      var_min += static_cast<double>(residual[line]) * s_.delivery[holder.k].unit;
      fixed_min = std::max(fixed_min, s_.suffix_fixed_min[p]);
      next = std::min(next, holder.k);
    }
    // Adding one more member makes |S| - 1 >= depth: the split penalty so far is due.
    if (fixed + var + split + fixed_min + var_min > best_.cost + kCostTolerance) return;
    // The child: add candidate `next`; its fill is final (every later member costs more).
    const DeliveryCandidate& candidate = s_.delivery[next];
    const Quantity shipped = FillChild(depth, candidate);
    const Quantity* child = &s_.residual[(depth + 1) * lines_];
    OMNISTOCK_CHECK(shipped > 0);  // `next` holds a short line
    bool covered = true;
    for (int t = 0; t < count && covered; ++t) covered = child[short_lines[t]] == 0;
    s_.members[depth] = next;
    const double child_fixed = fixed + candidate.fixed;
    const double child_var = var + candidate.unit * static_cast<double>(shipped);
    if (covered) {
      Offer(depth, units_ordered_, child_fixed + child_var + split);
    } else if (depth + 1 < max_shipments_) {
      ++plan_.sets_evaluated;
      SearchFull(depth + 1, next + 1, child_fixed, child_var);
    }
    AdvanceHeads(depth, count, next);
  }
}

// The last member a set may take must cover every short line alone: walk the holders of the
// short line with the fewest of them left (sorted, so the unit cost only grows) and keep the
// ones that cover everything.
void Solver::SearchLast(int depth, double fixed, double var, int count) {
  const Quantity* residual = &s_.residual[depth * lines_];
  const int* short_lines = &s_.short_lines[depth * lines_];
  const int* heads = &s_.heads[depth * lines_];
  const double split = config_.split_penalty * depth;
  int rarest = 0;
  Quantity short_units = 0;
  for (int t = 0; t < count; ++t) {
    const int line = short_lines[t];
    short_units += residual[line];
    const int left = s_.line_begin[line + 1] - heads[t];
    if (left < s_.line_begin[short_lines[rarest] + 1] - heads[rarest]) rarest = t;
  }
  const int end = s_.line_begin[short_lines[rarest] + 1];
  for (int p = heads[rarest]; p < end; ++p) {
    const int k = s_.holders[p].k;
    const DeliveryCandidate& candidate = s_.delivery[k];
    // Later holders cost at least this much a unit, and at least their suffix's cheapest
    // fixed cost: stop when even that cannot win.
    if (fixed + var + split + s_.suffix_fixed_min[p] +
            candidate.unit * static_cast<double>(short_units) >
        best_.cost + kCostTolerance) {
      return;
    }
    // Covers every short line? Entries are in line order, as are the short lines.
    int t = 0;
    for (uint32_t e = 0; e < candidate.entries_count && t < count; ++e) {
      const Entry& entry = s_.entries[candidate.entries_begin + e];
      if (entry.line < short_lines[t]) continue;
      if (entry.line > short_lines[t] || entry.units < residual[short_lines[t]]) break;
      ++t;
    }
    if (t < count) continue;
    s_.members[depth] = k;
    Offer(
        depth, units_ordered_,
        fixed + candidate.fixed + var + candidate.unit * static_cast<double>(short_units) + split);
  }
}

// As SearchFull, for the most units and then the lowest cost: every set is a plan.
void Solver::SearchPartial(int depth, int start_k, double fixed, double var, Quantity units) {
  const Quantity* residual = &s_.residual[depth * lines_];
  const int* short_lines = &s_.short_lines[depth * lines_];
  const int* heads = &s_.heads[depth * lines_];
  const int count = CollectShortLines(depth, start_k);
  const double split = config_.split_penalty * depth;
  while (true) {
    Quantity reachable = units;
    double fixed_min = kInfinity;
    double unit_min = kInfinity;
    int next = std::numeric_limits<int>::max();
    for (int t = 0; t < count; ++t) {
      const int line = short_lines[t];
      const int p = heads[t];
      if (p == s_.line_begin[line + 1]) continue;
      const Holder& holder = s_.holders[p];
      reachable += std::min(residual[line], s_.suffix_units[p]);
      fixed_min = std::min(fixed_min, s_.suffix_fixed_min[p]);
      unit_min = std::min(unit_min, s_.delivery[holder.k].unit);
      next = std::min(next, holder.k);
    }
    if (next == std::numeric_limits<int>::max() || reachable < best_.units) return;
    if (reachable == best_.units) {
      // Matching the best needs at least one more member and best_.units - units more units.
      const double bound =
          fixed + var + split + fixed_min + static_cast<double>(best_.units - units) * unit_min;
      if (bound > best_.cost + kCostTolerance) return;
    }
    const DeliveryCandidate& candidate = s_.delivery[next];
    const Quantity shipped = FillChild(depth, candidate);
    OMNISTOCK_CHECK(shipped > 0);
    s_.members[depth] = next;
    const double child_fixed = fixed + candidate.fixed;
    const double child_var = var + candidate.unit * static_cast<double>(shipped);
    Offer(depth, units + shipped, child_fixed + child_var + split);
    if (depth + 1 < max_shipments_ && units + shipped < units_ordered_) {
      SearchPartial(depth + 1, next + 1, child_fixed, child_var, units + shipped);
    }
    AdvanceHeads(depth, count, next);
  }
}

// A preferred pickup store that can serve everything by the preferred method is the plan.
bool Solver::TryPreferredPickup() {
  if (preferred_slot_ == kNoSlot || request_.preference == Preference::kDelivery) return false;
  for (const PickupOption& candidate : s_.pickups) {
    if (candidate.slot == preferred_slot_ && Honours(request_.preference, candidate.method)) {
      const PickupOption option = candidate;
      s_.pickups.assign(1, option);
      plan_.rejected.clear();
      plan_.rejected_lines.clear();
      best_ = option.rank;
      best_pickup_ = 0;
      best_count_ = 1;
      preferred_served_ = true;
      return true;
    }
  }
  return false;
}

Shipment Solver::MakeShipment(int slot, Method method, double km, double load, bool fallback,
                              std::vector<ShipmentLine> lines) const {
  const Location& location = network_.location(s_.slots[slot].index);
  Shipment shipment;
  shipment.location_id = location.id;
  shipment.location_kind = location.kind;
  shipment.method = method;
  shipment.lines = std::move(lines);
  for (const ShipmentLine& line : shipment.lines) shipment.units += line.quantity;
  shipment.distance_km = km;
  shipment.ready_at = request_.now + LeadTime(location.kind, method, config_);
  shipment.estimated_delivery =
      IsPickup(method) ? shipment.ready_at
                       : shipment.ready_at + absl::Hours(24) * TransitDays(km, config_);
  shipment.cost = ShipmentCost(config_, location.kind, method, km, shipment.units, load, fallback);
  shipment.cost_total = shipment.cost.Total();
  return shipment;
}

void Solver::BuildShipments() {
  if (best_count_ == 0) return;
  if (best_pickup_ >= 0) {
    const PickupOption& option = s_.pickups[best_pickup_];
    std::vector<ShipmentLine> lines;
    lines.reserve(lines_);
    for (const OrderLine& line : request_.lines) lines.push_back({line.sku, line.quantity});
    plan_.shipments.push_back(MakeShipment(option.slot, option.method,
                                           s_.slots[option.slot].km_to_centre, option.load,
                                           option.fallback, std::move(lines)));
  } else {
    // The canonical fill: members in (unit cost, id) order, each line from the first.
    std::vector<int> members(best_members_.begin(), best_members_.begin() + best_count_);
    std::sort(members.begin(), members.end());
    std::vector<Quantity> residual(lines_);
    for (int line = 0; line < lines_; ++line) residual[line] = request_.lines[line].quantity;
    std::vector<std::pair<LocationIndex, Shipment>> made;
    for (int k : members) {
      const DeliveryCandidate& candidate = s_.delivery[k];
      const Usable& usable = s_.usable[candidate.usable];
      std::vector<ShipmentLine> lines;
      for (uint32_t e = 0; e < candidate.entries_count; ++e) {
        const Entry& entry = s_.entries[candidate.entries_begin + e];
        const Quantity take = std::min(residual[entry.line], entry.units);
        if (take == 0) continue;
        residual[entry.line] -= take;
        lines.push_back({request_.lines[entry.line].sku, take});
      }
      OMNISTOCK_CHECK(!lines.empty());
      made.emplace_back(candidate.index,
                        MakeShipment(usable.slot, candidate.method, candidate.km, usable.load,
                                     usable.fallback, std::move(lines)));
    }
    std::sort(made.begin(), made.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
    for (auto& [index, shipment] : made) plan_.shipments.push_back(std::move(shipment));
  }
  PlanTotals& totals = plan_.totals;
  totals.shipments = static_cast<int>(plan_.shipments.size());
  totals.is_split = totals.shipments > 1;
  totals.split_penalty = config_.split_penalty * (totals.shipments - 1);
  totals.preference_honoured = true;
  for (const Shipment& shipment : plan_.shipments) {
    totals.cost += shipment.cost_total;
    totals.units += shipment.units;
    totals.distance_km += shipment.distance_km;
    totals.estimated_delivery = std::max(totals.estimated_delivery, shipment.estimated_delivery);
    if (!Honours(request_.preference, shipment.method)) totals.preference_honoured = false;
  }
  totals.cost += totals.split_penalty;
  if (request_.preferred_pickup.has_value() && request_.preference != Preference::kDelivery &&
      !(best_pickup_ >= 0 && s_.pickups[best_pickup_].slot == preferred_slot_)) {
    totals.preference_honoured = false;
  }
  plan_.status = totals.units == units_ordered_ ? PlanStatus::kFulfilled : PlanStatus::kPartial;
}

// Why a delivery candidate is short (RejectReason): SAFETY_STOCK_PROTECTED when every line it
// is short of is short only because of safety stock (lowering that would let the units go),
// as for pickup; INSUFFICIENT_AVAILABLE otherwise.
RejectReason Solver::StockReason(int slot, Method method) const {
  bool any_short = false;
  for (int line = 0; line < lines_; ++line) {
    const LineStock stock = StockOf(slot, line, s_.slots[slot].kind, method);
    if (stock.available() >= stock.needed) continue;
    if (!stock.safety_protected()) return RejectReason::kInsufficientAvailable;
    any_short = true;
  }
  return any_short ? RejectReason::kSafetyStockProtected : RejectReason::kInsufficientAvailable;
}

// Reasons for the usable candidates the plan does not use; see RejectReason.
void Solver::ExplainUnused() {
  if (!explain_) return;
  const bool fulfilled = best_count_ > 0 && best_.units == units_ordered_;
  const double winner_cost = fulfilled ? best_.cost : 0;
  for (int p = 0; p < static_cast<int>(s_.pickups.size()); ++p) {
    if (p == best_pickup_) continue;
    const PickupOption& option = s_.pickups[p];
    const Slot& where = s_.slots[option.slot];
    Reject(where, option.method, RejectReason::kDominated, where.km_to_centre)->cost =
        option.rank.cost;
  }
  for (int u = 0; u < static_cast<int>(s_.usable.size()); ++u) {
    const Usable& usable = s_.usable[u];
    if (best_pickup_ < 0 && usable.priced >= 0 &&
        std::find(best_members_.begin(), best_members_.begin() + best_count_, usable.priced) !=
            best_members_.begin() + best_count_) {
      continue;
    }
    const Slot& where = s_.slots[usable.slot];
    const double km = where.km_to_destination;
    if (!delivery_holds_all_) {
      AppendLines(Reject(where, usable.method, StockReason(usable.slot, usable.method), km),
                  usable.slot, usable.method, /*short_only=*/true);
    } else if (fulfilled) {
      Reject(where, usable.method, RejectReason::kDominated, km)->cost =
          std::max(LowerBound(u), winner_cost);
    } else {
      Reject(where, usable.method, RejectReason::kMaxShipments, km);
    }
  }
}

// Plans with the slots made so far; ExplainUnused last.
void Solver::Solve() {
  Classify();
  if (TryPreferredPickup()) return;
  ConsiderPickups();
  BoundUsable();
  if (delivery_holds_all_) {
    ConsiderSingles();
    if (best_count_ == 0) GreedyIncumbent();
    PriceRelevant();
    IndexDelivery();
    SearchFull(0, 0, 0, 0);
  }
  if (best_count_ == 0 && request_.allow_partial && !s_.usable.empty()) {
    for (int u = 0; u < static_cast<int>(s_.usable.size()); ++u) Price(u);
    IndexDelivery();
    SearchPartial(0, 0, 0, 0, 0);
  }
  ExplainUnused();
}

// After a search over the hubs and the pickup stores near the centre only: whether a plan with
// any other store could still cost as little as the best found. Such a store ships by
// ship-from-store, paying at least that method's carrier base and handling (and the fallback
// penalty if the customer did not ask for delivery; capacity balancing is >= 0). Either it
// ships the whole order alone, every unit at its unit cost at distance zero or more; or the
// plan has a second shipment, which pays a fixed cost and the split penalty, and every unit
// costs at least the cheapest unit cost of any kind at distance zero.
bool Solver::OtherStoresMayMatter() const {
  if (preferred_served_) return false;
  if (!((allowed_methods_ >> static_cast<int>(Method::kShipFromStore)) & 1u)) return false;
  if (best_count_ == 0 || best_.units < units_ordered_) return true;
  const bool fallback = !Honours(request_.preference, Method::kShipFromStore);
  const double store_fixed =
      FixedCost(config_, LocationKind::kStore, Method::kShipFromStore, 0, 0, fallback);
  const double other_fixed = std::min(
      store_fixed,
      FixedCost(config_, LocationKind::kWarehouse, Method::kDeliveryParcel, 0, 0, fallback));
  const double units = static_cast<double>(units_ordered_);
  const double alone = store_fixed + units * unit_low_store_;
  const double split = store_fixed + other_fixed + config_.split_penalty +
                       units * std::min(unit_low_store_, unit_low_other_);
  return std::min(alone, split) <= best_.cost + kCostTolerance;
}

void Solver::Reset() {
  for (const Slot& slot : s_.slots) s_.slot_of[slot.index] = kNoSlot;
  s_.slots.clear();
  plan_.rejected.clear();
  plan_.rejected_lines.clear();
  best_ = PlanRank();
  best_pickup_ = -1;
  best_count_ = 0;
  delivery_holds_all_ = false;
  cheapest_units_low_ = 0;
  fixed_min_ = kInfinity;
  fixed_second_ = kInfinity;
  fixed_min_usable_ = -1;
  preferred_slot_ = kNoSlot;
}

std::vector<LocationIndex> Solver::FirstReads() {
  Setup();
  explain_ = false;
  hubs_first_ = true;
  CollectSlots();  // with no rows to place when the snapshot is empty: the slots alone
  std::vector<LocationIndex> reads;
  reads.reserve(s_.slots.size());
  for (const Slot& slot : s_.slots) reads.push_back(slot.index);
  for (const Slot& slot : s_.slots) s_.slot_of[slot.index] = kNoSlot;
  return reads;
}

std::optional<Plan> Solver::Run(bool first_reads_only) {
  Setup();
  // Without an explanation to give, try the hubs (warehouses, DC) and the pickup stores near
  // the centre first: when no other store can match the best plan among them, it is the
  // optimum and the thousands of other store positions are never looked at. Otherwise, and
  // for an order that cannot be fulfilled (always explained), plan with everything.
  explain_ = request_.explain;
  hubs_first_ = !request_.explain;
  if (first_reads_only && !hubs_first_) return std::nullopt;
  if (hubs_first_) {
    CollectSlots();
    Solve();
    const bool fulfilled = best_count_ > 0 && best_.units == units_ordered_;
    if (!fulfilled || OtherStoresMayMatter()) {
      Reset();
      if (first_reads_only) return std::nullopt;
      hubs_first_ = false;
      // A plan that is not FULFILLED is explained. With every location, a FULFILLED plan
      // found among some of them stays FULFILLED, so only an unfulfilled one needs listing.
      explain_ = !fulfilled;
    }
  }
  if (!hubs_first_) {
    plan_.read_every_store = true;
    CollectSlots();
    Solve();
  }
  BuildShipments();
  plan_.totals.units_ordered = units_ordered_;
  if (!request_.explain && plan_.status == PlanStatus::kFulfilled) {
    plan_.rejected.clear();
    plan_.rejected_lines.clear();
  }
  // Leave the slot index clean for the next call.
  for (const Slot& slot : s_.slots) s_.slot_of[slot.index] = kNoSlot;
  return std::move(plan_);
}

}  // namespace

absl::StatusOr<Plan> Planner::PlanOrder(const std::shared_ptr<const Network>& network,
                                        const RoutingConfig& config, const StockSnapshot& stock,
                                        std::span<const int64_t> orders_today,
                                        const PlanRequest& request) {
  if (absl::Status status = Validate(config); !status.ok()) return status;
  if (absl::Status status = ValidatePlanRequest(request, *network); !status.ok()) return status;
  if (scratch_ == nullptr) scratch_ = std::make_shared<Scratch>();
  Solver solver(*scratch_, network, config, stock, orders_today, request);
  return *solver.Run();
}

absl::StatusOr<std::vector<LocationIndex>> Planner::FirstReads(
    const std::shared_ptr<const Network>& network, const RoutingConfig& config,
    const PlanRequest& request) {
  if (absl::Status status = Validate(config); !status.ok()) return status;
  if (absl::Status status = ValidatePlanRequest(request, *network); !status.ok()) return status;
  if (request.explain) return std::vector<LocationIndex>();
  if (scratch_ == nullptr) scratch_ = std::make_shared<Scratch>();
  static const StockSnapshot kNoStock;
  Solver solver(*scratch_, network, config, kNoStock, {}, request);
  return solver.FirstReads();
}

absl::StatusOr<std::optional<Plan>> Planner::PlanFromFirstReads(
    const std::shared_ptr<const Network>& network, const RoutingConfig& config,
    const StockSnapshot& stock, std::span<const int64_t> orders_today, const PlanRequest& request) {
  if (absl::Status status = Validate(config); !status.ok()) return status;
  if (absl::Status status = ValidatePlanRequest(request, *network); !status.ok()) return status;
  if (scratch_ == nullptr) scratch_ = std::make_shared<Scratch>();
  Solver solver(*scratch_, network, config, stock, orders_today, request);
  return solver.Run(/*first_reads_only=*/true);
}

absl::StatusOr<Plan> PlanOrder(const std::shared_ptr<const Network>& network,
                               const RoutingConfig& config, const StockSnapshot& stock,
                               std::span<const int64_t> orders_today, const PlanRequest& request) {
  Planner planner;
  return planner.PlanOrder(network, config, stock, orders_today, request);
}

}  // namespace omnistock::routing
