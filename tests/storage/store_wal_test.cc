// The write-ahead log stays bounded (Store::kMaxWalBytes): a column family written rarely, as the
// position index is, must not keep every WAL file alive until its own memtable fills.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>

#include "catch2/catch.hpp"
#include "rocksdb/db.h"
#include "rocksdb/write_batch.h"
#include "storage/store.h"
#include "tests/support/temp_dir.h"

namespace omnistock::storage {
namespace {

using testing::TempDir;

// The bytes of every WAL file (*.log) in `dir`.
uint64_t WalBytes(const std::string& dir) {
  uint64_t bytes = 0;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".log") bytes += entry.file_size();
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
  absl::StatusOr<std::unique_ptr<Store>> opened = Store::Open(dir.path(), nullptr, kCap);
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
  CHECK((*opened)->db()->GetDBOptions().max_total_wal_size == Store::kMaxWalBytes);
  CHECK(Store::kMaxWalBytes == uint64_t{1} << 30);
}

}  // namespace
}  // namespace omnistock::storage
