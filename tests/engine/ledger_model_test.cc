// Seeded random operations against a simple reference model of the ledger (TigerBeetle-style):
// after every operation the outcome and every position must match the model, the invariants
// must hold, and replaying the journal's state rows must rebuild the same ledger.
//
// The first test runs online orders only. The second adds what happens in the stores and the
// warehouses: till sales and returns (dated late, ahead, undated, past the retention; retried,
// or with other content under the same id), adjustments of on_hand and of the units kept apart
// (with and without idempotency keys), cycle counts dated in the past and reconciled against
// the on_hand history (stale and unreconciled ones included), transfers, safety stock, a store
// disabled for online orders, and the retention sweeps. The model is written from the headers'
// contracts (position.h, pos_transaction.h, transfer.h, ledger.h, outcome.h), not the engine's
// code; it also predicts the reservations each movement leaves short (hold_list.h).
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "catch2/catch.hpp"
#include "engine/ledger.h"
#include "tests/engine/ledger_fixture.h"

namespace omnistock::testing {
namespace {

// One on_hand change kept for the counts to come (position.h's OnHandChange).
struct ModelChange {
  absl::Time at;
  Quantity delta = 0;
};

struct ModelPosition {
  Quantity on_hand = 0;
  Quantity reserved = 0;
  Quantity safety_stock = 0;
  Quantity in_transit = 0;
  Quantity non_sellable = 0;
  // The last applied count: the time it took effect, and its date as the WMS sent it.
  absl::Time last_counted_at = absl::InfinitePast();
  absl::Time last_count_reported_at = absl::InfinitePast();
  // The on_hand changes a later count must net out: those dated after the last count, in the
  // order they were recorded, the newest kOnHandHistoryMax. A count dated before the latest
  // date of a dropped one cannot net every change after it.
  std::deque<ModelChange> pending;
  absl::Time complete_after = absl::InfinitePast();
};

struct ModelReservation {
  Lines lines;
  ReservationState state = ReservationState::kHeld;
  absl::Time expires_at;
  absl::Time created_at;
};

// A till transaction as a retry must repeat it: kind, store, lines in any order, the flag.
struct ModelTill {
  MovementKind kind = MovementKind::kSale;
  std::map<std::string, Quantity> lines;
  bool non_sellable = false;
  friend bool operator==(const ModelTill&, const ModelTill&) = default;
};

// A receipt's or an adjustment's idempotency key, with what it applied.
struct ModelKey {
  MovementKind kind = MovementKind::kReceive;
  std::string location;
  std::string sku;
  Quantity quantity = 0;
  bool non_sellable = false;
  friend bool operator==(const ModelKey&, const ModelKey&) = default;
};

struct ModelTransfer {
  std::string from;
  std::string to;
  std::map<std::string, Quantity> lines;
  bool received = false;
  absl::Time received_at;
  std::map<std::string, Quantity> arrived;  // once received
};

std::map<std::string, Quantity> LineMap(const std::vector<PosLine>& lines) {
  std::map<std::string, Quantity> result;
  for (const PosLine& line : lines) result[line.sku.value()] += line.quantity;
  return result;
}

class Model {
 public:
  using Key = std::pair<std::string, std::string>;  // (sku, location)
  std::map<Key, ModelPosition> positions;
  std::map<std::string, ModelReservation> reservations;
  std::map<std::string, LocationKind> locations;
  // Disabled locations take no online order; what happens there physically is recorded.
  std::set<std::string> disabled;
  std::map<std::string, ModelTill> tills;  // by store, terminal and transaction
  std::map<std::string, ModelKey> keys;
  std::map<std::string, ModelTransfer> transfers;
  // When each till transaction ("till:" and its key) and each kept key ("key:" and it) was
  // recorded: it is kept for the idempotency retention from then.
  std::map<std::string, absl::Time> recorded_at;
  // How far back a new till transaction may be dated (Ledger::LimitTillTimeToRetention).
  absl::Duration till_age_max = kClientTimeAgeMax;

  // Every change of on_hand goes through here, dated when it happened physically.
  void ChangeOnHand(ModelPosition& p, absl::Time at, Quantity delta) {
    p.on_hand += delta;
    // Dated at or before the last count: that count holds it, no later count nets it.
    if (delta == 0 || at <= p.last_counted_at) return;
    p.pending.push_back(ModelChange{at, delta});
    if (static_cast<int>(p.pending.size()) > kOnHandHistoryMax) {
      p.complete_after = std::max(p.complete_after, p.pending.front().at);
      p.pending.pop_front();
    }
  }

  Outcome Receive(const Key& key, Quantity q, absl::Time now,
                  const std::string& idempotency_key = "") {
    const ModelKey content{MovementKind::kReceive, key.second, key.first, q, false};
    if (const std::optional<Outcome> seen = KeySeen(idempotency_key, content)) return *seen;
    ChangeOnHand(positions[key], now, q);
    if (!idempotency_key.empty()) {
      keys[idempotency_key] = content;
      recorded_at["key:" + idempotency_key] = now;
    }
    return Outcome::kOk;
  }
  Outcome Adjust(const Key& key, Quantity delta, bool non_sellable, absl::Time now,
                 const std::string& idempotency_key) {
    const ModelKey content{MovementKind::kAdjust, key.second, key.first, delta, non_sellable};
    if (const std::optional<Outcome> seen = KeySeen(idempotency_key, content)) return *seen;
    ModelPosition& p = positions[key];
    const Quantity units = non_sellable ? p.non_sellable : p.on_hand;
    if (delta < 0 && units + delta < 0) return Outcome::kOnHandBelowZero;
    if (non_sellable) {
      p.non_sellable += delta;
    } else {
      ChangeOnHand(p, now, delta);
    }
    if (!idempotency_key.empty()) {
      keys[idempotency_key] = content;
      recorded_at["key:" + idempotency_key] = now;
    }
    return Outcome::kOk;
  }
  Outcome SetSafetyStock(const Key& key, Quantity safety_stock) {
    ModelPosition& p = positions[key];
    if (p.safety_stock == safety_stock) return Outcome::kReplayed;
    p.safety_stock = safety_stock;
    return Outcome::kOk;
  }

  // A sale or a return at a till (pos_transaction.h, Ledger::RecordSale). Checks in outcome.h's
  // order: the location, then whether it has tills, then the retry, then the date.
  Outcome Till(const std::string& store, const std::string& terminal, const std::string& txn,
               const ModelTill& content, absl::Time at, absl::Time now) {
    auto place = locations.find(store);
    if (place == locations.end()) return Outcome::kLocationNotFound;
    if (place->second != LocationKind::kStore) return Outcome::kLocationHasNoTill;
    const std::string key = store + '|' + terminal + '|' + txn;
    if (auto it = tills.find(key); it != tills.end()) {
      return it->second == content ? Outcome::kReplayed
                                   : Outcome::kPosTransactionExistsWithDifferentContent;
    }
    // Undated or dated ahead: it happened when it arrived.
    if (at == absl::InfinitePast() || at > now) at = now;
    if (at < now - till_age_max) return Outcome::kClientTimeTooOld;
    for (const auto& [sku, q] : content.lines) {
      ModelPosition& p = positions[{sku, store}];
      if (content.kind == MovementKind::kReturn && content.non_sellable) {
        p.non_sellable += q;  // kept apart, not on the shelf
        continue;
      }
      // Dated at or before the shelf's last count: the count holds it already.
      const Quantity delta = at <= p.last_counted_at               ? 0
                             : content.kind == MovementKind::kSale ? -q
                                                                   : q;
      ChangeOnHand(p, at, delta);
    }
    tills[key] = content;
    recorded_at["till:" + key] = now;
    return Outcome::kOk;
  }

  // ForgetPosTransactions and ForgetTransfers: how many of each were forgotten.
  std::pair<int, int> Forget(absl::Time before) {
    int forgotten = 0;
    for (auto it = recorded_at.begin(); it != recorded_at.end();) {
      if (it->second >= before) {
        ++it;
        continue;
      }
      const std::string& name = it->first;
      if (name.rfind("till:", 0) == 0) {
        tills.erase(name.substr(5));
      } else {
        keys.erase(name.substr(4));
      }
      it = recorded_at.erase(it);
      ++forgotten;
    }
    const int transfers_forgotten =
        static_cast<int>(std::erase_if(transfers, [before](const auto& t) {
          return t.second.received && t.second.received_at < before;
        }));
    return {forgotten, transfers_forgotten};
  }

  CountSummary Counts(const std::vector<CountRow>& rows, absl::Time now) {
    CountSummary summary;
    std::vector<Key> counted;  // the position of each applied row
    for (size_t i = 0; i < rows.size(); ++i) {
      const CountRow& row = rows[i];
      const int32_t index = static_cast<int32_t>(i);
      if (!locations.count(row.location.value())) {
        ++summary.unknown;
        summary.not_applied.push_back({index, CountRowIssue::kUnknownLocation});
        continue;
      }
      ModelPosition& p = positions[{row.sku.value(), row.location.value()}];
      // A count dated ahead of the server took effect when it arrived.
      const absl::Time at = std::min(row.counted_at, now);
      if (row.counted_at <= p.last_count_reported_at || at < p.last_counted_at) {
        ++summary.stale;
        continue;
      }
      if (at < p.complete_after) {
        ++summary.unreconciled;
        summary.not_applied.push_back({index, CountRowIssue::kUnreconciled});
        continue;
      }
      Quantity after = 0;  // what changed on the shelf since it was counted
      for (const ModelChange& change : p.pending) {
        if (change.at > at) after += change.delta;
      }
      const Quantity target = row.counted + after;
      summary.discrepancy += std::abs(target - p.on_hand);
      ++summary.applied;
      p.on_hand = target;
      p.last_counted_at = at;
      p.last_count_reported_at = row.counted_at;
      std::erase_if(p.pending, [at](const ModelChange& change) { return change.at <= at; });
      counted.push_back({row.sku.value(), row.location.value()});
    }
    // What the applied rows left short as the batch ended, position by position in the order
    // of their last applied row.
    for (size_t i = 0; i < counted.size(); ++i) {
      if (std::find(counted.begin() + i + 1, counted.end(), counted[i]) != counted.end()) continue;
      for (const ReservationId& id : Uncovered(counted[i])) {
        summary.at_risk.push_back(AtRisk{id, Sku(counted[i].first), LocationId(counted[i].second)});
      }
    }
    return summary;
  }

  Outcome Ship(const std::string& id, const std::string& from, const std::string& to,
               const std::map<std::string, Quantity>& lines, absl::Time now) {
    if (auto it = transfers.find(id); it != transfers.end()) {
      const ModelTransfer& t = it->second;
      return t.from == from && t.to == to && t.lines == lines
                 ? Outcome::kReplayed
                 : Outcome::kTransferExistsWithDifferentContent;
    }
    for (const std::string& location : {from, to}) {
      if (!locations.count(location)) return Outcome::kLocationNotFound;
    }
    for (const auto& [sku, q] : lines) {
      const ModelPosition& p = positions[{sku, from}];
      if (p.on_hand - p.reserved - p.safety_stock < q) return Outcome::kInsufficientAvailable;
    }
    for (const auto& [sku, q] : lines) {
      ChangeOnHand(positions[{sku, from}], now, -q);
      positions[{sku, to}].in_transit += q;
    }
    transfers[id] = ModelTransfer{from, to, lines, false, absl::InfinitePast(), {}};
    return Outcome::kOk;
  }
  // `arrived`: what arrived of each SKU (TransferReceipt); empty, everything shipped.
  Outcome ReceiveTransfer(const std::string& id, const std::map<std::string, Quantity>& arrived,
                          absl::Time now) {
    auto it = transfers.find(id);
    if (it == transfers.end()) return Outcome::kTransferNotFound;
    ModelTransfer& t = it->second;
    const std::map<std::string, Quantity> landed = arrived.empty() ? t.lines : arrived;
    for (const auto& [sku, q] : landed) {
      if (!t.lines.count(sku) || q < 0 || q > t.lines.at(sku)) {
        return Outcome::kTransferReceiptMismatch;
      }
    }
    if (landed.size() != t.lines.size()) return Outcome::kTransferReceiptMismatch;
    if (t.received) {
      return landed == t.arrived ? Outcome::kReplayed
                                 : Outcome::kTransferExistsWithDifferentContent;
    }
    for (const auto& [sku, q] : t.lines) {
      ModelPosition& p = positions[{sku, t.to}];
      p.in_transit -= q;  // shipped; what did not arrive was lost on the way
      ChangeOnHand(p, now, landed.at(sku));
    }
    t.received = true;
    t.received_at = now;
    t.arrived = landed;
    return Outcome::kOk;
  }

  Outcome Reserve(const std::string& id, const Lines& lines, absl::Time expires_at,
                  absl::Time now = absl::InfinitePast()) {
    if (reservations.count(id)) {
      return SameLines(reservations[id].lines, lines)
                 ? Outcome::kReplayed
                 : Outcome::kReservationExistsWithDifferentContent;
    }
    // After the replay check: a repeated id is answered whatever became of its locations since
    // (Ledger::Reserve).
    for (const Line& l : lines) {
      if (disabled.count(l.location.value())) return Outcome::kLocationDisabled;
    }
    for (const Line& l : lines) {
      const ModelPosition& p = positions[{l.sku.value(), l.location.value()}];
      if (p.on_hand - p.reserved - p.safety_stock < l.quantity) {
        return Outcome::kInsufficientAvailable;
      }
    }
    for (const Line& l : lines)
      positions[{l.sku.value(), l.location.value()}].reserved += l.quantity;
    reservations[id] = ModelReservation{lines, ReservationState::kHeld, expires_at, now};
    return Outcome::kOk;
  }
  // The live reservations the position's on_hand does not cover, the oldest first: on_hand
  // covers the oldest holds (created_at, then id) first, each in full if what is left covers
  // it; those it cannot are short (hold_list.h, movement.h).
  std::vector<ReservationId> Uncovered(const Key& key) {
    struct Hold {
      absl::Time created_at;
      std::string id;
      Quantity quantity;
    };
    std::vector<Hold> holds;
    for (const auto& [id, r] : reservations) {
      if (!IsLive(r.state)) continue;
      for (const Line& l : r.lines) {
        if (l.sku.value() == key.first && l.location.value() == key.second) {
          holds.push_back(Hold{r.created_at, id, l.quantity});
        }
      }
    }
    std::sort(holds.begin(), holds.end(), [](const Hold& a, const Hold& b) {
      return std::tie(a.created_at, a.id) < std::tie(b.created_at, b.id);
    });
    std::vector<ReservationId> uncovered;
    Quantity left = positions[key].on_hand;
    for (const Hold& hold : holds) {
      if (hold.quantity <= left) {
        left -= hold.quantity;
      } else {
        uncovered.push_back(ReservationId(hold.id));
      }
    }
    return uncovered;
  }

  void ExpireDue(absl::Time now) {
    for (auto& [id, r] : reservations) {
      if (r.state == ReservationState::kHeld && r.expires_at <= now) {
        Drop(r, false, now);
        r.state = ReservationState::kExpired;
      }
    }
  }
  Outcome Confirm(const std::string& id) {
    auto it = reservations.find(id);
    if (it == reservations.end()) return Outcome::kReservationNotFound;
    switch (it->second.state) {
      case ReservationState::kHeld:
        it->second.state = ReservationState::kConfirmed;
        return Outcome::kOk;
      case ReservationState::kConfirmed:
      case ReservationState::kFulfilled:
        return Outcome::kReplayed;
      case ReservationState::kExpired:
        return Outcome::kReservationExpired;
      case ReservationState::kReleased:
        return Outcome::kIllegalTransition;
    }
    return Outcome::kIllegalTransition;
  }
  Outcome Release(const std::string& id, absl::Time now) {
    auto it = reservations.find(id);
    if (it == reservations.end()) return Outcome::kReservationNotFound;
    ModelReservation& r = it->second;
    if (IsLive(r.state)) {
      Drop(r, false, now);
      r.state = ReservationState::kReleased;
      return Outcome::kOk;
    }
    return r.state == ReservationState::kFulfilled ? Outcome::kIllegalTransition
                                                   : Outcome::kReplayed;
  }
  Outcome Fulfill(const std::string& id, absl::Time now) {
    auto it = reservations.find(id);
    if (it == reservations.end()) return Outcome::kReservationNotFound;
    ModelReservation& r = it->second;
    switch (r.state) {
      case ReservationState::kConfirmed:
        // Shipping takes the units off the shelf: never below zero (position.h), so a shelf
        // emptied by the tills must be restocked or corrected first.
        for (const Line& l : r.lines) {
          if (positions[{l.sku.value(), l.location.value()}].on_hand < l.quantity) {
            return Outcome::kOnHandBelowZero;
          }
        }
        Drop(r, true, now);
        r.state = ReservationState::kFulfilled;
        return Outcome::kOk;
      case ReservationState::kFulfilled:
        return Outcome::kReplayed;
      case ReservationState::kExpired:
        return Outcome::kReservationExpired;
      default:
        return Outcome::kIllegalTransition;
    }
  }

 private:
  // The answer to an idempotency key seen before, or nullopt for a new (or no) key.
  std::optional<Outcome> KeySeen(const std::string& idempotency_key, const ModelKey& content) {
    if (idempotency_key.empty()) return std::nullopt;
    auto it = keys.find(idempotency_key);
    if (it == keys.end()) return std::nullopt;
    return it->second == content ? Outcome::kReplayed
                                 : Outcome::kStockChangeExistsWithDifferentContent;
  }
  static bool SameLines(Lines a, Lines b) {
    auto less = [](const Line& x, const Line& y) {
      return std::tie(x.sku, x.location) < std::tie(y.sku, y.location);
    };
    std::sort(a.begin(), a.end(), less);
    std::sort(b.begin(), b.end(), less);
    return a == b;
  }
  void Drop(const ModelReservation& r, bool ship, absl::Time now) {
    for (const Line& l : r.lines) {
      ModelPosition& p = positions[{l.sku.value(), l.location.value()}];
      p.reserved -= l.quantity;
      if (ship) ChangeOnHand(p, now, -l.quantity);
    }
  }
};

}  // namespace

TEST_CASE("seeded random operations agree with the reference model") {
  const uint64_t seed = GENERATE(1, 2, 3, 42, 20261122);
  CAPTURE(seed);
  std::mt19937_64 random(seed);
  auto pick = [&](int n) { return static_cast<int>(random() % n); };

  LedgerFixture f;
  Model model;
  const std::vector<std::string> skus = {"A", "B", "C", "D"};
  const std::vector<std::string> locations = {"S1", "S2", "W1"};
  absl::Time now = kT0;
  int next_id = 0;

  for (int step = 0; step < 2000; ++step) {
    CAPTURE(step);
    now += absl::Seconds(pick(20));
    // The engine expires lazily on access and in sweeps; the model sweeps before every step,
    // so the test sweeps the ledger too, then both must agree.
    f.ledger.ExpireDue(now, 1'000'000);
    model.ExpireDue(now);
    const int op = pick(10);
    const std::string id = "r" + std::to_string(pick(next_id + 1));
    Outcome expected{}, actual{};
    if (op <= 1) {
      const std::string sku = skus[pick(skus.size())];
      const std::string loc = locations[pick(locations.size())];
      const Quantity q = 1 + pick(5);
      expected = model.Receive({sku, loc}, q, now);
      actual = f.ledger.Receive(ReceiveCommand{LocationId(loc), Sku(sku), q, ""}, now).outcome;
    } else if (op <= 4) {
      const bool replay = pick(4) == 0 && next_id > 0;
      const std::string rid = replay ? id : "r" + std::to_string(++next_id);
      Lines lines;
      const int line_count = 1 + pick(3);
      for (int i = 0; i < line_count; ++i) {
        Line line = f.L(skus[pick(skus.size())], locations[pick(locations.size())], 1 + pick(3));
        bool duplicate = false;
        for (const Line& l : lines) duplicate |= l.sku == line.sku && l.location == line.location;
        if (!duplicate) lines.push_back(line);
      }
      const absl::Duration ttl = absl::Seconds(10 + pick(120));
      expected = model.Reserve(rid, lines, now + ttl);
      auto applied = f.ledger.Reserve(f.Order(rid, lines, ttl), now);
      actual = applied.outcome;
      // A replay returns the stored reservation, whose lines are the original ones.
      if (expected == Outcome::kReplayed) CHECK(applied.value.lines.size() >= 1);
    } else if (op <= 6) {
      expected = model.Confirm(id);
      actual = f.ledger.Confirm(ReservationId(id), now).outcome;
    } else if (op == 7) {
      expected = model.Release(id, now);
      actual = f.ledger.Release(ReservationId(id), now).outcome;
    } else {
      expected = model.Fulfill(id, now);
      actual = f.ledger.Fulfill(ReservationId(id), now).outcome;
    }
    REQUIRE(OutcomeName(actual) == OutcomeName(expected));
  }

  for (const auto& [key, expected] : model.positions) {
    const Position actual = f.At(key.first, key.second);
    CHECK(actual.on_hand == expected.on_hand);
    CHECK(actual.reserved == expected.reserved);
  }
  for (const auto& [id, expected] : model.reservations) {
    CHECK(f.ledger.GetReservation(ReservationId(id))->state == expected.state);
  }
  REQUIRE(f.ledger.CheckInvariants().ok());

  // Recovery: the last row of every key in the journal's commits rebuilds the same ledger.
  RecordingSink unused;
  Ledger rebuilt(&unused);
  Sequence last = 0;
  for (const Commit& commit : f.sink.commits()) {
    for (const Location& l : commit.locations) rebuilt.RestoreLocation(l);
    for (const Position& p : commit.positions) rebuilt.RestorePosition(p);
    for (const Reservation& r : commit.reservations) rebuilt.RestoreReservation(r);
    last = commit.last_sequence;
  }
  rebuilt.RestoreSequence(last);
  REQUIRE(rebuilt.CheckInvariants().ok());
  for (const std::string& sku : skus) {
    CHECK(rebuilt.GetPositions({Sku(sku)}, {}) == f.ledger.GetPositions({Sku(sku)}, {}));
  }
  CHECK(rebuilt.last_sequence() == f.ledger.last_sequence());
}

namespace {

// Every field the model keeps of a position, against the ledger's.
void CheckPosition(const Position& actual, const ModelPosition& expected) {
  CAPTURE(actual.sku.value(), actual.location.value());
  CHECK(actual.on_hand == expected.on_hand);
  CHECK(actual.reserved == expected.reserved);
  CHECK(actual.safety_stock == expected.safety_stock);
  CHECK(actual.in_transit == expected.in_transit);
  CHECK(actual.non_sellable == expected.non_sellable);
  CHECK(actual.last_counted_at == expected.last_counted_at);
  CHECK(actual.last_count_reported_at == expected.last_count_reported_at);
  CHECK(actual.history_complete_after == expected.complete_after);
  std::vector<OnHandChange> pending;
  for (const ModelChange& change : expected.pending) {
    pending.push_back(OnHandChange{change.at, change.delta});
  }
  CHECK(std::vector<OnHandChange>(actual.history.begin(), actual.history.end()) == pending);
}

// The commits in the order they came, read in place: the test is single-threaded, so they come
// in ticket order, and each step reads the few it made (a RecordingSink copies them all).
class TailSink final : public JournalSink {
 public:
  void Append(Commit commit) override {
    in_order_ &= commit.ticket == commits_.size() + 1;
    commits_.push_back(std::move(commit));
  }
  const std::vector<Commit>& commits() const { return commits_; }
  size_t size() const { return commits_.size(); }
  bool in_order() const { return in_order_; }

 private:
  std::vector<Commit> commits_;
  bool in_order_ = true;
};

// LedgerFixture's network (stores S1 and S2, warehouse W1), journaled to a TailSink.
struct TailFixture {
  TailSink sink;
  Ledger ledger{&sink};

  TailFixture() { AddTestNetwork(ledger); }
  Position At(const std::string& sku, const std::string& location) const {
    return ledger.GetPositions({Sku(sku)}, {LocationId(location)}).at(0);
  }
};

// A till transaction as sent, to send again.
struct SentTill {
  bool sale = true;
  SaleCommand sale_command;
  ReturnCommand return_command;
};

// A receipt or an adjustment sent with an idempotency key, to send again.
struct SentKeyed {
  bool receipt = true;
  ReceiveCommand receive;
  AdjustCommand adjust;
};

}  // namespace

TEST_CASE("seeded random till, warehouse and order operations agree with the reference model") {
  const uint64_t seed = GENERATE(1, 2, 3, 42, 20261122, 7, 99, 123456);
  CAPTURE(seed);
  std::mt19937_64 random(seed);
  auto pick = [&](int n) { return static_cast<int>(random() % n); };
  auto seconds = [&](int n) { return absl::Seconds(pick(n)); };

  TailFixture f;
  const absl::Duration retention = absl::Hours(48);
  f.ledger.LimitTillTimeToRetention(retention);
  Model model;
  model.till_age_max = retention - kPosClockSkewMax;
  model.locations = {
      {"S1", LocationKind::kStore}, {"S2", LocationKind::kStore}, {"W1", LocationKind::kWarehouse}};
  const std::vector<std::string> skus = {"A", "B", "C"};
  const std::vector<std::string> locations = {"S1", "S2", "W1"};
  auto any_sku = [&] { return skus[pick(skus.size())]; };
  auto any_location = [&] { return locations[pick(locations.size())]; };
  // 1 or 2 lines of distinct SKUs.
  auto pos_lines = [&] {
    std::vector<PosLine> lines;
    const int count = 1 + pick(2);
    for (const std::string& sku : skus) {
      if (static_cast<int>(lines.size()) < count && pick(2) == 0) {
        lines.push_back(PosLine{Sku(sku), 1 + pick(3)});
      }
    }
    if (lines.empty()) lines.push_back(PosLine{Sku(any_sku()), 1 + pick(3)});
    return lines;
  };

  absl::Time now = kT0;
  int next_id = 0;
  std::vector<SentTill> tills;
  std::vector<SentKeyed> keyed;
  std::vector<std::string> transfer_ids;
  std::vector<CountRow> last_batch;
  std::optional<CountRow> after_rush;  // the shelf of the last rush, to count from before it
  std::map<std::string, int> seen;     // op and outcome: what the run exercised
  CountSummary counted_in_all;
  int swept_in_all = 0;  // till transactions, keys and transfers forgotten

  for (int step = 0; step < 3000; ++step) {
    CAPTURE(step);
    now += seconds(20);
    // Now and then the next day or two: the idempotency retention passes.
    if (pick(200) == 0) now += absl::Hours(6) + seconds(30 * 3600);
    f.ledger.ExpireDue(now, 1'000'000);
    model.ExpireDue(now);
    if (pick(50) == 0) {
      // The server's sweeps: till transactions, kept keys and received transfers past it.
      const std::pair<int, int> forgotten = model.Forget(now - retention);
      CHECK(f.ledger.ForgetPosTransactions(now - retention, 1'000'000).first == forgotten.first);
      CHECK(f.ledger.ForgetTransfers(now - retention, 1'000'000).first == forgotten.second);
      swept_in_all += forgotten.first + forgotten.second;
    }
    if (pick(300) == 0) {
      // S2 stops (or starts again) taking online orders.
      const bool disable = !model.disabled.count("S2");
      Location s2 = *f.ledger.FindLocation(LocationId("S2"));
      s2.disabled = disable;
      REQUIRE(f.ledger.UpsertLocation(s2).outcome == Outcome::kOk);
      if (disable) {
        model.disabled.insert("S2");
      } else {
        model.disabled.erase("S2");
      }
      ++seen[disable ? "disable S2" : "enable S2"];
    }
    const size_t commits_before = f.sink.size();
    const int op = pick(100);
    // Mostly one of the latest orders, so that they get confirmed and fulfilled.
    const std::string id =
        "r" + std::to_string(pick(4) == 0 ? pick(next_id + 1) : std::max(0, next_id - pick(8)));
    std::string name;
    Outcome expected{}, actual{};
    if (op < 8) {
      name = "receive";
      ReceiveCommand command{LocationId(any_location()), Sku(any_sku()), 1 + pick(8), "po"};
      if (pick(3) == 0) {
        if (!keyed.empty() && pick(2) == 0) {
          const SentKeyed& before = keyed[pick(keyed.size())];
          command.idempotency_key =
              before.receipt ? before.receive.idempotency_key : before.adjust.idempotency_key;
          if (before.receipt && pick(2) == 0) command = before.receive;  // a retry
        } else {
          command.idempotency_key = "k" + std::to_string(keyed.size());
        }
        keyed.push_back(SentKeyed{true, command, {}});
        name += " keyed";
      }
      expected = model.Receive({command.sku.value(), command.location.value()}, command.quantity,
                               now, command.idempotency_key);
      actual = f.ledger.Receive(command, now).outcome;
    } else if (op < 20) {
      name = "reserve";
      const bool replay = pick(4) == 0 && next_id > 0;
      const std::string rid = replay ? id : "r" + std::to_string(++next_id);
      Lines lines;
      const int line_count = 1 + pick(3);
      for (int i = 0; i < line_count; ++i) {
        Line line = LedgerFixture::L(any_sku(), any_location(), 1 + pick(3));
        bool duplicate = false;
        for (const Line& l : lines) duplicate |= l.sku == line.sku && l.location == line.location;
        if (!duplicate) lines.push_back(line);
      }
      const absl::Duration ttl = absl::Seconds(60 + pick(900));
      expected = model.Reserve(rid, lines, now + ttl, now);
      actual = f.ledger.Reserve(LedgerFixture::Order(rid, lines, ttl), now).outcome;
    } else if (op < 28) {
      name = "confirm";
      expected = model.Confirm(id);
      actual = f.ledger.Confirm(ReservationId(id), now).outcome;
    } else if (op < 32) {
      name = "release";
      expected = model.Release(id, now);
      actual = f.ledger.Release(ReservationId(id), now).outcome;
    } else if (op < 40) {
      name = "fulfil";
      expected = model.Fulfill(id, now);
      actual = f.ledger.Fulfill(ReservationId(id), now).outcome;
    } else if (op < 66 || op >= 98) {
      SentTill till;
      if (op >= 98 && !tills.empty()) {
        // A till sends one again: as it was, or (a faulty till) with other lines.
        name = "till resend";
        till = tills[pick(tills.size())];
        if (pick(3) == 0) {
          name += " changed";
          (till.sale ? till.sale_command.lines : till.return_command.lines) = pos_lines();
        } else if (pick(3) == 0) {
          // Neither the times nor a return's reason are part of what a retry must repeat.
          name += " redated";
          absl::Time& dated =
              till.sale ? till.sale_command.sold_at : till.return_command.returned_at;
          dated = now - seconds(600);
          till.return_command.reason += " again";
        }
      } else {
        till.sale = op < 56;
        name = till.sale ? "sale" : "return";
        // Mostly at a store; a till set up with a warehouse's id now and then.
        const std::string store = pick(20) == 0 ? "W1" : pick(2) == 0 ? "S1" : "S2";
        const std::string terminal = "till-" + std::to_string(1 + pick(2));
        const std::string txn = "t" + std::to_string(tills.size());
        absl::Time at;
        const int when = pick(100);
        if (when < 10) {
          at = absl::InfinitePast();  // undated
        } else if (when < 15) {
          at = now + absl::Seconds(1) + seconds(240);  // a till clock ahead
        } else if (when < 70) {
          at = now - seconds(120);
        } else if (when < 94) {
          at = now - seconds(4 * 3600);  // uploaded late, maybe after a count
        } else if (when < 97) {
          at = now - model.till_age_max + absl::Seconds(pick(60));  // just within the bound
        } else {
          at = now - model.till_age_max - absl::Seconds(1) - seconds(3600);  // too old
        }
        if (till.sale) {
          till.sale_command = SaleCommand{LocationId(store), terminal, txn, pos_lines(), at};
        } else {
          const bool apart = pick(3) == 0;
          till.return_command = ReturnCommand{LocationId(store),
                                              terminal,
                                              txn,
                                              pos_lines(),
                                              at,
                                              apart,
                                              apart ? "opened box" : "",
                                              pick(2) == 0 ? "web-" + std::to_string(step) : ""};
        }
        // The same transaction id as a sale and a return: other content.
        if (!tills.empty() && pick(20) == 0) {
          const SentTill& other = tills[pick(tills.size())];
          const SaleCommand& o = other.sale_command;
          const ReturnCommand& r = other.return_command;
          if (till.sale) {
            till.sale_command.store = other.sale ? o.store : r.store;
            till.sale_command.terminal_id = other.sale ? o.terminal_id : r.terminal_id;
            till.sale_command.transaction_id = other.sale ? o.transaction_id : r.transaction_id;
          } else {
            till.return_command.store = other.sale ? o.store : r.store;
            till.return_command.terminal_id = other.sale ? o.terminal_id : r.terminal_id;
            till.return_command.transaction_id = other.sale ? o.transaction_id : r.transaction_id;
          }
          name += " reused id";
        }
        tills.push_back(till);
      }
      // The SKUs a sale takes off the shelf (not one a count already holds).
      std::set<std::string> took_off;
      std::map<std::string, Quantity> on_shelf;
      const std::string& store =
          (till.sale ? till.sale_command.store : till.return_command.store).value();
      for (const std::string& sku : skus) on_shelf[sku] = model.positions[{sku, store}].on_hand;
      Applied<PosResult> applied;
      if (till.sale) {
        const SaleCommand& c = till.sale_command;
        expected =
            model.Till(c.store.value(), c.terminal_id, c.transaction_id,
                       ModelTill{MovementKind::kSale, LineMap(c.lines), false}, c.sold_at, now);
        applied = f.ledger.RecordSale(c, now);
      } else {
        const ReturnCommand& c = till.return_command;
        expected = model.Till(c.store.value(), c.terminal_id, c.transaction_id,
                              ModelTill{MovementKind::kReturn, LineMap(c.lines), c.non_sellable},
                              c.returned_at, now);
        applied = f.ledger.RecordReturn(c, now);
      }
      actual = applied.outcome;
      for (const std::string& sku : skus) {
        if (model.positions[{sku, store}].on_hand < on_shelf[sku]) took_off.insert(sku);
      }
      if (Succeeded(actual)) CHECK(applied.value.duplicate == (actual == Outcome::kReplayed));
      // It lists the reservations left short where it took units off the shelf.
      if (actual == Outcome::kOk) {
        std::vector<AtRisk> want;
        for (const PosLine& line :
             till.sale ? till.sale_command.lines : till.return_command.lines) {
          if (till.sale && took_off.count(line.sku.value())) {
            for (const ReservationId& r : model.Uncovered({line.sku.value(), store})) {
              want.push_back(AtRisk{r, line.sku, LocationId(store)});
            }
          }
        }
        CHECK(applied.value.transaction.at_risk == want);
      }
      // The positions it answers with are the store's as they are now.
      for (const Position& position : applied.value.positions) {
        const ModelPosition& want =
            model.positions[{position.sku.value(), position.location.value()}];
        CHECK(position.on_hand == want.on_hand);
        CHECK(position.non_sellable == want.non_sellable);
      }
    } else if (op < 74) {
      name = "adjust";
      AdjustCommand command{LocationId(any_location()), Sku(any_sku()), 0, "damaged", "adj"};
      command.delta = pick(2) == 0 ? -(1 + pick(4)) : 1 + pick(3);
      command.non_sellable = pick(4) == 0;
      if (command.non_sellable) name += " non-sellable";
      if (pick(3) == 0) {
        if (!keyed.empty() && pick(2) == 0) {
          const SentKeyed& before = keyed[pick(keyed.size())];
          command.idempotency_key =
              before.receipt ? before.receive.idempotency_key : before.adjust.idempotency_key;
          if (!before.receipt && pick(2) == 0) command = before.adjust;  // a retry
        } else {
          command.idempotency_key = "k" + std::to_string(keyed.size());
        }
        keyed.push_back(SentKeyed{false, {}, command});
        name += " keyed";
      }
      expected = model.Adjust({command.sku.value(), command.location.value()}, command.delta,
                              command.non_sellable, now, command.idempotency_key);
      actual = f.ledger.Adjust(command, now).outcome;
    } else if (op < 82) {
      name = "count";
      std::vector<CountRow> rows;
      if (!last_batch.empty() && pick(8) == 0) {
        rows = last_batch;  // the WMS sends a batch again
        name += " resend";
      } else {
        if (after_rush && pick(2) == 0) {
          // Counted before the rush: the rush's first changes are gone from the history.
          rows.push_back(*after_rush);
          after_rush.reset();
          name += " before rush";
        }
        const int count = 1 + pick(3);
        for (int i = 0; i < count; ++i) {
          const std::string location = pick(30) == 0 ? "NOWHERE" : any_location();
          absl::Time at;
          const int when = pick(100);
          if (when < 30) {
            at = now - seconds(60);
          } else if (when < 80) {
            at = now - seconds(2 * 3600);
          } else if (when < 92) {
            at = now - seconds(12 * 3600);
          } else {
            at = now + absl::Seconds(1) + seconds(240);  // a WMS clock ahead
          }
          rows.push_back(CountRow{LocationId(location), Sku(any_sku()), pick(15), at});
        }
      }
      last_batch = rows;
      const CountSummary want = model.Counts(rows, now);
      const Applied<CountSummary> got = f.ledger.ApplyCounts(rows, now);
      expected = Outcome::kOk;
      actual = got.outcome;
      CHECK(got.value.applied == want.applied);
      CHECK(got.value.stale == want.stale);
      CHECK(got.value.unreconciled == want.unreconciled);
      CHECK(got.value.unknown == want.unknown);
      CHECK(got.value.over_limit == 0);
      CHECK(got.value.holds_no_stock == 0);
      CHECK(got.value.discrepancy == want.discrepancy);
      CHECK(got.value.at_risk == want.at_risk);
      CHECK(got.value.not_applied == want.not_applied);
      CHECK_FALSE(got.value.at_risk_truncated);
      counted_in_all.applied += want.applied;
      counted_in_all.stale += want.stale;
      counted_in_all.unreconciled += want.unreconciled;
      counted_in_all.unknown += want.unknown;
    } else if (op < 90) {
      name = "ship";
      Transfer transfer;
      const std::string again = transfer_ids.empty() ? "" : transfer_ids[pick(transfer_ids.size())];
      if (model.transfers.count(again) && pick(5) == 0) {
        transfer.id = again;
        const ModelTransfer& before = model.transfers.at(transfer.id);
        transfer.from = LocationId(before.from);
        transfer.to = LocationId(before.to);
        for (const auto& [sku, q] : before.lines) transfer.lines.push_back(PosLine{Sku(sku), q});
        std::reverse(transfer.lines.begin(), transfer.lines.end());  // order does not matter
        if (pick(3) == 0) {
          transfer.lines = pos_lines();
          name += " changed";
        } else {
          name += " again";
        }
      } else {
        transfer.id = "x" + std::to_string(step);
        const int from = pick(3);
        const int to = (from + 1 + pick(2)) % 3;
        transfer.from = LocationId(locations[from]);
        transfer.to = LocationId(locations[to]);
        transfer.lines = pos_lines();
      }
      expected = model.Ship(transfer.id, transfer.from.value(), transfer.to.value(),
                            LineMap(transfer.lines), now);
      actual = f.ledger.ShipTransfer(transfer, now).outcome;
      if (actual == Outcome::kOk) transfer_ids.push_back(transfer.id);
    } else if (op < 96) {
      name = "receive transfer";
      const std::string tid = transfer_ids.empty() || pick(10) == 0
                                  ? "x-unknown"
                                  : transfer_ids[pick(transfer_ids.size())];
      // Whole, short (each SKU 0 .. shipped), or naming a SKU it did not ship or too many.
      TransferReceipt receipt{tid};
      if (const auto known = model.transfers.find(tid);
          known != model.transfers.end() && pick(2) == 0) {
        for (const auto& [sku, q] : known->second.lines) {
          receipt.received.push_back(PosLine{Sku(sku), pick(static_cast<int>(q) + 1)});
        }
        if (pick(8) == 0) receipt.received.back().quantity += 1 + pick(2);
        if (pick(8) == 0) receipt.received.push_back(PosLine{Sku("Z"), 1});
        std::reverse(receipt.received.begin(), receipt.received.end());  // order does not matter
        name += " short";
      }
      expected = model.ReceiveTransfer(tid, LineMap(receipt.received), now);
      actual = f.ledger.ReceiveTransfer(receipt, now).outcome;
    } else if (op == 97) {
      // A rush at one till: many small sales and returns in the last half hour, sent at once,
      // more on_hand changes than a position keeps for the counts to come.
      name = "rush";
      const std::string store = pick(2) == 0 ? "S1" : "S2";
      const std::string sku = any_sku();
      const int count = kOnHandHistoryMax + pick(20);
      after_rush = CountRow{LocationId(store), Sku(sku), pick(15),
                            now - absl::Seconds(20 * count) - seconds(3600)};
      for (int i = 0; i < count; ++i) {
        const std::string txn = "rush" + std::to_string(step) + "-" + std::to_string(i);
        const absl::Time at = now - absl::Seconds(20 * (count - i));
        const std::vector<PosLine> lines = {PosLine{Sku(sku), 1}};
        if (pick(2) == 0) {
          expected = model.Till(store, "till-3", txn,
                                ModelTill{MovementKind::kSale, LineMap(lines), false}, at, now);
          actual =
              f.ledger.RecordSale(SaleCommand{LocationId(store), "till-3", txn, lines, at}, now)
                  .outcome;
        } else {
          expected = model.Till(store, "till-3", txn,
                                ModelTill{MovementKind::kReturn, LineMap(lines), false}, at, now);
          actual = f.ledger
                       .RecordReturn(ReturnCommand{LocationId(store), "till-3", txn, lines, at,
                                                   false, "", ""},
                                     now)
                       .outcome;
        }
        CAPTURE(i);
        REQUIRE(OutcomeName(actual) == OutcomeName(expected));
      }
    } else {
      name = "safety stock";
      const SafetyStockCommand command{LocationId(any_location()), Sku(any_sku()), pick(3)};
      expected = model.SetSafetyStock({command.sku.value(), command.location.value()},
                                      command.safety_stock);
      actual = f.ledger.SetSafetyStock(command, now).outcome;
    }
    CAPTURE(name);
    REQUIRE(OutcomeName(actual) == OutcomeName(expected));
    ++seen[name + ": " + std::string(OutcomeName(actual))];
    // Each position's last movement of the step carries its values after it, and the
    // reservations it leaves short.
    {
      const std::vector<Commit>& commits = f.sink.commits();
      std::map<Model::Key, const Movement*> last_movement;
      for (size_t i = commits_before; i < commits.size(); ++i) {
        for (const Movement& m : commits[i].movements) {
          last_movement[{m.sku.value(), m.location.value()}] = &m;
        }
      }
      for (const auto& [key, m] : last_movement) {
        CAPTURE(key.first, key.second);
        const ModelPosition& want = model.positions[key];
        CHECK(m->on_hand_after == want.on_hand);
        CHECK(m->reserved_after == want.reserved);
        CHECK(m->safety_stock_after == want.safety_stock);
        CHECK(m->in_transit_after == want.in_transit);
        CHECK(m->non_sellable_after == want.non_sellable);
        CHECK(m->at_risk == model.Uncovered(key));
      }
    }
    // A refusal or a replay changes nothing, so it commits nothing (a count batch, and a rush
    // of many transactions, always commit).
    if (actual != Outcome::kOk && name.rfind("count", 0) != 0 && name != "rush") {
      CHECK(f.sink.size() == commits_before);
    }

    for (const std::string& sku : skus) {
      for (const std::string& location : locations) {
        CheckPosition(f.At(sku, location), model.positions[{sku, location}]);
      }
    }
    if (step % 100 == 0) REQUIRE(f.ledger.CheckInvariants().ok());
  }

  for (const auto& [id, expected] : model.reservations) {
    CHECK(f.ledger.GetReservation(ReservationId(id))->state == expected.state);
  }
  REQUIRE(f.ledger.CheckInvariants().ok());
  REQUIRE(f.sink.in_order());
  // What the run must have exercised, or it proves little.
  CHECK(counted_in_all.applied > 0);
  CHECK(counted_in_all.stale > 0);
  CHECK(seen["sale: OK"] > 0);
  CHECK(seen["sale: CLIENT_TIME_TOO_OLD"] > 0);
  CHECK(seen["till resend: REPLAYED"] > 0);
  CHECK(seen["till resend changed: POS_TRANSACTION_EXISTS_WITH_DIFFERENT_CONTENT"] > 0);
  // Rarer: over all the seeds.
  static std::map<std::string, int> seen_in_all_seeds;
  static int64_t unreconciled_in_all_seeds = 0;
  for (const auto& [what, times] : seen) seen_in_all_seeds[what] += times;
  unreconciled_in_all_seeds += counted_in_all.unreconciled;
  if (seed == 123456) {  // the last one
    CHECK(seen_in_all_seeds["fulfil: ON_HAND_BELOW_ZERO"] > 0);
    CHECK(seen_in_all_seeds["count before rush: OK"] > 0);
    CHECK(unreconciled_in_all_seeds >= 8);
    CHECK(seen_in_all_seeds["receive transfer short: OK"] > 0);
    CHECK(seen_in_all_seeds["receive transfer short: TRANSFER_RECEIPT_MISMATCH"] > 0);
    CHECK(seen_in_all_seeds["receive transfer short: TRANSFER_EXISTS_WITH_DIFFERENT_CONTENT"] > 0);
  }
  CHECK(seen["receive transfer: OK"] > 0);
  CHECK(swept_in_all > 0);
  CHECK(seen["disable S2"] > 0);
  if (const char* verbose = std::getenv("MODEL_TEST_VERBOSE"); verbose != nullptr) {
    for (const auto& [what, times] : seen) std::fprintf(stderr, "%6d %s\n", times, what.c_str());
    std::fprintf(stderr, "counts: applied %ld stale %ld unreconciled %ld unknown %ld\n",
                 static_cast<long>(counted_in_all.applied), static_cast<long>(counted_in_all.stale),
                 static_cast<long>(counted_in_all.unreconciled),
                 static_cast<long>(counted_in_all.unknown));
  }

  // Recovery: the last row of every key in the journal's commits rebuilds the same ledger, till
  // transactions, kept keys and transfers included, less the ones a sweep forgot (whose rows a
  // store deletes).
  RecordingSink unused;  // what the rebuilt ledger journals after its restore
  Ledger rebuilt(&unused);
  rebuilt.LimitTillTimeToRetention(retention);
  Sequence last = 0;
  std::map<std::string, PosTransaction> kept_tills;
  std::map<std::string, Transfer> kept_transfers;
  for (const Commit& commit : f.sink.commits()) {
    for (const Location& l : commit.locations) rebuilt.RestoreLocation(l);
    for (const Position& p : commit.positions) rebuilt.RestorePosition(p);
    for (const Reservation& r : commit.reservations) rebuilt.RestoreReservation(r);
    for (const PosTransaction& t : commit.pos_transactions) kept_tills[t.Key()] = t;
    for (const Transfer& t : commit.transfers) kept_transfers[t.id] = t;
    for (const std::string& key : commit.forgotten_pos_transactions) kept_tills.erase(key);
    for (const std::string& id : commit.forgotten_transfers) kept_transfers.erase(id);
    last = commit.last_sequence;
  }
  for (const auto& [key, t] : kept_tills) rebuilt.RestorePosTransaction(t);
  for (const auto& [id, t] : kept_transfers) rebuilt.RestoreTransfer(t);
  rebuilt.RestoreSequence(last);
  CHECK(kept_tills.size() == model.recorded_at.size());
  CHECK(kept_transfers.size() == model.transfers.size());
  REQUIRE(rebuilt.CheckInvariants().ok());
  for (const std::string& sku : skus) {
    CHECK(rebuilt.GetPositions({Sku(sku)}, {}) == f.ledger.GetPositions({Sku(sku)}, {}));
  }
  CHECK(rebuilt.last_sequence() == f.ledger.last_sequence());
  CHECK(rebuilt.pos_transaction_count() == f.ledger.pos_transaction_count());
  for (const auto& [id, expected] : model.reservations) {
    CHECK(rebuilt.GetReservation(ReservationId(id))->state == expected.state);
  }
  // Each recorded till transaction, kept key and transfer is known to the rebuilt ledger: sent
  // again, it is a replay there too, and changes nothing.
  now += absl::Minutes(1);
  const size_t journaled = f.sink.size();
  for (const SentTill& till : tills) {
    const Outcome original = till.sale ? f.ledger.RecordSale(till.sale_command, now).outcome
                                       : f.ledger.RecordReturn(till.return_command, now).outcome;
    const Outcome again = till.sale ? rebuilt.RecordSale(till.sale_command, now).outcome
                                    : rebuilt.RecordReturn(till.return_command, now).outcome;
    CHECK(OutcomeName(again) == OutcomeName(original));
  }
  for (const SentKeyed& k : keyed) {
    const Outcome original = k.receipt ? f.ledger.Receive(k.receive, now).outcome
                                       : f.ledger.Adjust(k.adjust, now).outcome;
    const Outcome again =
        k.receipt ? rebuilt.Receive(k.receive, now).outcome : rebuilt.Adjust(k.adjust, now).outcome;
    CHECK(OutcomeName(again) == OutcomeName(original));
  }
  // In-transit transfers land in both.
  for (const std::string& tid : transfer_ids) {
    const Outcome original = f.ledger.ReceiveTransfer({tid}, now).outcome;
    CHECK(OutcomeName(rebuilt.ReceiveTransfer({tid}, now).outcome) == OutcomeName(original));
  }
  // The restored holds cover the same orders: a sale at every store's shelf, then a count of
  // every shelf down to 1, leave the same reservations short in both.
  std::vector<CountRow> last_counts;
  for (const std::string& sku : skus) {
    for (const std::string& location : locations) {
      if (location != "W1") {
        const SaleCommand sale{
            LocationId(location), "till-9", "last-" + sku, {PosLine{Sku(sku), 2}}, now};
        CHECK(OutcomeName(rebuilt.RecordSale(sale, now).outcome) ==
              OutcomeName(f.ledger.RecordSale(sale, now).outcome));
      }
      last_counts.push_back(CountRow{LocationId(location), Sku(sku), 1, now});
    }
  }
  CHECK(rebuilt.ApplyCounts(last_counts, now).value.at_risk ==
        f.ledger.ApplyCounts(last_counts, now).value.at_risk);
  std::vector<Movement> original_movements, rebuilt_movements;
  for (size_t i = journaled; i < f.sink.size(); ++i) {
    for (const Movement& m : f.sink.commits()[i].movements) original_movements.push_back(m);
  }
  for (const Commit& commit : unused.commits()) {
    for (const Movement& m : commit.movements) rebuilt_movements.push_back(m);
  }
  CHECK(original_movements.size() >= 6);
  CHECK(rebuilt_movements == original_movements);
  for (const std::string& sku : skus) {
    CHECK(rebuilt.GetPositions({Sku(sku)}, {}) == f.ledger.GetPositions({Sku(sku)}, {}));
  }
}

// Found by the model above: outcome.h documents the order of the checks "so a request with
// several faults always reports the same one": the location exists (1), it accepts the command
// (2: kLocationHasNoTill), then idempotency and a new till transaction's date (3:
// kClientTimeTooOld). RecordSale and RecordReturn checked the date first.
TEST_CASE("a till sale at a warehouse or nowhere, dated too far back, is refused for its place") {
  LedgerFixture f;
  const absl::Time now = kT0 + absl::Hours(24 * 40);
  const absl::Time too_old = now - kClientTimeAgeMax - absl::Minutes(1);
  CHECK(OutcomeName(
            f.ledger
                .RecordSale(
                    SaleCommand{LocationId("W1"), "till-1", "t1", {PosLine{Sku("A"), 1}}, too_old},
                    now)
                .outcome) == OutcomeName(Outcome::kLocationHasNoTill));
  CHECK(OutcomeName(
            f.ledger
                .RecordSale(
                    SaleCommand{
                        LocationId("NOWHERE"), "till-1", "t2", {PosLine{Sku("A"), 1}}, too_old},
                    now)
                .outcome) == OutcomeName(Outcome::kLocationNotFound));
}

}  // namespace omnistock::testing
