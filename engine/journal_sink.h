// The hand-off from the engine to durability. Every applied command yields one Commit: its
// journal movements and the new values of every row it changed. The ledger numbers a commit
// (its ticket, its movements' sequences) in one short critical section and then fills and
// appends it outside it, while still holding the locks of the rows it changed. So Append is
// called from many threads at once and may receive a commit before one with a lower ticket;
// tickets are dense from 1 and follow the sequences. A sink that writes commits must write
// them in ticket order, which keeps the durable state a prefix of the applied history.
// storage/committer.h implements it with RocksDB; tests use an in-memory sink.
#ifndef OMNISTOCK_ENGINE_JOURNAL_SINK_H_
#define OMNISTOCK_ENGINE_JOURNAL_SINK_H_

#include <string>
#include <vector>

#include "absl/container/inlined_vector.h"
#include "engine/location.h"
#include "engine/movement.h"
#include "engine/pos_transaction.h"
#include "engine/position.h"
#include "engine/reservation.h"
#include "engine/transfer.h"
#include "engine/types.h"

namespace omnistock {

// A commit's movements, positions and reservations. Most commits (an order of one line, a till
// sale of one item, a receipt) have one of each: it is kept inline, so that making the commit
// allocates nothing for them (bench/HISTORY.md).
template <typename Row>
using CommitRows = absl::InlinedVector<Row, 1>;

struct Commit {
  CommitTicket ticket = 0;
  Sequence last_sequence = 0;  // the journal's last sequence once this commit is applied
  CommitRows<Movement> movements;
  CommitRows<Position> positions;                       // new values of the positions touched
  CommitRows<Reservation> reservations;                 // new values of the reservations touched
  std::vector<Location> locations;                      // new values of the locations touched
  std::vector<PosTransaction> pos_transactions;         // till transactions, keys kept
  std::vector<Transfer> transfers;                      // new states of transfers
  std::vector<ReservationId> forgotten_reservations;    // terminal ones past their retention
  std::vector<std::string> forgotten_pos_transactions;  // PosTransaction::Key() past retention
  std::vector<std::string> forgotten_transfers;         // ids of received ones past retention
};

class JournalSink {
 public:
  virtual ~JournalSink() = default;
  // Called with the changed rows' locks held: must not block on I/O, only enqueue.
  virtual void Append(Commit commit) = 0;
};

// Drops every commit: for measuring the ledger alone (benchmarks), with nothing made durable.
class DiscardingSink final : public JournalSink {
 public:
  void Append(Commit /*commit*/) override {}
};

}  // namespace omnistock

#endif  // OMNISTOCK_ENGINE_JOURNAL_SINK_H_
