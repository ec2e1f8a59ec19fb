// The Store owns the RocksDB database of one omnistockd: it opens it, loads the durable state
// into a Ledger at start-up (then checks the ledger's invariants), and reads the journal.
// Writes go through the Committer only.
//
// Three column families, one WAL (a group commit is one atomic WriteBatch across them):
//   default         the journal ('j' keys). Keys only grow: a skip list with an insert hint.
//   state           the rows the ledger restores from ('p' 'r' 'l' 's' 't', last_sequence).
//                   Written on every commit, read only at start-up: an append-only vector
//                   memtable, sorted once when flushed, instead of a skip list search per row.
//   position_index  the journal by position ('x' keys): one movement in kPositionIndexEvery of
//                   each position; the rest are reached through the chain of movements
//                   (Movement::previous). Read one position at a time. A plain
//                   skip list: a memtable hashed by position inserts faster but must be
//                   sorted whole when flushed, which on two cores fell behind and stalled
//                   writes.
// A database written by an older omnistockd, with every row in the default family, has its
// non-journal rows moved to their families when opened.
//
// Thread-safety: ScanJournal may be called from any thread once Open returned.
#ifndef OMNISTOCK_STORAGE_STORE_H_
#define OMNISTOCK_STORAGE_STORE_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
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
  // With both sku and location: the position's newest movement (Position::last_sequence in the
  // ledger), where the read of its chain starts. It must be durable (see services'
  // ReadJournal); 0: the position has no movement.
  Sequence newest = 0;
  // With only sku or only location: the journal rows read at most (kJournalScanRowsMax).
  int scan_rows_max = kJournalScanRowsMax;
};

struct LoadSummary {
  size_t locations = 0;
  size_t positions = 0;
  size_t reservations = 0;
  size_t pos_transactions = 0;
  size_t pos_transactions_rekeyed = 0;  // till transactions moved from their pre-store key
  size_t transfers = 0;
  Sequence last_sequence = 0;
  // Every gap in the journal's sequences (SequenceGap), oldest first; the last is this start's
  // when it opened with WalRecovery::kPointInTime.
  std::vector<SequenceGap> sequence_gaps;
};

// How far a start with WalRecovery::kPointInTime moves the journal's sequences on past the last
// one it recovered: more than the movements the dropped records can hold (a write-ahead log of
// at most kMaxWalBytes, a movement's record taking tens of bytes), so no dropped sequence is
// given again.
inline constexpr Sequence kSequenceGapSpan = Sequence{1} << 32;

// How large the write-ahead log may grow before RocksDB flushes the column families that keep
// its oldest file alive. The position index gets one row in many movements, so its memtable
// rarely fills. Without a bound, it kept every WAL file since its last flush, up to RocksDB's
// own bound: four times all the write buffers, 5 GB here. A restart after a crash replays
// the whole WAL, at about 6 s a GB on the reference machine, and 3.4 GB was measured
// (deploy/README.md). 1 GB is above what the journal's and the state's 128 MB memtables keep
// alive between their own flushes, so they do not flush any earlier for it.
inline constexpr uint64_t kMaxWalBytes = uint64_t{1} << 30;

// What opening does with a write-ahead log that is damaged before its end.
enum class WalRecovery {
  // Refuse to open (DATA_LOSS, naming omnistockd's --wal_recovery) on a record whose checksum
  // does not match or that does not parse, where RocksDB's default would drop it and every
  // record after it, acknowledged writes among them, without a word (RocksDB's
  // kTolerateCorruptedTailRecords). Every write is synced before it is acknowledged, so an
  // incomplete record at the very end of the log (a crash in the middle of writing it) belongs
  // to a write nobody was told of, and is dropped. RocksDB's heuristic cannot tell some damage
  // from such a tail: a log cut at a record's boundary, a record whose length field now runs
  // past the end of the file, a zeroed stretch of a block, an older log file cut short or gone.
  // What those hid is dropped unsaid by RocksDB. Open then refuses the journal if it ends
  // before the durable floor (storage/durable_floor.h): that sees a loss of the journal's end
  // (damage in the newest log, or that log gone) of more than about the last second's writes,
  // not a hole in an older log with later writes intact.
  kStrict,
  // Recover every record before the first damaged one and drop the rest, acknowledged or not:
  // what an operator chooses, with the data directory copied aside first, to serve again.
  // RocksDB refuses it (DATA_LOSS, saying to restore a backup) when a column family's flushed
  // rows are already past the damage, as they are when it is in an older log than the newest.
  kPointInTime,
};

// Free space Open wants on the data directory's file system (to root, which may use the
// blocks reserved for it), or it refuses before touching anything: a start on a full disk fails
// part way (a new MANIFEST, recovery's flush), or comes up serving on the few KB that rotating
// the logs freed and fails at its first write.
inline constexpr uint64_t kStartFreeBytesMin = 16 << 20;

struct StoreOptions {
  rocksdb::Env* env = nullptr;  // for fault injection in tests; nullptr: the default
  uint64_t max_wal_bytes = kMaxWalBytes;
  WalRecovery wal_recovery = WalRecovery::kStrict;
  uint64_t start_free_bytes_min = kStartFreeBytesMin;
};

class Store {
 public:
  // Opens (creating if missing) the database under `dir`; created() tells which.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const std::string& dir,
                                                     const StoreOptions& options = {});
  ~Store();

  // Opened with WalRecovery::kStrict, Open refuses (DATA_LOSS) a journal that ends before the
  // durable floor recorded beside it (storage/durable_floor.h): acknowledged writes lost in a
  // way RocksDB took for a crash's torn tail. The server keeps that floor (DurableFloorWriter).
  // The check comes after RocksDB's recovery, which has by then written out what it read.
  // Opened with WalRecovery::kPointInTime, Open moves the journal's sequences on by
  // kSequenceGapSpan and records the gap (synced) as soon as RocksDB has recovered, before
  // anything else can fail: that recovery has already dropped the damaged records, and the next
  // start, which needs no flag, must not give their sequences again.

  // Loads every durable row into `ledger` and checks its invariants. DATA_LOSS when a row does
  // not decode or the invariants fail.
  absl::StatusOr<LoadSummary> LoadInto(Ledger& ledger);

  // The gap that holds `sequence` (SequenceGap::Holds), if any: the sequence may have named a
  // movement that a point-in-time recovery dropped. Valid once LoadInto succeeded; thread-safe.
  std::optional<SequenceGap> GapHolding(Sequence sequence) const;

  // Movements after `query.after_sequence`, oldest first. With both `sku` and `location`, the
  // position's own (ScanPosition). With only one of them, the journal is read in order and
  // filtered, `query.scan_rows_max` rows at most: when it stops there before `query.limit`
  // movements matched, `scanned_through` (if given) is set to the last sequence it read, where
  // the next read goes on; it is 0 otherwise.
  absl::StatusOr<std::vector<Movement>> ScanJournal(const JournalQuery& query,
                                                    Sequence* scanned_through = nullptr) const;

  rocksdb::DB* db() { return db_.get(); }
  rocksdb::ColumnFamilyHandle* journal_family() { return journal_; }
  rocksdb::ColumnFamilyHandle* state_family() { return state_; }
  rocksdb::ColumnFamilyHandle* position_index_family() { return position_index_; }

  // A RocksDB integer property ("rocksdb.estimate-live-data-size", ...) summed over the column
  // families; nullopt when RocksDB does not know it. Thread-safe.
  std::optional<uint64_t> Property(const std::string& name) const;

  // The gap this start put in the journal's sequences (opened with WalRecovery::kPointInTime);
  // nullopt otherwise.
  const std::optional<SequenceGap>& recorded_gap() const { return recorded_gap_; }

  // Why the durable floor could not be read, when a start with WalRecovery::kPointInTime went
  // on without it (its gap then runs from the journal's end alone); OK otherwise.
  const absl::Status& unread_floor() const { return unread_floor_; }

  // Rows moved out of the default family at Open (an older layout); 0 for a current database.
  uint64_t migrated_rows() const { return migrated_rows_; }
  // Whether Open found no database under its directory and created a new, empty one.
  bool created() const { return created_; }

 private:
  Store() = default;
  // The movements of the position `query` names (sku and location): its index entries after
  // `query.after_sequence` and the chain of movements (Movement::previous) back from each, and
  // from `query.newest`. (The newest is not read from the position's row: the state family's
  // vector memtable sorts itself for a read.)
  absl::StatusOr<std::vector<Movement>> ScanPosition(const JournalQuery& query) const;
  absl::Status MoveRowsOfOlderLayout();
  // The journal's last sequence and its gaps, as stored.
  absl::StatusOr<std::pair<Sequence, std::vector<SequenceGap>>> ReadSequences() const;
  // The gap runs past `floor` (the durable floor read at Open) too, when that is ahead.
  absl::Status RecordSequenceGap(std::optional<Sequence> floor);

  std::unique_ptr<rocksdb::DB> db_;
  rocksdb::ColumnFamilyHandle* journal_ = nullptr;
  rocksdb::ColumnFamilyHandle* state_ = nullptr;
  rocksdb::ColumnFamilyHandle* position_index_ = nullptr;
  uint64_t migrated_rows_ = 0;
  bool created_ = false;
  std::vector<SequenceGap> sequence_gaps_;  // written by LoadInto only
  std::optional<SequenceGap> recorded_gap_;
  absl::Status unread_floor_;
};

}  // namespace omnistock::storage

#endif  // OMNISTOCK_STORAGE_STORE_H_
