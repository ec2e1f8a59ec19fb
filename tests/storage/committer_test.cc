// The committer and the store against a real RocksDB in a temporary directory: acknowledged
// commits survive a reopen, many calls share one synced batch, and a failing disk makes the
// committer fail-stop with the durable state a prefix of the applied history.
#include "storage/committer.h"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "absl/time/clock.h"
#include "catch2/catch.hpp"
#include "rocksdb/env.h"
#include "rocksdb/file_system.h"
#include "storage/info_log.h"
#include "storage/store.h"
#include "tests/support/failing_file_system.h"
#include "tests/support/open_store.h"
#include "tests/support/temp_dir.h"

namespace omnistock::storage {
namespace {

using testing::FailingFileSystem;
using testing::OpenStore;
using testing::TempDir;

const absl::Time kNow = absl::FromUnixSeconds(1'800'000'000);

void AddNetwork(Ledger& ledger) {
  for (const char* id : {"S1", "W1"}) {
    Location location;
    location.id = LocationId(id);
    ledger.UpsertLocation(location);
  }
}

ReserveCommand Order(const std::string& id, const std::string& sku, Quantity q) {
  ReserveCommand command;
  command.id = ReservationId(id);
  command.lines = {Line{Sku(sku), LocationId("S1"), q}};
  return command;
}

}  // namespace

// A temporary directory on a file system whose failures a test turns on.
struct FailingDisk {
  TempDir dir;
  std::atomic<bool> failing{false};
  std::shared_ptr<FailingFileSystem> fs = std::make_shared<FailingFileSystem>(&failing);
  std::unique_ptr<rocksdb::Env> env = rocksdb::NewCompositeEnv(fs);
};

TEST_CASE("acknowledged commits survive a reopen and rebuild the same ledger") {
  TempDir dir;
  std::vector<Position> before;
  Sequence last = 0;
  {
    OpenStore db(dir.path());
    CHECK(db.store->created());  // omnistockd warns of it: an unmounted volume looks the same
    AddNetwork(db.ledger);
    db.ledger.Receive(ReceiveCommand{LocationId("S1"), Sku("A"), 10, "po-1"}, kNow);
    db.ledger.Receive(ReceiveCommand{LocationId("W1"), Sku("A"), 4, "po-2"}, kNow);
    REQUIRE(db.ledger.Reserve(Order("r1", "A", 3), kNow).outcome == Outcome::kOk);
    REQUIRE(db.ledger.Reserve(Order("r2", "A", 2), kNow).outcome == Outcome::kOk);
    REQUIRE(db.ledger.Confirm(ReservationId("r1"), kNow).outcome == Outcome::kOk);
    REQUIRE(db.ledger.Fulfill(ReservationId("r1"), kNow).outcome == Outcome::kOk);
    REQUIRE(db.committer.WaitDurable(db.ledger.last_ticket()).ok());
    before = db.ledger.GetPositions({Sku("A")}, {});
    last = db.ledger.last_sequence();
    db.committer.Stop();
  }
  OpenStore db(dir.path());
  CHECK_FALSE(db.store->created());
  auto loaded = db.store->LoadInto(db.ledger);
  REQUIRE(loaded.ok());
  CHECK(loaded->locations == 2);
  CHECK(loaded->positions == 2);
  CHECK(loaded->reservations == 2);
  CHECK(loaded->last_sequence == last);
  CHECK(db.ledger.GetPositions({Sku("A")}, {}) == before);
  CHECK(db.ledger.GetReservation(ReservationId("r1"))->state == ReservationState::kFulfilled);
  CHECK(db.ledger.GetReservation(ReservationId("r2"))->state == ReservationState::kHeld);
  CHECK(db.ledger.GetPositions({Sku("A")}, {LocationId("S1")})[0].on_hand == 7);

  // New sequences continue after the recovered journal, and the journal reads back in order.
  db.ledger.Receive(ReceiveCommand{LocationId("S1"), Sku("A"), 1, "po-3"}, kNow);
  REQUIRE(db.committer.WaitDurable(db.ledger.last_ticket()).ok());
  CHECK(db.ledger.last_sequence() == last + 1);
  auto journal = db.store->ScanJournal(testing::PositionQuery(db.ledger, "A", "S1", 0, 100));
  REQUIRE(journal.ok());
  REQUIRE(journal->size() == 6);  // receive, reserve, reserve, confirm, fulfil, receive
  CHECK(journal->front().kind == MovementKind::kReceive);
  CHECK(journal->back().reference == "po-3");
  for (size_t i = 1; i < journal->size(); ++i) {
    CHECK((*journal)[i].sequence > (*journal)[i - 1].sequence);
  }
  auto page = db.store->ScanJournal(JournalQuery{std::nullopt, std::nullopt, 2, 3});
  REQUIRE(page.ok());
  REQUIRE(page->size() == 3);
  CHECK(page->front().sequence == 3);

  // A read by one filter alone stops at its row bound and says where it got to; reads that go
  // on from there find the rest.
  db.ledger.Receive(ReceiveCommand{LocationId("W1"), Sku("B"), 1, "po-b"}, kNow);
  REQUIRE(db.committer.WaitDurable(db.ledger.last_ticket()).ok());
  JournalQuery by_sku{Sku("B"), std::nullopt, 0, 10};
  by_sku.scan_rows_max = 2;
  std::vector<Movement> found;
  int reads = 0;
  for (;;) {
    ++reads;
    Sequence scanned_through = 0;
    auto part = db.store->ScanJournal(by_sku, &scanned_through);
    REQUIRE(part.ok());
    CHECK(part->size() <= 1);
    found.insert(found.end(), part->begin(), part->end());
    if (scanned_through == 0) break;
    CHECK(scanned_through == by_sku.after_sequence + 2);
    by_sku.after_sequence = scanned_through;
  }
  REQUIRE(found.size() == 1);
  CHECK(found[0].reference == "po-b");
  CHECK(found[0].sequence == db.ledger.last_sequence());
  CHECK(reads == static_cast<int>(db.ledger.last_sequence() + 1) / 2);
}

TEST_CASE("forgotten reservations', till transactions' and transfers' rows stay deleted") {
  TempDir dir;
  {
    OpenStore db(dir.path());
    CHECK(db.store->created());  // omnistockd warns of it: an unmounted volume looks the same
    AddNetwork(db.ledger);
    db.ledger.Receive(ReceiveCommand{LocationId("S1"), Sku("A"), 10, "po-1"}, kNow);
    REQUIRE(db.ledger.Reserve(Order("gone", "A", 3), kNow).outcome == Outcome::kOk);
    REQUIRE(db.ledger.Reserve(Order("kept", "A", 2), kNow).outcome == Outcome::kOk);
    REQUIRE(db.ledger.Release(ReservationId("gone"), kNow).outcome == Outcome::kOk);
    REQUIRE(db.ledger.ExpireDue(kNow + absl::Hours(1)).first == 1);  // "kept" expires
    REQUIRE(db.ledger.ForgetTerminal(kNow + absl::Hours(2), /*max=*/1).first == 1);
    for (const char* id : {"t1", "t2"}) {
      SaleCommand sale{LocationId("S1"), "till-1", id, {PosLine{Sku("A"), 1}}};
      REQUIRE(db.ledger.RecordSale(sale, kNow).outcome == Outcome::kOk);
    }
    REQUIRE(db.ledger.ForgetPosTransactions(kNow + absl::Hours(2), /*max=*/1).first == 1);
    db.ShipAndReceive("tr-1", "S1", "W1", "A", 1, kNow);
    REQUIRE(db.ledger.ForgetTransfers(kNow + absl::Hours(2)).first == 1);
    REQUIRE(db.committer.WaitDurable(db.ledger.last_ticket()).ok());
    db.committer.Stop();
  }
  OpenStore db(dir.path());
  auto loaded = db.store->LoadInto(db.ledger);
  REQUIRE(loaded.ok());
  CHECK(loaded->reservations == 1);  // one of the two forgotten, the other kept for its time
  CHECK(loaded->pos_transactions == 1);
  CHECK(loaded->transfers == 0);
  const bool gone_kept = db.ledger.GetReservation(ReservationId("gone")).has_value();
  const bool kept_kept = db.ledger.GetReservation(ReservationId("kept")).has_value();
  CHECK(gone_kept != kept_kept);
  // The one left is forgotten after the restart too: its place in the order is restored.
  REQUIRE(db.ledger.ForgetTerminal(kNow + absl::Hours(2)).first == 1);
  REQUIRE(db.ledger.ForgetPosTransactions(kNow + absl::Hours(2)).first == 1);
  REQUIRE(db.committer.WaitDurable(db.ledger.last_ticket()).ok());
  CHECK(db.ledger.reservation_count() == 0);
  // The movements stay in the journal: receive, two reserves, the release, the expiry, the two
  // sales and the transfer's shipment.
  auto journal = db.store->ScanJournal(testing::PositionQuery(db.ledger, "A", "S1", 0, 100));
  REQUIRE(journal.ok());
  CHECK(journal->size() == 8);
  CHECK(db.ledger.GetPositions({Sku("A")}, {LocationId("S1")})[0].reserved == 0);
}

TEST_CASE("a commit is durable only once the write-ahead log holding it was synced") {
  FailingDisk disk;
  TempDir& dir = disk.dir;
  FailingFileSystem* fs = disk.fs.get();
  rocksdb::Env* env = disk.env.get();
  OpenStore db(dir.path(), env);
  AddNetwork(db.ledger);
  REQUIRE(db.committer.WaitDurable(db.ledger.last_ticket()).ok());
  // One commit at a time, each waited for: a batch each, and a sync of the log each.
  const int64_t syncs_before = fs->wal_syncs.load();
  const uint64_t batches_before = db.committer.stats().batches;
  for (int i = 0; i < 20; ++i) {
    db.ledger.Receive(ReceiveCommand{LocationId("S1"), Sku("A"), 1, "po"}, kNow);
    REQUIRE(db.committer.WaitDurable(db.ledger.last_ticket()).ok());
  }
  const uint64_t batches = db.committer.stats().batches - batches_before;
  CHECK(batches == 20);
  CHECK(fs->wal_syncs.load() - syncs_before >= static_cast<int64_t>(batches));
  db.committer.Stop();
}

TEST_CASE("RocksDB's info log survives a full disk, and keeps the newest four old logs") {
  // RocksDB 7.8's own logger aborts on its next line once a write failed (info_log.h); on a
  // device that is always full, every write fails.
  std::shared_ptr<rocksdb::Logger> full = storage::InfoLog::OpenFile("/dev/full");
  for (int i = 0; i < 10'000; ++i) {
    rocksdb::Log(rocksdb::InfoLogLevel::WARN_LEVEL, full, "line %d of a disk that is full", i);
  }
  full->Flush();

  TempDir dir;
  for (int open = 0; open < 6; ++open) {
    OpenStore db(dir.path());  // each open starts a LOG, moving the last aside
  }
  int old_logs = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir.path())) {
    old_logs += entry.path().filename().string().rfind("LOG.old.", 0) == 0;
  }
  CHECK(old_logs == 4);
  std::ifstream log(dir.Sub("LOG"));
  std::string first;
  std::getline(log, first);
  CHECK_THAT(first, Catch::Matches("20[0-9]{2}/[0-9]{2}/[0-9]{2}-[0-9:.]{15} RocksDB version: .*"));
}

TEST_CASE("many concurrent calls share synced batches (group commit)") {
  TempDir dir;
  OpenStore db(dir.path());
  AddNetwork(db.ledger);
  db.ledger.Receive(ReceiveCommand{LocationId("S1"), Sku("A"), 100000, ""}, kNow);
  constexpr int kThreads = 8;
  constexpr int kPerThread = 100;
  std::atomic<int> acknowledged{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto applied = db.ledger.Reserve(
            Order("r" + std::to_string(t) + "-" + std::to_string(i), "A", 1), kNow);
        if (applied.outcome == Outcome::kOk && db.committer.WaitDurable(applied.ticket).ok()) {
          acknowledged++;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  CHECK(acknowledged == kThreads * kPerThread);
  const CommitterStats stats = db.committer.stats();
  CHECK(stats.commits == static_cast<uint64_t>(kThreads * kPerThread + 3));
  // With 8 callers waiting at once, fewer fsyncs than commits were needed.
  CHECK(stats.batches < stats.commits);
  // Every batch's write was timed, and none took 10 s.
  uint64_t timed = 0;
  for (const uint64_t count : stats.write_seconds_le) timed += count;
  CHECK(timed == stats.batches);
  CHECK(stats.write_seconds_sum > 0);
}

TEST_CASE("a commit appended before a lower ticket is written after it, never alone") {
  // The ledger fills and appends commits outside its sequencer, so a later ticket can reach
  // the committer first; writing it before the lower one would leave a gap on disk.
  TempDir dir;
  OpenStore db(dir.path());
  auto commit_of = [](CommitTicket ticket) {
    Commit commit;
    commit.ticket = ticket;
    commit.last_sequence = ticket;
    Movement movement;
    movement.sequence = ticket;
    movement.time = kNow;
    movement.sku = Sku("A");
    movement.location = LocationId("S1");
    movement.on_hand_delta = 1;
    movement.on_hand_after = static_cast<Quantity>(ticket);
    commit.movements.push_back(movement);
    return commit;
  };
  std::atomic<bool> second_durable{false};
  db.committer.Append(commit_of(2));
  db.committer.WhenDurable(2, [&](absl::Status status) { second_durable = status.ok(); });
  absl::SleepFor(absl::Milliseconds(50));  // time enough to write ticket 2 alone
  CHECK_FALSE(second_durable);
  CHECK(db.committer.stats().durable_ticket == 0);

  db.committer.Append(commit_of(1));
  REQUIRE(db.committer.WaitDurable(2).ok());
  CHECK(second_durable);
  auto journal = db.store->ScanJournal(JournalQuery{std::nullopt, std::nullopt, 0, 10});
  REQUIRE(journal.ok());
  REQUIRE(journal->size() == 2);
  CHECK((*journal)[0].on_hand_after == 1);
  CHECK((*journal)[1].on_hand_after == 2);
  db.committer.Stop();
}

TEST_CASE(
    "a storage write failure latches: every later write is refused, the disk keeps a prefix") {
  FailingDisk disk;
  TempDir& dir = disk.dir;
  std::atomic<bool>& failing = disk.failing;
  rocksdb::Env* env = disk.env.get();
  std::vector<Position> durable_positions;
  std::atomic<int> failures_reported{0};
  {
    OpenStore db(dir.path(), env, [&](const absl::Status&) { failures_reported++; });
    AddNetwork(db.ledger);
    db.ledger.Receive(ReceiveCommand{LocationId("S1"), Sku("A"), 10, ""}, kNow);
    REQUIRE(db.ledger.Reserve(Order("kept", "A", 2), kNow).outcome == Outcome::kOk);
    REQUIRE(db.committer.WaitDurable(db.ledger.last_ticket()).ok());
    durable_positions = db.ledger.GetPositions({Sku("A")}, {});
    CHECK_FALSE(db.committer.failed());

    failing = true;
    auto lost = db.ledger.Reserve(Order("lost", "A", 3), kNow);
    REQUIRE(lost.outcome == Outcome::kOk);  // applied in memory ...
    absl::Status status = db.committer.WaitDurable(lost.ticket);
    CHECK(status.code() == absl::StatusCode::kUnavailable);  // ... but never acknowledged
    CHECK(failures_reported == 1);
    CHECK(db.committer.failed());

    failing = false;  // even once the disk "recovers", the committer stays failed
    auto later = db.ledger.Reserve(Order("later", "A", 1), kNow);
    CHECK(db.committer.WaitDurable(later.ticket).code() == absl::StatusCode::kUnavailable);
    CHECK(db.committer.status().code() == absl::StatusCode::kUnavailable);
    CHECK(failures_reported == 1);
    db.committer.Stop();
  }
  // A restart recovers exactly the acknowledged prefix.
  OpenStore db(dir.path());
  REQUIRE(db.store->LoadInto(db.ledger).ok());
  CHECK(db.ledger.GetReservation(ReservationId("kept")).has_value());
  CHECK_FALSE(db.ledger.GetReservation(ReservationId("lost")).has_value());
  CHECK_FALSE(db.ledger.GetReservation(ReservationId("later")).has_value());
  CHECK(db.ledger.GetPositions({Sku("A")}, {}) == durable_positions);
}

TEST_CASE(
    "a failed sync leaves what waits in doubt and says so; a restart has what the disk kept; "
    "earlier commits stay durable") {
  FailingDisk disk;
  TempDir& dir = disk.dir;
  FailingFileSystem* fs = disk.fs.get();
  rocksdb::Env* env = disk.env.get();
  {
    OpenStore db(dir.path(), env);
    AddNetwork(db.ledger);
    db.ledger.Receive(ReceiveCommand{LocationId("S1"), Sku("A"), 10, ""}, kNow);
    auto kept = db.ledger.Reserve(Order("kept", "A", 2), kNow);
    REQUIRE(db.committer.WaitDurable(kept.ticket).ok());

    fs->wal_syncs_failing = true;  // the batch reaches the log file; its sync fails
    auto doubtful = db.ledger.Reserve(Order("doubtful", "A", 3), kNow);
    REQUIRE(doubtful.outcome == Outcome::kOk);
    const absl::Status in_doubt = db.committer.WaitDurable(doubtful.ticket);
    CHECK(in_doubt.code() == absl::StatusCode::kUnavailable);
    CHECK_THAT(std::string(in_doubt.message()),
               Catch::Contains("may or may not have been made durable") &&
                   Catch::Contains("injected sync failure"));
    // A later commit is never written, but its caller may be waiting for an earlier one too
    // (a batch of orders waits for its last): it is told the same.
    auto later = db.ledger.Reserve(Order("later", "A", 1), kNow);
    const absl::Status after = db.committer.WaitDurable(later.ticket);
    CHECK(after.code() == absl::StatusCode::kUnavailable);
    CHECK(after.message() == in_doubt.message());
    // Asked after the failure, a commit made durable before it is still durable.
    CHECK(db.committer.WaitDurable(kept.ticket).ok());
    db.committer.Stop();
  }
  // The disk kept the batch whose sync failed, so the restart has it, as its answer warned;
  // nothing after it was written.
  OpenStore db(dir.path());
  REQUIRE(db.store->LoadInto(db.ledger).ok());
  CHECK(db.ledger.GetReservation(ReservationId("kept")).has_value());
  CHECK(db.ledger.GetReservation(ReservationId("doubtful")).has_value());
  CHECK_FALSE(db.ledger.GetReservation(ReservationId("later")).has_value());
}

}  // namespace omnistock::storage
