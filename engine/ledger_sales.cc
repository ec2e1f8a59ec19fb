// Ledger: sales and returns rung up at a store's till (see pos_transaction.h).
#include <algorithm>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "engine/check.h"
#include "engine/ledger.h"

namespace omnistock {
namespace {

bool SameContent(const PosTransaction& a, const PosTransaction& b) {
  auto sorted = [](std::vector<PosLine> lines) {
    std::sort(lines.begin(), lines.end(),
              [](const PosLine& x, const PosLine& y) { return x.sku < y.sku; });
    return lines;
  };
  return a.kind == b.kind && a.store == b.store && a.non_sellable == b.non_sellable &&
         sorted(a.lines) == sorted(b.lines);
}

}  // namespace

Applied<PosResult> Ledger::RecordSale(const SaleCommand& command, absl::Time now) {
  PosTransaction transaction;
  transaction.terminal_id = command.terminal_id;
  transaction.transaction_id = command.transaction_id;
  transaction.kind = MovementKind::kSale;
  transaction.store = command.store;
  transaction.lines = command.lines;
  transaction.occurred_at = command.sold_at;
  return RecordPosTransaction(std::move(transaction), now);
}

Applied<PosResult> Ledger::RecordReturn(const ReturnCommand& command, absl::Time now) {
  PosTransaction transaction;
  transaction.terminal_id = command.terminal_id;
  transaction.transaction_id = command.transaction_id;
  transaction.kind = MovementKind::kReturn;
  transaction.store = command.store;
  transaction.lines = command.lines;
  transaction.occurred_at = command.returned_at;
  transaction.non_sellable = command.non_sellable;
  transaction.reason = command.reason;
  return RecordPosTransaction(std::move(transaction), now);
}

Applied<PosResult> Ledger::RecordPosTransaction(PosTransaction transaction, absl::Time now) {
  if (transaction.occurred_at == absl::InfinitePast()) transaction.occurred_at = now;
  transaction.recorded_at = now;
  const std::string key = transaction.Key();
  PosStripe& stripe = PosStripeFor(key);
  absl::MutexLock stripe_lock(&stripe.mu);

  std::vector<Sku> skus;
  for (const PosLine& line : transaction.lines) skus.push_back(line.sku);

  Applied<PosResult> applied;
  if (auto it = stripe.transactions.find(key); it != stripe.transactions.end()) {
    if (!SameContent(it->second, transaction)) {
      applied.outcome = Outcome::kPosTransactionExistsWithDifferentContent;
      applied.detail =
          absl::StrCat("pos_transaction_id '", transaction.transaction_id, "' of terminal_id '",
                       transaction.terminal_id, "' was already recorded with other content");
      return applied;
    }
    applied.outcome = Outcome::kReplayed;
    applied.value.transaction = it->second;
    applied.value.duplicate = true;
    applied.value.positions = GetPositions(skus, {transaction.store});
    applied.ticket = last_ticket();
    return applied;
  }
  applied.outcome = CheckLocation(transaction.store, false, applied.detail);
  if (applied.outcome != Outcome::kOk) return applied;

  ShardLockSet shard_locks(shards_.data(), transaction.lines);

  const bool sale = transaction.kind == MovementKind::kSale;
  Commit commit;
  TouchedPositions touched;
  for (const PosLine& line : transaction.lines) {
    PositionSlot& position = ShardFor(line.sku).FindOrCreate(line.sku, transaction.store);
    Movement movement;
    movement.time = transaction.occurred_at;
    movement.kind = transaction.kind;
    movement.sku = line.sku;
    movement.location = transaction.store;
    movement.reference = transaction.transaction_id;
    movement.actor = transaction.terminal_id;
    // A till transaction dated at or before the position's last cycle count reached the
    // ledger late: the shelf was counted after it, so the count already holds its units. It is
    // recorded, and on_hand stays as the count set it.
    const bool in_count = transaction.occurred_at <= position.last_counted_at;
    if (transaction.non_sellable && !sale) {
      position.non_sellable += line.quantity;
      movement.actor = absl::StrCat(transaction.terminal_id, " non-sellable: ", transaction.reason);
    } else if (in_count) {
      movement.actor = absl::StrCat(transaction.terminal_id, " already in the count of ",
                                    absl::FormatTime(position.last_counted_at));
    } else {
      movement.on_hand_delta = sale ? -line.quantity : line.quantity;
      position.on_hand += movement.on_hand_delta;
    }
    OMNISTOCK_CHECK(position.on_hand >= -kOnHandMax);
    OMNISTOCK_CHECK(position.on_hand <= kOnHandMax);
    touched.push_back(&position);
    commit.movements.push_back(std::move(movement));
  }

  PosTransaction& stored = stripe.transactions[key];
  stored = std::move(transaction);
  stripe.recorded.Push(&stored);
  applied.ticket = Publish(commit, [&](Commit& c) {
    StampTouched(c, touched);
    for (const Movement& movement : c.movements) {
      for (const ReservationId& id : movement.at_risk) {
        stored.at_risk.push_back(AtRisk{id, movement.sku, movement.location});
      }
    }
    stored.sequence = c.movements.back().sequence;
    c.pos_transactions.push_back(stored);
  });
  applied.value.transaction = stored;
  for (Position* position : touched) applied.value.positions.push_back(*position);
  return applied;
}

void Ledger::RestorePosTransaction(const PosTransaction& transaction) {
  const std::string key = transaction.Key();
  PosStripe& stripe = PosStripeFor(key);
  absl::MutexLock lock(&stripe.mu);
  auto [it, inserted] = stripe.transactions.try_emplace(key);
  it->second = transaction;
  if (inserted) stripe.recorded.Push(&it->second);
}

std::pair<int, CommitTicket> Ledger::ForgetPosTransactions(absl::Time recorded_before, int max) {
  return ForgetOldest(pos_stripes_, max, [recorded_before](PosStripe& stripe, Commit& commit) {
    MinHeap<const PosTransaction*, RecordedLater>& recorded = stripe.recorded;
    if (recorded.empty() || recorded.top()->recorded_at >= recorded_before) return false;
    std::string key = recorded.Pop()->Key();
    stripe.transactions.erase(key);
    commit.forgotten_pos_transactions.push_back(std::move(key));
    return true;
  });
}

}  // namespace omnistock
