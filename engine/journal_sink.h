// The hand-off from the engine to durability. Every applied command yields one Commit: its
// journal movements and the new values of every row it changed. The ledger calls
// JournalSink::Append inside its sequencer critical section, so commits reach the sink in
// exactly the order they were applied, and the durable state is always a prefix of the applied
// history. storage/committer.h implements it with RocksDB; tests use an in-memory sink.
#ifndef OMNISTOCK_ENGINE_JOURNAL_SINK_H_
#define OMNISTOCK_ENGINE_JOURNAL_SINK_H_

#include <vector>

#include "engine/location.h"
#include "engine/movement.h"
#include "engine/pos_transaction.h"
#include "engine/position.h"
#include "engine/reservation.h"
#include "engine/transfer.h"
#include "engine/types.h"

namespace omnistock {

struct Commit {
  CommitTicket ticket = 0;
  Sequence last_sequence = 0;  // the journal's last sequence once this commit is applied
  std::vector<Movement> movements;
  std::vector<Position> positions;               // new values of the positions touched
  std::vector<Reservation> reservations;         // new values of the reservations touched
  std::vector<Location> locations;               // new values of the locations touched
  std::vector<PosTransaction> pos_transactions;  // till transactions recorded
  std::vector<Transfer> transfers;               // new states of transfers
};

class JournalSink {
 public:
  virtual ~JournalSink() = default;
  // Called with the ledger's sequencer lock held: must not block on I/O, only enqueue.
  virtual void Append(Commit commit) = 0;
};

// Drops every commit: for measuring the ledger alone (benchmarks), with nothing made durable.
class DiscardingSink final : public JournalSink {
 public:
  void Append(Commit /*commit*/) override {}
};

}  // namespace omnistock

#endif  // OMNISTOCK_ENGINE_JOURNAL_SINK_H_
