// The Store owns the RocksDB database of one omnistockd: it opens it, loads the durable state
// into a Ledger at start-up (then checks the ledger's invariants), and reads the journal.
// Writes go through the Committer only.
//
// Thread-safety: ScanJournal may be called from any thread once Open returned.
#ifndef OMNISTOCK_STORAGE_STORE_H_
#define OMNISTOCK_STORAGE_STORE_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "engine/ledger.h"
#include "engine/movement.h"
#include "rocksdb/db.h"

namespace omnistock::storage {

struct JournalQuery {
  std::optional<Sku> sku;
  std::optional<LocationId> location;
  Sequence after_sequence = 0;
  int limit = 100;
};

struct LoadSummary {
  size_t locations = 0;
  size_t positions = 0;
  size_t reservations = 0;
  size_t pos_transactions = 0;
  size_t transfers = 0;
  Sequence last_sequence = 0;
};

class Store {
 public:
  // Opens (creating if missing) the database under `dir`. `env` is for fault injection in
  // tests; nullptr means the default.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const std::string& dir,
                                                     rocksdb::Env* env = nullptr);
  ~Store();

  // Loads every durable row into `ledger` and checks its invariants. DATA_LOSS when a row does
  // not decode or the invariants fail.
  absl::StatusOr<LoadSummary> LoadInto(Ledger& ledger);

  // Movements after `query.after_sequence`, oldest first. With only `sku`, every location of
  // that SKU is scanned; with both, the position index is used.
  absl::StatusOr<std::vector<Movement>> ScanJournal(const JournalQuery& query) const;

  rocksdb::DB* db() { return db_.get(); }

 private:
  explicit Store(std::unique_ptr<rocksdb::DB> db) : db_(std::move(db)) {}
  std::unique_ptr<rocksdb::DB> db_;
};

}  // namespace omnistock::storage

#endif  // OMNISTOCK_STORAGE_STORE_H_
