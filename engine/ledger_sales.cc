// Ledger: sales and returns rung up at a store's till (see pos_transaction.h).
#include <algorithm>
#include <optional>
#include <string>
#include <tuple>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "engine/check.h"
#include "engine/ledger.h"

namespace omnistock {
bool SameContent(const PosTransaction& a, const PosTransaction& b) {
  auto sorted = [](std::vector<PosLine> lines) {
    std::sort(lines.begin(), lines.end(),
              [](const PosLine& x, const PosLine& y) { return x.sku < y.sku; });
    return lines;
  };
  return a.kind == b.kind && a.store == b.store && a.non_sellable == b.non_sellable &&
         sorted(a.lines) == sorted(b.lines);
}

namespace {

// "a sale of 2 of 'A'", "a non-sellable return of 1 of 'B'".
std::string TillContent(const PosTransaction& t) {
  return absl::StrCat(t.kind == MovementKind::kSale ? "a sale"
                      : t.non_sellable              ? "a non-sellable return"
                                                    : "a return",
                      " of ", DescribeLines(t.lines));
}

// How a till line changes on_hand at `position` (null: none yet). A till transaction dated at or
// before the position's last cycle count reached the ledger late: the shelf was counted after
// it, so the count already holds its units, and on_hand stays as the count set it. A
// non-sellable return goes aside, not on the shelf.
Quantity OnHandDelta(const PosTransaction& transaction, const PosLine& line,
                     const Position* position) {
  const bool sale = transaction.kind == MovementKind::kSale;
  if (transaction.non_sellable && !sale) return 0;
  if (position != nullptr && transaction.occurred_at <= position->last_counted_at) return 0;
  return sale ? -line.quantity : line.quantity;
}

}  // namespace

std::optional<std::string> ClientTimeTooOld(absl::string_view field, absl::Time at, absl::Time now,
                                            absl::string_view clock, absl::Duration age_max) {
  if (at >= now - age_max) return std::nullopt;
  if (at < now - kClientTimeAgeMax) {  // a clock fault, whatever the retention
    return absl::StrCat(field, " is more than ", kClientTimeAgeMaxDays, " days in the past (",
                        absl::FormatTime(at), "); check the ", clock, "'s clock");
  }
  return absl::StrCat(field, " is more than ", absl::FormatDuration(age_max), " in the past (",
                      absl::FormatTime(at),
                      "), beyond the idempotency retention: the same transaction sent again "
                      "that late could not be told from a new one. Check the ",
                      clock, "'s clock, or run omnistockd with a longer --idempotency_retention");
}

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
  if (!command.original_order_ref.empty()) {
    absl::StrAppend(&transaction.reason, command.reason.empty() ? "" : " ", "(order ",
                    command.original_order_ref, ")");
  }
  return RecordPosTransaction(std::move(transaction), now);
}

bool Ledger::HasPosTransaction(const LocationId& store, const std::string& terminal_id,
                               const std::string& transaction_id) const {
  PosTransaction transaction;
  transaction.store = store;
  transaction.terminal_id = terminal_id;
  transaction.transaction_id = transaction_id;
  const std::string key = transaction.Key();
  const PosStripe& stripe = PosStripeFor(key);
  absl::MutexLock lock(&stripe.mu);
  return stripe.transactions.contains(key);
}

Applied<PosResult> Ledger::RecordPosTransaction(PosTransaction transaction, absl::Time now) {
  // Undated: now. Dated a little ahead of the server (the edge refuses more than
  // kPosClockSkewMax): now too, as it cannot have happened after it arrived, and a cycle count
  // recorded meanwhile must not take it for a sale it has not seen yet (nor the reverse).
  if (transaction.occurred_at == absl::InfinitePast() || transaction.occurred_at > now) {
    transaction.occurred_at = now;
  }
  transaction.recorded_at = now;
  const std::string key = transaction.Key();
  PosStripe& stripe = PosStripeFor(key);
  absl::MutexLock stripe_lock(&stripe.mu);

  // The lines' SKUs may be transient ids (a refused transaction must intern nothing). A
  // transaction is kept after its SKUs are interned, under this lock: a retry racing the first
  // call compares as the same content.
  std::vector<Sku> skus;
  for (PosLine& line : transaction.lines) {
    line.sku = line.sku.Current();
    skus.push_back(line.sku);
  }

  Applied<PosResult> applied;
  if (auto it = stripe.transactions.find(key); it != stripe.transactions.end()) {
    if (!SameContent(it->second, transaction)) {
      applied.outcome = Outcome::kPosTransactionExistsWithDifferentContent;
      applied.detail =
          absl::StrCat("pos_transaction_id '", transaction.transaction_id, "' of terminal_id '",
                       transaction.terminal_id, "' at '", transaction.store.value(),
                       "' was already recorded with other content: ", TillContent(it->second),
                       ", not ", TillContent(transaction));
      applied.ticket = last_ticket();  // waits for the commit that recorded it (Ledger::Reserve)
      return applied;
    }
    applied.outcome = Outcome::kReplayed;
    applied.value.transaction = it->second;
    applied.value.duplicate = true;
    applied.value.positions = GetPositions(skus, {transaction.store});
    applied.ticket = last_ticket();
    return applied;
  }
  // The location's kind holds until the shards are locked (as in ChangePosition): a store
  // becomes a pickup point only while it holds no stock, which this sale would change.
  std::optional<absl::ReaderMutexLock> kinds(std::in_place, &locations_mu_);
  applied.outcome =
      CheckLocationLocked(transaction.store, false, applied.detail, /*adds_stock=*/false);
  if (applied.outcome != Outcome::kOk) return applied;
  // A till rings up at a store: a terminal set up with a warehouse's or a pickup point's id
  // would drive that stock below zero without a word (a sale is never refused for stock).
  // After the replay check, as for reservations: a recorded transaction is answered whatever
  // became of its location since.
  if (const auto place = locations_.find(transaction.store);
      place != locations_.end() && place->second.kind != LocationKind::kStore) {
    applied.outcome = Outcome::kLocationHasNoTill;
    applied.detail = absl::StrCat("location_id '", transaction.store.value(), "' is ",
                                  LocationKindWithArticle(place->second.kind),
                                  ", not a STORE: till sales and returns are recorded at stores");
    return applied;
  }

  // A date past the bound is a till's clock fault, refused (limits.h). After the replay check (a
  // retry of a transaction recorded while its date was within the bound is still answered) and
  // after the location's, as outcome.h orders them.
  if (std::optional<std::string> too_old =
          ClientTimeTooOld(transaction.kind == MovementKind::kSale ? "sold_at" : "returned_at",
                           transaction.occurred_at, now, "terminal", till_time_age_max_)) {
    applied.outcome = Outcome::kClientTimeTooOld;
    applied.detail = *std::move(too_old);
    return applied;
  }
  ShardLockSet shard_locks(shards_.data(), transaction.lines);  // the same shards, by hash
  kinds.reset();
  // The positions made since the stripe was locked are made under these locks.
  for (PosLine& line : transaction.lines) line.sku = line.sku.Current();

  // A till transaction is never refused for the stock it finds, but on_hand has a limit either
  // way (kOnHandMax): checked for every line before any changes.
  for (const PosLine& line : transaction.lines) {
    const Position* position = ShardFor(line.sku).Find(line.sku, transaction.store);
    const Quantity on_hand = position ? position->on_hand : 0;
    const Quantity after = on_hand + OnHandDelta(transaction, line, position);
    if (after < -kOnHandMax || after > kOnHandMax) {
      applied.outcome = Outcome::kOnHandLimitExceeded;
      applied.detail = absl::StrCat("sku '", line.sku.value(), "' at '", transaction.store.value(),
                                    "': on_hand ", on_hand, " would become ", after,
                                    ", beyond the limit of ", kOnHandMax, " either way");
      return applied;
    }
    // Units kept apart have the same limit (an Adjust of them checks it too).
    const Quantity apart = position ? position->non_sellable : 0;
    if (transaction.non_sellable && transaction.kind != MovementKind::kSale &&
        apart > kOnHandMax - line.quantity) {
      applied.outcome = Outcome::kOnHandLimitExceeded;
      applied.detail = absl::StrCat("sku '", line.sku.value(), "' at '", transaction.store.value(),
                                    "': non_sellable ", apart, " and ", line.quantity,
                                    " more would pass the limit of ", kOnHandMax);
      return applied;
    }
  }

  // Nothing refuses it from here on: its SKUs are kept.
  for (PosLine& line : transaction.lines) line.sku = line.sku.Stored();
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
    // "till-1", "till-1 non-sellable: opened box (order web-7)", "till-1 already in the count
    // of ...".
    movement.actor = transaction.terminal_id;
    movement.on_hand_delta = OnHandDelta(transaction, line, &position);
    position.on_hand += movement.on_hand_delta;
    const bool kept_apart = transaction.non_sellable && !sale;
    if (kept_apart) {
      position.non_sellable += line.quantity;
      movement.non_sellable_delta = line.quantity;
      absl::StrAppend(&movement.actor, " non-sellable");
    }
    if (!transaction.reason.empty()) absl::StrAppend(&movement.actor, ": ", transaction.reason);
    if (!kept_apart && transaction.occurred_at <= position.last_counted_at) {
      absl::StrAppend(&movement.actor, " already in the count of ",
                      absl::FormatTime(position.last_counted_at));
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
      // What a line that took nothing off the shelf left short (a return, a sale a count had
      // already taken in) was short before it: on its movement, for the feed, not put at risk
      // by this transaction.
      if (movement.on_hand_delta >= 0) continue;
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
