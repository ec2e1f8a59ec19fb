#include "storage/store.h"

#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "rocksdb/options.h"
#include "rocksdb/slice_transform.h"
#include "storage/codec.h"

namespace omnistock::storage {
namespace {

absl::Status FromRocks(const rocksdb::Status& status, absl::string_view what) {
  if (status.ok()) return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat(what, ": ", status.ToString()));
}

bool HasPrefix(const rocksdb::Slice& key, std::string_view prefix) {
  return key.size() >= prefix.size() && std::string_view(key.data(), prefix.size()) == prefix;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Store>> Store::Open(const std::string& dir, rocksdb::Env* env) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot create data directory '", dir, "': ", ec.message()));
  }
  rocksdb::Options options;
  options.create_if_missing = true;
  options.IncreaseParallelism(2);
  options.max_background_jobs = 2;
  options.keep_log_file_num = 5;
  // The committer is one thread, and inserting into the memtable is most of its work. Journal
  // keys ('j' + sequence) only ever grow: a per-prefix insert hint makes each such insert start
  // where the last one ended instead of searching the skip list from the top.
  options.memtable_insert_with_hint_prefix_extractor.reset(rocksdb::NewFixedPrefixTransform(1));
  // Fewer, larger flushes: less compaction competing with the committer for two cores.
  options.write_buffer_size = 128 << 20;
  if (env != nullptr) options.env = env;
  rocksdb::DB* raw = nullptr;
  const rocksdb::Status status = rocksdb::DB::Open(options, dir, &raw);
  if (!status.ok()) {
    return absl::FailedPreconditionError(
        absl::StrCat("cannot open RocksDB in '", dir, "': ", status.ToString()));
  }
  return std::unique_ptr<Store>(new Store(std::unique_ptr<rocksdb::DB>(raw)));
}

Store::~Store() {
  if (db_) db_->Close().PermitUncheckedError();
}

absl::StatusOr<LoadSummary> Store::LoadInto(Ledger& ledger) {
  LoadSummary summary;
  std::string last;
  rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), std::string(kLastSequenceKey), &last);
  if (s.ok()) {
    auto sequence = DecodeSequence(last);
    if (!sequence) return absl::DataLossError("the last_sequence row does not decode");
    summary.last_sequence = *sequence;
  } else if (!s.IsNotFound()) {
    return FromRocks(s, "reading last_sequence");
  }
  ledger.RestoreSequence(summary.last_sequence);

  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  auto load = [&](char prefix, auto&& each) -> absl::Status {
    const std::string p(1, prefix);
    for (it->Seek(p); it->Valid() && HasPrefix(it->key(), p); it->Next()) {
      if (!each(std::string_view(it->value().data(), it->value().size()))) {
        return absl::DataLossError(
            absl::StrCat("row '", it->key().ToString(true), "' does not decode"));
      }
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
  status = load(kPosTransactionPrefix, [&](std::string_view v) {
    auto transaction = DecodePosTransaction(v);
    if (transaction) ledger.RestorePosTransaction(*transaction), ++summary.pos_transactions;
    return transaction.has_value();
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
  return summary;
}

absl::StatusOr<std::vector<Movement>> Store::ScanJournal(const JournalQuery& query) const {
  std::vector<Movement> result;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions()));
  auto read_movement = [&](Sequence sequence) -> absl::Status {
    std::string value;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), JournalKey(sequence), &value);
    if (!s.ok()) return FromRocks(s, "reading the journal");
    auto movement = DecodeMovement(value);
    if (!movement)
      return absl::DataLossError(absl::StrCat("movement ", sequence, " does not decode"));
    result.push_back(std::move(*movement));
    return absl::OkStatus();
  };

  if (query.sku && query.location) {
    const std::string prefix = PositionIndexPrefix(*query.sku, *query.location);
    for (it->Seek(PositionIndexKey(*query.sku, *query.location, query.after_sequence + 1));
         it->Valid() && HasPrefix(it->key(), prefix) &&
         static_cast<int>(result.size()) < query.limit;
         it->Next()) {
      auto sequence = SequenceOfKey(std::string_view(it->key().data(), it->key().size()));
      if (!sequence) return absl::DataLossError("a position index key does not decode");
      if (absl::Status s = read_movement(*sequence); !s.ok()) return s;
    }
    if (!it->status().ok()) return FromRocks(it->status(), "scanning the position index");
    return result;
  }

  const std::string prefix(1, kJournalPrefix);
  for (it->Seek(JournalKey(query.after_sequence + 1));
       it->Valid() && HasPrefix(it->key(), prefix) && static_cast<int>(result.size()) < query.limit;
       it->Next()) {
    auto movement = DecodeMovement(std::string_view(it->value().data(), it->value().size()));
    if (!movement) return absl::DataLossError("a journal row does not decode");
    if (query.sku && movement->sku != *query.sku) continue;
    if (query.location && movement->location != *query.location) continue;
    result.push_back(std::move(*movement));
  }
  if (!it->status().ok()) return FromRocks(it->status(), "scanning the journal");
  return result;
}

}  // namespace omnistock::storage
