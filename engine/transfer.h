// A Transfer moves stock between two locations of the network: it leaves the source at once,
// is visible at the destination as in transit (not available), and lands in the destination's
// on_hand when the destination receives it. transfer_id is the idempotency key; a received
// transfer is forgotten after the idempotency retention (limits.h).
#ifndef OMNISTOCK_ENGINE_TRANSFER_H_
#define OMNISTOCK_ENGINE_TRANSFER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "engine/pos_transaction.h"
#include "engine/types.h"

namespace omnistock {

enum class TransferState : uint8_t { kInTransit = 1, kReceived = 2 };

struct Transfer {
  std::string id;
  LocationId from;
  LocationId to;
  std::vector<PosLine> lines;  // unique SKUs
  TransferState state = TransferState::kInTransit;
  absl::Time shipped_at;
  absl::Time received_at;
  Sequence sequence = 0;  // of its last movement
  // Once received: what arrived, one line per line of `lines` and in its order, each at most
  // what was shipped. Units short were lost on the way: they left in_transit and never reached
  // on_hand.
  std::vector<PosLine> received;

  friend bool operator==(const Transfer&, const Transfer&) = default;
};

// What arrived of a transfer (Ledger::ReceiveTransfer).
struct TransferReceipt {
  std::string transfer_id;
  // Empty: everything shipped arrived. Otherwise one line per SKU of the transfer (unique), each
  // 0 .. the quantity shipped.
  std::vector<PosLine> received = {};
};

// One row of a cycle count: what was on the shelf at counted_at.
struct CountRow {
  LocationId location;
  Sku sku;
  Quantity counted = 0;
  absl::Time counted_at;
  // False when `sku` may be a transient id (transient_ids.h), as for a row at a pickup point:
  // ApplyCounts interns it before making a position with it (the location may have become
  // another kind since).
  bool sku_interned = true;
};

// Why a count row was not applied (stale rows aside: a newer count holds).
enum class CountRowIssue : uint8_t {
  kUnknownLocation = 1,
  kOverLimit = 2,
  kHoldsNoStock = 3,
  kUnreconciled = 4,
};

struct CountRowNotApplied {
  int32_t row = 0;  // its index in the batch
  CountRowIssue issue = CountRowIssue::kUnknownLocation;

  friend bool operator==(const CountRowNotApplied&, const CountRowNotApplied&) = default;
};

struct CountSummary {
  int64_t applied = 0;
  int64_t stale = 0;           // as old as or older than the last applied count of the position
  int64_t unknown = 0;         // unknown location
  int64_t over_limit = 0;      // would put on_hand beyond kOnHandMax either way: not applied
  int64_t holds_no_stock = 0;  // would raise on_hand at a pickup point: not applied
  // Dated before a change the position no longer keeps (it keeps its last kOnHandHistoryMax
  // on_hand changes; Position::history_complete_after): the changes since cannot all be
  // netted out, so not applied.
  int64_t unreconciled = 0;
  Quantity discrepancy = 0;  // sum of |correction| over the applied rows
  // The rows counted in unknown, over_limit, holds_no_stock and unreconciled, in batch order:
  // which positions to look at again.
  std::vector<CountRowNotApplied> not_applied;
  // The reservations the applied rows left uncovered as the batch ended (from each position's
  // last row), each once, the first kAtRiskListedMax (oldest first at each position);
  // `at_risk_truncated` when more were.
  std::vector<AtRisk> at_risk;
  bool at_risk_truncated = false;
};

}  // namespace omnistock

#endif  // OMNISTOCK_ENGINE_TRANSFER_H_
