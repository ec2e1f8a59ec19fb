// The Ledger is the in-memory truth of stock: the network's locations, every position
// (SKU x location) and every reservation. It applies commands all-or-nothing, produces the
// journal movements of each, and hands them to a JournalSink in apply order.
//
// It is pure: no I/O, no threads, no clock reads. Callers pass `now`.
//
// Thread-safety: every public method may be called from any thread. Positions live in
// kLedgerShardCount shards chosen by ShardIndexFor(sku); reservations and till transactions in
// stripes chosen by the hash of their id; locations in one table. The lock order, the same in
// every method, is
//   reservation stripe, POS stripe or transfers -> locations -> SKU shards (ascending)
//   -> sequencer.
//
// Invariants (CheckInvariants): every position satisfies position.h; every live reservation's
// lines are counted in exactly the reserved of their positions; sequences are gap-free.
#ifndef OMNISTOCK_ENGINE_LEDGER_H_
#define OMNISTOCK_ENGINE_LEDGER_H_

#include <algorithm>
#include <array>
#include <atomic>
#include <functional>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/node_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/journal_sink.h"
#include "engine/ledger_shard.h"
#include "engine/limits.h"
#include "engine/location.h"
#include "engine/min_heap.h"
#include "engine/outcome.h"
#include "engine/pos_transaction.h"
#include "engine/position.h"
#include "engine/reservation.h"
#include "engine/reservation_table.h"
#include "engine/routing/network.h"
#include "engine/routing/plan.h"
#include "engine/routing/routing_config.h"
#include "engine/routing/stock_snapshot.h"
#include "engine/transfer.h"
#include "engine/types.h"

namespace omnistock {

// One line of a Reserve that could not be covered, and what was there.
struct ShortLine {
  Sku sku;
  LocationId location;
  Quantity requested = 0;
  Quantity available = 0;
};

// The result of a command. `ticket` is the commit that makes it durable: acknowledge the call
// only once that ticket is durable. Rejected commands (!Succeeded(outcome)) changed nothing of
// their own (one may have expired a HELD reservation past its deadline on the way). A refusal
// that reports a reservation's state (released, fulfilled, expired) carries the ticket of the
// latest commit, so that what it says is durable before it is said; other refusals carry 0.
template <typename T>
struct Applied {
  Outcome outcome = Outcome::kOk;
  std::string detail;  // human-readable reason when rejected
  T value{};
  CommitTicket ticket = 0;
  std::vector<ShortLine> short_lines;  // kInsufficientAvailable only
};

// A receipt or an adjustment sent with an `idempotency_key` is applied once: the same key again
// with the same location, SKU and quantity (or delta) is kReplayed and changes nothing; with
// other content, kStockChangeExistsWithDifferentContent. The ledger keeps the key as a
// PosTransaction of no terminal (pos_transaction.h) for the idempotency retention, as it keeps a
// till's. Empty: no key, every call applies.
struct ReceiveCommand {
  LocationId location;
  Sku sku;
  Quantity quantity = 0;
  std::string reference;
  std::string idempotency_key = {};  // empty: none (initialized, so callers may leave it out)
};

struct AdjustCommand {
  LocationId location;
  Sku sku;
  Quantity delta = 0;
  std::string reason;
  std::string reference;
  std::string idempotency_key = {};  // shares the keys of ReceiveCommand's
  // Adjusts the units kept apart (Position::non_sellable: returns that cannot be sold), e.g.
  // down when they went back to the vendor or were destroyed, instead of on_hand.
  bool non_sellable = false;
};

struct SafetyStockCommand {
  LocationId location;
  Sku sku;
  Quantity safety_stock = 0;
};

struct ReserveCommand {
  ReservationId id;
  Lines lines;  // unique (sku, location) pairs, validated at the edge
  std::string channel;
  std::string order_ref;
  absl::Duration ttl = kReservationTtlDefault;
  // Routed orders only. Per line, the units the line must leave at a position that has no
  // safety stock of its own: its method's default (fulfilment_rules.h); a position's own safety
  // stock, when above 0, applies instead. Empty: the position's own, as for any order.
  std::vector<Quantity> keep;
  // The daily capacity this order takes (already counted by the caller).
  std::vector<CapacityUse> capacity;
  // Routed orders held in part: what was ordered (Reservation::ordered). May be transient ids:
  // the ledger interns them if it holds the order.
  std::vector<SkuUnits> ordered;
};

// Fulfillment.RouteAndReserve: plan the order, then hold the plan's lines.
struct RouteCommand {
  routing::PlanRequest plan;  // plan.now is set by the ledger
  ReservationId id;
  std::string channel;
  std::string order_ref;
  absl::Duration ttl = kReservationTtlDefault;
};

struct Routed {
  routing::Plan plan;  // empty (status REJECTED, no shipments) for a replay
  // Set when the order is held: kOk, or kReplayed for a repeated reservation_id.
  std::optional<Applied<Reservation>> held;
  // Plans made; more than one when a concurrent order took the stock first. 0 for a replay,
  // also of a concurrent call with the same id that held the order first.
  int attempts = 0;
};

// Why an event a till or a WMS (`clock`) dated `at` is refused for being more than `age_max`
// before `now` (a clock fault past kClientTimeAgeMax; past a shorter bound, the idempotency
// retention: Ledger::LimitTillTimeToRetention), naming `field`; nullopt when it is recent enough.
std::optional<std::string> ClientTimeTooOld(absl::string_view field, absl::Time at, absl::Time now,
                                            absl::string_view clock,
                                            absl::Duration age_max = kClientTimeAgeMax);

struct SaleCommand {
  LocationId store;
  std::string terminal_id;
  std::string transaction_id;
  std::vector<PosLine> lines;                 // unique SKUs, validated at the edge
  absl::Time sold_at = absl::InfinitePast();  // unknown: the time it is recorded
};

struct ReturnCommand {
  LocationId store;
  std::string terminal_id;
  std::string transaction_id;
  std::vector<PosLine> lines;
  absl::Time returned_at = absl::InfinitePast();  // unknown: the time it is recorded
  bool non_sellable = false;
  std::string reason;
  std::string original_order_ref;  // e.g. the online order the goods came from
};

// What a till transaction did: the transaction as recorded (with the reservations it put at
// risk), whether this call was a duplicate of an earlier one, and the positions now.
struct PosResult {
  PosTransaction transaction;
  bool duplicate = false;
  std::vector<Position> positions;
};

class Ledger {
 public:
  // `sink` must outlive the ledger.
  explicit Ledger(JournalSink* sink);
  Ledger(const Ledger&) = delete;
  Ledger& operator=(const Ledger&) = delete;

  // --- Network ---
  Applied<Location> UpsertLocation(const Location& location);
  // Changes the stored location `id`: `change` gets it as stored and returns it changed, or why
  // not (returned as is), all under the locations' lock, so that a concurrent change of other
  // fields is kept. kLocationNotFound when there is none.
  absl::StatusOr<Applied<Location>> UpdateLocation(
      const LocationId& id,
      absl::FunctionRef<absl::StatusOr<Location>(const Location& stored)> change);
  std::optional<Location> FindLocation(const LocationId& id) const;
  // kHoldsNoStock: a PICKUP_POINT, disabled or not (it hands orders over; its address is a
  // delivery's destination): nothing may put stock there or hold it.
  enum class LocationState { kUnknown, kDisabled, kActive, kHoldsNoStock };
  // What FindLocation would tell of the location's existence, without copying it: the hot path.
  LocationState StateOf(const LocationId& id) const;
  std::vector<Location> ListLocations() const;  // ordered by id

  // --- Stock ---
  Applied<Position> Receive(const ReceiveCommand& command, absl::Time now);
  Applied<Position> Adjust(const AdjustCommand& command, absl::Time now);
  Applied<Position> SetSafetyStock(const SafetyStockCommand& command, absl::Time now);
  // Positions of `skus` at `locations` (every location holding the SKU when empty), ordered by
  // (sku, location). A named location without a position yields an all-zero position.
  std::vector<Position> GetPositions(const std::vector<Sku>& skus,
                                     const std::vector<LocationId>& locations) const;
  // The positions at `location` whose SKU comes after `after_sku` (byte order; empty: from the
  // first), ordered by SKU, at most `limit`. Reads the location's positions in every shard,
  // one shard's lock at a time.
  std::vector<Position> PositionsAt(const LocationId& location, absl::string_view after_sku,
                                    int limit) const;

  // --- Reservations ---
  // A line's SKU may be a transient id (transient_ids.h): it finds no position, so the order is
  // refused as short, or as different from a stored one of the same id, and nothing keeps it.
  // A hold past its deadline counts until it is expired (by ExpireDue, every
  // --expiry_interval): an order short of stock while any hold may be past its deadline expires
  // the due ones first and is tried once more.
  Applied<Reservation> Reserve(const ReserveCommand& command, absl::Time now);
  Applied<Reservation> Confirm(const ReservationId& id, absl::Time now);
  Applied<Reservation> Release(const ReservationId& id, absl::Time now);
  Applied<Reservation> Fulfill(const ReservationId& id, absl::Time now);
  // Pushes a HELD reservation's expires_at out to now + ttl (never earlier than it was).
  Applied<Reservation> Extend(const ReservationId& id, absl::Duration ttl, absl::Time now);
  std::optional<Reservation> GetReservation(const ReservationId& id) const;
  // The same, once a HELD reservation past its deadline is expired, as every call on it expires
  // it (whatever the sweep has done yet): what a client reading it is shown. `expiry_ticket`,
  // when given, is set to the expiry's commit, 0 when there was none.
  std::optional<Reservation> GetReservation(const ReservationId& id, absl::Time now,
                                            CommitTicket* expiry_ticket = nullptr);
  // Expires up to `max` HELD reservations whose expires_at <= now. Returns how many, and the
  // ticket of the last commit (0 when none).
  std::pair<int, CommitTicket> ExpireDue(absl::Time now, int max = kExpiryBatchMax);
  // Forgets up to `max` terminal reservations that reached their terminal state before
  // `settled_before`, the earliest first: their ids are free again and a commit deletes their
  // rows. Returns how many, and the ticket of the last commit (0 when none).
  std::pair<int, CommitTicket> ForgetTerminal(absl::Time settled_before, int max = kForgetBatchMax);
  // Forgets up to `max` till transactions (and keys of receipts and adjustments) recorded before
  // `recorded_before`, the earliest first: the same (terminal_id, transaction_id) is then a new
  // transaction. As ForgetTerminal.
  std::pair<int, CommitTicket> ForgetPosTransactions(absl::Time recorded_before,
                                                     int max = kForgetBatchMax);
  // Forgets up to `max` transfers received before `received_before`, the earliest first: the
  // same transfer_id is then a new transfer. In-transit ones are never forgotten.
  std::pair<int, CommitTicket> ForgetTransfers(absl::Time received_before,
                                               int max = kForgetBatchMax);

  // --- Routing (engine/routing): where an order should come from ---
  // The optimal plan for `request` on a consistent read of its SKUs' positions and today's
  // capacity use. INVALID_ARGUMENT / NOT_FOUND for a malformed request.
  absl::StatusOr<routing::Plan> Plan(routing::PlanRequest request, absl::Time now) const;
  // Plans and holds the plan, all or nothing. A plan that another order overtook (stock or
  // capacity gone between plan and hold) is made again, at most kRouteAttemptsMax times, then
  // ABORTED. A REJECTED plan holds nothing and is returned as it is. The same id again returns
  // the reservation (kReplayed) when it holds the same SKUs and quantities, else
  // kReservationExistsWithDifferentContent.
  absl::StatusOr<Routed> RouteAndReserve(const RouteCommand& command, absl::Time now);
  // Drops the daily-capacity counters of local days over everywhere (before the day before
  // `now`'s UTC date): planning reads every counter, so old days would slow every plan down.
  // Returns how many were dropped.
  int ForgetPastCapacityDays(absl::Time now);
  // Daily-capacity counters held: one per (location, local day) with online orders.
  size_t capacity_counters() const;
  const routing::RoutingConfig& routing_config() const { return routing_config_; }
  // The cost model and rules plans are made with (routing::Validate must accept it). Before
  // serving: not synchronized with planning.
  void SetRoutingConfig(routing::RoutingConfig config) { routing_config_ = std::move(config); }

  // --- Store sales (POS) ---
  // Till transactions are kept `retention` after they were recorded (ForgetPosTransactions, run
  // by the server): past it, one sent again would be taken for a new one and applied twice. So
  // a new one dated further back than `retention` less kPosClockSkewMax is refused
  // (kClientTimeTooOld), as one dated more than kClientTimeAgeMax back always is. (Less the
  // skew: a sale dated ahead was recorded at the server's time, up to that much before its own
  // date, which a re-send carries again.) Call before the ledger is used.
  void LimitTillTimeToRetention(absl::Duration retention) {
    till_time_age_max_ = std::min(retention - kPosClockSkewMax, kClientTimeAgeMax);
  }
  // Never refused for lack of stock. kReplayed (duplicate) when the same terminal and
  // transaction were recorded before with the same content.
  Applied<PosResult> RecordSale(const SaleCommand& command, absl::Time now);
  Applied<PosResult> RecordReturn(const ReturnCommand& command, absl::Time now);
  // Whether the till transaction is recorded (within its retention).
  bool HasPosTransaction(const LocationId& store, const std::string& terminal_id,
                         const std::string& transaction_id) const;

  // --- Warehouse ---
  // Applies a batch of cycle counts as one commit. A count says what was on the shelf at
  // counted_at: on_hand becomes the counted quantity plus the net of the changes recorded after
  // counted_at. Counts older than the position's last count are stale. Reservations are never
  // dropped; those left uncovered are reported at risk.
  Applied<CountSummary> ApplyCounts(const std::vector<CountRow>& rows, absl::Time now);
  // Ships stock out of `from` at once; it shows as in transit at `to`. All lines or none.
  Applied<Transfer> ShipTransfer(const Transfer& transfer, absl::Time now);
  // The destination received it: in transit becomes on_hand, or what arrived of it when the
  // receipt names less (the rest was lost on the way). The same receipt again is kReplayed;
  // other quantities for a received transfer, kTransferExistsWithDifferentContent.
  Applied<Transfer> ReceiveTransfer(const TransferReceipt& receipt, absl::Time now);

  // --- Recovery: load durable rows, then CheckInvariants. Not for use while serving. ---
  void RestoreLocation(const Location& location);
  void RestorePosition(const Position& position);
  void RestoreReservation(const Reservation& reservation);
  void RestorePosTransaction(const PosTransaction& transaction);
  void RestoreTransfer(const Transfer& transfer);
  void RestoreSequence(Sequence last_sequence);
  absl::Status CheckInvariants() const;

  Sequence last_sequence() const;
  // The newest ticket handed to the sink: waiting for it orders a read after every write so far.
  CommitTicket last_ticket() const;
  size_t reservation_count() const;
  // Till transactions held in memory (for their idempotency retention), with the kept keys of
  // receipts and adjustments.
  size_t pos_transaction_count() const;
  // SKUs with an entry in the shards' routing index (see LedgerShard::RoutingRowsFor).
  size_t routing_index_entries() const;

 private:
  enum class Action { kConfirm, kRelease, kFulfill, kExpire };

  Applied<Reservation> ReserveOnce(const ReserveCommand& command, absl::Time now);
  // ExpireDue when a hold may be past its deadline (earliest_deadline_); whether any expired.
  bool ExpireIfDue(absl::Time now);

  // The orders of the ledger's heaps (min_heap.h): earliest on top, ties by id or key, so that
  // which rows a sweep takes first does not depend on where they are in memory.
  using ExpiryEntry = std::pair<absl::Time, const Reservation*>;
  struct ExpiresLater {
    bool operator()(const ExpiryEntry& a, const ExpiryEntry& b) const {
      if (a.first != b.first) return a.first > b.first;
      return a.second->id > b.second->id;
    }
  };
  // A stripe's expiry heap, which also lowers the ledger's hint of its earliest deadline
  // (earliest_deadline_) on every push, so that a short order can tell at the cost of one load
  // whether any hold may be past its deadline (Reserve).
  class ExpiryHeap : public MinHeap<ExpiryEntry, ExpiresLater> {
   public:
    void Push(ExpiryEntry entry) {
      const int64_t deadline = absl::ToUnixNanos(entry.first);
      int64_t hint = hint_->load(std::memory_order_relaxed);
      while (deadline < hint &&
             !hint_->compare_exchange_weak(hint, deadline, std::memory_order_relaxed)) {
      }
      MinHeap::Push(entry);
    }
    std::atomic<int64_t>* hint_ = nullptr;  // set by the ledger's constructor
  };
  struct SettledLater {
    bool operator()(const Reservation* a, const Reservation* b) const {
      if (a->updated_at != b->updated_at) return a->updated_at > b->updated_at;
      return a->id > b->id;
    }
  };
  struct RecordedLater {
    bool operator()(const PosTransaction* a, const PosTransaction* b) const {
      if (a->recorded_at != b->recorded_at) return a->recorded_at > b->recorded_at;
      return std::tie(a->terminal_id, a->transaction_id) >
             std::tie(b->terminal_id, b->transaction_id);
    }
  };

  struct ReservationStripe {
    mutable absl::Mutex mu;
    // A reservation stays where it is until it is forgotten (ForgetTerminal), the only erase.
    ReservationTable reservations ABSL_GUARDED_BY(mu);
    // Deadlines of HELD reservations, soonest first (a min-heap: a reservation made with the
    // usual TTL lands at the end in one comparison). Entries point into `reservations`. An
    // entry is not removed when its reservation leaves HELD or is extended (Extend adds one for
    // the new deadline): a sweep pops the due entries and expires those still HELD with that
    // deadline. So the heap holds one entry per reservation and extension, each gone by its
    // deadline, which is never later than the reservation's expires_at.
    ExpiryHeap expiry ABSL_GUARDED_BY(mu);
    // The terminal reservations, the earliest settled (updated_at, then id) on top of a
    // min-heap, to be forgotten in that order. One is forgotten only once the expiry heap can
    // hold no entry for it (its top is later than the reservation's expires_at), so that no
    // entry ever points at an erased reservation; nor can a hold (only live ones have holds).
    MinHeap<const Reservation*, SettledLater> terminal ABSL_GUARDED_BY(mu);
  };

  struct PosStripe {
    mutable absl::Mutex mu;
    // Node-based: `recorded` points into it.
    absl::node_hash_map<std::string, PosTransaction> transactions ABSL_GUARDED_BY(mu);
    // The transactions, the earliest recorded (recorded_at, then key) on top of a min-heap, to
    // be forgotten in that order.
    MinHeap<const PosTransaction*, RecordedLater> recorded ABSL_GUARDED_BY(mu);
  };

  ReservationStripe& StripeFor(const ReservationId& id) const;
  PosStripe& PosStripeFor(const std::string& key) const;
  Applied<PosResult> RecordPosTransaction(PosTransaction transaction, absl::Time now);
  LedgerShard& ShardFor(const Sku& sku) { return shards_[ShardIndexFor(sku)]; }

  Applied<Reservation> Transition(const ReservationId& id, Action action, absl::Time now);
  // Applies `action` to a live reservation whose stripe lock is held. Returns the new state.
  // A HELD reservation past its deadline is expired by whatever call touches it first, whatever
  // the sweeper has done yet, so that no call ever sees a hold that should be gone. The ticket
  // of the expiry, or 0 when there was none. The caller holds the stripe's lock and no shard's.
  CommitTicket ExpireOnAccess(ReservationStripe& stripe, Reservation& reservation, absl::Time now);
  Applied<Reservation> ApplyTransition(ReservationStripe& stripe, Reservation& reservation,
                                       Action action, absl::Time now)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(stripe.mu);
  std::shared_ptr<const routing::Network> CurrentNetwork() const;
  // The stock of the order's SKUs, read under their shard locks: at the `only` locations, or
  // (nullptr) wherever they have a position.
  routing::StockSnapshot StockFor(const routing::PlanRequest& request,
                                  const std::shared_ptr<const routing::Network>& network,
                                  const std::vector<routing::LocationIndex>* only) const;
  // Today's online orders per location of `network` (by index).
  std::vector<int64_t> OrdersToday(const routing::Network& network, absl::Time now) const;
  // Counts `uses` if every limited location still has room; all or nothing.
  bool TakeCapacity(const std::vector<CapacityUse>& uses, const routing::Network& network);
  void GiveBackCapacity(const std::vector<CapacityUse>& uses);
  // Whether a command may name `location`: kOk, or kLocationNotFound when the ledger does not
  // know it, or kLocationDisabled when it is disabled and `refuse_disabled` (online orders; the
  // physical facts of a store or warehouse are recorded there all the same), or
  // kLocationHoldsNoStock for a pickup point when the command would put stock there or hold it
  // (`adds_stock`: a receipt, an adjustment up, safety stock, a hold, a transfer to it). What
  // takes stock away (an adjustment down, a transfer from it, a count) is allowed, so that
  // stock an earlier version let in can be cleared (UpsertLocation refuses to make a location
  // that holds stock a pickup point). When refused, `detail` says why, naming the location as
  // `field`. The caller holds locations_mu_ (shared) until it has locked the shards it changes,
  // so that the location's kind cannot change in between.
  Outcome CheckLocationLocked(const LocationId& location, bool refuse_disabled, std::string& detail,
                              bool adds_stock, absl::string_view field = "location_id") const
      ABSL_SHARED_LOCKS_REQUIRED(locations_mu_);
  LocationState StateOfLocked(const LocationId& id) const ABSL_SHARED_LOCKS_REQUIRED(locations_mu_);
  Applied<Location> UpsertLocationLocked(const Location& location)
      ABSL_EXCLUSIVE_LOCKS_REQUIRED(locations_mu_);
  // Changes one position through `change`, which fills the movement or refuses. With `keyed`
  // (a receipt or an adjustment sent with an idempotency key, as the PosTransaction that keeps
  // the key), a key applied before is answered as such, and one applied now is kept with it.
  Applied<Position> ChangePosition(
      const LocationId& location, const Sku& sku, absl::Time now, bool adds_stock,
      absl::FunctionRef<Outcome(Position&, Movement&, std::string& detail)> change,
      std::optional<PosTransaction> keyed = std::nullopt);

  // Numbers the commit and its movements under the sequencer lock, then lets `fill` copy the
  // changed rows (which may read the new sequences) and appends the commit to the sink, outside
  // it: the caller must hold the locks of every row the commit changes (journal_sink.h).
  // noexcept: a ticket handed out and never appended would hold back every later commit, so a
  // failure in between (out of memory) stops the process instead.
  CommitTicket Publish(Commit& commit, absl::FunctionRef<void(Commit&)> fill) noexcept;

  // The sweep of ForgetTerminal and ForgetPosTransactions: stripe by stripe, under its lock,
  // `forget_oldest(stripe, commit)` forgets the stripe's oldest row and names it in the commit,
  // or returns false when that one may not go yet; at most `max` in all, one commit per stripe
  // that forgot any. Returns how many, and the last commit's ticket (0 when none).
  template <typename Stripe, size_t kCount, typename ForgetOne>
  std::pair<int, CommitTicket> ForgetOldest(std::array<Stripe, kCount>& stripes, int max,
                                            ForgetOne forget_oldest) {
    int forgotten = 0;
    CommitTicket ticket = 0;
    for (Stripe& stripe : stripes) {
      if (forgotten >= max) break;
      absl::MutexLock lock(&stripe.mu);
      Commit commit;
      int here = 0;
      while (forgotten + here < max && forget_oldest(stripe, commit)) ++here;
      if (here > 0) ticket = Publish(commit, [](Commit&) {});
      forgotten += here;
    }
    return {forgotten, ticket};
  }

  JournalSink* const sink_;
  mutable std::array<LedgerShard, kLedgerShardCount> shards_;
  mutable std::array<ReservationStripe, kReservationStripeCount> stripes_;
  // No HELD reservation's deadline is earlier than this (Unix ns), as far as the stripes' heaps
  // know: lowered by every push, raised by ExpireDue to the earliest deadline left. A hint: a
  // deadline it names may belong to a reservation confirmed or extended since.
  std::atomic<int64_t> earliest_deadline_{std::numeric_limits<int64_t>::max()};
  mutable std::array<PosStripe, kReservationStripeCount> pos_stripes_;

  // Transfers are rare next to orders: one table, taken before the locations in lock order.
  mutable absl::Mutex transfers_mu_;
  absl::flat_hash_map<std::string, Transfer> transfers_ ABSL_GUARDED_BY(transfers_mu_);
  // (received_at, id) of the received transfers, the earliest on top of a min-heap, to be
  // forgotten in that order. By id, not pointer (the map moves its values); an entry whose
  // transfer is gone or was received at another time (a replayed restore) is dropped.
  MinHeap<std::pair<absl::Time, std::string>, std::greater<>> received_transfers_
      ABSL_GUARDED_BY(transfers_mu_);

  mutable absl::Mutex locations_mu_;
  absl::flat_hash_map<LocationId, Location> locations_ ABSL_GUARDED_BY(locations_mu_);
  // The routing view of the locations, rebuilt on first use after they change (null: stale).
  mutable std::shared_ptr<const routing::Network> network_ ABSL_GUARDED_BY(locations_mu_);
  routing::RoutingConfig routing_config_;
  absl::Duration till_time_age_max_ = kClientTimeAgeMax;  // LimitTillTimeToRetention

  // Online orders taken per (location, local day), for daily capacity. Taken after any stripe
  // or shard lock, never before one.
  mutable absl::Mutex capacity_mu_;
  absl::flat_hash_map<std::pair<LocationId, std::string>, int64_t> online_orders_
      ABSL_GUARDED_BY(capacity_mu_);

  mutable absl::Mutex sequencer_mu_;
  Sequence last_sequence_ ABSL_GUARDED_BY(sequencer_mu_) = 0;
  CommitTicket last_ticket_ ABSL_GUARDED_BY(sequencer_mu_) = 0;
};

}  // namespace omnistock

#endif  // OMNISTOCK_ENGINE_LEDGER_H_
