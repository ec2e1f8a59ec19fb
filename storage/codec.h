// Binary encoding of the ledger's rows and movements for RocksDB, and the key layout.
//
// Keys (one byte of kind, then big-endian or NUL-separated parts so that byte order is the
// natural order):
//   'j' seq(8 BE)                        -> Movement            the journal
//   'x' sku '\0' location '\0' seq(8 BE) -> ""                  the journal by position: one
//                                                            movement in kPositionIndexEvery
//                                                            of each position (each one in a
//                                                            database written before the
//                                                            movements were chained)
//   'p' sku '\0' location                -> Position            current state rows
//   'r' reservation_id                   -> Reservation
//   'l' location_id                      -> Location
//   's' PosTransaction::Key()            -> PosTransaction      till sales and returns
//                                                            (store '\0' terminal '\0'
//                                                            transaction; before session 19
//                                                            terminal '\0' transaction, moved
//                                                            at load), and the kept keys of
//                                                            receipts and adjustments ('\0' key)
//   't' transfer_id                      -> Transfer
//   "m/last_sequence"                    -> seq(8 BE)
//   "g/sequence_gaps"                    -> SequenceGap list, oldest first (recorded at each
//                                            start with WalRecovery::kPointInTime; a kind of
//                                            its own, so that an older build refuses it)
// 'j' rows live in RocksDB's default column family, 'x' rows in "position_index", the rest in
// "state" (see store.h).
// Identifiers never contain NUL: the edge allows only [A-Za-z0-9._:/-].
// Values start with a format version byte (older versions still decode, see codec.cc); a row
// that does not decode is data loss.
#ifndef OMNISTOCK_STORAGE_CODEC_H_
#define OMNISTOCK_STORAGE_CODEC_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "engine/location.h"
#include "engine/movement.h"
#include "engine/pos_transaction.h"
#include "engine/position.h"
#include "engine/reservation.h"
#include "engine/transfer.h"
#include "engine/types.h"

namespace omnistock::storage {

inline constexpr char kJournalPrefix = 'j';
inline constexpr char kPositionIndexPrefix = 'x';
inline constexpr char kPositionPrefix = 'p';
inline constexpr char kReservationPrefix = 'r';
inline constexpr char kLocationPrefix = 'l';
inline constexpr char kPosTransactionPrefix = 's';
inline constexpr char kTransferPrefix = 't';
inline constexpr std::string_view kLastSequenceKey = "m/last_sequence";
inline constexpr std::string_view kSequenceGapsKey = "g/sequence_gaps";
// The first bytes of every kind of row in the state family: the sequence gaps, locations, "m/"
// metadata, positions, reservations, till transactions (and receipt or adjustment keys),
// transfers.
inline constexpr std::string_view kStateRowKinds = "glmprst";

// The format rows are written in, their first byte. Rows of formats 1 .. kRowFormat decode.
inline constexpr char kRowFormat = 7;
// Why `row` (of `what`, e.g. "row 'p...'") does not decode, as DATA_LOSS: a row whose first
// byte is a later format than kRowFormat was most likely written by a newer omnistockd (or is
// damaged), which is said as such.
absl::Status Undecodable(absl::string_view what, std::string_view row);

std::string JournalKey(Sequence sequence);
std::string PositionIndexPrefix(const Sku& sku, const LocationId& location);
std::string PositionIndexKey(const Sku& sku, const LocationId& location, Sequence sequence);
std::string PositionKey(const Sku& sku, const LocationId& location);
std::string ReservationKey(const ReservationId& id);
std::string LocationKey(const LocationId& id);
std::string PosTransactionKey(const PosTransaction& transaction);
// The same from the transaction's PosTransaction::Key().
std::string PosTransactionKey(std::string_view transaction_key);
std::string TransferKey(const Transfer& transfer);
std::string TransferKey(std::string_view transfer_id);

std::string EncodeSequence(Sequence sequence);
std::optional<Sequence> DecodeSequence(std::string_view in);
// The sequence at the end of a journal or position-index key.
std::optional<Sequence> SequenceOfKey(std::string_view key);

std::string Encode(const std::vector<SequenceGap>& gaps);
std::optional<std::vector<SequenceGap>> DecodeSequenceGaps(std::string_view in);

std::string Encode(const Movement& movement);
std::string Encode(const Position& position);
std::string Encode(const Reservation& reservation);
std::string Encode(const Location& location);
std::string Encode(const PosTransaction& transaction);
std::string Encode(const Transfer& transfer);

std::optional<Movement> DecodeMovement(std::string_view in);
std::optional<Position> DecodePosition(std::string_view in);
std::optional<Reservation> DecodeReservation(std::string_view in);
std::optional<Location> DecodeLocation(std::string_view in);
std::optional<PosTransaction> DecodePosTransaction(std::string_view in);
std::optional<Transfer> DecodeTransfer(std::string_view in);

}  // namespace omnistock::storage

#endif  // OMNISTOCK_STORAGE_CODEC_H_
