// Every limit of omnistock in one place. The services/ layer enforces each one at the edge
// (INVALID_ARGUMENT naming the field and the limit), so the engine may assume them.
#ifndef OMNISTOCK_ENGINE_LIMITS_H_
#define OMNISTOCK_ENGINE_LIMITS_H_

#include <cstddef>
#include <cstdint>

#include "absl/time/time.h"

namespace omnistock {

// Identifier lengths, in bytes. Longer ids are refused rather than truncated. A till's
// terminal_id has a location id's limit; a POS transaction's and a transfer's id, a
// reservation id's.
inline constexpr int kSkuLengthMax = 64;
inline constexpr int kLocationIdLengthMax = 64;
inline constexpr int kReservationIdLengthMax = 128;
// Free text that is journaled: channel, order reference, receipt reference, location name.
inline constexpr int kTextLengthMax = 256;

// An order with more lines is refused; real carts are far smaller, and the bound keeps one
// Reserve's lock set and journal batch small.
inline constexpr int kLinesPerOrderMax = 100;
// Fulfillment.RouteAndReserve re-plans when a concurrent order took the planned stock or
// capacity first; after this many plans it gives up with ABORTED.
inline constexpr int kRouteAttemptsMax = 5;
// Orders in one ReserveBatch call: enough to amortise a call, small enough to bound its latency.
inline constexpr int kReserveBatchOrdersMax = 1000;
// Bytes of one request message, as gRPC receives it (RESOURCE_EXHAUSTED beyond, from the
// transport). gRPC's default of 4 MiB would refuse a ReserveBatch of 1,000 orders long before
// its fields reached their limits; 1,000 orders at every field's limit come to about 15 MB.
inline constexpr int kRequestBytesMax = 16 << 20;
// Per line, and per Receive / Adjust: a quantity above this is a typo, not an order.
inline constexpr int64_t kQuantityPerLineMax = 1'000'000;
// A position's on_hand may never exceed this; a Receive that would is refused.
inline constexpr int64_t kOnHandMax = 1'000'000'000'000;

// HELD reservations expire; checkout holds are minutes, a day is the outer bound.
inline constexpr absl::Duration kReservationTtlDefault = absl::Minutes(15);
inline constexpr absl::Duration kReservationTtlMin = absl::Seconds(1);
inline constexpr absl::Duration kReservationTtlMax = absl::Hours(24);

// A till's or a WMS's clock may run ahead of the server's by this much (the event is then taken
// at the server's time); a sale or count dated further in the future is refused as a clock
// fault rather than recorded at a time that has not come.
inline constexpr absl::Duration kPosClockSkewMax = absl::Minutes(5);
// A till transaction or a cycle count dated more than this many days back is refused as a
// clock fault (a till reset to 1970, a WMS that sends no real time): no till stays offline, and
// no count waits to be sent, that long. Taken as dated, such a sale would count as already in
// every later count of its shelf (on_hand unchanged), and such a count would add every change
// recorded since.
inline constexpr int kClientTimeAgeMaxDays = 30;
inline constexpr absl::Duration kClientTimeAgeMax = absl::Hours(24 * kClientTimeAgeMaxDays);
// An offline upload's summary lists at most this many rejected sales (all are counted).
inline constexpr int kUploadRejectionsListedMax = 100;

// A watcher of the change feed may fall this many updates behind; past it the stream ends and
// tells the watcher the sequence to resume from, so a slow consumer never slows the engine.
inline constexpr int kWatchBufferMax = 10'000;
inline constexpr int kWatchFilterMax = 1000;  // SKUs, and locations, one watcher may name
// The initial metadata of a watch the server has subscribed (sent before any update), and its
// value: a client can tell a quiet feed from a refused watch without waiting for either.
inline constexpr char kWatchSubscribedKey[] = "omnistock-watch";
inline constexpr char kWatchSubscribedValue[] = "subscribed";
// A watch the server ends (it fell behind, or the server stops) ends once what it is sending
// is taken (the write in flight, the status queued behind unsent updates); one whose client no
// longer reads would keep its place under --watchers_max and the shutdown's grace. Past these
// the call is cancelled instead. (One already given the longer wait keeps it.)
inline constexpr absl::Duration kWatchBehindWriteMax = absl::Seconds(10);
inline constexpr absl::Duration kWatchStoppingWriteMax = absl::Seconds(1);
// Watches at once (omnistockd --watchers_max): each may hold kWatchBufferMax updates (a few MB)
// its client has not read.
inline constexpr int kWatchersMaxDefault = 256;
inline constexpr int kWatchersMaxLimit = 100'000;
// Health watches (grpc.health.v1 Watch) at once: one per client connection that checks its
// health that way, far fewer than this; past it, a client opening watches in a loop would grow
// the server without bound. More are refused RESOURCE_EXHAUSTED.
inline constexpr int kHealthWatchesMax = 4'096;

// A location's daily_capacity (online orders a day): far past any store's or warehouse's.
inline constexpr int64_t kDailyCapacityMax = 1'000'000'000;

// Rows in one CountBatch of SyncCounts: one batch is applied as one commit, under the locks of
// the SKUs it names, so its size bounds how long other writers wait behind it.
inline constexpr int kCountRowsPerBatchMax = 10'000;
// A count's or an upload's summary lists at most this many at-risk reservations (each once).
inline constexpr int kAtRiskListedMax = 1000;
// Count rows not applied that a SyncCounts summary lists (it counts them all).
inline constexpr int kCountRowsNotAppliedListedMax = 1000;
// A movement lists at most this many of the reservations its position no longer covers, the
// oldest first. The list is in the movement's journal row, its feed update and every watcher's
// buffer: listing them all would make each movement on a position with a large shortfall (a
// count far below a flash sale's holds) as large as the holds, every later movement there too.
// The position's reserved minus on_hand is always the whole shortfall.
inline constexpr int kAtRiskPerMovementMax = 100;
// The details one error status carries (a google.rpc.Status, serialized) with its message, which
// goes in it and as grpc-message too: they travel in trailers (the details base64), and gRPC
// clients refuse trailers past 8-16 KiB in all (the call then ends RESOURCE_EXHAUSTED, its own
// status lost). A refused count batch's summary lists its first reservations at risk within it.
inline constexpr size_t kStatusDetailsBytesMax = 6 * 1024;

// Read requests: how many SKUs / locations one GetAvailability may name, and journal pages.
inline constexpr int kAvailabilitySkusMax = 1000;
inline constexpr int kAvailabilityLocationsMax = 1000;
inline constexpr int kMovementsPageDefault = 100;
inline constexpr int kMovementsPageMax = 1000;
inline constexpr int kPositionsPageDefault = 100;  // ListPositions
inline constexpr int kPositionsPageMax = 1000;
// Journal rows one read by SKU alone or by location alone examines at most (about 50 ms on the
// reference machine): the journal is never pruned, and a rare SKU's movements may be far apart.
inline constexpr int kJournalScanRowsMax = 100'000;
// ListMovements calls refused (RESOURCE_EXHAUSTED) while this many journal reads wait for the
// reader: at up to about 50 ms a read, a queue past it would wait out any caller's deadline.
inline constexpr int kJournalReadsPendingMax = 1000;

// How many recent on_hand changes a position keeps for reconciling late cycle counts.
inline constexpr int kOnHandHistoryMax = 64;

// One in this many of a position's movements is in the journal's position index; reading a
// position's movements follows the chain of movements (Movement::previous) between them.
inline constexpr int kPositionIndexEvery = 16;

// Lock striping of the in-memory ledger. Powers of two: the stripe is the hash's top bits.
// With 64 of each, two engine threads met on a lock in about 2% of single-line orders and every
// meeting cost a futex sleep and wake-up; 256 cut the futex calls 3.5x (bench/HISTORY.md).
inline constexpr int kLedgerShardCount = 256;
inline constexpr int kReservationStripeCount = 256;
// At most this many reservations are expired per sweep, so one sweep never holds locks long.
inline constexpr int kExpiryBatchMax = 1000;

// How long a reservation is kept once it reached a terminal state (FULFILLED, RELEASED,
// EXPIRED), a till transaction once it was recorded and a transfer once it was received, so
// that retries and re-uploads stay idempotent; then it is forgotten, in memory and on disk (its
// movements stay in the journal). At least two days: a routed order counts against its location's
// capacity on its local day, which a restart recounts from the reservations.
inline constexpr absl::Duration kIdempotencyRetentionDefault = absl::Hours(7 * 24);
inline constexpr absl::Duration kIdempotencyRetentionMin = absl::Hours(48);
// Memory holds every settled reservation and till transaction for the retention: a year at most.
inline constexpr absl::Duration kIdempotencyRetentionMax = absl::Hours(366 * 24);
// At most this many reservations, till transactions or transfers are forgotten per call, so that
// one call never holds locks long (a sweep calls again while the calls come back full).
inline constexpr int kForgetBatchMax = 1000;

static_assert((kLedgerShardCount & (kLedgerShardCount - 1)) == 0, "shard count must be 2^n");
static_assert((kReservationStripeCount & (kReservationStripeCount - 1)) == 0,
              "stripe count must be 2^n");
static_assert(kQuantityPerLineMax * kLinesPerOrderMax < kOnHandMax,
              "one order can never overflow a position");
static_assert(kOnHandMax < INT64_MAX / 4, "on_hand + reserved arithmetic cannot overflow");
static_assert(kReservationTtlMin <= kReservationTtlDefault);
static_assert(kReservationTtlDefault <= kReservationTtlMax);
static_assert(kIdempotencyRetentionMin <= kIdempotencyRetentionDefault);
static_assert(kMovementsPageDefault <= kMovementsPageMax);

}  // namespace omnistock

#endif  // OMNISTOCK_ENGINE_LIMITS_H_
