// The durable floor beside the database (storage/durable_floor.h): written atomically, read
// back, kept up to date by its writer, and checked by Store::Open against the journal's end; and
// ReplaceFile (storage/files.h), which writes it and omnistockd's ready file.
#include "storage/durable_floor.h"

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <thread>

#include "absl/strings/match.h"
#include "absl/time/clock.h"
#include "catch2/catch.hpp"
#include "storage/files.h"
#include "storage/store.h"
#include "tests/support/open_store.h"
#include "tests/support/temp_dir.h"
#include "tests/support/wal_file.h"

namespace omnistock::storage {
namespace {

using testing::OpenStore;
using testing::TempDir;

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream out(path, std::ios::trunc);
  out << content;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST_CASE("ReplaceFile replaces a file whole, synced or not, and names what failed") {
  TempDir dir;
  const std::string path = dir.Sub("ready");
  for (const Durability durability : {Durability::kUnsynced, Durability::kSynced}) {
    REQUIRE(ReplaceFile(path, "127.0.0.1:50051\n", durability).ok());
    CHECK(ReadFile(path) == "127.0.0.1:50051\n");
    REQUIRE(ReplaceFile(path, "x", durability).ok());  // shorter: nothing of the old one left
    CHECK(ReadFile(path) == "x");
    CHECK_FALSE(std::filesystem::exists(path + ".tmp"));
  }
  // A relative path's directory is the current one.
  const std::filesystem::path was = std::filesystem::current_path();
  std::filesystem::current_path(dir.path());
  const absl::Status relative = ReplaceFile("relative", "1\n", Durability::kSynced);
  std::filesystem::current_path(was);
  REQUIRE(relative.ok());
  CHECK(ReadFile(dir.Sub("relative")) == "1\n");

  const absl::Status missing =
      ReplaceFile(dir.Sub("no/such/dir/ready"), "1\n", Durability::kSynced);
  CHECK(missing.code() == absl::StatusCode::kUnavailable);
  CHECK(missing.message() ==
        "cannot open '" + dir.Sub("no/such/dir/ready.tmp") + "': No such file or directory");
  // Over a directory, the rename fails and the old content stays.
  std::filesystem::create_directory(dir.Sub("taken"));
  const absl::Status taken = ReplaceFile(dir.Sub("taken"), "1\n", Durability::kUnsynced);
  CHECK(taken.code() == absl::StatusCode::kUnavailable);
  CHECK(absl::StrContains(taken.message(), "cannot rename '" + dir.Sub("taken.tmp") + "'"));
  CHECK(std::filesystem::is_directory(dir.Sub("taken")));
  CHECK_FALSE(std::filesystem::exists(dir.Sub("taken.tmp")));
}

TEST_CASE("the durable floor is written whole, read back, and refused when damaged") {
  TempDir dir;
  CHECK(ReadDurableFloor(dir.path()).value() == std::nullopt);
  REQUIRE(WriteDurableFloor(dir.path(), 42).ok());
  CHECK(ReadDurableFloor(dir.path()).value() == 42);
  REQUIRE(WriteDurableFloor(dir.path(), 18'000'000'000).ok());
  CHECK(ReadDurableFloor(dir.path()).value() == 18'000'000'000);
  CHECK_FALSE(std::filesystem::exists(dir.Sub(std::string(kDurableFloorFile) + ".tmp")));

  // A hand's edit may leave no newline, or a carriage return.
  WriteFile(dir.Sub(kDurableFloorFile), "43");
  CHECK(ReadDurableFloor(dir.path()).value() == 43);
  WriteFile(dir.Sub(kDurableFloorFile), "44\r\n");
  CHECK(ReadDurableFloor(dir.path()).value() == 44);
  for (const char* damaged :
       {"", "\n", "4x2\n", "-1\n", "+42\n", "0x10\n", "1 2\n", "99999999999999999999999\n",
        "                                                                 42\n"}) {
    WriteFile(dir.Sub(kDurableFloorFile), damaged);
    const absl::StatusOr<std::optional<Sequence>> read = ReadDurableFloor(dir.path());
    INFO("content '" << damaged << "'");
    REQUIRE_FALSE(read.ok());
    CHECK(read.status().code() == absl::StatusCode::kDataLoss);
    CHECK_THAT(
        std::string(read.status().message()),
        Catch::Contains("does not hold a journal sequence") && Catch::Contains("move it away"));
  }
}

TEST_CASE("the floor's writer follows the durable sequence, and writes the last one as it stops") {
  TempDir dir;
  std::atomic<Sequence> durable{0};
  std::atomic<int> errors{0};
  DurableFloorWriter writer(
      dir.path(), [&] { return durable.load(); }, [&](const absl::Status&) { ++errors; },
      absl::Milliseconds(10));
  durable = 7;
  bool seen = false;
  for (int i = 0; i < 500 && !seen; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
    const absl::StatusOr<std::optional<Sequence>> read = ReadDurableFloor(dir.path());
    seen = read.ok() && *read == 7;
  }
  CHECK(seen);
  durable = 9;
  writer.Stop();
  CHECK(ReadDurableFloor(dir.path()).value() == 9);
  CHECK(errors == 0);
}

TEST_CASE("a start refuses a journal that ends before its durable floor") {
  TempDir dir;
  Sequence last = 0;
  {
    OpenStore open(dir.path());
    REQUIRE(open.store->LoadInto(open.ledger).ok());
    Location warehouse;
    warehouse.id = LocationId("W1");
    REQUIRE(open.committer.WaitDurable(open.ledger.UpsertLocation(warehouse).ticket).ok());
    for (int i = 0; i < 3; ++i) {
      const Applied<Position> received =
          open.ledger.Receive(ReceiveCommand{warehouse.id, Sku("SKU-1"), 1, "r"}, absl::Now());
      REQUIRE(open.committer.WaitDurable(received.ticket).ok());
    }
    last = open.committer.durable_sequence();
    REQUIRE(last == 3);
  }
  // A floor at the journal's end, or before it, lets the start through.
  REQUIRE(WriteDurableFloor(dir.path(), last).ok());
  REQUIRE(Store::Open(dir.path()).ok());
  // One past it: acknowledged writes the log no longer holds.
  REQUIRE(WriteDurableFloor(dir.path(), last + 1).ok());
  absl::StatusOr<std::unique_ptr<Store>> refused = Store::Open(dir.path());
  REQUIRE_FALSE(refused.ok());
  CHECK(refused.status().code() == absl::StatusCode::kDataLoss);
  CHECK_THAT(std::string(refused.status().message()),
             Catch::Contains("ends at sequence 3") && Catch::Contains("up to sequence 4") &&
                 Catch::Contains("--wal_recovery=point_in_time"));
  // The operator's choice: serve from what is left, past a gap.
  absl::StatusOr<std::unique_ptr<Store>> recovered =
      Store::Open(dir.path(), {.wal_recovery = WalRecovery::kPointInTime});
  REQUIRE(recovered.ok());
  {
    Committer committer(**recovered, nullptr);
    Ledger ledger(&committer);
    absl::StatusOr<LoadSummary> loaded = (*recovered)->LoadInto(ledger);
    REQUIRE(loaded.ok());
    CHECK((*recovered)->GapHolding(last + 1).has_value());
    // The gap runs past the floor, whose sequences were acknowledged, not from the journal's end.
    CHECK(loaded->sequence_gaps.back() == SequenceGap{last, last + 1 + kSequenceGapSpan});
  }
  recovered->reset();

  // A floor that cannot be read stops a start before RocksDB recovers anything.
  const std::vector<std::string> logs = testing::WalFiles(dir.path());
  WriteFile(dir.Sub(kDurableFloorFile), "damaged\n");
  absl::StatusOr<std::unique_ptr<Store>> unread = Store::Open(dir.path());
  REQUIRE_FALSE(unread.ok());
  CHECK(unread.status().code() == absl::StatusCode::kDataLoss);
  CHECK(testing::WalFiles(dir.path()) == logs);
  // Recovering up to damage, the start goes on without it, and says so.
  absl::StatusOr<std::unique_ptr<Store>> without =
      Store::Open(dir.path(), {.wal_recovery = WalRecovery::kPointInTime});
  REQUIRE(without.ok());
  CHECK((*without)->unread_floor().code() == absl::StatusCode::kDataLoss);
  without->reset();

  // A directory whose database is gone, its floor left: nothing is created there.
  TempDir emptied;
  REQUIRE(WriteDurableFloor(emptied.path(), 12).ok());
  absl::StatusOr<std::unique_ptr<Store>> empty = Store::Open(emptied.path());
  REQUIRE_FALSE(empty.ok());
  CHECK(empty.status().code() == absl::StatusCode::kDataLoss);
  CHECK_THAT(std::string(empty.status().message()), Catch::Contains("has no database"));
  CHECK_FALSE(std::filesystem::exists(emptied.Sub("CURRENT")));
  // Nor when the floor there cannot be read, whatever the mode.
  WriteFile(emptied.Sub(kDurableFloorFile), "damaged\n");
  CHECK_FALSE(Store::Open(emptied.path(), {.wal_recovery = WalRecovery::kPointInTime}).ok());
  CHECK_FALSE(std::filesystem::exists(emptied.Sub("CURRENT")));
}

}  // namespace
}  // namespace omnistock::storage
