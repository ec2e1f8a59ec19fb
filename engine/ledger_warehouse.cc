// Ledger: what the warehouses' WMS reports: cycle counts and transfers between locations.
#include <algorithm>
#include <cstdlib>
#include <functional>
#include <optional>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "engine/check.h"
#include "engine/ledger.h"

namespace omnistock {
namespace {

// The net change of on_hand recorded after `at`: what a count taken at `at` could not see.
Quantity NetChangeAfter(const Position& position, absl::Time at) {
  Quantity net = 0;
  for (const OnHandChange& change : position.history) {
    if (change.at > at) net += change.delta;
  }
  return net;
}

// Why a transfer's line does not fit at its destination: shipped, with what is already in
// transit there; received (`arriving`), in on_hand alone (its own units are in transit).
std::string OverLimit(const PosLine& line, const Position& destination, bool arriving) {
  return absl::StrCat("sku '", line.sku.value(), "' at '", destination.location.value(),
                      "': on_hand ", destination.on_hand,
                      arriving ? "" : absl::StrCat(" and in_transit ", destination.in_transit),
                      arriving ? " leaves" : " leave", " no room for ", line.quantity,
                      " under the limit of ", kOnHandMax);
}

// Lists in `summary` the reservations that `position` no longer covers after the count of
// `movement`, each once in a batch: up to kAtRiskListedMax in all, where the movement lists
// only the first kAtRiskPerMovementMax (a count far below a flash sale's holds leaves more).
// Marks the summary when some were left out.
void ListAtRisk(const Movement& movement, PositionSlot& position, CountSummary& summary,
                absl::flat_hash_set<AtRisk>& listed) {
  if (summary.at_risk_truncated) return;  // full, and known to be
  std::vector<ReservationId> all;
  const std::vector<ReservationId>* ids = &movement.at_risk;
  if (movement.at_risk.size() >= static_cast<size_t>(kAtRiskPerMovementMax)) {
    // One more than the summary can hold: whether any is left out.
    all = position.holds.Uncovered(position.on_hand, kAtRiskListedMax + 1);
    ids = &all;
  }
  for (const ReservationId& id : *ids) {
    AtRisk one{id, movement.sku, movement.location};
    if (listed.contains(one)) continue;
    if (summary.at_risk.size() >= static_cast<size_t>(kAtRiskListedMax)) {
      summary.at_risk_truncated = true;
      return;
    }
    listed.insert(one);
    summary.at_risk.push_back(std::move(one));
  }
}

bool SameContent(const Transfer& a, const Transfer& b) {
  auto sorted = [](std::vector<PosLine> lines) {
    std::sort(lines.begin(), lines.end(),
              [](const PosLine& x, const PosLine& y) { return x.sku < y.sku; });
    return lines;
  };
  return a.from == b.from && a.to == b.to && sorted(a.lines) == sorted(b.lines);
}

// What arrived of `transfer` by `receipt`: one line per line of the transfer, in its order.
// nullopt, with `detail` saying why, when the receipt's lines are not the transfer's SKUs or
// name more of one than was shipped.
std::optional<std::vector<PosLine>> Arrived(const Transfer& transfer,
                                            const TransferReceipt& receipt, std::string& detail) {
  if (receipt.received.empty()) return transfer.lines;
  std::vector<PosLine> arrived = transfer.lines;
  std::vector<bool> named(arrived.size(), false);
  for (size_t r = 0; r < receipt.received.size(); ++r) {
    const Sku sku = receipt.received[r].sku.Current();
    const Quantity quantity = receipt.received[r].quantity;
    const auto line = std::find_if(arrived.begin(), arrived.end(),
                                   [&sku](const PosLine& shipped) { return shipped.sku == sku; });
    if (line == arrived.end()) {
      detail =
          absl::StrCat("received_lines[", r, "].sku '", sku.value(), "' is not a SKU of transfer '",
                       transfer.id, "', which shipped ", DescribeLines(transfer.lines));
      return std::nullopt;
    }
    const size_t i = line - arrived.begin();
    if (quantity < 0 || quantity > transfer.lines[i].quantity) {
      detail = absl::StrCat("received_lines[", r, "].quantity is ", quantity, ", outside 0 .. the ",
                            transfer.lines[i].quantity, " units of '", sku.value(), "' transfer '",
                            transfer.id, "' shipped");
      return std::nullopt;
    }
    line->quantity = quantity;
    named[i] = true;
  }
  for (size_t i = 0; i < arrived.size(); ++i) {
    if (named[i]) continue;
    detail = absl::StrCat("received_lines names no line for '", arrived[i].sku.value(),
                          "' of transfer '", transfer.id,
                          "': name every SKU it shipped, with 0 when none of it arrived");
    return std::nullopt;
  }
  return arrived;
}

}  // namespace

// Counts are dated by the WMS (counted_at), unless that is after `now`: a WMS clock a little
// ahead (the edge refuses more than kPosClockSkewMax) would otherwise date the count after sales
// recorded in the next minutes at the server's time, and the ledger would take those sales as
// already in the count. A count cannot have been taken after it arrived.
Applied<CountSummary> Ledger::ApplyCounts(const std::vector<CountRow>& rows, absl::Time now) {
  Applied<CountSummary> applied;
  CountSummary& summary = applied.value;

  absl::flat_hash_set<LocationId> known;
  absl::flat_hash_set<LocationId> holds_no_stock;  // pickup points
  // The locations' kinds hold until the shards are locked: a location made a pickup point
  // meanwhile (UpsertLocation checks under the locations' lock that it holds no stock) would
  // otherwise be counted up as a store.
  std::optional<absl::ReaderMutexLock> kinds(std::in_place, &locations_mu_);
  for (const CountRow& row : rows) {
    auto it = locations_.find(row.location);
    if (it == locations_.end()) continue;
    known.insert(row.location);
    if (it->second.kind == LocationKind::kPickupPoint) holds_no_stock.insert(row.location);
  }
  ShardLockSet shard_locks(shards_.data(), rows);
  kinds.reset();

  // The rows' positions first, in a loop that does nothing else, starting to fetch each row's
  // slot a few rows ahead: with every shard lock already held, the cache misses of several
  // rows overlap (a batch of 10,000 rows spends most of its time on them otherwise).
  constexpr size_t kAhead = 8;
  std::vector<PositionSlot*> found(rows.size(), nullptr);  // null: unknown location
  for (size_t i = 0; i < rows.size(); ++i) {
    if (i + kAhead < rows.size()) {
      const CountRow& later = rows[i + kAhead];
      ShardFor(later.sku).Prefetch(later.sku, later.location);
    }
    const CountRow& row = rows[i];
    if (holds_no_stock.contains(row.location)) {
      // A pickup point may be counted down to clear what an earlier version let in, never up:
      // no position is made there.
      found[i] = ShardFor(row.sku).Find(row.sku.Current(), row.location);
    } else if (known.contains(row.location)) {
      found[i] = &ShardFor(row.sku).FindOrCreate(row.sku_interned ? row.sku : Sku(row.sku.value()),
                                                 row.location);
    }
  }

  // Rows are applied in order (two rows of one batch may count the same position); the
  // movements are linked to their positions once they are numbered.
  Commit commit;
  std::vector<PositionSlot*> counted;          // the position each movement changed
  absl::flat_hash_set<AtRisk> at_risk_listed;  // summary.at_risk, for ListAtRisk
  for (size_t i = 0; i < rows.size(); ++i) {
    const CountRow& row = rows[i];
    const bool pickup_point = holds_no_stock.contains(row.location);
    auto not_applied = [&summary, i](int64_t& tally, CountRowIssue issue) {
      ++tally;
      summary.not_applied.push_back(CountRowNotApplied{static_cast<int32_t>(i), issue});
    };
    if (found[i] == nullptr) {
      if (!pickup_point) {
        not_applied(summary.unknown, CountRowIssue::kUnknownLocation);
      } else if (row.counted > 0) {
        not_applied(summary.holds_no_stock, CountRowIssue::kHoldsNoStock);
      } else {
        ++summary.applied;  // nothing there, and nothing counted: nothing to change
      }
      continue;
    }
    PositionSlot& position = *found[i];
    // Stale by the time the WMS sent, so that a count dated ahead and sent again (a retried
    // batch) is still the same count. Two rows of one batch dated ahead are both taken at
    // `now`, and the later counted_at is the later count.
    const absl::Time counted_at = std::min(row.counted_at, now);
    if (row.counted_at <= position.last_count_reported_at ||
        counted_at < position.last_counted_at) {
      ++summary.stale;
      continue;
    }
    // Before the oldest on_hand change the position keeps: the changes since cannot all be
    // netted out of it.
    if (counted_at < position.history_complete_after) {
      not_applied(summary.unreconciled, CountRowIssue::kUnreconciled);
      continue;
    }
    const Quantity target = row.counted + NetChangeAfter(position, counted_at);
    if (target < -kOnHandMax || target > kOnHandMax) {
      not_applied(summary.over_limit, CountRowIssue::kOverLimit);
      continue;
    }
    if (pickup_point && target > position.on_hand) {
      not_applied(summary.holds_no_stock, CountRowIssue::kHoldsNoStock);
      continue;
    }
    const Quantity correction = target - position.on_hand;
    position.on_hand = target;
    position.last_counted_at = counted_at;
    position.last_count_reported_at = row.counted_at;
    position.ForgetChangesThrough(counted_at);

    Movement movement;
    // Dated at counted_at: the correction is to the shelf as it was then, so a later count
    // must not see it as a change after itself (nor does it take room in the history).
    movement.time = counted_at;
    movement.kind = MovementKind::kCount;
    movement.sku = position.sku;  // interned, where the row's may be transient
    movement.location = position.location;
    movement.on_hand_delta = correction;
    movement.reference = absl::StrCat("counted ", row.counted);
    StampValues(movement, position);
    ++summary.applied;
    summary.discrepancy += std::llabs(correction);
    counted.push_back(&position);
    commit.movements.push_back(std::move(movement));
  }
  // What is at risk as the batch ends: a later row of a position may cover what an earlier one
  // left short, so each position's last movement says.
  absl::flat_hash_map<const PositionSlot*, size_t> last_row;
  for (size_t i = 0; i < counted.size(); ++i) last_row[counted[i]] = i;
  for (size_t i = 0; i < counted.size(); ++i) {
    if (last_row[counted[i]] == i) {
      ListAtRisk(commit.movements[i], *counted[i], summary, at_risk_listed);
    }
  }
  applied.ticket = Publish(commit, [&](Commit& c) {
    for (size_t i = 0; i < counted.size(); ++i) LinkToPosition(c.movements[i], *counted[i]);
    // A position counted twice in the batch is written once, as it ends.
    absl::flat_hash_set<const Position*> written;
    for (PositionSlot* position : counted) {
      if (written.insert(position).second) c.positions.push_back(*position);
    }
  });
  return applied;
}

Applied<Transfer> Ledger::ShipTransfer(const Transfer& request, absl::Time now) {
  absl::MutexLock transfers_lock(&transfers_mu_);
  Applied<Transfer> applied;
  // A SKU the call resolved before it was interned is known by its interned id once some call
  // has interned it (Sku::Current): a stored transfer's SKUs are, and so are the positions.
  Transfer shipment = request;
  auto resolve = [&shipment] {
    for (PosLine& line : shipment.lines) line.sku = line.sku.Current();
  };
  resolve();
  if (auto it = transfers_.find(request.id); it != transfers_.end()) {
    if (!SameContent(it->second, shipment)) {
      applied.outcome = Outcome::kTransferExistsWithDifferentContent;
      const Transfer& stored = it->second;
      applied.detail =
          absl::StrCat("transfer_id '", request.id, "' already shipped ",
                       DescribeLines(stored.lines), " from '", stored.from.value(), "' to '",
                       stored.to.value(), "', not ", DescribeLines(shipment.lines), " from '",
                       shipment.from.value(), "' to '", shipment.to.value(), "'");
      applied.ticket = last_ticket();  // waits for the commit that made it (Ledger::Reserve)
      return applied;
    }
    applied.outcome = Outcome::kReplayed;
    applied.value = it->second;
    applied.ticket = last_ticket();
    return applied;
  }
  // Stock may leave a pickup point (what was left there before), never go to one. The kinds
  // hold until the shards are locked (ApplyCounts says why).
  std::optional<absl::ReaderMutexLock> kinds(std::in_place, &locations_mu_);
  for (const auto& [location, adds_stock, field] :
       {std::tuple{request.from, false, "from_location_id"},
        {request.to, true, "to_location_id"}}) {
    applied.outcome = CheckLocationLocked(location, false, applied.detail, adds_stock, field);
    if (applied.outcome != Outcome::kOk) return applied;
  }
  ShardLockSet shard_locks(shards_.data(), request.lines);
  kinds.reset();
  resolve();  // again: a concurrent receipt may have interned one since, under these locks

  // Stock held for orders or kept for walk-in shoppers does not leave.
  for (const PosLine& line : shipment.lines) {
    Position* source = ShardFor(line.sku).Find(line.sku, request.from);
    const Quantity available = source ? source->available() : 0;
    if (available < line.quantity) {
      applied.short_lines.push_back(
          ShortLine{line.sku, request.from, line.quantity, std::max<Quantity>(0, available)});
    }
  }
  if (!applied.short_lines.empty()) {
    applied.outcome = Outcome::kInsufficientAvailable;
    applied.detail = "insufficient available stock at the source:";
    for (const ShortLine& s : applied.short_lines) {
      absl::StrAppend(&applied.detail, " [sku '", s.sku.value(), "': requested ", s.requested,
                      ", available ", s.available, "]");
    }
    return applied;
  }
  // What arrives must fit under the destination's limit with what is already on its way there.
  for (const PosLine& line : shipment.lines) {
    const Position* destination = ShardFor(line.sku).Find(line.sku, request.to);
    if (destination != nullptr &&
        destination->on_hand + destination->in_transit > kOnHandMax - line.quantity) {
      applied.outcome = Outcome::kOnHandLimitExceeded;
      applied.detail = OverLimit(line, *destination, /*arriving=*/false);
      return applied;
    }
  }

  Commit commit;
  TouchedPositions touched;
  for (const PosLine& line : shipment.lines) {
    LedgerShard& shard = ShardFor(line.sku);
    PositionSlot* source = shard.Find(line.sku, request.from);  // stays put (a node map)
    PositionSlot& destination = shard.FindOrCreate(line.sku, request.to);
    source->on_hand -= line.quantity;
    destination.in_transit += line.quantity;
    Movement out;
    out.time = now;
    out.kind = MovementKind::kTransfer;
    out.sku = line.sku;
    out.location = request.from;
    out.on_hand_delta = -line.quantity;
    out.reference = request.id;
    out.actor = absl::StrCat("to ", request.to.value());
    Movement in = out;
    in.location = request.to;
    in.on_hand_delta = 0;
    in.in_transit_delta = line.quantity;
    in.actor = absl::StrCat("from ", request.from.value());
    commit.movements.push_back(std::move(out));
    commit.movements.push_back(std::move(in));
    touched.push_back(source);
    touched.push_back(&destination);
  }
  Transfer& stored = transfers_[request.id];
  stored = std::move(shipment);
  stored.state = TransferState::kInTransit;
  stored.shipped_at = now;
  applied.ticket = Publish(commit, [&](Commit& c) {
    StampTouched(c, touched);
    stored.sequence = c.movements.back().sequence;
    c.transfers.push_back(stored);
  });
  applied.value = stored;
  return applied;
}

Applied<Transfer> Ledger::ReceiveTransfer(const TransferReceipt& receipt, absl::Time now) {
  absl::MutexLock transfers_lock(&transfers_mu_);
  Applied<Transfer> applied;
  auto it = transfers_.find(receipt.transfer_id);
  if (it == transfers_.end()) {
    applied.outcome = Outcome::kTransferNotFound;
    applied.detail = absl::StrCat("transfer_id '", receipt.transfer_id, "' is not known");
    return applied;
  }
  Transfer& transfer = it->second;
  std::optional<std::vector<PosLine>> arrived = Arrived(transfer, receipt, applied.detail);
  if (!arrived) {
    applied.outcome = Outcome::kTransferReceiptMismatch;
    return applied;
  }
  if (transfer.state == TransferState::kReceived) {
    if (*arrived != transfer.received) {
      applied.outcome = Outcome::kTransferExistsWithDifferentContent;
      applied.detail =
          absl::StrCat("transfer_id '", transfer.id, "' was received as ",
                       DescribeLines(transfer.received), ", not ", DescribeLines(*arrived));
      applied.ticket = last_ticket();  // waits for the commit that received it (ShipTransfer)
      return applied;
    }
    applied.outcome = Outcome::kReplayed;
    applied.value = transfer;
    applied.ticket = last_ticket();
    return applied;
  }
  ShardLockSet shard_locks(shards_.data(), transfer.lines);
  // A count at the destination since the shipment may have left no room under the limit: the
  // transfer stays in transit until a count or an adjustment makes some.
  for (const PosLine& line : *arrived) {
    const Position* destination = ShardFor(line.sku).Find(line.sku, transfer.to);
    OMNISTOCK_CHECK(destination != nullptr);
    if (destination->on_hand > kOnHandMax - line.quantity) {
      applied.outcome = Outcome::kOnHandLimitExceeded;
      applied.detail = OverLimit(line, *destination, /*arriving=*/true);
      return applied;
    }
  }
  Commit commit;
  TouchedPositions touched;
  for (size_t i = 0; i < transfer.lines.size(); ++i) {
    const PosLine& shipped = transfer.lines[i];
    const Quantity landed = (*arrived)[i].quantity;
    PositionSlot* destination = ShardFor(shipped.sku).Find(shipped.sku, transfer.to);
    OMNISTOCK_CHECK(destination->in_transit >= shipped.quantity);
    destination->in_transit -= shipped.quantity;
    destination->on_hand += landed;
    Movement movement;
    movement.time = now;
    movement.kind = MovementKind::kTransfer;
    movement.sku = shipped.sku;
    movement.location = transfer.to;
    movement.on_hand_delta = landed;
    movement.in_transit_delta = -shipped.quantity;
    movement.reference = transfer.id;
    movement.actor = absl::StrCat("received from ", transfer.from.value());
    if (landed < shipped.quantity) {
      absl::StrAppend(&movement.actor, ": ", landed, " of ", shipped.quantity, " (",
                      shipped.quantity - landed, " lost in transit)");
    }
    commit.movements.push_back(std::move(movement));
    touched.push_back(destination);
  }
  transfer.state = TransferState::kReceived;
  transfer.received_at = now;
  transfer.received = *std::move(arrived);
  received_transfers_.Push({transfer.received_at, transfer.id});
  applied.ticket = Publish(commit, [&](Commit& c) {
    StampTouched(c, touched);
    transfer.sequence = c.movements.back().sequence;
    c.transfers.push_back(transfer);
  });
  applied.value = transfer;
  return applied;
}

void Ledger::RestoreTransfer(const Transfer& transfer) {
  absl::MutexLock lock(&transfers_mu_);
  transfers_[transfer.id] = transfer;
  if (transfer.state == TransferState::kReceived) {
    received_transfers_.Push({transfer.received_at, transfer.id});
  }
}

std::pair<int, CommitTicket> Ledger::ForgetTransfers(absl::Time received_before, int max) {
  absl::MutexLock lock(&transfers_mu_);
  Commit commit;
  while (!received_transfers_.empty() && received_transfers_.top().first < received_before &&
         static_cast<int>(commit.forgotten_transfers.size()) < max) {
    auto [at, id] = received_transfers_.Pop();
    auto it = transfers_.find(id);
    if (it == transfers_.end() || it->second.state != TransferState::kReceived ||
        it->second.received_at != at) {
      continue;  // left behind by a restore of an older row
    }
    transfers_.erase(it);
    commit.forgotten_transfers.push_back(std::move(id));
  }
  const int forgotten = static_cast<int>(commit.forgotten_transfers.size());
  return {forgotten, forgotten > 0 ? Publish(commit, [](Commit&) {}) : 0};
}

}  // namespace omnistock
