// The write-ahead log stays bounded (kMaxWalBytes): a column family written rarely, as the
// position index is, must not keep every WAL file alive until its own memtable fills. And a log
// damaged before its end stops the store from opening (WalRecovery::kStrict) instead of losing
// the acknowledged writes after the damage, while a torn last record is dropped as a crash in
// the middle of a write leaves it.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "catch2/catch.hpp"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "storage/codec.h"
#include "storage/committer.h"
#include "storage/durable_floor.h"
#include "storage/store.h"
#include "tests/support/open_store.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wal_file.h"

namespace omnistock::storage {
namespace {

using testing::DamageWalRecord;
using testing::OpenStore;
using testing::TempDir;
using testing::WalFile;
using testing::WalFiles;
using testing::WalRecordOffsets;

// The bytes of every WAL file (*.log) in `dir`.
uint64_t WalBytes(const std::string& dir) {
  uint64_t bytes = 0;
  for (const std::string& log : WalFiles(dir)) {
    std::error_code gone;  // a file RocksDB deleted since the listing counts for nothing
    const uint64_t size = std::filesystem::file_size(log, gone);
    if (!gone) bytes += size;
  }
  return bytes;
}

// Writes `rows` rows of 4 KiB to both the journal and the state family, one WriteBatch (and so
// one WAL record) per row pair, as the committer writes, without syncing.
void WriteRows(Store& store, int rows) {
  const std::string value(4096, 'v');
  for (int i = 0; i < rows; ++i) {
    rocksdb::WriteBatch batch;
    const std::string key = "k" + std::to_string(1'000'000 + i);
    REQUIRE(batch.Put(store.journal_family(), key, value).ok());
    REQUIRE(batch.Put(store.state_family(), key, value).ok());
    REQUIRE(store.db()->Write(rocksdb::WriteOptions(), &batch).ok());
  }
}

TEST_CASE("a rarely written family does not keep the whole write-ahead log alive") {
  TempDir dir;
  constexpr uint64_t kCap = uint64_t{1} << 20;
  absl::StatusOr<std::unique_ptr<Store>> opened = Store::Open(dir.path(), {.max_wal_bytes = kCap});
  REQUIRE(opened.ok());
  Store& store = **opened;
  // One index row in the first WAL file, then 32 MiB into the other two families: far below
  // their 128 MiB memtables, so only the bound makes RocksDB flush and drop old WAL files.
  REQUIRE(store.db()->Put(rocksdb::WriteOptions(), store.position_index_family(), "i", "").ok());
  WriteRows(store, 4096);
  // The flushes it starts run in the background, and an old WAL file goes once they are done.
  // RocksDB checks the bound as it writes and starts no new switch while a flush is pending, so
  // on a busy machine the last rows can leave several MiB behind: the writes go on, one row at
  // a time, as a server's would, until the log is back under the bound.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (WalBytes(dir.path()) > 8 * kCap && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    WriteRows(store, 1);
  }
  CHECK(WalBytes(dir.path()) <= 8 * kCap);
}

TEST_CASE("the store bounds its write-ahead log at 1 GiB by default") {
  TempDir dir;
  absl::StatusOr<std::unique_ptr<Store>> opened = Store::Open(dir.path());
  REQUIRE(opened.ok());
  CHECK((*opened)->db()->GetDBOptions().max_total_wal_size == kMaxWalBytes);
  CHECK(kMaxWalBytes == uint64_t{1} << 30);
}

constexpr int kReceipts = 20;
const Sku kSku("SKU-1");
const LocationId kWarehouse("W1");

// A location and kReceipts receipts of one unit each, every one its own synced group commit
// (its own WAL record), as acknowledged writes arrive one at a time. Nothing is flushed: the
// store closes with all of it in the WAL only.
void WriteReceipts(const std::string& dir) {
  OpenStore open(dir);
  Location location;
  location.id = kWarehouse;
  REQUIRE(open.committer.WaitDurable(open.ledger.UpsertLocation(location).ticket).ok());
  for (int i = 0; i < kReceipts; ++i) {
    const Applied<Position> received =
        open.ledger.Receive(ReceiveCommand{kWarehouse, kSku, 1, "r"}, absl::Now());
    REQUIRE(received.outcome == Outcome::kOk);
    REQUIRE(open.committer.WaitDurable(received.ticket).ok());
  }
}

// The units of kSku at kWarehouse a store opened with `options` recovers.
Quantity RecoveredOnHand(const std::string& dir, const StoreOptions& options) {
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(dir, options);
  REQUIRE(store.ok());
  Committer committer(**store, nullptr);
  Ledger ledger(&committer);
  REQUIRE((*store)->LoadInto(ledger).ok());
  return ledger.GetPositions({kSku}, {kWarehouse}).at(0).on_hand;
}

TEST_CASE("a write-ahead log damaged before its end is refused, not cut short") {
  TempDir dir;
  WriteReceipts(dir.path());
  const std::string wal = WalFile(dir.path());
  const std::vector<uint64_t> records = WalRecordOffsets(wal);
  // The location's record, then one per receipt.
  REQUIRE(records.size() == kReceipts + 1);
  DamageWalRecord(wal, records[10]);  // the tenth receipt's

  absl::StatusOr<std::unique_ptr<Store>> strict = Store::Open(dir.path());
  REQUIRE_FALSE(strict.ok());
  CHECK(strict.status().code() == absl::StatusCode::kDataLoss);
  CHECK_THAT(std::string(strict.status().message()),
             Catch::Contains("Corruption") && Catch::Contains("--wal_recovery=point_in_time"));
  // Nothing was dropped: the log is still there, whole, for the next attempt or a copy.
  CHECK(WalFile(dir.path()) == wal);
  CHECK(WalRecordOffsets(wal).size() == kReceipts + 1);

  // The operator's choice: the nine receipts before the damage, none after it.
  CHECK(RecoveredOnHand(dir.path(), {.wal_recovery = WalRecovery::kPointInTime}) == 9);
}

TEST_CASE("a point-in-time recovery never gives a dropped movement's sequence again") {
  TempDir dir;
  WriteReceipts(dir.path());
  const std::string wal = WalFile(dir.path());
  DamageWalRecord(wal, WalRecordOffsets(wal).at(10));  // the tenth receipt's
  // A start with the flag that fails after RocksDB recovered (its load, say): the damaged
  // records are gone from then on, and the gap is already recorded.
  {
    absl::StatusOr<std::unique_ptr<Store>> first =
        Store::Open(dir.path(), {.wal_recovery = WalRecovery::kPointInTime});
    REQUIRE(first.ok());
    CHECK((*first)->recorded_gap().has_value());
  }
  Sequence kept = 0;
  {
    OpenStore open(dir.path());  // the next start, without the flag
    absl::StatusOr<LoadSummary> loaded = open.store->LoadInto(open.ledger);
    REQUIRE(loaded.ok());
    const Position position = open.ledger.GetPositions({kSku}, {kWarehouse}).at(0);
    CHECK(position.on_hand == 9);
    kept = position.last_sequence;
    // The receipts after the damage had the sequences after `kept`: they are a gap now.
    const SequenceGap gap{kept, kept + kSequenceGapSpan};
    CHECK(loaded->sequence_gaps == std::vector<SequenceGap>{gap});
    CHECK(loaded->last_sequence == gap.before);
    CHECK(open.ledger.last_sequence() == gap.before);
    CHECK(open.store->GapHolding(kept + 1) == gap);
    CHECK(open.store->GapHolding(kept + 11) == gap);
    CHECK_FALSE(open.store->GapHolding(kept).has_value());
    CHECK_FALSE(open.store->GapHolding(gap.before).has_value());
    const Applied<Position> received =
        open.ledger.Receive(ReceiveCommand{kWarehouse, kSku, 1, "r"}, absl::Now());
    REQUIRE(received.outcome == Outcome::kOk);
    REQUIRE(open.committer.WaitDurable(received.ticket).ok());
    CHECK(received.value.last_sequence == gap.before + 1);
  }
  // Each start with the flag adds a gap after the last: whether it dropped anything cannot be
  // told.
  REQUIRE(Store::Open(dir.path(), {.wal_recovery = WalRecovery::kPointInTime}).ok());
  OpenStore open(dir.path());
  absl::StatusOr<LoadSummary> loaded = open.store->LoadInto(open.ledger);
  REQUIRE(loaded.ok());
  const Sequence last = kept + kSequenceGapSpan + 1;
  CHECK(loaded->sequence_gaps ==
        std::vector<SequenceGap>{{kept, kept + kSequenceGapSpan}, {last, last + kSequenceGapSpan}});
  CHECK(loaded->last_sequence == last + kSequenceGapSpan);
  CHECK(open.store->GapHolding(last + 1).has_value());
  CHECK_FALSE(open.store->GapHolding(last).has_value());
  CHECK(open.ledger.GetPositions({kSku}, {kWarehouse}).at(0).on_hand == 10);
}

// The names of the files in `dir`, sorted.
std::vector<std::string> Listing(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

// Store::Open refuses `dir` in either recovery mode, FAILED_PRECONDITION saying `says` and that
// nothing was changed, and leaves its files as they were.
void CheckRefusedAsItIs(const std::string& dir, const std::string& says) {
  const std::vector<std::string> before = Listing(dir);
  for (WalRecovery mode : {WalRecovery::kStrict, WalRecovery::kPointInTime}) {
    const absl::StatusOr<std::unique_ptr<Store>> refused = Store::Open(dir, {.wal_recovery = mode});
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.status().code() == absl::StatusCode::kFailedPrecondition);
    CHECK_THAT(std::string(refused.status().message()),
               Catch::Contains(says) && Catch::Contains("nothing was changed"));
    CHECK(Listing(dir) == before);
  }
}

TEST_CASE("a start without room on the disk is refused before anything is touched") {
  TempDir dir;
  WriteReceipts(dir.path());
  const std::vector<std::string> before = Listing(dir.path());
  // More than the disk has, as a full disk would leave less than the default.
  const uint64_t more = std::filesystem::space(dir.path()).free + (uint64_t{1} << 30);

  const absl::StatusOr<std::unique_ptr<Store>> refused =
      Store::Open(dir.path(), {.start_free_bytes_min = more});
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == absl::StatusCode::kResourceExhausted);
  CHECK_THAT(std::string(refused.status().message()),
             Catch::Contains(absl::StrCat("bytes free, under the ", more, " a start needs")) &&
                 Catch::Contains("nothing was opened or changed"));
  // RocksDB's LOG was not rotated, nor anything made: the history of the incident stays.
  CHECK(Listing(dir.path()) == before);

  CHECK(RecoveredOnHand(dir.path(), {}) == kReceipts);
}

TEST_CASE("a database that lost its CURRENT file is refused and left as it is, in either mode") {
  TempDir dir;
  WriteReceipts(dir.path());
  std::filesystem::remove(std::filesystem::path(dir.path()) / "CURRENT");
  const std::vector<std::string> before = Listing(dir.path());

  // No new, empty database: the next start would have taken it for the data and deleted it.
  CheckRefusedAsItIs(dir.path(), "but no CURRENT");

  // What the message says to do brings every receipt back.
  std::string manifest;
  for (const std::string& name : before) {
    if (name.rfind("MANIFEST-", 0) == 0) manifest = std::max(manifest, name);
  }
  REQUIRE_FALSE(manifest.empty());
  std::ofstream(std::filesystem::path(dir.path()) / "CURRENT") << manifest << "\n";
  CHECK(RecoveredOnHand(dir.path(), {}) == kReceipts);
}

TEST_CASE("other files, or a database RocksDB was still making, do not stop a first start") {
  TempDir dir;
  std::ofstream(std::filesystem::path(dir.path()) / "omnistockd.log") << "a service's own log\n";
  // What RocksDB writes before CURRENT when it makes a database, cut short there.
  std::ofstream(std::filesystem::path(dir.path()) / "MANIFEST-000001") << "";
  std::ofstream(std::filesystem::path(dir.path()) / "IDENTITY") << "";
  const absl::StatusOr<std::unique_ptr<Store>> opened = Store::Open(dir.path());
  INFO(opened.status().message());
  REQUIRE(opened.ok());
  CHECK((*opened)->created());
}

TEST_CASE("the parent of a data directory is refused, not started as a new, empty ledger") {
  TempDir dir;
  const std::string data = dir.Sub("data");
  WriteReceipts(data);
  std::ofstream(dir.Sub("omnistockd.log")) << "a service's own log\n";
  CheckRefusedAsItIs(dir.path(), absl::StrCat("start with --data_dir=", data));
  // A subdirectory left with only its durable floor (its database moved away) is one too.
  std::filesystem::remove_all(data);
  std::filesystem::create_directory(data);
  REQUIRE(WriteDurableFloor(data, kReceipts + 1).ok());
  CHECK(Store::Open(dir.path()).status().code() == absl::StatusCode::kFailedPrecondition);

  CHECK(RecoveredOnHand(dir.Sub("elsewhere"), {}) == 0);  // a new directory still starts empty
}

TEST_CASE("a torn last record of the write-ahead log is dropped, and the rest recovered") {
  TempDir dir;
  WriteReceipts(dir.path());
  const std::string wal = WalFile(dir.path());
  const std::vector<uint64_t> records = WalRecordOffsets(wal);
  REQUIRE(records.size() == kReceipts + 1);
  // A crash in the middle of writing the last receipt, before it was synced or acknowledged.
  std::filesystem::resize_file(wal, records.back() + 12);

  CHECK(RecoveredOnHand(dir.path(), {}) == kReceipts - 1);
}

TEST_CASE("damage in an older log that a family flushed past is refused in either mode") {
  TempDir dir;
  {
    absl::StatusOr<std::unique_ptr<Store>> opened = Store::Open(dir.path());
    REQUIRE(opened.ok());
    Store& store = **opened;
    WriteRows(store, 8);
    // The state family alone flushes: a new log starts, and the journal's rows keep the old one.
    REQUIRE(store.db()->Flush(rocksdb::FlushOptions(), store.state_family()).ok());
    WriteRows(store, 8);
  }
  const std::vector<std::string> files = WalFiles(dir.path());
  REQUIRE(files.size() == 2);
  const std::vector<uint64_t> records = WalRecordOffsets(files[0]);
  REQUIRE(records.size() > 4);
  DamageWalRecord(files[0], records[2]);

  const absl::StatusOr<std::unique_ptr<Store>> strict = Store::Open(dir.path());
  REQUIRE_FALSE(strict.ok());
  INFO(strict.status().message());
  CHECK(strict.status().code() == absl::StatusCode::kDataLoss);
  const absl::StatusOr<std::unique_ptr<Store>> to_point =
      Store::Open(dir.path(), {.wal_recovery = WalRecovery::kPointInTime});
  REQUIRE_FALSE(to_point.ok());
  INFO(to_point.status().message());
  CHECK(to_point.status().code() == absl::StatusCode::kDataLoss);
  CHECK_THAT(std::string(to_point.status().message()), Catch::Contains("backup"));
  CHECK(WalFiles(dir.path()) == files);  // nothing was dropped
}

TEST_CASE("a table file damaged on disk stops the load with DATA_LOSS, not a retryable error") {
  TempDir dir;
  {
    OpenStore db(dir.path());
    // Position rows enough for several data blocks, flushed to a table file of their own.
    for (int i = 0; i < 2000; ++i) {
      const Position position =
          EmptyPosition(Sku("DAMAGED-TABLE-" + std::to_string(i)), LocationId("S1"));
      REQUIRE(db.store->db()
                  ->Put(rocksdb::WriteOptions(), db.store->state_family(),
                        PositionKey(position.sku, position.location), Encode(position))
                  .ok());
    }
    REQUIRE(db.store->db()->Flush(rocksdb::FlushOptions(), db.store->state_family()).ok());
  }
  std::vector<std::filesystem::path> tables;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    if (entry.path().extension() == ".sst") tables.push_back(entry.path());
  }
  REQUIRE(tables.size() == 1);
  // A few bytes a third of the way in: a data block, whose checksum no longer matches (the
  // index and the footer, at the end, still read).
  {
    std::fstream table(tables[0], std::ios::in | std::ios::out | std::ios::binary);
    table.seekp(static_cast<std::streamoff>(std::filesystem::file_size(tables[0]) / 3));
    table.write("\xff\x00\xff\x00\xff\x00\xff\x00", 8);
  }
  // RocksDB opens it (the index and footer read); the load meets the damaged block.
  absl::StatusOr<std::unique_ptr<Store>> store = Store::Open(dir.path(), {});
  REQUIRE(store.ok());
  Committer committer(**store, nullptr);
  Ledger ledger(&committer);
  const absl::Status status = (*store)->LoadInto(ledger).status();
  CHECK(status.code() == absl::StatusCode::kDataLoss);
  CHECK_THAT(std::string(status.message()), Catch::Contains("Corruption"));
}

}  // namespace
}  // namespace omnistock::storage
