#include "engine/ledger.h"

#include <algorithm>
#include <optional>
#include <string_view>
#include <tuple>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "engine/check.h"

namespace omnistock {
namespace {

template <typename T>
Applied<T> Rejected(Outcome outcome, std::string detail) {
  Applied<T> applied;
  applied.outcome = outcome;
  applied.detail = std::move(detail);
  return applied;
}

// An order's lines as strings, sorted: equal for the same order however its ids were made (see
// UnitsBySku). Valid while the lines live.
std::vector<std::tuple<std::string_view, std::string_view, Quantity>> LineValues(
    const Lines& lines) {
  std::vector<std::tuple<std::string_view, std::string_view, Quantity>> values;
  values.reserve(lines.size());
  for (const Line& line : lines) {
    values.emplace_back(line.sku.value(), line.location.value(), line.quantity);
  }
  std::sort(values.begin(), values.end());
  return values;
}

// How `command` differs from the order held under its id (ContentDifference); empty: a replay.
std::string OrderDifference(const Reservation& existing, const ReserveCommand& command) {
  const bool same_lines = LineValues(existing.lines) == LineValues(command.lines) &&
                          UnitsBySku(existing.ordered) == UnitsBySku(command.ordered);
  return ContentDifference(same_lines ? "" : "other lines", existing.channel, command.channel,
                           existing.order_ref, command.order_ref);
}

// The sum of `size_of` over stripes (or shards), each read under its own lock.
template <typename Stripe, size_t kCount, typename SizeOf>
size_t SumUnderLocks(const std::array<Stripe, kCount>& stripes, SizeOf size_of) {
  size_t sum = 0;
  for (const Stripe& stripe : stripes) {
    absl::MutexLock lock(&stripe.mu);
    sum += size_of(stripe);
  }
  return sum;
}

// Whether `expiry` may still hold an entry for `reservation`: its entries are never later than
// its expires_at, so none is left once the heap's top is later than that.
template <typename Later>
bool MayBeInExpiry(const MinHeap<std::pair<absl::Time, const Reservation*>, Later>& expiry,
                   const Reservation& reservation) {
  return !expiry.empty() && !Later()(expiry.top(), {reservation.expires_at, &reservation});
}

}  // namespace

Ledger::Ledger(JournalSink* sink) : sink_(sink) {
  for (ReservationStripe& stripe : stripes_) stripe.expiry.hint_ = &earliest_deadline_;
}

Ledger::ReservationStripe& Ledger::StripeFor(const ReservationId& id) const {
  return stripes_[StripeOfHash<kReservationStripeCount>(absl::Hash<ReservationId>{}(id))];
}

Ledger::PosStripe& Ledger::PosStripeFor(const std::string& key) const {
  return pos_stripes_[StripeOfHash<kReservationStripeCount>(absl::Hash<std::string>{}(key))];
}

CommitTicket Ledger::Publish(Commit& commit, absl::FunctionRef<void(Commit&)> fill) noexcept {
  {
    absl::MutexLock lock(&sequencer_mu_);
    for (Movement& movement : commit.movements) movement.sequence = ++last_sequence_;
    commit.last_sequence = last_sequence_;
    commit.ticket = ++last_ticket_;
  }
  // Copying the rows is most of a commit's cost: done outside the sequencer, under the row
  // locks the caller holds, so no later commit can change these rows before this one is
  // appended.
  fill(commit);
  const CommitTicket ticket = commit.ticket;
  sink_->Append(std::move(commit));
  return ticket;
}

// --- Network ---

Applied<Location> Ledger::UpsertLocation(const Location& location) {
  absl::MutexLock lock(&locations_mu_);
  return UpsertLocationLocked(location);
}

absl::StatusOr<Applied<Location>> Ledger::UpdateLocation(
    const LocationId& id, absl::FunctionRef<absl::StatusOr<Location>(const Location&)> change) {
  absl::MutexLock lock(&locations_mu_);
  auto it = locations_.find(id);
  if (it == locations_.end()) {
    Applied<Location> applied;
    applied.outcome = Outcome::kLocationNotFound;
    applied.detail = absl::StrCat("location.location_id '", id.value(),
                                  "' is not known: create it without update_mask");
    return applied;
  }
  absl::StatusOr<Location> changed = change(it->second);
  if (!changed.ok()) return changed.status();
  OMNISTOCK_CHECK(changed->id == id);
  return UpsertLocationLocked(*changed);
}

Applied<Location> Ledger::UpsertLocationLocked(const Location& location) {
  Applied<Location> applied;
  applied.value = location;
  auto it = locations_.find(location.id);
  if (it != locations_.end() && it->second == location) {
    applied.outcome = Outcome::kReplayed;
    applied.ticket = last_ticket();
    return applied;
  }
  // A location becoming a pickup point (which holds no stock) must hold none first. Scanning
  // every shard under the locations' lock (the lock order allows it) holds orders back for
  // the scan, but only for this rare change of kind.
  if (it != locations_.end() && location.kind == LocationKind::kPickupPoint &&
      it->second.kind != LocationKind::kPickupPoint) {
    int64_t holding = 0;
    for (LedgerShard& shard : shards_) {
      absl::MutexLock shard_lock(&shard.mu);
      for (const auto& [key, position] : shard.positions) {
        holding +=
            key.location == location.id && (position.on_hand != 0 || position.reserved != 0 ||
                                            position.in_transit != 0 || position.non_sellable != 0);
      }
    }
    if (holding > 0) {
      applied.outcome = Outcome::kLocationHoldsNoStock;
      applied.detail = absl::StrCat(
          "location_id '", location.id.value(), "' holds stock at ", holding,
          " positions (on_hand, reserved, in transit or non-sellable): move or count it out "
          "before making it a PICKUP_POINT, which holds none");
      return applied;
    }
  }
  locations_[location.id] = location;
  network_.reset();
  Commit commit;
  commit.locations.push_back(location);
  applied.ticket = Publish(commit, [](Commit&) {});
  return applied;
}

std::optional<Location> Ledger::FindLocation(const LocationId& id) const {
  absl::ReaderMutexLock lock(&locations_mu_);
  auto it = locations_.find(id);
  if (it == locations_.end()) return std::nullopt;
  return it->second;
}

Ledger::LocationState Ledger::StateOf(const LocationId& id) const {
  absl::ReaderMutexLock lock(&locations_mu_);
  return StateOfLocked(id);
}

Ledger::LocationState Ledger::StateOfLocked(const LocationId& id) const {
  auto it = locations_.find(id);
  if (it == locations_.end()) return LocationState::kUnknown;
  if (it->second.kind == LocationKind::kPickupPoint) return LocationState::kHoldsNoStock;
  return it->second.disabled ? LocationState::kDisabled : LocationState::kActive;
}

std::vector<Location> Ledger::ListLocations() const {
  std::vector<Location> result;
  {
    absl::ReaderMutexLock lock(&locations_mu_);
    result.reserve(locations_.size());
    for (const auto& [id, location] : locations_) result.push_back(location);
  }
  std::sort(result.begin(), result.end(),
            [](const Location& a, const Location& b) { return a.id < b.id; });
  return result;
}

// --- Stock ---

Outcome Ledger::CheckLocationLocked(const LocationId& location, bool refuse_disabled,
                                    std::string& detail, bool adds_stock,
                                    absl::string_view field) const {
  switch (StateOfLocked(location)) {
    case LocationState::kUnknown:
      detail = absl::StrCat(field, " '", location.value(), "' is not known");
      return Outcome::kLocationNotFound;
    case LocationState::kDisabled:
      if (!refuse_disabled) return Outcome::kOk;
      detail = absl::StrCat(field, " '", location.value(), "' is disabled");
      return Outcome::kLocationDisabled;
    case LocationState::kActive:
      return Outcome::kOk;
    case LocationState::kHoldsNoStock:
      if (!adds_stock) return Outcome::kOk;
      detail = absl::StrCat(field, " '", location.value(),
                            "' is a PICKUP_POINT: it holds no stock (orders are delivered to its "
                            "address and handed over there)");
      return Outcome::kLocationHoldsNoStock;
  }
  return Outcome::kOk;
}

Applied<Position> Ledger::ChangePosition(
    const LocationId& location, const Sku& sku, absl::Time now, bool adds_stock,
    absl::FunctionRef<Outcome(Position&, Movement&, std::string& detail)> change,
    std::optional<PosTransaction> keyed) {
  PosStripe* key_stripe = nullptr;
  std::optional<absl::MutexLock> key_lock;  // first in lock order (ledger.h)
  if (keyed) {
    const std::string key = keyed->Key();
    key_stripe = &PosStripeFor(key);
    key_lock.emplace(&key_stripe->mu);
    // A key is kept after its SKU is interned, under this lock: a retry racing the first call
    // compares as the same content.
    keyed->lines.front().sku = keyed->lines.front().sku.Current();
    if (auto it = key_stripe->transactions.find(key); it != key_stripe->transactions.end()) {
      const PosTransaction& before = it->second;
      Applied<Position> applied;
      if (!SameContent(before, *keyed)) {
        applied.ticket = last_ticket();  // waits for the commit that applied it (Ledger::Reserve)
        applied.outcome = Outcome::kStockChangeExistsWithDifferentContent;
        applied.detail = absl::StrCat(
            "idempotency_key '", keyed->transaction_id, "' was already applied to ",
            before.kind == MovementKind::kReceive ? "a receipt of " : "an adjustment by ",
            before.lines.front().quantity, before.non_sellable ? " non-sellable" : "", " of sku '",
            before.lines.front().sku.value(), "' at '", before.store.value(), "'");
        return applied;
      }
      applied.outcome = Outcome::kReplayed;
      const Sku stored = keyed->lines.front().sku;
      const std::vector<Position> now_there = GetPositions({stored}, {location});
      applied.value = now_there.empty() ? EmptyPosition(stored, location) : now_there.front();
      // After the read: the answer shows the position as it is, so it waits for the commits
      // behind that too (another call's may have changed it since the key was applied).
      applied.ticket = last_ticket();
      return applied;
    }
  }
  std::string detail;
  LedgerShard& shard = ShardFor(sku);
  // The location's kind holds until the shard is locked: UpsertLocation makes a location a
  // pickup point only if, under the locations' lock, it holds no stock.
  std::optional<absl::ReaderMutexLock> kinds(std::in_place, &locations_mu_);
  if (const Outcome refused = CheckLocationLocked(location, false, detail, adds_stock);
      refused != Outcome::kOk) {
    return Rejected<Position>(refused, std::move(detail));
  }
  absl::MutexLock lock(&shard.mu);
  kinds.reset();
  // The command's SKU may be transient (a refused change must intern nothing): interned only
  // once the change is made.
  const Sku current = sku.Current();
  Position* existing = shard.Find(current, location);
  Position candidate = existing ? *existing : EmptyPosition(current, location);
  Movement movement;
  movement.time = now;
  movement.location = location;
  Applied<Position> applied;
  const Outcome outcome = change(candidate, movement, applied.detail);
  applied.outcome = outcome;
  if (outcome != Outcome::kOk) {
    applied.value = candidate;
    if (outcome == Outcome::kReplayed) applied.ticket = last_ticket();
    return applied;
  }
  // Below zero only as till sales the ledger had no stock for left it (position.h): a receipt
  // or a safety stock on such a position is a change like any other.
  OMNISTOCK_CHECK(candidate.on_hand >= -kOnHandMax);
  OMNISTOCK_CHECK(candidate.on_hand <= kOnHandMax);
  OMNISTOCK_CHECK(candidate.safety_stock >= 0);
  PositionSlot& position = shard.FindOrCreate(existing ? current : current.Stored(), location);
  candidate.sku = position.sku;
  movement.sku = position.sku;
  Commit commit;
  commit.movements.push_back(std::move(movement));
  applied.ticket = Publish(commit, [&](Commit& c) {
    static_cast<Position&>(position) = candidate;  // its values; the holds stay
    Stamp(c.movements.back(), position);
    c.positions.push_back(position);
    if (keyed) {
      keyed->lines.front().sku = position.sku;  // the stored id (the command's may be transient)
      keyed->sequence = c.movements.back().sequence;
      c.pos_transactions.push_back(*keyed);
    }
  });
  if (keyed) {
    auto [it, inserted] = key_stripe->transactions.try_emplace(keyed->Key(), *std::move(keyed));
    OMNISTOCK_CHECK(inserted);
    key_stripe->recorded.Push(&it->second);
  }
  applied.value = position;
  return applied;
}

namespace {

// The key a receipt or an adjustment keeps (pos_transaction.h), or none.
std::optional<PosTransaction> KeyedStockChange(const std::string& idempotency_key,
                                               MovementKind kind, const LocationId& location,
                                               const Sku& sku, Quantity quantity, absl::Time now) {
  if (idempotency_key.empty()) return std::nullopt;
  PosTransaction keyed;
  keyed.transaction_id = idempotency_key;  // no terminal: a WMS's
  keyed.kind = kind;
  keyed.store = location;
  keyed.lines.push_back(PosLine{sku, quantity});
  keyed.occurred_at = now;
  keyed.recorded_at = now;
  return keyed;
}

}  // namespace

Applied<Position> Ledger::Receive(const ReceiveCommand& command, absl::Time now) {
  return ChangePosition(
      command.location, command.sku, now, /*adds_stock=*/true,
      [&](Position& position, Movement& movement, std::string& detail) {
        if (position.on_hand > kOnHandMax - command.quantity) {
          detail = absl::StrCat("sku '", command.sku.value(), "' at '", command.location.value(),
                                "': receiving ", command.quantity, " onto on_hand ",
                                position.on_hand, " would exceed the limit of ", kOnHandMax);
          return Outcome::kOnHandLimitExceeded;
        }
        position.on_hand += command.quantity;
        movement.kind = MovementKind::kReceive;
        movement.on_hand_delta = command.quantity;
        movement.reference = command.reference;
        return Outcome::kOk;
      },
      KeyedStockChange(command.idempotency_key, MovementKind::kReceive, command.location,
                       command.sku, command.quantity, now));
}

Applied<Position> Ledger::Adjust(const AdjustCommand& command, absl::Time now) {
  std::optional<PosTransaction> keyed =
      KeyedStockChange(command.idempotency_key, MovementKind::kAdjust, command.location,
                       command.sku, command.delta, now);
  if (keyed) keyed->non_sellable = command.non_sellable;  // part of what a retry repeats
  return ChangePosition(
      command.location, command.sku, now, /*adds_stock=*/command.delta > 0,
      [&](Position& position, Movement& movement, std::string& detail) {
        // The units on the shelf, or those kept apart (returns that cannot be sold).
        Quantity& units = command.non_sellable ? position.non_sellable : position.on_hand;
        const char* name = command.non_sellable ? "non_sellable" : "on_hand";
        // A correction up of a position oversold at the till is fine.
        if (command.delta < 0 && units + command.delta < 0) {
          detail = absl::StrCat("sku '", command.sku.value(), "' at '", command.location.value(),
                                "': adjusting ", name, " ", units, " by ", command.delta,
                                " would leave it below zero");
          return Outcome::kOnHandBelowZero;
        }
        if (command.delta > 0 && units + command.delta > kOnHandMax) {
          detail = absl::StrCat("sku '", command.sku.value(), "' at '", command.location.value(),
                                "': adjusting ", name, " ", units, " by ", command.delta,
                                " would exceed the limit of ", kOnHandMax);
          return Outcome::kOnHandLimitExceeded;
        }
        units += command.delta;
        movement.kind = MovementKind::kAdjust;
        (command.non_sellable ? movement.non_sellable_delta : movement.on_hand_delta) =
            command.delta;
        movement.reference = command.reference;
        movement.actor = command.non_sellable ? command.reason + " non-sellable" : command.reason;
        return Outcome::kOk;
      },
      std::move(keyed));
}

Applied<Position> Ledger::SetSafetyStock(const SafetyStockCommand& command, absl::Time now) {
  return ChangePosition(command.location, command.sku, now,
                        /*adds_stock=*/command.safety_stock > 0,
                        [&](Position& position, Movement& movement, std::string&) {
                          if (position.safety_stock == command.safety_stock) {
                            return Outcome::kReplayed;
                          }
                          movement.kind = MovementKind::kSafetyStock;
                          movement.safety_stock_delta =
                              command.safety_stock - position.safety_stock;
                          position.safety_stock = command.safety_stock;
                          return Outcome::kOk;
                        });
}

std::vector<Position> Ledger::GetPositions(const std::vector<Sku>& skus,
                                           const std::vector<LocationId>& locations) const {
  std::vector<Position> result;
  absl::flat_hash_set<Sku> seen;
  for (const Sku& sku : skus) {
    if (!seen.insert(sku).second) continue;
    LedgerShard& shard = shards_[ShardIndexFor(sku)];
    absl::MutexLock lock(&shard.mu);
    if (locations.empty()) {
      for (const PositionSlot* position : shard.PositionsOf(sku)) result.push_back(*position);
      continue;
    }
    for (const LocationId& location : locations) {
      const Position* position = shard.Find(sku, location);
      result.push_back(position ? *position : EmptyPosition(sku, location));
    }
  }
  std::sort(result.begin(), result.end(), [](const Position& a, const Position& b) {
    return std::tie(a.sku, a.location) < std::tie(b.sku, b.location);
  });
  result.erase(std::unique(result.begin(), result.end(),
                           [](const Position& a, const Position& b) {
                             return a.sku == b.sku && a.location == b.location;
                           }),
               result.end());
  return result;
}

std::vector<Position> Ledger::PositionsAt(const LocationId& location, absl::string_view after_sku,
                                          int limit) const {
  // The page's SKUs first (16 bytes each, kept to the `limit` smallest as the shards go by),
  // then their positions: no copy of a position the page does not show.
  auto by_value = [](const Sku& a, const Sku& b) { return a.value() < b.value(); };
  std::vector<Sku> page;
  for (LedgerShard& shard : shards_) {
    absl::MutexLock lock(&shard.mu);
    const auto here = shard.by_location.find(location);
    if (here == shard.by_location.end()) continue;
    for (const PositionSlot* position : here->second) {
      if (position->sku.value() > after_sku) page.push_back(position->sku);
    }
    if (page.size() > static_cast<size_t>(2 * limit)) {
      std::nth_element(page.begin(), page.begin() + limit, page.end(), by_value);
      page.resize(limit);
    }
  }
  std::sort(page.begin(), page.end(), by_value);
  if (page.size() > static_cast<size_t>(limit)) page.resize(limit);
  std::vector<Position> result;
  result.reserve(page.size());
  for (const Sku& sku : page) {
    LedgerShard& shard = shards_[ShardIndexFor(sku)];
    absl::MutexLock lock(&shard.mu);
    // Positions are never removed: the one found above is still there.
    if (const Position* position = shard.Find(sku, location)) result.push_back(*position);
  }
  return result;
}

// --- Reservations ---

Applied<Reservation> Ledger::Reserve(const ReserveCommand& command, absl::Time now) {
  Applied<Reservation> applied = ReserveOnce(command, now);
  if (applied.outcome == Outcome::kInsufficientAvailable && ExpireIfDue(now)) {
    applied = ReserveOnce(command, now);
  }
  return applied;
}

bool Ledger::ExpireIfDue(absl::Time now) {
  if (earliest_deadline_.load(std::memory_order_relaxed) > absl::ToUnixNanos(now)) return false;
  return ExpireDue(now).first > 0;
}

Applied<Reservation> Ledger::ReserveOnce(const ReserveCommand& command, absl::Time now) {
  ReservationStripe& stripe = StripeFor(command.id);
  absl::MutexLock stripe_lock(&stripe.mu);
  // The reservation's place in its table, and the expiry heap's entry a new one is compared
  // with, arrive while the locations are checked and the shards locked, instead of in a row
  // with the positions' misses.
  stripe.reservations.Prefetch(command.id);
  stripe.expiry.PrefetchPush();

  // Every path returns this one object, so that it is built in the caller's place, never moved.
  Applied<Reservation> applied;

  // Locations first (their lock comes before the shards', and is held until those are locked,
  // so that none becomes a pickup point in between), but a repeated id is a replay whatever
  // became of its locations since: their verdict waits for the replay check below.
  std::optional<absl::ReaderMutexLock> locations_lock(std::in_place, &locations_mu_);
  for (size_t i = 0; i < command.lines.size(); ++i) {
    applied.outcome = CheckLocationLocked(command.lines[i].location, true, applied.detail, true);
    if (applied.outcome != Outcome::kOk) {
      applied.detail = absl::StrCat("lines[", i, "].", applied.detail);  // "lines[1].location_id"
      break;
    }
  }
  const bool bad_location = !Succeeded(applied.outcome);

  std::optional<ShardLockSet> shard_locks(std::in_place, shards_.data(), command.lines);
  locations_lock.reset();
  // The positions' slots arrive while the replay check reads the reservation's.
  if (!bad_location) {
    for (const Line& line : command.lines) ShardFor(line.sku).Prefetch(line.sku, line.location);
  }

  if (Reservation* existing = stripe.reservations.Find(command.id)) {
    if (const std::string differs = OrderDifference(*existing, command); !differs.empty()) {
      applied = Rejected<Reservation>(
          Outcome::kReservationExistsWithDifferentContent,
          absl::StrCat("reservation_id '", command.id.value(), "' already exists with ", differs));
      // "It exists" must not be taken back by a crash: the answer waits for the commit that
      // made it, which may not be durable yet (a concurrent call's).
      applied.ticket = last_ticket();
      return applied;
    }
    // The retry is told it no longer holds stock, not HELD with an expiry in the past.
    shard_locks.reset();  // an expiry locks the same shards itself
    const CommitTicket expiry_ticket = ExpireOnAccess(stripe, *existing, now);
    applied = Applied<Reservation>();
    applied.outcome = Outcome::kReplayed;
    applied.value = *existing;
    applied.ticket = expiry_ticket ? expiry_ticket : last_ticket();
    return applied;
  }
  if (bad_location) return applied;

  TouchedPositions touched;
  for (const Line& line : command.lines) {
    touched.push_back(ShardFor(line.sku).Find(line.sku, line.location));
  }
  // Check every line before touching any, so a short order changes nothing.
  for (size_t i = 0; i < command.lines.size(); ++i) {
    const Line& line = command.lines[i];
    Position* position = touched[i];
    Quantity available = position ? position->available() : 0;
    if (position && !command.keep.empty() && position->safety_stock == 0) {
      available = position->on_hand - position->reserved - command.keep[i];
    }
    if (available < line.quantity) {
      applied.short_lines.push_back(
          ShortLine{line.sku, line.location, line.quantity, std::max<Quantity>(0, available)});
    }
  }
  if (!applied.short_lines.empty()) {
    applied.outcome = Outcome::kInsufficientAvailable;
    applied.detail = "insufficient available stock:";
    for (const ShortLine& s : applied.short_lines) {
      absl::StrAppend(&applied.detail, " [sku '", s.sku.value(), "' at '", s.location.value(),
                      "': requested ", s.requested, ", available ", s.available, "]");
    }
    return applied;
  }

  for (const PositionSlot* position : touched) PrefetchForChange(*position);
  Reservation& stored = *stripe.reservations.FindOrAdd(command.id).first;
  stored.state = ReservationState::kHeld;
  stored.lines = command.lines;
  stored.channel = command.channel;
  stored.order_ref = command.order_ref;
  stored.created_at = now;
  stored.updated_at = now;
  stored.expires_at = now + command.ttl;
  stored.capacity = command.capacity;
  stored.ordered.clear();  // interned here: stored (the command's may be transient ids)
  for (const SkuUnits& units : command.ordered) {
    stored.ordered.push_back(SkuUnits{Sku(units.sku.value()), units.quantity});
  }

  Commit commit;
  commit.movements.reserve(command.lines.size());
  for (size_t i = 0; i < command.lines.size(); ++i) {
    const Line& line = command.lines[i];
    PositionSlot* position = touched[i];  // every line passed the check: found, and still there
    OMNISTOCK_CHECK(position != nullptr);
    position->reserved += line.quantity;
    OMNISTOCK_CHECK(position->available() >= 0);
    position->holds.Add(Hold{&stored, line.quantity});
    Movement& movement = commit.movements.emplace_back();
    movement.time = now;
    movement.kind = MovementKind::kReserve;
    movement.sku = line.sku;
    movement.location = line.location;
    movement.reserved_delta = line.quantity;
    movement.reference = command.id.value();
    movement.actor = command.channel;
  }
  stripe.expiry.Push({stored.expires_at, &stored});
  applied.ticket = Publish(commit, [&](Commit& c) {
    StampTouched(c, touched);
    stored.sequence = c.movements.back().sequence;
    stored.written_by.ticket = c.ticket;
    c.reservations.push_back(stored);
  });
  applied.value = stored;
  return applied;
}

Applied<Reservation> Ledger::Confirm(const ReservationId& id, absl::Time now) {
  return Transition(id, Action::kConfirm, now);
}
Applied<Reservation> Ledger::Release(const ReservationId& id, absl::Time now) {
  return Transition(id, Action::kRelease, now);
}
Applied<Reservation> Ledger::Fulfill(const ReservationId& id, absl::Time now) {
  return Transition(id, Action::kFulfill, now);
}

CommitTicket Ledger::ExpireOnAccess(ReservationStripe& stripe, Reservation& reservation,
                                    absl::Time now) {
  if (reservation.state != ReservationState::kHeld || reservation.expires_at > now) return 0;
  return ApplyTransition(stripe, reservation, Action::kExpire, now).ticket;
}

Applied<Reservation> Ledger::Transition(const ReservationId& id, Action action, absl::Time now) {
  ReservationStripe& stripe = StripeFor(id);
  absl::MutexLock stripe_lock(&stripe.mu);
  Reservation* found = stripe.reservations.Find(id);
  if (found == nullptr) {
    return Rejected<Reservation>(Outcome::kReservationNotFound,
                                 absl::StrCat("reservation_id '", id.value(), "' is not known"));
  }
  Reservation& reservation = *found;

  const CommitTicket expiry_ticket =
      action == Action::kExpire ? 0 : ExpireOnAccess(stripe, reservation, now);

  const ReservationState state = reservation.state;
  auto replay = [&] {
    Applied<Reservation> applied;
    applied.outcome = expiry_ticket ? Outcome::kOk : Outcome::kReplayed;
    applied.value = reservation;
    applied.ticket = expiry_ticket ? expiry_ticket : last_ticket();
    return applied;
  };
  auto illegal = [&](Outcome outcome, absl::string_view why) {
    Applied<Reservation> applied = Rejected<Reservation>(
        outcome,
        absl::StrCat("reservation '", id.value(), "' is ", ReservationStateName(state), ": ", why));
    applied.value = reservation;
    // The state it reports is as durable as the answer: the expiry just made, or whatever
    // commit settled it, which may not be synced yet.
    applied.ticket = last_ticket();
    return applied;
  };

  switch (action) {
    case Action::kConfirm:
      if (state == ReservationState::kHeld) break;
      if (state == ReservationState::kConfirmed || state == ReservationState::kFulfilled) {
        return replay();
      }
      if (state == ReservationState::kExpired) {
        return illegal(Outcome::kReservationExpired, "it expired before it was confirmed");
      }
      return illegal(Outcome::kIllegalTransition, "a released reservation cannot be confirmed");
    case Action::kRelease:
      if (IsLive(state)) break;
      if (state == ReservationState::kReleased || state == ReservationState::kExpired) {
        return replay();
      }
      return illegal(Outcome::kIllegalTransition, "a fulfilled reservation cannot be released");
    case Action::kFulfill:
      if (state == ReservationState::kConfirmed) break;
      if (state == ReservationState::kFulfilled) return replay();
      if (state == ReservationState::kHeld) {
        return illegal(Outcome::kIllegalTransition, "confirm it before fulfilling it");
      }
      if (state == ReservationState::kExpired) {
        return illegal(Outcome::kReservationExpired, "it expired before it was confirmed");
      }
      return illegal(Outcome::kIllegalTransition, "a released reservation cannot be fulfilled");
    case Action::kExpire:
      if (state == ReservationState::kHeld && reservation.expires_at <= now) break;
      return replay();
  }
  return ApplyTransition(stripe, reservation, action, now);
}

Applied<Reservation> Ledger::ApplyTransition(ReservationStripe& stripe, Reservation& reservation,
                                             Action action, absl::Time now) {
  MovementKind kind = MovementKind::kConfirm;
  ReservationState next = ReservationState::kConfirmed;
  bool releases_hold = false;    // reserved drops by the line quantity
  bool removes_on_hand = false;  // on_hand drops by the line quantity
  switch (action) {
    case Action::kConfirm:
      break;
    case Action::kRelease:
      kind = MovementKind::kRelease;
      next = ReservationState::kReleased;
      releases_hold = true;
      break;
    case Action::kExpire:
      kind = MovementKind::kExpire;
      next = ReservationState::kExpired;
      releases_hold = true;
      break;
    case Action::kFulfill:
      kind = MovementKind::kFulfil;
      next = ReservationState::kFulfilled;
      releases_hold = true;
      removes_on_hand = true;
      break;
  }

  ShardLockSet shard_locks(shards_.data(), reservation.lines);
  TouchedPositions touched;
  for (const Line& line : reservation.lines) {
    PositionSlot* position = ShardFor(line.sku).Find(line.sku, line.location);
    OMNISTOCK_CHECK(position != nullptr);
    OMNISTOCK_CHECK(position->reserved >= line.quantity);
    if (removes_on_hand && position->on_hand < line.quantity) {
      Applied<Reservation> applied = Rejected<Reservation>(
          Outcome::kOnHandBelowZero,
          absl::StrCat("sku '", line.sku.value(), "' at '", line.location.value(), "' has on_hand ",
                       position->on_hand, ", less than the ", line.quantity,
                       " to fulfil; adjust or receive stock first"));
      applied.value = reservation;
      return applied;
    }
    touched.push_back(position);
  }
  for (const PositionSlot* position : touched) PrefetchForChange(*position);

  Commit commit;
  commit.movements.reserve(reservation.lines.size());
  for (size_t i = 0; i < reservation.lines.size(); ++i) {
    const Line& line = reservation.lines[i];
    Movement& movement = commit.movements.emplace_back();
    movement.time = now;
    movement.kind = kind;
    movement.sku = line.sku;
    movement.location = line.location;
    if (releases_hold) {
      touched[i]->reserved -= line.quantity;
      movement.reserved_delta = -line.quantity;
      touched[i]->holds.Remove(reservation);
    }
    if (removes_on_hand) {
      touched[i]->on_hand -= line.quantity;
      movement.on_hand_delta = -line.quantity;
    }
    movement.reference = reservation.id.value();
    movement.actor = reservation.channel;
  }
  // A cancelled routed order frees its place in the locations' daily capacity.
  if (next == ReservationState::kReleased || next == ReservationState::kExpired) {
    GiveBackCapacity(reservation.capacity);
  }
  reservation.state = next;
  reservation.updated_at = now;
  if (!IsLive(next)) stripe.terminal.Push(&reservation);

  Applied<Reservation> applied;
  applied.ticket = Publish(commit, [&](Commit& c) {
    StampTouched(c, touched);
    reservation.sequence = c.movements.back().sequence;
    reservation.written_by.ticket = c.ticket;
    c.reservations.push_back(reservation);
  });
  applied.value = reservation;
  return applied;
}

Applied<Reservation> Ledger::Extend(const ReservationId& id, absl::Duration ttl, absl::Time now) {
  ReservationStripe& stripe = StripeFor(id);
  absl::MutexLock stripe_lock(&stripe.mu);
  Reservation* found = stripe.reservations.Find(id);
  if (found == nullptr) {
    return Rejected<Reservation>(Outcome::kReservationNotFound,
                                 absl::StrCat("reservation_id '", id.value(), "' is not known"));
  }
  Reservation& reservation = *found;
  ExpireOnAccess(stripe, reservation, now);
  if (reservation.state != ReservationState::kHeld) {
    Applied<Reservation> applied = Rejected<Reservation>(
        reservation.state == ReservationState::kConfirmed ? Outcome::kReplayed
        : reservation.state == ReservationState::kExpired ? Outcome::kReservationExpired
                                                          : Outcome::kIllegalTransition,
        absl::StrCat("reservation '", id.value(), "' is ", ReservationStateName(reservation.state),
                     ": only a HELD one can be extended"));
    applied.value = reservation;
    applied.ticket = last_ticket();  // as in Transition's refusals
    return applied;
  }
  const absl::Time extended = std::max(reservation.expires_at, now + ttl);
  Applied<Reservation> applied;
  if (extended == reservation.expires_at) {
    applied.outcome = Outcome::kReplayed;
    applied.value = reservation;
    applied.ticket = last_ticket();
    return applied;
  }
  reservation.expires_at = extended;
  reservation.updated_at = now;
  stripe.expiry.Push({reservation.expires_at, &reservation});
  Commit commit;
  applied.ticket = Publish(commit, [&](Commit& c) {
    reservation.written_by.ticket = c.ticket;
    c.reservations.push_back(reservation);
  });
  applied.value = reservation;
  return applied;
}

std::optional<Reservation> Ledger::GetReservation(const ReservationId& id) const {
  ReservationStripe& stripe = StripeFor(id);
  absl::MutexLock lock(&stripe.mu);
  const Reservation* found = stripe.reservations.Find(id);
  if (found == nullptr) return std::nullopt;
  return *found;
}

std::optional<Reservation> Ledger::GetReservation(const ReservationId& id, absl::Time now,
                                                  CommitTicket* expiry_ticket) {
  ReservationStripe& stripe = StripeFor(id);
  absl::MutexLock lock(&stripe.mu);
  Reservation* found = stripe.reservations.Find(id);
  if (found == nullptr) return std::nullopt;
  const CommitTicket expired = ExpireOnAccess(stripe, *found, now);
  if (expiry_ticket != nullptr) *expiry_ticket = expired;
  return *found;
}

std::pair<int, CommitTicket> Ledger::ExpireDue(absl::Time now, int max) {
  std::vector<ReservationId> due;
  // The earliest deadline left, for the hint: kept unless a push lowered the hint meanwhile.
  int64_t hint = earliest_deadline_.load(std::memory_order_relaxed);
  int64_t earliest_left = std::numeric_limits<int64_t>::max();
  for (ReservationStripe& stripe : stripes_) {
    absl::MutexLock lock(&stripe.mu);
    while (!stripe.expiry.empty() && stripe.expiry.top().first <= now &&
           static_cast<int>(due.size()) < max) {
      const auto [deadline, reservation] = stripe.expiry.Pop();
      // Entries left behind by a confirmation, a release or an extension are dropped here.
      if (reservation->state == ReservationState::kHeld && reservation->expires_at == deadline) {
        due.push_back(reservation->id);
      }
    }
    if (!stripe.expiry.empty()) {
      earliest_left = std::min(earliest_left, absl::ToUnixNanos(stripe.expiry.top().first));
    }
  }
  earliest_deadline_.compare_exchange_strong(hint, earliest_left, std::memory_order_relaxed);
  int expired = 0;
  CommitTicket ticket = 0;
  for (const ReservationId& id : due) {
    Applied<Reservation> applied = Transition(id, Action::kExpire, now);
    if (applied.outcome == Outcome::kOk) {
      ++expired;
      ticket = std::max(ticket, applied.ticket);
    }
  }
  return {expired, ticket};
}

std::pair<int, CommitTicket> Ledger::ForgetTerminal(absl::Time settled_before, int max) {
  return ForgetOldest(stripes_, max, [settled_before](ReservationStripe& stripe, Commit& commit) {
    if (stripe.terminal.empty()) return false;
    const Reservation& oldest = *stripe.terminal.top();
    // Later ones settled later; one the expiry heap may still point at waits for its sweep.
    if (oldest.updated_at >= settled_before || MayBeInExpiry(stripe.expiry, oldest)) return false;
    stripe.terminal.Pop();
    ReservationId id = oldest.id;
    stripe.reservations.Erase(id);
    commit.forgotten_reservations.push_back(std::move(id));
    return true;
  });
}

// --- Recovery ---

void Ledger::RestoreLocation(const Location& location) {
  absl::MutexLock lock(&locations_mu_);
  locations_[location.id] = location;
  network_.reset();
}

void Ledger::RestorePosition(const Position& position) {
  LedgerShard& shard = ShardFor(position.sku);
  absl::MutexLock lock(&shard.mu);
  static_cast<Position&>(shard.FindOrCreate(position.sku, position.location)) = position;
}

void Ledger::RestoreReservation(const Reservation& reservation) {
  // Whether a reservation counts against its locations' daily capacity.
  auto takes_capacity = [](const Reservation& r) {
    return !r.capacity.empty() && r.state != ReservationState::kReleased &&
           r.state != ReservationState::kExpired;
  };
  // The holds a live reservation keeps on its positions: added, or (-1) removed.
  auto hold = [this](const Reservation& r, int sign) {
    for (const Line& line : r.lines) {
      LedgerShard& shard = ShardFor(line.sku);
      absl::MutexLock shard_lock(&shard.mu);
      PositionSlot& position = shard.FindOrCreate(line.sku, line.location);
      if (sign > 0) {
        position.holds.AddRestored(Hold{&r, line.quantity});
      } else {
        position.holds.Remove(r);
      }
    }
  };
  ReservationStripe& stripe = StripeFor(reservation.id);
  absl::MutexLock lock(&stripe.mu);
  auto [found, inserted] = stripe.reservations.FindOrAdd(reservation.id);
  Reservation& stored = *found;
  // Restored again (a newer row of the same reservation, in commit order): what the older one
  // added is taken back first, so that nothing is counted or held twice.
  // A terminal one leaves the terminal heap (the new row may be live again, or settled at
  // another time: a replay of rows that reused a forgotten id). Rare: O(heap) is fine here.
  if (!inserted && !IsLive(stored.state)) {
    stripe.terminal.EraseIf([&](const Reservation* r) { return r == &stored; });
  }
  if (!inserted && IsLive(stored.state)) hold(stored, -1);
  if (!inserted && takes_capacity(stored)) GiveBackCapacity(stored.capacity);
  stored = reservation;
  if (stored.state == ReservationState::kHeld) stripe.expiry.Push({stored.expires_at, &stored});
  if (!IsLive(stored.state)) stripe.terminal.Push(&stored);
  if (takes_capacity(stored)) {
    absl::MutexLock capacity_lock(&capacity_mu_);
    for (const CapacityUse& use : stored.capacity) ++online_orders_[{use.location, use.day}];
  }
  if (IsLive(stored.state)) hold(stored, +1);
}

void Ledger::RestoreSequence(Sequence last_sequence) {
  absl::MutexLock lock(&sequencer_mu_);
  last_sequence_ = last_sequence;
}

absl::Status Ledger::CheckInvariants() const {
  absl::flat_hash_map<SkuAtLocation, Quantity> live;
  for (const ReservationStripe& stripe : stripes_) {
    absl::MutexLock lock(&stripe.mu);
    stripe.reservations.ForEach([&](const Reservation& reservation) {
      if (!IsLive(reservation.state)) return;
      for (const Line& line : reservation.lines) live[{line.sku, line.location}] += line.quantity;
    });
  }
  absl::flat_hash_map<SkuAtLocation, Quantity> inbound;
  {
    absl::MutexLock lock(&transfers_mu_);
    for (const auto& [id, transfer] : transfers_) {
      if (transfer.state != TransferState::kInTransit) continue;
      for (const PosLine& line : transfer.lines) inbound[{line.sku, transfer.to}] += line.quantity;
    }
  }
  const Sequence last = last_sequence();
  for (const LedgerShard& shard : shards_) {
    absl::MutexLock lock(&shard.mu);
    for (const auto& [key, position] : shard.positions) {
      const auto& [sku, location] = key;
      const std::string where =
          absl::StrCat("position ('", sku.value(), "', '", location.value(), "')");
      if (position.on_hand < -kOnHandMax || position.on_hand > kOnHandMax) {
        return absl::DataLossError(absl::StrCat(where, " has on_hand ", position.on_hand));
      }
      if (position.reserved < 0 || position.safety_stock < 0 || position.in_transit < 0 ||
          position.non_sellable < 0) {
        return absl::DataLossError(
            absl::StrCat(where, " has a negative reserved, safety, in-transit or non-sellable"));
      }
      if (position.last_sequence > last) {
        return absl::DataLossError(absl::StrCat(where, " is newer than the journal"));
      }
      auto it = live.find(key);
      const Quantity held = it == live.end() ? 0 : it->second;
      if (held != position.reserved) {
        return absl::DataLossError(absl::StrCat(where, " has reserved ", position.reserved,
                                                " but its live reservations hold ", held));
      }
      if (position.holds.held() != position.reserved) {
        return absl::DataLossError(absl::StrCat(where, " has reserved ", position.reserved,
                                                " but its hold list comes to ",
                                                position.holds.held()));
      }
      if (it != live.end()) live.erase(it);
      auto in = inbound.find(key);
      const Quantity shipped = in == inbound.end() ? 0 : in->second;
      if (shipped != position.in_transit) {
        return absl::DataLossError(absl::StrCat(where, " has in_transit ", position.in_transit,
                                                " but its open transfers carry ", shipped));
      }
    }
  }
  if (!live.empty()) {
    return absl::DataLossError(absl::StrCat("live reservations hold stock at ", live.size(),
                                            " position(s) that do not exist"));
  }
  return absl::OkStatus();
}

Sequence Ledger::last_sequence() const {
  absl::MutexLock lock(&sequencer_mu_);
  return last_sequence_;
}

CommitTicket Ledger::last_ticket() const {
  absl::MutexLock lock(&sequencer_mu_);
  return last_ticket_;
}

size_t Ledger::reservation_count() const {
  return SumUnderLocks(stripes_, [](const auto& stripe) { return stripe.reservations.size(); });
}

size_t Ledger::pos_transaction_count() const {
  return SumUnderLocks(pos_stripes_, [](const auto& stripe) { return stripe.transactions.size(); });
}

size_t Ledger::routing_index_entries() const {
  return SumUnderLocks(shards_, [](const LedgerShard& shard) { return shard.routing_rows.size(); });
}

}  // namespace omnistock
