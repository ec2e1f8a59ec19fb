// Positions, stock movements, all-or-nothing reservation and the journal the ledger produces.
#include "engine/ledger.h"

#include <algorithm>
#include <map>
#include <optional>
#include <set>
#include <thread>
#include <vector>

#include "absl/hash/hash.h"
#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"
#include "engine/transient_ids.h"
#include "tests/engine/ledger_fixture.h"

namespace omnistock::testing {

TEST_CASE("receive adds on_hand and journals one movement with the next sequence") {
  LedgerFixture f;
  const size_t before = f.sink.size();
  Position p = f.Stock("A", "S1", 10);
  CHECK(p.on_hand == 10);
  CHECK(p.available() == 10);
  p = f.Stock("A", "S1", 5);
  CHECK(p.on_hand == 15);
  auto commits = f.sink.commits();
  REQUIRE(commits.size() == before + 2);
  const Movement& m = commits.back().movements.at(0);
  CHECK(m.kind == MovementKind::kReceive);
  CHECK(m.on_hand_delta == 5);
  CHECK(m.sequence == 2);
  CHECK(commits.back().positions.at(0).on_hand == 15);
  CHECK(commits.back().positions.at(0).last_sequence == 2);
}

TEST_CASE("a copy of a position keeps the history it was taken with") {
  // Positions share their on_hand history with their copies (commits, answers) until it changes.
  LedgerFixture f;
  const Position first = f.Stock("SKU-1", "S1", 5);
  REQUIRE(first.history.size() == 1);
  f.ledger.Reserve(LedgerFixture::Order("R-1", {LedgerFixture::L("SKU-1", "S1", 2)}), kT0);
  const Position reserved = f.At("SKU-1", "S1");
  CHECK(reserved.history == first.history);  // a reservation leaves on_hand alone
  f.ledger.Adjust(AdjustCommand{LocationId("S1"), Sku("SKU-1"), -1, "damaged", "test"},
                  kT0 + absl::Seconds(1));
  const Position adjusted = f.At("SKU-1", "S1");
  REQUIRE(adjusted.history.size() == 2);
  CHECK(adjusted.history.begin()[1].delta == -1);
  CHECK(first.history.size() == 1);  // the earlier copies did not see the change
  CHECK(reserved.history.size() == 1);
  CHECK(first.history.begin()[0].delta == 5);
  CHECK_FALSE(adjusted.history == first.history);
  // Only the last commit carries the two-change history.
  CHECK(f.sink.commits().back().positions.at(0).history == adjusted.history);
}

TEST_CASE("receive at an unknown location changes nothing") {
  LedgerFixture f;
  const size_t before = f.sink.size();
  auto applied = f.ledger.Receive(ReceiveCommand{LocationId("NOPE"), Sku("A"), 1, ""}, kT0);
  CHECK(applied.outcome == Outcome::kLocationNotFound);
  CHECK(f.sink.size() == before);
  CHECK(f.ledger.GetPositions({Sku("A")}, {}).empty());
}

TEST_CASE("adjust never takes on_hand below zero") {
  LedgerFixture f;
  f.Stock("A", "S1", 3);
  auto applied = f.ledger.Adjust(AdjustCommand{LocationId("S1"), Sku("A"), -4, "DAMAGE", ""}, kT0);
  CHECK(applied.outcome == Outcome::kOnHandBelowZero);
  CHECK(f.At("A", "S1").on_hand == 3);
  applied = f.ledger.Adjust(AdjustCommand{LocationId("S1"), Sku("A"), -3, "DAMAGE", ""}, kT0);
  CHECK(applied.outcome == Outcome::kOk);
  CHECK(f.At("A", "S1").on_hand == 0);
}

TEST_CASE("a loss below what is reserved journals the reservations it leaves uncovered") {
  LedgerFixture f;
  f.Stock("A", "S1", 5);
  REQUIRE(f.ledger.Reserve(f.Order("old", {f.L("A", "S1", 2)}), kT0).outcome == Outcome::kOk);
  REQUIRE(f.ledger.Reserve(f.Order("new", {f.L("A", "S1", 2)}), kT0 + absl::Seconds(1)).outcome ==
          Outcome::kOk);
  REQUIRE(
      f.ledger.Adjust(AdjustCommand{LocationId("S1"), Sku("A"), -2, "DAMAGE", ""}, kT0).outcome ==
      Outcome::kOk);
  const Commit commit = f.sink.commits().back();
  REQUIRE(commit.movements.size() == 1);
  CHECK(commit.movements[0].on_hand_after == 3);
  REQUIRE(commit.movements[0].at_risk.size() == 1);
  CHECK(commit.movements[0].at_risk[0] == ReservationId("new"));
}

TEST_CASE("receive refuses to take on_hand over its limit") {
  LedgerFixture f;
  Position full = EmptyPosition(Sku("A"), LocationId("S1"));
  full.on_hand = kOnHandMax - 1;
  f.ledger.RestorePosition(full);
  auto applied = f.ledger.Receive(ReceiveCommand{LocationId("S1"), Sku("A"), 2, ""}, kT0);
  CHECK(applied.outcome == Outcome::kOnHandLimitExceeded);
  CHECK(f.At("A", "S1").on_hand == kOnHandMax - 1);
}

TEST_CASE("safety stock is never available to an online order") {
  LedgerFixture f;
  f.Stock("A", "S1", 5);
  f.ledger.SetSafetyStock(SafetyStockCommand{LocationId("S1"), Sku("A"), 2}, kT0);
  CHECK(f.At("A", "S1").available() == 3);
  auto applied = f.ledger.Reserve(f.Order("r1", {f.L("A", "S1", 4)}), kT0);
  CHECK(applied.outcome == Outcome::kInsufficientAvailable);
  REQUIRE(applied.short_lines.size() == 1);
  CHECK(applied.short_lines[0].available == 3);
  CHECK(f.ledger.Reserve(f.Order("r2", {f.L("A", "S1", 3)}), kT0).outcome == Outcome::kOk);
}

TEST_CASE("reserve is all-or-nothing: one short line leaves every position untouched") {
  LedgerFixture f;
  f.Stock("A", "S1", 10);
  f.Stock("B", "S2", 1);
  f.Stock("C", "W1", 10);
  const size_t before = f.sink.size();
  auto applied = f.ledger.Reserve(
      f.Order("r1", {f.L("A", "S1", 2), f.L("B", "S2", 2), f.L("C", "W1", 2)}), kT0);
  CHECK(applied.outcome == Outcome::kInsufficientAvailable);
  REQUIRE(applied.short_lines.size() == 1);
  CHECK(applied.short_lines[0].sku == Sku("B"));
  CHECK(applied.short_lines[0].location == LocationId("S2"));
  CHECK(applied.short_lines[0].requested == 2);
  CHECK(applied.short_lines[0].available == 1);
  CHECK(f.At("A", "S1").reserved == 0);
  CHECK(f.At("C", "W1").reserved == 0);
  CHECK(f.sink.size() == before);
  CHECK_FALSE(f.ledger.GetReservation(ReservationId("r1")).has_value());
}

TEST_CASE("reserve of a SKU never stocked at the location reports zero available") {
  LedgerFixture f;
  auto applied = f.ledger.Reserve(f.Order("r1", {f.L("ZZ", "S1", 1)}), kT0);
  CHECK(applied.outcome == Outcome::kInsufficientAvailable);
  REQUIRE(applied.short_lines.size() == 1);
  CHECK(applied.short_lines[0].available == 0);
}

TEST_CASE("a multi-line reserve holds every line and journals one movement per line") {
  LedgerFixture f;
  f.Stock("A", "S1", 10);
  f.Stock("B", "W1", 10);
  auto applied = f.ledger.Reserve(f.Order("r1", {f.L("A", "S1", 2), f.L("B", "W1", 3)}), kT0);
  REQUIRE(applied.outcome == Outcome::kOk);
  CHECK(applied.value.state == ReservationState::kHeld);
  CHECK(applied.value.expires_at == kT0 + absl::Minutes(15));
  CHECK(f.At("A", "S1").reserved == 2);
  CHECK(f.At("B", "W1").available() == 7);
  const Commit commit = f.sink.commits().back();
  CHECK(commit.ticket == applied.ticket);
  REQUIRE(commit.movements.size() == 2);
  CHECK(commit.movements[0].kind == MovementKind::kReserve);
  CHECK(commit.movements[1].sequence == commit.movements[0].sequence + 1);
  CHECK(commit.reservations.size() == 1);
  CHECK(commit.positions.size() == 2);
  CHECK(f.ledger.CheckInvariants().ok());
}

TEST_CASE("an unknown or disabled location refuses a reservation and changes nothing") {
  LedgerFixture f;
  f.Stock("A", "S1", 10);
  CHECK(f.ledger.Reserve(f.Order("r1", {f.L("A", "S1", 1), f.L("A", "XX", 1)}), kT0).outcome ==
        Outcome::kLocationNotFound);
  Location disabled = *f.ledger.FindLocation(LocationId("S1"));
  disabled.disabled = true;
  f.ledger.UpsertLocation(disabled);
  CHECK(f.ledger.Reserve(f.Order("r2", {f.L("A", "S1", 1)}), kT0).outcome ==
        Outcome::kLocationDisabled);
  CHECK(f.At("A", "S1").reserved == 0);
}

TEST_CASE("upserting the same location twice is a replay") {
  LedgerFixture f;
  Location location = *f.ledger.FindLocation(LocationId("S1"));
  const size_t before = f.sink.size();
  CHECK(f.ledger.UpsertLocation(location).outcome == Outcome::kReplayed);
  CHECK(f.sink.size() == before);
  location.name = "renamed";
  CHECK(f.ledger.UpsertLocation(location).outcome == Outcome::kOk);
  CHECK(f.ledger.FindLocation(LocationId("S1"))->name == "renamed");
}

TEST_CASE("availability of a SKU across all locations, ordered by location") {
  LedgerFixture f;
  f.Stock("A", "W1", 1);
  f.Stock("A", "S2", 2);
  f.Stock("A", "S1", 3);
  f.Stock("B", "S1", 4);
  auto positions = f.ledger.GetPositions({Sku("A")}, {});
  REQUIRE(positions.size() == 3);
  CHECK(positions[0].location == LocationId("S1"));
  CHECK(positions[1].location == LocationId("S2"));
  CHECK(positions[2].location == LocationId("W1"));
}

TEST_CASE("concurrent reservations of one hot SKU never over-reserve") {
  LedgerFixture f;
  constexpr int kStock = 1000;
  constexpr int kThreads = 8;
  constexpr int kAttemptsPerThread = 250;  // demand 2000 > stock
  f.Stock("HOT", "S1", kStock);
  f.Stock("COLD", "W1", kThreads * kAttemptsPerThread);
  std::atomic<int> successes{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kAttemptsPerThread; ++i) {
        // Two shards per order, listed in both orders, to exercise the lock ordering.
        Lines lines = {f.L("HOT", "S1", 1), f.L("COLD", "W1", 1)};
        if (i % 2) std::swap(lines[0], lines[1]);
        auto applied = f.ledger.Reserve(
            f.Order("t" + std::to_string(t) + "-" + std::to_string(i), lines), kT0);
        if (applied.outcome == Outcome::kOk) successes++;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(successes == kStock);
  CHECK(f.At("HOT", "S1").reserved == kStock);
  CHECK(f.At("HOT", "S1").available() == 0);
  CHECK(f.At("COLD", "W1").reserved == kStock);
  CHECK(f.ledger.CheckInvariants().ok());
  // Tickets are dense, and in ticket order the sequences are gap-free.
  Sequence expected = 0;
  CommitTicket ticket = 0;
  for (const Commit& commit : f.sink.commits()) {
    CHECK(commit.ticket == ++ticket);
    for (const Movement& m : commit.movements) CHECK(m.sequence == ++expected);
  }
}

TEST_CASE("an id hashes and compares by its value however it was made, moved-from included") {
  const absl::Hash<Sku> hash;
  const Sku made("SKU-COFFEE-1KG");
  Sku copied = made;
  CHECK(copied == made);
  CHECK(hash(copied) == hash(made));
  Sku moved = std::move(copied);
  CHECK(moved == made);
  CHECK(hash(moved) == hash(made));
  // The moved-from id is the empty id, hash included: a map probed with it finds the empty key.
  CHECK(copied == Sku());  // NOLINT(bugprone-use-after-move): what is checked
  CHECK(hash(copied) == hash(Sku()));
  Sku assigned("OTHER");
  assigned = std::move(moved);
  CHECK(assigned == made);
  CHECK(hash(moved) == hash(Sku("")));  // NOLINT(bugprone-use-after-move)
  CHECK(Sku("SKU-COFFEE-1KG") != Sku("SKU-COFFEE-1KH"));
  CHECK(Sku("A-1") < Sku("A-2"));  // ordered by value, as before ids carried a hash
}

TEST_CASE("a reservation id's copies share its string and outlive the original") {
  const absl::Hash<ReservationId> hash;
  const std::string text = "ORDER-2027-01-15-000000042-web";  // longer than any inline string
  std::optional<ReservationId> original(std::in_place, text);
  ReservationId copied = *original;
  CHECK(&copied.value() == &original->value());  // one string, not a copy of it
  ReservationId separate(text);                  // made again: equal, but its own string
  CHECK(&separate.value() != &original->value());
  CHECK(separate == *original);
  CHECK(hash(separate) == hash(*original));
  original.reset();
  CHECK(copied.value() == text);  // the copy keeps the string alive
  CHECK(copied == separate);

  ReservationId moved = std::move(copied);
  CHECK(moved.value() == text);
  CHECK(copied.empty());             // NOLINT(bugprone-use-after-move): what is checked
  CHECK(copied == ReservationId());  // NOLINT(bugprone-use-after-move)
  CHECK(hash(copied) == hash(ReservationId("")));  // NOLINT(bugprone-use-after-move)
  ReservationId assigned("r-other");
  assigned = moved;  // copy-assigned over another id: now shares this one's string
  CHECK(&assigned.value() == &moved.value());
  ReservationId target("r-target");
  target = std::move(assigned);
  CHECK(target == separate);
  CHECK(assigned.empty());  // NOLINT(bugprone-use-after-move): what is checked
  CHECK(hash(assigned) == hash(ReservationId()));  // NOLINT(bugprone-use-after-move)
  CHECK(ReservationId("").empty());
  CHECK(ReservationId("").value().empty());
  CHECK(ReservationId("r-1") < ReservationId("r-2"));
  CHECK(ReservationId("r-1") != ReservationId("r-2"));

  // Copies made and dropped on several threads at once leave the string intact.
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&moved] {
      for (int i = 0; i < 10000; ++i) {
        ReservationId copy = moved;
        ReservationId again = copy;
        (void)again;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(moved.value() == text);
  CHECK(moved == separate);
}

TEST_CASE("ids made from the same string on different threads are one id") {
  // SKUs and locations are interned: equality is the identity of the interned string, so two
  // threads interning the same new string at once must end up with the same entry.
  constexpr int kThreads = 4;
  constexpr int kIds = 2000;
  std::vector<std::vector<Sku>> made(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&made, t] {
      for (int i = 0; i < kIds; ++i) made[t].push_back(Sku(absl::StrCat("SKU-RACE-", i)));
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int i = 0; i < kIds; ++i) {
    const Sku later(absl::StrCat("SKU-RACE-", i));
    for (int t = 0; t < kThreads; ++t) {
      REQUIRE(made[t][i] == later);
      REQUIRE(&made[t][i].value() == &later.value());  // the one copy of the string
    }
    REQUIRE(later.value() == absl::StrCat("SKU-RACE-", i));
  }
  // A SKU and a location made from one string are still different types with equal values.
  CHECK(LocationId("SKU-RACE-1").value() == Sku("SKU-RACE-1").value());
  CHECK(Sku("SKU-RACE-1") != Sku("SKU-RACE-2"));
}

TEST_CASE("a read's transient ids intern nothing and stand for stored ids where they exist") {
  const Sku stored("TRANSIENT-STORED");
  TransientIds ids;
  const Sku unknown = ids.Resolve<Sku>("TRANSIENT-UNKNOWN");
  CHECK(unknown.value() == "TRANSIENT-UNKNOWN");
  CHECK(ids.Resolve<Sku>("TRANSIENT-UNKNOWN") == unknown);  // one id per string, as interned
  CHECK(internal::FindInterned("TRANSIENT-UNKNOWN") == nullptr);
  CHECK_FALSE(Sku::IfInterned("TRANSIENT-UNKNOWN").has_value());
  CHECK(ids.Resolve<Sku>("TRANSIENT-STORED") == stored);
  REQUIRE(Sku::IfInterned("TRANSIENT-STORED").has_value());
  CHECK(*Sku::IfInterned("TRANSIENT-STORED") == stored);
  // Interned later, the string's stored id has the transient one's hash and value, and is
  // still another id: nothing stored ever points at a transient entry.
  const Sku later("TRANSIENT-UNKNOWN");
  CHECK(absl::Hash<Sku>{}(later) == absl::Hash<Sku>{}(unknown));
  CHECK(later != unknown);
}

TEST_CASE("the SKUs of one shard keep the hash bits its hash maps probe with") {
  // A shard's maps hash a SKU with the same absl::Hash and take a 7-bit probe tag from its
  // bottom bits. Shards chosen from those bits left each shard's SKUs two tags between them,
  // so every lookup compared (and fetched) several keys.
  std::map<int, std::set<size_t>> tags_by_shard;
  for (int i = 0; i < 312 * kLedgerShardCount; ++i) {
    const Sku sku(absl::StrCat("SKU-", i));
    const size_t hash = absl::Hash<Sku>{}(sku);
    tags_by_shard[ShardIndexFor(sku)].insert(hash % 128);
  }
  REQUIRE(tags_by_shard.size() == kLedgerShardCount);
  for (const auto& [shard, tags] : tags_by_shard) {
    INFO("shard " << shard);
    CHECK(tags.size() > 100);  // about 117 of 128 expected from ~312 SKUs per shard
  }
}

TEST_CASE("a location's positions are listed by SKU, a page at a time, across every shard") {
  LedgerFixture f;
  std::vector<std::string> at_s1;
  for (int i = 0; i < 300; ++i) {
    const std::string sku = absl::StrCat("K-", (i * 7919) % 1000);  // not made in SKU order
    f.Stock(sku, i % 3 == 0 ? "S2" : "S1", i + 1);
    if (i % 3 != 0) at_s1.push_back(sku);
  }
  std::sort(at_s1.begin(), at_s1.end());
  std::vector<std::string> listed;
  std::string after;
  for (int page = 0; page < 100; ++page) {
    const std::vector<Position> positions = f.ledger.PositionsAt(LocationId("S1"), after, 7);
    for (const Position& position : positions) {
      CHECK(position.location == LocationId("S1"));
      CHECK(position.on_hand == f.At(position.sku.value(), "S1").on_hand);
      listed.push_back(position.sku.value());
    }
    if (positions.size() < 7) break;
    after = positions.back().sku.value();
  }
  CHECK(listed == at_s1);
  CHECK(f.ledger.PositionsAt(LocationId("W1"), "", 10).empty());
  CHECK(f.ledger.PositionsAt(LocationId("S1"), at_s1.back(), 10).empty());
}

}  // namespace omnistock::testing
