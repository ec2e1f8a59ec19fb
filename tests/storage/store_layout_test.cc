// The store's layout: a database written before the rows were split into column families
// (every row in the default family) opens, moves its rows once, and rebuilds the same ledger
// and journal by position; a read of one position's journal stays within that position and,
// following the chain of its movements between index entries, is exactly the journal filtered
// to it, also in a database written before the movements were chained.
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "storage/codec.h"
#include "storage/committer.h"
#include "storage/store.h"
#include "tests/support/open_store.h"
#include "tests/support/temp_dir.h"

namespace omnistock::storage {
namespace {

using testing::OpenStore;
using testing::PositionQuery;
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

void AddLocations(Ledger& ledger, std::vector<const char*> ids) {
  for (const char* id : ids) {
    Location location;
    location.id = LocationId(id);
    ledger.UpsertLocation(location);
  }
}

void Receive(Ledger& ledger, const char* sku, const char* location) {
  REQUIRE(Succeeded(
      ledger.Receive(ReceiveCommand{LocationId(location), Sku(sku), 1, "po"}, kNow).outcome));
}

// `count` receipts of A at S1, with one of B at S1 beside every `b_every`-th, made durable.
void ReceiveInterleaved(Ledger& ledger, Committer& committer, int count, int b_every) {
  for (int i = 0; i < count; ++i) {
    Receive(ledger, "A", "S1");
    if (i % b_every == 0) Receive(ledger, "B", "S1");
  }
  REQUIRE(committer.WaitDurable(ledger.last_ticket()).ok());
}

size_t CountRows(Store& store, rocksdb::ColumnFamilyHandle* family) {
  rocksdb::ReadOptions all;
  all.total_order_seek = true;
  std::unique_ptr<rocksdb::Iterator> it(store.db()->NewIterator(all, family));
  size_t rows = 0;
  for (it->SeekToFirst(); it->Valid(); it->Next()) ++rows;
  REQUIRE(it->status().ok());
  return rows;
}

// Every read of one position's journal, from every point and at limits around a stretch of
// the chain, against the whole journal filtered to that position.
void CheckPositionReads(const Store& store, const Ledger& ledger, const char* sku,
                        const char* location, size_t expected) {
  auto all = store.ScanJournal(JournalQuery{std::nullopt, std::nullopt, 0, 1'000'000});
  REQUIRE(all.ok());
  REQUIRE(!all->empty());
  std::vector<Sequence> mine;
  for (const Movement& m : *all) {
    if (m.sku == Sku(sku) && m.location == LocationId(location)) mine.push_back(m.sequence);
  }
  REQUIRE(mine.size() == expected);
  for (Sequence after = 0; after <= all->back().sequence; ++after) {
    for (int limit : {1, 3, 15, 16, 17, 100}) {
      auto read = store.ScanJournal(PositionQuery(ledger, sku, location, after, limit));
      REQUIRE(read.ok());
      std::vector<Sequence> want;
      for (Sequence s : mine) {
        if (s > after && static_cast<int>(want.size()) < limit) want.push_back(s);
      }
      std::vector<Sequence> got;
      for (const Movement& m : *read) got.push_back(m.sequence);
      INFO(sku << " at " << location << ", after " << after << ", limit " << limit);
      REQUIRE(got == want);
    }
  }
}

// Rewrites `store` as the omnistockd before the chain wrote it: rows of format 1 (no
// previous, indexed, movement count or count-ahead byte) and a position-index entry for every
// movement.
void RewriteAsFormat1(Store& store) {
  auto format_1 = [](std::string row, size_t added_bytes) {
    row.resize(row.size() - added_bytes);
    row[0] = 1;
    return row;
  };
  rocksdb::WriteBatch batch;
  rocksdb::ReadOptions all;
  all.total_order_seek = true;
  std::unique_ptr<rocksdb::Iterator> it(
      store.db()->NewIterator(all, store.position_index_family()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    REQUIRE(batch.Delete(store.position_index_family(), it->key()).ok());
  }
  it.reset(store.db()->NewIterator(all, store.journal_family()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::optional<Movement> m = DecodeMovement(it->value().ToStringView());
    REQUIRE(m.has_value());
    m->previous = 0;
    m->indexed = false;
    // Less previous and indexed (now zero bytes), and format 6's non-sellable fields (zero).
    REQUIRE(m->non_sellable_delta == 0);
    REQUIRE(m->non_sellable_after == 0);
    REQUIRE(batch.Put(store.journal_family(), it->key(), format_1(Encode(*m), 4)).ok());
    REQUIRE(batch
                .Put(store.position_index_family(),
                     PositionIndexKey(m->sku, m->location, m->sequence), "")
                .ok());
  }
  it.reset(store.db()->NewIterator(all, store.state_family()));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->key().ToStringView()[0] != kPositionPrefix) continue;
    std::optional<Position> p = DecodePosition(it->value().ToStringView());
    REQUIRE(p.has_value());
    p->movements = 0;
    // The movement count and format 5's count-ahead byte, one zero byte each.
    REQUIRE(batch.Put(store.state_family(), it->key(), format_1(Encode(*p), 2)).ok());
  }
  rocksdb::WriteOptions synced;
  synced.sync = true;
  REQUIRE(store.db()->Write(synced, &batch).ok());
}

}  // namespace

TEST_CASE("a database of the older single-family layout is moved to column families on open") {
  TempDir dir;
  std::vector<Position> before;
  size_t rows_to_move = 0;
  {
    OpenStore db(dir.Sub("current"));
    Location location;
    location.id = LocationId("S1");
    db.ledger.UpsertLocation(location);
    db.ledger.Receive(ReceiveCommand{LocationId("S1"), Sku("A"), 10, "po-1"}, kNow);
    ReserveCommand order;
    order.id = ReservationId("r1");
    order.lines = {Line{Sku("A"), LocationId("S1"), 3}};
    REQUIRE(db.ledger.Reserve(order, kNow).outcome == Outcome::kOk);
    REQUIRE(db.committer.WaitDurable(db.ledger.last_ticket()).ok());
    before = db.ledger.GetPositions({Sku("A")}, {});
    db.committer.Stop();
    rows_to_move = WriteAsOlderLayout(*db.store, dir.Sub("older"));
  }
  // location, position, reservation, last_sequence (two movements: no position-index entry yet)
  REQUIRE(rows_to_move == 4);

  for (int open = 0; open < 2; ++open) {
    OpenStore db(dir.Sub("older"));
    CHECK(db.store->migrated_rows() == (open == 0 ? rows_to_move : 0));
    auto loaded = db.store->LoadInto(db.ledger);
    REQUIRE(loaded.ok());
    CHECK(loaded->locations == 1);
    CHECK(loaded->reservations == 1);
    CHECK(db.ledger.GetPositions({Sku("A")}, {}) == before);
    auto journal = db.store->ScanJournal(PositionQuery(db.ledger, "A", "S1", 0, 100));
    REQUIRE(journal.ok());
    REQUIRE(journal->size() == 2);
    CHECK(journal->front().kind == MovementKind::kReceive);
    CHECK(journal->back().kind == MovementKind::kReserve);
  }
}

TEST_CASE("the journal of one position does not include positions whose ids extend its own") {
  TempDir dir;
  OpenStore db(dir.path());
  for (const char* id : {"S1", "S10"}) {
    Location location;
    location.id = LocationId(id);
    db.ledger.UpsertLocation(location);
  }
  // In the position index, (A, S10) and then (AB, ...) sort right after (A, S1).
  for (int round = 0; round < 3; ++round) {
    for (const char* sku : {"A", "AB"}) {
      for (const char* location : {"S1", "S10"}) {
        db.ledger.Receive(ReceiveCommand{LocationId(location), Sku(sku), 1, "po"}, kNow);
      }
    }
  }
  REQUIRE(db.committer.WaitDurable(db.ledger.last_ticket()).ok());
  auto journal = db.store->ScanJournal(PositionQuery(db.ledger, "A", "S1", 0, 100));
  REQUIRE(journal.ok());
  REQUIRE(journal->size() == 3);
  for (const Movement& movement : *journal) {
    CHECK(movement.sku == Sku("A"));
    CHECK(movement.location == LocationId("S1"));
  }
  auto after =
      db.store->ScanJournal(PositionQuery(db.ledger, "AB", "S10", (*journal)[0].sequence, 100));
  REQUIRE(after.ok());
  CHECK(after->size() == 3);
  auto limited = db.store->ScanJournal(PositionQuery(db.ledger, "A", "S10", 0, 2));
  REQUIRE(limited.ok());
  CHECK(limited->size() == 2);
}

TEST_CASE("a position's journal, read along its chain, is the journal filtered to it") {
  TempDir dir;
  OpenStore db(dir.path());
  AddLocations(db.ledger, {"S1"});
  // 40 movements of (A, S1) among 14 of (B, S1): two indexed, and a tail of eight after them.
  ReceiveInterleaved(db.ledger, db.committer, 40, 3);
  CHECK(CountRows(*db.store, db.store->position_index_family()) == 40 / kPositionIndexEvery);
  CheckPositionReads(*db.store, db.ledger, "A", "S1", 40);
  CheckPositionReads(*db.store, db.ledger, "B", "S1", 14);
  auto none = db.store->ScanJournal(PositionQuery(db.ledger, "C", "S1", 0, 100));
  REQUIRE(none.ok());
  CHECK(none->empty());
}

TEST_CASE("a database written before movements were chained reads the same, then goes on") {
  TempDir dir;
  {
    OpenStore db(dir.path());
    AddLocations(db.ledger, {"S1"});
    ReceiveInterleaved(db.ledger, db.committer, 20, 3);
    db.committer.Stop();
    RewriteAsFormat1(*db.store);
    CHECK(CountRows(*db.store, db.store->position_index_family()) == 27);
  }
  OpenStore db(dir.path());
  REQUIRE(db.store->LoadInto(db.ledger).ok());
  CheckPositionReads(*db.store, db.ledger, "A", "S1", 20);
  CheckPositionReads(*db.store, db.ledger, "B", "S1", 7);
  // New movements chain onto the old ones: the reads span both formats.
  ReceiveInterleaved(db.ledger, db.committer, 30, 4);
  CheckPositionReads(*db.store, db.ledger, "A", "S1", 50);
  CheckPositionReads(*db.store, db.ledger, "B", "S1", 15);
}

TEST_CASE("a till transaction stored under its key without the store is moved to the new key") {
  TempDir dir;
  std::string old_key;
  {
    OpenStore db(dir.path());
    AddLocations(db.ledger, {"S1"});
    const SaleCommand sale{LocationId("S1"), "till-1", "t-1", {PosLine{Sku("A"), 1}}, kNow};
    REQUIRE(db.ledger.RecordSale(sale, kNow).outcome == Outcome::kOk);
    REQUIRE(db.committer.WaitDurable(db.ledger.last_ticket()).ok());
    db.committer.Stop();
    // As an omnistockd before session 19 wrote it: keyed by terminal and transaction alone.
    PosTransaction transaction;
    transaction.store = LocationId("S1");
    transaction.terminal_id = "till-1";
    transaction.transaction_id = "t-1";
    const std::string new_key = PosTransactionKey(transaction);
    old_key = PosTransactionKey(std::string("till-1") + '\0' + "t-1");
    std::string row;
    REQUIRE(
        db.store->db()->Get(rocksdb::ReadOptions(), db.store->state_family(), new_key, &row).ok());
    rocksdb::WriteBatch rewrite;
    REQUIRE(rewrite.Delete(db.store->state_family(), new_key).ok());
    REQUIRE(rewrite.Put(db.store->state_family(), old_key, row).ok());
    REQUIRE(db.store->db()->Write(rocksdb::WriteOptions(), &rewrite).ok());
  }
  {
    // A transfer row that does not decode, loaded after the till rows: the load stops, and the
    // till row has not moved ("Nothing was changed").
    OpenStore db(dir.path());
    const std::string damaged = std::string(1, kTransferPrefix) + "damaged";
    REQUIRE(db.store->db()
                ->Put(rocksdb::WriteOptions(), db.store->state_family(), damaged,
                      std::string(1, kRowFormat) + "\xff\xff")
                .ok());
    const absl::StatusOr<LoadSummary> refused = db.store->LoadInto(db.ledger);
    CHECK(refused.status().code() == absl::StatusCode::kDataLoss);
    std::string row;
    CHECK(
        db.store->db()->Get(rocksdb::ReadOptions(), db.store->state_family(), old_key, &row).ok());
    REQUIRE(
        db.store->db()->Delete(rocksdb::WriteOptions(), db.store->state_family(), damaged).ok());
  }
  {
    OpenStore db(dir.path());
    absl::StatusOr<LoadSummary> loaded = db.store->LoadInto(db.ledger);
    REQUIRE(loaded.ok());
    CHECK(loaded->pos_transactions == 1);
    CHECK(loaded->pos_transactions_rekeyed == 1);
    std::string row;
    CHECK(db.store->db()
              ->Get(rocksdb::ReadOptions(), db.store->state_family(), old_key, &row)
              .IsNotFound());
    // The sale sent again is still the same sale.
    const SaleCommand sale{LocationId("S1"), "till-1", "t-1", {PosLine{Sku("A"), 1}}, kNow};
    CHECK(db.ledger.RecordSale(sale, kNow).outcome == Outcome::kReplayed);
  }
  OpenStore db(dir.path());
  absl::StatusOr<LoadSummary> again = db.store->LoadInto(db.ledger);
  REQUIRE(again.ok());
  CHECK(again->pos_transactions == 1);
  CHECK(again->pos_transactions_rekeyed == 0);  // moved once, for good
}

TEST_CASE("a row of a newer storage format stops the load, saying a newer omnistockd wrote it") {
  TempDir dir;
  OpenStore db(dir.path());
  // A position row as a later format would start it: its format byte, then what this build
  // cannot know.
  std::string row = Encode(EmptyPosition(Sku("A"), LocationId("S1")));
  row[0] = static_cast<char>(kRowFormat + 1);
  REQUIRE(db.store->db()
              ->Put(rocksdb::WriteOptions(), db.store->state_family(),
                    PositionKey(Sku("A"), LocationId("S1")), row)
              .ok());
  const absl::StatusOr<LoadSummary> loaded = db.store->LoadInto(db.ledger);
  REQUIRE_FALSE(loaded.ok());
  CHECK(loaded.status().code() == absl::StatusCode::kDataLoss);
  CHECK_THAT(
      std::string(loaded.status().message()),
      Catch::Contains(absl::StrCat("is in storage format ", kRowFormat + 1,
                                   ", and this omnistockd reads formats 1 to ",
                                   static_cast<int>(kRowFormat), ": a newer omnistockd wrote it")));
}

TEST_CASE("a state row of a kind this build does not know stops the load, changing nothing") {
  TempDir dir;
  OpenStore db(dir.path());
  AddLocations(db.ledger, {"S1"});
  REQUIRE(db.committer.WaitDurable(db.ledger.last_ticket()).ok());
  // As a later omnistockd might add a kind of row: here 'q', between the known ones.
  REQUIRE(db.store->db()
              ->Put(rocksdb::WriteOptions(), db.store->state_family(), "q/later-kind", "row")
              .ok());
  Committer committer(*db.store, nullptr);
  Ledger fresh(&committer);
  const absl::StatusOr<LoadSummary> loaded = db.store->LoadInto(fresh);
  CHECK(loaded.status().code() == absl::StatusCode::kDataLoss);
  CHECK_THAT(std::string(loaded.status().message()),
             Catch::Contains("is of a kind ('q') this omnistockd does not know") &&
                 Catch::Contains("a newer omnistockd wrote it"));
  // Without it, the same store loads.
  REQUIRE(db.store->db()
              ->Delete(rocksdb::WriteOptions(), db.store->state_family(), "q/later-kind")
              .ok());
  Committer again_committer(*db.store, nullptr);
  Ledger again(&again_committer);
  const absl::StatusOr<LoadSummary> reloaded = db.store->LoadInto(again);
  REQUIRE(reloaded.ok());
  CHECK(reloaded->locations == 1);
}

TEST_CASE("an older layout's row of a kind this build does not know is refused, and not moved") {
  TempDir dir;
  {
    rocksdb::Options options;
    options.create_if_missing = true;
    rocksdb::DB* raw = nullptr;
    REQUIRE(rocksdb::DB::Open(options, dir.path(), &raw).ok());
    std::unique_ptr<rocksdb::DB> older(raw);
    REQUIRE(older->Put(rocksdb::WriteOptions(), LocationKey(LocationId("S1")), "row").ok());
    REQUIRE(older->Put(rocksdb::WriteOptions(), "k/later-kind", "row").ok());
  }
  const absl::StatusOr<std::unique_ptr<Store>> opened = Store::Open(dir.path(), {});
  REQUIRE_FALSE(opened.ok());
  CHECK(opened.status().code() == absl::StatusCode::kDataLoss);
  CHECK_THAT(std::string(opened.status().message()),
             Catch::StartsWith("row of an older layout '") &&
                 Catch::Contains("is of a kind ('k') this omnistockd does not know"));
  // Both rows are where they were.
  rocksdb::DB* raw = nullptr;
  std::vector<rocksdb::ColumnFamilyDescriptor> families;
  std::vector<std::string> names;
  REQUIRE(rocksdb::DB::ListColumnFamilies(rocksdb::DBOptions(), dir.path(), &names).ok());
  for (const std::string& name : names) families.emplace_back(name, rocksdb::ColumnFamilyOptions());
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  REQUIRE(rocksdb::DB::OpenForReadOnly(rocksdb::DBOptions(), dir.path(), families, &handles, &raw)
              .ok());
  std::string row;
  CHECK(raw->Get(rocksdb::ReadOptions(), LocationKey(LocationId("S1")), &row).ok());
  CHECK(raw->Get(rocksdb::ReadOptions(), "k/later-kind", &row).ok());
  for (rocksdb::ColumnFamilyHandle* handle : handles) raw->DestroyColumnFamilyHandle(handle);
  delete raw;
}

}  // namespace omnistock::storage
