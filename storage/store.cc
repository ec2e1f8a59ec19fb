#include "storage/store.h"

#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <system_error>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "rocksdb/memtablerep.h"
#include "rocksdb/options.h"
#include "rocksdb/slice_transform.h"
#include "rocksdb/write_batch.h"
#include "storage/codec.h"
#include "storage/durable_floor.h"
#include "storage/info_log.h"

namespace omnistock::storage {
namespace {

// DATA_LOSS for damaged data (a checksum that does not match: no retry reads it whole), else
// UNAVAILABLE (an I/O error, a busy moment), each naming what was being done.
absl::Status FromRocks(const rocksdb::Status& status, absl::string_view what) {
  if (status.ok()) return absl::OkStatus();
  const std::string message = absl::StrCat(what, ": ", status.ToString());
  return status.IsCorruption() ? absl::DataLossError(message) : absl::UnavailableError(message);
}

// Refuses (DATA_LOSS) a row from `from` on whose first byte is not one of `kinds`: a newer
// omnistockd's kind of row (after a downgrade), or damage, which must not be served without,
// nor moved. One seek per kind present.
absl::Status RefuseUnknownKinds(rocksdb::Iterator& it, const std::string& from,
                                std::string_view kinds, absl::string_view what) {
  for (it.Seek(from); it.Valid();) {
    const rocksdb::Slice key = it.key();
    if (key.empty() || kinds.find(key[0]) == std::string_view::npos) {
      return absl::DataLossError(absl::StrCat(
          what, " '", key.ToString(true), "' is of a kind ('",
          absl::CHexEscape(absl::string_view(key.data(), key.empty() ? 0 : 1)),
          "') this omnistockd does not know: a newer omnistockd wrote it (start that version or a "
          "later one), unless the row is damaged. Nothing was changed"));
    }
    it.Seek(std::string(1, static_cast<char>(key[0] + 1)));
  }
  return FromRocks(it.status(), absl::StrCat("scanning the kinds of ", what, "s"));
}

bool HasPrefix(const rocksdb::Slice& key, std::string_view prefix) {
  return key.size() >= prefix.size() && std::string_view(key.data(), prefix.size()) == prefix;
}

constexpr char kStateFamily[] = "state";
constexpr char kPositionIndexFamily[] = "position_index";

// The position a position-index key is for: 'x' sku '\0' location '\0'. Reads of the family
// stay within one position. The name is stored with the tables: do not change it.
class PositionOfIndexKey final : public rocksdb::SliceTransform {
 public:
  const char* Name() const override { return "omnistock.PositionOfIndexKey"; }

  rocksdb::Slice Transform(const rocksdb::Slice& key) const override {
    return rocksdb::Slice(key.data(), PrefixLength(key));
  }
  bool InDomain(const rocksdb::Slice& key) const override { return PrefixLength(key) > 0; }

 private:
  // Up to and including the second NUL; 0 when there is none.
  static size_t PrefixLength(const rocksdb::Slice& key) {
    int nuls = 0;
    for (size_t i = 0; i < key.size(); ++i) {
      if (key[i] == '\0' && ++nuls == 2) return i + 1;
    }
    return 0;
  }
};

bool AllDigits(absl::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), absl::ascii_isdigit);
}

// A file of a RocksDB database in `dir` that holds its data: a table, a blob file or a
// write-ahead log ("000047.sst", "000048.log"), or a MANIFEST. nullopt when there is none (or no
// such directory). A MANIFEST-000001 alone is a database RocksDB was creating when it stopped,
// before it named it in CURRENT: that one never held rows, and RocksDB makes it anew.
std::optional<std::string> DatabaseFileIn(const std::string& dir) {
  std::error_code ec;
  for (const std::filesystem::directory_entry& entry :
       std::filesystem::directory_iterator(dir, ec)) {
    const std::string name = entry.path().filename().string();
    const size_t dot = name.find('.');
    const bool numbered =
        dot != std::string::npos && AllDigits(name.substr(0, dot)) &&
        (name.substr(dot) == ".sst" || name.substr(dot) == ".log" || name.substr(dot) == ".blob");
    const bool manifest = absl::StartsWith(name, "MANIFEST-") && AllDigits(name.substr(9)) &&
                          name != "MANIFEST-000001";
    if (numbered || manifest) return name;
  }
  return std::nullopt;
}

// A subdirectory of `dir` that holds a ledger (a database's CURRENT, or a durable floor), one
// level down: a --data_dir that names the parent of the real one ("/var/lib/omnistock" for
// "/var/lib/omnistock/data") would otherwise start an empty ledger beside it. nullopt when none.
std::optional<std::string> LedgerBelow(const std::string& dir) {
  std::error_code ec;
  for (const std::filesystem::directory_entry& entry :
       std::filesystem::directory_iterator(dir, ec)) {
    std::error_code entry_ec;
    if (!entry.is_directory(entry_ec)) continue;
    for (const char* marker : {"CURRENT", kDurableFloorFile}) {
      if (std::filesystem::exists(entry.path() / marker, entry_ec)) {
        return (entry.path() / marker).string();
      }
    }
  }
  return std::nullopt;
}

// Refuses a start with less than `needed` bytes free in `dir` (StoreOptions).
absl::Status CheckRoomToStart(const std::string& dir, uintmax_t needed) {
  std::error_code ec;
  const std::filesystem::space_info space = std::filesystem::space(dir, ec);
  if (ec) return absl::OkStatus();  // not known: RocksDB reports what fails
  const uintmax_t free_bytes = ::geteuid() == 0 ? space.free : space.available;
  if (free_bytes >= needed) return absl::OkStatus();
  return absl::ResourceExhaustedError(
      absl::StrCat("the file system of data directory '", dir, "' has ", free_bytes,
                   " bytes free, under the ", needed,
                   " a start needs: nothing was opened or changed. Free space on it, then start "
                   "again (a recovery also writes out what the write-ahead logs hold that no "
                   "table does yet)"));
}

// DATA_LOSS when the journal, recovered up to `recovered`, ends before the durable floor `floor`
// recorded in `dir` (storage/durable_floor.h): RocksDB dropped acknowledged writes unsaid.
absl::Status CheckDurableFloor(const std::string& dir, std::optional<Sequence> floor,
                               Sequence recovered) {
  if (!floor || recovered >= *floor) return absl::OkStatus();
  return absl::DataLossError(absl::StrCat(
      "the journal recovered from data directory '", dir, "' ends at sequence ", recovered,
      ", but it had been durable, and acknowledged, up to sequence ", *floor, " (",
      kDurableFloorFile,
      "): the write-ahead log lost acknowledged writes in a way RocksDB could not tell from a "
      "crash's torn tail (the newest log cut short, or zeroed from some point on). RocksDB's "
      "recovery has already written out what it could read, and dropped that log. Restore the "
      "data directory from a backup; or, to serve from what is left, losing those writes, "
      "start with --wal_recovery=point_in_time. (If this directory's database was itself just "
      "restored from an older backup, that backup's own ",
      kDurableFloorFile, ", or none, belongs with it: move the newer file away.)"));
}

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& dir,
                                                   const StoreOptions& store_options) {
  std::error_code ec;
  // RocksDB's CURRENT file names the live manifest: without it there is no database here,
  // unless the database's other files are (CURRENT lost to a bad disk or a hand): RocksDB
  // would create a new, empty one over them and delete them at its next start.
  const bool created = !std::filesystem::exists(std::filesystem::path(dir) / "CURRENT", ec);
  if (created) {
    if (std::optional<std::string> file = DatabaseFileIn(dir)) {
      return absl::FailedPreconditionError(absl::StrCat(
          "data directory '", dir, "' holds a database's files (", *file,
          ") but no CURRENT, the file that names the live MANIFEST: refusing to create a new, "
          "empty database over them, and nothing was changed. Restore CURRENT from a backup "
          "of the directory, or write into it the name of the newest MANIFEST-* file followed "
          "by a newline (on a copy first); to start afresh, move the files out of this directory"));
    }
    if (std::optional<std::string> below = LedgerBelow(dir)) {
      const std::string sub = std::filesystem::path(*below).parent_path().string();
      return absl::FailedPreconditionError(absl::StrCat(
          "data directory '", dir, "' holds no database, but its subdirectory '", sub,
          "' holds a ledger (", *below,
          "): refusing to start a new, empty ledger beside it, and nothing was changed. If "
          "that is this server's data, start with --data_dir=",
          sub,
          "; if it is a copy kept aside (a damaged database moved out of the way), move it out of "
          "this directory; to start a new ledger, give it a directory of its own"));
    }
  }
  // Read before anything is touched: a start refused for it changes nothing. Recovering up to
  // damage, one that cannot be read is passed over (what is left is what the operator wants).
  const bool recover_to_damage = store_options.wal_recovery == WalRecovery::kPointInTime;
  std::optional<Sequence> durable_floor;
  absl::Status unread_floor;
  if (absl::StatusOr<std::optional<Sequence>> floor = ReadDurableFloor(dir); floor.ok()) {
    durable_floor = *floor;
  } else if (!recover_to_damage || created) {
    return floor.status();
  } else {
    unread_floor = floor.status();
  }
  if (created && durable_floor.value_or(0) > 0) {
    // A directory that held a ledger (its floor says how far it went) whose database is gone.
    return absl::DataLossError(absl::StrCat(
        "data directory '", dir, "' has no database, but its ", kDurableFloorFile,
        " file says a ledger there had made its journal durable up to sequence ", *durable_floor,
        ": refusing to start an empty ledger in its place, and nothing was changed. Restore "
        "the directory from a backup; to start afresh, empty it"));
  }
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create data directory '", dir, "': ", ec.message()));
  }
  if (absl::Status room = CheckRoomToStart(dir, store_options.start_free_bytes_min); !room.ok()) {
    return room;
  }
  rocksdb::DBOptions options;
  options.create_if_missing = true;
  options.create_missing_column_families = true;
  options.IncreaseParallelism(2);
  options.max_background_jobs = 2;
  // Written by us, not RocksDB's own logger, which aborts on a full disk (info_log.h).
  options.info_log = InfoLog::Open(dir, /*keep_old=*/4);
  options.max_total_wal_size = store_options.max_wal_bytes;
  // The vector memtable takes one writer at a time; the committer is the only one.
  options.allow_concurrent_memtable_write = false;
  if (store_options.env != nullptr) options.env = store_options.env;

  // Fewer, larger flushes: less compaction competing with the committer for two cores.
  constexpr size_t kWriteBuffer = 128 << 20;
  // Room for two more memtables while one is flushed, so a slow flush does not stall writes.
  constexpr int kWriteBuffers = 4;
  rocksdb::ColumnFamilyOptions journal;
  journal.write_buffer_size = kWriteBuffer;
  journal.max_write_buffer_number = kWriteBuffers;
  // Journal keys ('j' + sequence) only ever grow: a per-prefix insert hint makes each insert
  // start where the last one ended instead of searching the skip list from the top.
  journal.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(1));
  rocksdb::ColumnFamilyOptions state;
  state.write_buffer_size = kWriteBuffer;
  state.max_write_buffer_number = kWriteBuffers;
  state.memtable_factory = std::make_shared<rocksdb::VectorRepFactory>();
  rocksdb::ColumnFamilyOptions position_index;
  position_index.write_buffer_size = kWriteBuffer / 2;
  position_index.max_write_buffer_number = kWriteBuffers;
  position_index.prefix_extractor = std::make_shared<PositionOfIndexKey>();

  const std::vector<rocksdb::ColumnFamilyDescriptor> families = {
      {rocksdb::kDefaultColumnFamilyName, journal},
      {kStateFamily, state},
      {kPositionIndexFamily, position_index},
  };
  // Asked to recover up to damage, every start puts a gap in the sequences (RecordSequenceGap):
  // whether recovery dropped something cannot be told here.
  options.wal_recovery_mode = recover_to_damage
                                  ? rocksdb::WALRecoveryMode::kPointInTimeRecovery
                                  : rocksdb::WALRecoveryMode::kTolerateCorruptedTailRecords;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  const rocksdb::Status status = rocksdb::DB::Open(options, dir, families, &handles, &raw);
  // A record whole by its checksum whose batch does not parse stops RocksDB in either mode.
  const bool unparsed = absl::StrContains(status.ToString(), "WriteBatch");
  if (status.IsCorruption() && unparsed) {
    return absl::DataLossError(absl::StrCat(
        "cannot open RocksDB in '", dir, "': ", status.ToString(),
        ". A record of the write-ahead log passes its checksum but does not parse, which "
        "RocksDB cannot recover past even with --wal_recovery=point_in_time: restore the data "
        "directory from a backup"));
  }
  if (status.IsCorruption() && !recover_to_damage) {
    return absl::DataLossError(absl::StrCat(
        "cannot open RocksDB in '", dir, "': ", status.ToString(),
        ". If the damage is in the write-ahead log (RocksDB's LOG file in that directory names "
        "the *.log file), the records after it may be acknowledged writes; nothing was "
        "dropped. To serve again from what comes before the damage, losing what follows it, "
        "copy the directory aside and start with --wal_recovery=point_in_time"));
  }
  if (status.IsCorruption()) {
    // RocksDB refuses a point in time that a column family's flushed rows are already past
    // ("SST file is ahead of WALs"): the damage is in an older log than the newest.
    const bool flushed_past = absl::StrContains(status.ToString(), "ahead of WALs");
    return absl::DataLossError(absl::StrCat(
        "cannot open RocksDB in '", dir, "': ", status.ToString(),
        flushed_past ? ". Even recovering up to the damage is not possible here: rows written "
                       "after it were already flushed, so the state cannot be rebuilt as of "
                       "before it. Restore the data directory from a backup"
                     : ". Restore the data directory from a backup"));
  }
  if (!status.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot open RocksDB in '", dir, "': ", status.ToString()));
  }
  std::unique_ptr<Store> store(new Store());
  store->db_.reset(raw);
  store->journal_ = handles[0];
  store->state_ = handles[1];
  store->position_index_ = handles[2];
  store->created_ = created;
  store->unread_floor_ = unread_floor;
  if (absl::Status moved = store->MoveRowsOfOlderLayout(); !moved.ok()) return moved;
  if (recover_to_damage) {
    if (absl::Status gap = store->RecordSequenceGap(durable_floor); !gap.ok()) return gap;
  } else {
    // After RocksDB's recovery, which has already written out what it read: the check needs
    // the journal's recovered end, and reading it before would replay the log twice at every
    // start.
    absl::StatusOr<std::pair<Sequence, std::vector<SequenceGap>>> read = store->ReadSequences();
    if (!read.ok()) return read.status();
    if (absl::Status kept = CheckDurableFloor(dir, durable_floor, read->first); !kept.ok()) {
      return kept;
    }
  }
  return store;
}

absl::Status Store::MoveRowsOfOlderLayout() {
  // Every key of the older layout that is not the journal sorts after it.
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), journal_));
  const std::string after_journal(1, kJournalPrefix + 1);
  // Only the kinds this build knows are moved: a later version's would be lost to it.
  if (absl::Status s =
          RefuseUnknownKinds(*it, after_journal, std::string(kStateRowKinds) + kPositionIndexPrefix,
                             "row of an older layout");
      !s.ok()) {
    return s;
  }
  rocksdb::WriteBatch batch;
  rocksdb::WriteOptions synced;
  synced.sync = true;
  for (it->Seek(after_journal); it->Valid(); it->Next()) {
    rocksdb::ColumnFamilyHandle* to =
        it->key()[0] == kPositionIndexPrefix ? position_index_ : state_;
    // Each batch moves its rows whole: interrupted, the next Open moves the rest.
    if (!batch.Put(to, it->key(), it->value()).ok() || !batch.Delete(journal_, it->key()).ok()) {
      return absl::InternalError("cannot build the batch that moves rows to their families");
    }
    ++migrated_rows_;
    if (batch.Count() >= 20'000) {
      if (absl::Status s = FromRocks(db_->Write(synced, &batch), "moving rows"); !s.ok()) return s;
      batch.Clear();
    }
  }
  if (absl::Status s = FromRocks(it->status(), "scanning rows to move"); !s.ok()) return s;
  if (batch.Count() > 0) return FromRocks(db_->Write(synced, &batch), "moving rows");
  return absl::OkStatus();
}

Store::~Store() {
  if (!db_) return;
  for (rocksdb::ColumnFamilyHandle* handle : {journal_, state_, position_index_}) {
    if (handle != nullptr) db_->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
  }
  db_->Close().PermitUncheckedError();
}

absl::StatusOr<std::pair<Sequence, std::vector<SequenceGap>>> Store::ReadSequences() const {
  std::pair<Sequence, std::vector<SequenceGap>> read;
  std::string row;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), state_, std::string(kLastSequenceKey), &row);
  if (s.ok()) {
    auto sequence = DecodeSequence(row);
    if (!sequence) return absl::DataLossError("the last_sequence row does not decode");
    read.first = *sequence;
  } else if (!s.IsNotFound()) {
    return FromRocks(s, "reading last_sequence");
  }
  s = db_->Get(rocksdb::ReadOptions(), state_, std::string(kSequenceGapsKey), &row);
  if (s.ok()) {
    auto gaps = DecodeSequenceGaps(row);
    if (!gaps) return Undecodable("the sequence_gaps row", row);
    read.second = *std::move(gaps);
  } else if (!s.IsNotFound()) {
    return FromRocks(s, "reading sequence_gaps");
  }
  if (!read.second.empty() && read.second.back().before > read.first) {
    return absl::DataLossError(absl::StrCat("the journal's last sequence ", read.first,
                                            " is before the end of its last gap, ",
                                            read.second.back().before));
  }
  return read;
}

absl::Status Store::RecordSequenceGap(std::optional<Sequence> floor) {
  // The records dropped after the damage held movements whose sequences a feed client may have
  // seen (published once synced): those are never given again, and a watch resuming after one
  // is told to reload (GapHolding). Whether anything was dropped cannot be known here; a gap
  // when nothing was is harmless, as no client saw a sequence in it.
  absl::StatusOr<std::pair<Sequence, std::vector<SequenceGap>>> read = ReadSequences();
  if (!read.ok()) return read.status();
  auto& [recovered, gaps] = *read;
  // Past the durable floor too, when it is ahead: every sequence up to it was acknowledged.
  const Sequence reached = std::max(recovered, floor.value_or(0));
  if (reached > std::numeric_limits<Sequence>::max() - 2 * kSequenceGapSpan) {
    return absl::FailedPreconditionError(
        absl::StrCat("the journal's last sequence (or its durable floor, past it) ", reached,
                     " leaves no room for the gap of ", kSequenceGapSpan,
                     " sequences that --wal_recovery=point_in_time puts after it"));
  }
  gaps.push_back(SequenceGap{recovered, reached + kSequenceGapSpan});
  rocksdb::WriteBatch batch;
  if (!batch.Put(state_, std::string(kSequenceGapsKey), Encode(gaps)).ok() ||
      !batch.Put(state_, std::string(kLastSequenceKey), EncodeSequence(gaps.back().before)).ok()) {
    return absl::InternalError("cannot build the batch that records the sequence gap");
  }
  rocksdb::WriteOptions synced;
  synced.sync = true;
  if (absl::Status s = FromRocks(db_->Write(synced, &batch), "recording the sequence gap");
      !s.ok()) {
    return s;
  }
  recorded_gap_ = gaps.back();
  return absl::OkStatus();
}

absl::StatusOr<LoadSummary> Store::LoadInto(Ledger& ledger) {
  LoadSummary summary;
  absl::StatusOr<std::pair<Sequence, std::vector<SequenceGap>>> sequences = ReadSequences();
  if (!sequences.ok()) return sequences.status();
  summary.last_sequence = sequences->first;
  summary.sequence_gaps = std::move(sequences->second);
  ledger.RestoreSequence(summary.last_sequence);

  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), state_));
  if (absl::Status s = RefuseUnknownKinds(*it, "", kStateRowKinds, "state row"); !s.ok()) return s;
  auto load = [&](char prefix, auto&& each) -> absl::Status {
    const std::string p(1, prefix);
    for (it->Seek(p); it->Valid() && HasPrefix(it->key(), p); it->Next()) {
      const std::string_view row(it->value().data(), it->value().size());
      if (!each(row)) return Undecodable(absl::StrCat("row '", it->key().ToString(true), "'"), row);
    }
    return FromRocks(it->status(), "scanning state rows");
  };
  absl::Status status = load(kLocationPrefix, [&](std::string_view v) {
    auto location = DecodeLocation(v);
    if (location) ledger.RestoreLocation(*location), ++summary.locations;
    return location.has_value();
  });
  if (!status.ok()) return status;
  status = load(kPositionPrefix, [&](std::string_view v) {
    auto position = DecodePosition(v);
    if (position) ledger.RestorePosition(*position), ++summary.positions;
    return position.has_value();
  });
  if (!status.ok()) return status;
  status = load(kReservationPrefix, [&](std::string_view v) {
    auto reservation = DecodeReservation(v);
    if (reservation) ledger.RestoreReservation(*reservation), ++summary.reservations;
    return reservation.has_value();
  });
  if (!status.ok()) return status;
  // A till's key gained its store in session 19 (PosTransaction::Key): a row under the older key
  // moves to the new one, so that forgetting it later deletes it.
  rocksdb::WriteBatch rekeyed;
  status = load(kPosTransactionPrefix, [&](std::string_view v) {
    auto transaction = DecodePosTransaction(v);
    if (!transaction) return false;
    if (const std::string key = PosTransactionKey(*transaction); it->key() != key) {
      if (!rekeyed.Put(state_, key, it->value()).ok() || !rekeyed.Delete(state_, it->key()).ok()) {
        return false;
      }
      ++summary.pos_transactions_rekeyed;
    }
    ledger.RestorePosTransaction(*transaction);
    ++summary.pos_transactions;
    return true;
  });
  if (!status.ok()) return status;
  status = load(kTransferPrefix, [&](std::string_view v) {
    auto transfer = DecodeTransfer(v);
    if (transfer) ledger.RestoreTransfer(*transfer), ++summary.transfers;
    return transfer.has_value();
  });
  if (!status.ok()) return status;

  status = ledger.CheckInvariants();
  if (!status.ok()) {
    return absl::DataLossError(absl::StrCat("recovered state is inconsistent: ", status.message()));
  }
  // Only once everything loaded: a load refused for a row that does not decode has written
  // nothing ("Nothing was changed", Undecodable).
  if (rekeyed.Count() > 0) {
    rocksdb::WriteOptions synced;
    synced.sync = true;
    status = FromRocks(db_->Write(synced, &rekeyed), "moving till transactions to their new keys");
    if (!status.ok()) return status;
  }
  sequence_gaps_ = summary.sequence_gaps;
  return summary;
}

std::optional<SequenceGap> Store::GapHolding(Sequence sequence) const {
  for (const SequenceGap& gap : sequence_gaps_) {
    if (gap.Holds(sequence)) return gap;
  }
  return std::nullopt;
}

absl::StatusOr<std::vector<Movement>> Store::ScanPosition(const JournalQuery& query) const {
  const Sku& sku = *query.sku;
  const LocationId& location = *query.location;
  std::vector<Movement> result;
  if (query.newest <= query.after_sequence) return result;
  // One view of the position's index entries and its chain of movements.
  rocksdb::ManagedSnapshot snapshot(db_.get());
  rocksdb::ReadOptions read;
  read.snapshot = snapshot.snapshot();
  const size_t limit = static_cast<size_t>(std::max(query.limit, 0));

  // The chain is read backwards from an indexed movement (or the newest) to the one before:
  // each such stretch holds at least one movement, so `limit` of them are enough.
  std::vector<Sequence> stretch_ends;
  const std::string prefix = PositionIndexPrefix(sku, location);
  rocksdb::ReadOptions same_position = read;
  same_position.prefix_same_as_start = true;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(same_position, position_index_));
  for (it->Seek(PositionIndexKey(sku, location, query.after_sequence + 1));
       it->Valid() && HasPrefix(it->key(), prefix) && stretch_ends.size() < limit; it->Next()) {
    auto sequence = SequenceOfKey(std::string_view(it->key().data(), it->key().size()));
    if (!sequence) return absl::DataLossError("a position index key does not decode");
    stretch_ends.push_back(*sequence);
  }
  if (!it->status().ok()) return FromRocks(it->status(), "scanning the position index");
  const Sequence newest = query.newest;
  if (stretch_ends.size() < limit && (stretch_ends.empty() || newest > stretch_ends.back())) {
    stretch_ends.push_back(newest);
  }

  Sequence floor = query.after_sequence;
  std::vector<Movement> stretch;
  for (const Sequence end : stretch_ends) {
    stretch.clear();
    // A movement written before the chain existed has previous 0; the index holds every such
    // one, so the stretch ends there as it should.
    for (Sequence at = end; at > floor;) {
      std::string value;
      const rocksdb::Status s = db_->Get(read, journal_, JournalKey(at), &value);
      if (s.IsNotFound() && at == newest) {
        return absl::UnavailableError(absl::StrCat("movement ", at, " is not durable yet"));
      }
      if (s.IsNotFound()) {
        return absl::DataLossError(absl::StrCat("movement ", at, " of sku '", sku.value(), "' at '",
                                                location.value(), "' is not in the journal"));
      }
      if (!s.ok()) return FromRocks(s, "reading the journal");
      std::optional<Movement> movement = DecodeMovement(value);
      if (!movement) return Undecodable(absl::StrCat("movement ", at), value);
      if (movement->sku != sku || movement->location != location || movement->previous >= at) {
        return absl::DataLossError(absl::StrCat("the journal of sku '", sku.value(), "' at '",
                                                location.value(), "' is broken at movement ", at));
      }
      at = movement->previous;
      stretch.push_back(std::move(*movement));
    }
    for (auto m = stretch.rbegin(); m != stretch.rend() && result.size() < limit; ++m) {
      result.push_back(std::move(*m));
    }
    if (result.size() >= limit) break;
    floor = end;
  }
  return result;
}

absl::StatusOr<std::vector<Movement>> Store::ScanJournal(const JournalQuery& query,
                                                         Sequence* scanned_through) const {
  if (scanned_through != nullptr) *scanned_through = 0;
  if (query.sku && query.location) return ScanPosition(query);

  std::vector<Movement> result;
  if (query.after_sequence == std::numeric_limits<Sequence>::max()) return result;
  const bool filtered = query.sku || query.location;
  const std::string prefix(1, kJournalPrefix);
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), journal_));
  int scanned = 0;
  Sequence last_read = query.after_sequence;
  for (it->Seek(JournalKey(query.after_sequence + 1));
       it->Valid() && HasPrefix(it->key(), prefix) && static_cast<int>(result.size()) < query.limit;
       it->Next()) {
    if (filtered && scanned == query.scan_rows_max) {
      if (scanned_through != nullptr) *scanned_through = last_read;
      break;
    }
    ++scanned;
    const std::string_view row(it->value().data(), it->value().size());
    auto movement = DecodeMovement(row);
    if (!movement)
      return Undecodable(absl::StrCat("journal row '", it->key().ToString(true), "'"), row);
    last_read = movement->sequence;
    if (query.sku && movement->sku != *query.sku) continue;
    if (query.location && movement->location != *query.location) continue;
    result.push_back(std::move(*movement));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "scanning the journal");
  return result;
}

std::optional<uint64_t> Store::Property(const std::string& name) const {
  uint64_t value = 0;
  if (!db_->GetAggregatedIntProperty(name, &value)) return std::nullopt;
  return value;
}

}  // namespace omnistock::storage
