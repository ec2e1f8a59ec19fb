// The store's column families: a database written before the rows were split into them (every
// row in the default family) opens, moves its rows once, and rebuilds the same ledger and
// journal by position; a read of one position's journal stays within that position.
#include <memory>
#include <string>

#include "catch2/catch.hpp"
#include "rocksdb/db.h"
#include "storage/committer.h"
#include "storage/store.h"
#include "tests/support/temp_dir.h"

namespace omnistock::storage {
namespace {

using testing::TempDir;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

// Every row of every family of `store`, written to a new single-family database in `dir`.
size_t WriteAsOlderLayout(Store& store, const std::string& dir) {
  rocksdb::Options options;
  options.create_if_missing = true;
  rocksdb::DB* raw = nullptr;
  REQUIRE(rocksdb::DB::Open(options, dir, &raw).ok());
  std::unique_ptr<rocksdb::DB> older(raw);
  size_t non_journal = 0;
  for (rocksdb::ColumnFamilyHandle* family :
       {store.journal_family(), store.state_family(), store.position_index_family()}) {
    rocksdb::ReadOptions all;
    all.total_order_seek = true;
    std::unique_ptr<rocksdb::Iterator> it(store.db()->NewIterator(all, family));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      REQUIRE(older->Put(rocksdb::WriteOptions(), it->key(), it->value()).ok());
      if (family != store.journal_family()) ++non_journal;
    }
    REQUIRE(it->status().ok());
  }
  REQUIRE(older->Close().ok());
  return non_journal;
}

}  // namespace

TEST_CASE("a database of the older single-family layout is moved to column families on open") {
  TempDir dir;
  std::vector<Position> before;
  size_t rows_to_move = 0;
  {
    auto store = Store::Open(dir.Sub("current"));
    REQUIRE(store.ok());
    Committer committer(**store, nullptr);
    Ledger ledger(&committer);
    Location location;
    location.id = LocationId("S1");
    ledger.UpsertLocation(location);
    ledger.Receive(ReceiveCommand{LocationId("S1"), Sku("A"), 10, "po-1"}, kNow);
    ReserveCommand order;
    order.id = ReservationId("r1");
    order.lines = {Line{Sku("A"), LocationId("S1"), 3}};
    REQUIRE(ledger.Reserve(order, kNow).outcome == Outcome::kOk);
    REQUIRE(committer.WaitDurable(ledger.last_ticket()).ok());
    before = ledger.GetPositions({Sku("A")}, {});
    committer.Stop();
    rows_to_move = WriteAsOlderLayout(**store, dir.Sub("older"));
  }
  // location, position, reservation, last_sequence, and a position-index row per movement
  REQUIRE(rows_to_move == 6);

  for (int open = 0; open < 2; ++open) {
    auto store = Store::Open(dir.Sub("older"));
    REQUIRE(store.ok());
    CHECK((*store)->migrated_rows() == (open == 0 ? rows_to_move : 0));
    Committer committer(**store, nullptr);
    Ledger ledger(&committer);
    auto loaded = (*store)->LoadInto(ledger);
    REQUIRE(loaded.ok());
    CHECK(loaded->locations == 1);
    CHECK(loaded->reservations == 1);
    CHECK(ledger.GetPositions({Sku("A")}, {}) == before);
    auto journal = (*store)->ScanJournal(JournalQuery{Sku("A"), LocationId("S1"), 0, 100});
    REQUIRE(journal.ok());
    REQUIRE(journal->size() == 2);
    CHECK(journal->front().kind == MovementKind::kReceive);
    CHECK(journal->back().kind == MovementKind::kReserve);
  }
}

TEST_CASE("the journal of one position does not include positions whose ids extend its own") {
  TempDir dir;
  auto store = Store::Open(dir.path());
  REQUIRE(store.ok());
  Committer committer(**store, nullptr);
  Ledger ledger(&committer);
  for (const char* id : {"S1", "S10"}) {
    Location location;
    location.id = LocationId(id);
    ledger.UpsertLocation(location);
  }
  // In the position index, (A, S10) and then (AB, ...) sort right after (A, S1).
  for (int round = 0; round < 3; ++round) {
    for (const char* sku : {"A", "AB"}) {
      for (const char* location : {"S1", "S10"}) {
        ledger.Receive(ReceiveCommand{LocationId(location), Sku(sku), 1, "po"}, kNow);
      }
    }
  }
  REQUIRE(committer.WaitDurable(ledger.last_ticket()).ok());
  auto journal = (*store)->ScanJournal(JournalQuery{Sku("A"), LocationId("S1"), 0, 100});
  REQUIRE(journal.ok());
  REQUIRE(journal->size() == 3);
  for (const Movement& movement : *journal) {
    CHECK(movement.sku == Sku("A"));
    CHECK(movement.location == LocationId("S1"));
  }
  auto after = (*store)->ScanJournal(
      JournalQuery{Sku("AB"), LocationId("S10"), (*journal)[0].sequence, 100});
  REQUIRE(after.ok());
  CHECK(after->size() == 3);
  auto limited = (*store)->ScanJournal(JournalQuery{Sku("A"), LocationId("S10"), 0, 2});
  REQUIRE(limited.ok());
  CHECK(limited->size() == 2);
}

}  // namespace omnistock::storage
