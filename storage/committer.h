// The Committer makes the ledger's commits durable: one thread drains the queue of commits in
// ticket order (a commit appended before a lower ticket waits for it), writes them as one RocksDB
// WriteBatch with a synced WAL (group commit: many calls share one fsync), and then completes the
// calls waiting on them.
//
// Failure is latched (fail-stop): after the first write error every waiting and future call
// for a commit not yet durable completes with UNAVAILABLE, nothing more is written, and
// `on_failure` is called once so the process can stop serving and exit. Because batches are
// written in order, what is on disk is always a prefix of what was applied. The commits of the
// batch whose write failed are in doubt: RocksDB may have put them in the WAL file before its
// sync failed, and a restart replays what the disk kept. Every caller still waiting is told so.
//
// A disk that is slow or has stopped answering does not fail a write; the calls wait. Admit()
// says when the commits waiting for the disk reach `backlog_max`, or the write in progress has
// taken `stall_max`, so that the server refuses new writes instead of applying ever more of them
// in memory that no caller will hear about in time, and stalled_for() how long the write in
// progress has taken, so that health can say the server cannot answer writes.
//
// Thread-safety: Append, WhenDurable and WaitDurable may be called from any thread.
#ifndef OMNISTOCK_STORAGE_COMMITTER_H_
#define OMNISTOCK_STORAGE_COMMITTER_H_

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <functional>
#include <iterator>
#include <map>
#include <thread>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/journal_sink.h"
#include "rocksdb/db.h"
#include "storage/store.h"

namespace omnistock::storage {

// The commits applied and not yet durable at which Committer::Admit refuses new writes by
// default: at about 1 KiB each, 100 MiB of memory, and several seconds of the peak rate.
inline constexpr uint64_t kCommitBacklogMaxDefault = 100'000;

// Upper bounds, in seconds, of the buckets CommitterStats counts its writes in: from a tenth of a
// millisecond (a synced append on a fast disk) to ten seconds (a disk that has all but stopped).
inline constexpr double kWriteSecondsBounds[] = {0.0001, 0.00025, 0.0005, 0.001, 0.002, 0.005, 0.01,
                                                 0.02,   0.05,    0.1,    0.25,  1,     10};
inline constexpr size_t kWriteSecondsBuckets = std::size(kWriteSecondsBounds);

struct CommitterStats {
  uint64_t commits = 0;  // ledger commits written
  uint64_t batches = 0;  // WriteBatches, i.e. fsyncs
  CommitTicket durable_ticket = 0;
  // How long the durable batches' writes took (RocksDB's Write with a synced WAL, the fsync
  // included; a failed write is not counted, the failure stops the server), kept here like the
  // counts above so that storage needs no metrics library; services/metrics.cc exports them:
  // write_seconds_le[i] counts those that took at most kWriteSecondsBounds[i], not
  // cumulatively (the rest took longer than the last bound); write_seconds_sum adds them all.
  std::array<uint64_t, kWriteSecondsBuckets> write_seconds_le{};
  double write_seconds_sum = 0;
};

class Committer final : public JournalSink {
 public:
  using DoneCallback = absl::AnyInvocable<void(absl::Status) &&>;

  // Runs on the committer thread after each durable batch, before its callers are answered.
  // Must be quick and must not block: it delays every write.
  using DurableListener = std::function<void(const std::vector<Commit>&)>;

  // `store` must outlive the committer. `on_failure` runs once, on the committer thread.
  Committer(Store& store, std::function<void(const absl::Status&)> on_failure,
            DurableListener on_durable = nullptr, uint64_t backlog_max = kCommitBacklogMaxDefault,
            absl::Duration stall_max = absl::InfiniteDuration());
  ~Committer() override;

  void Append(Commit commit) override;

  // Runs `done` with OK once every commit up to `ticket` is durable, or with UNAVAILABLE once
  // the committer has failed or stopped. May run it inline on the calling thread.
  void WhenDurable(CommitTicket ticket, DoneCallback done);
  // The same, blocking the calling thread (never the committer's) until then.
  absl::Status WaitDurable(CommitTicket ticket);

  // Writes what is queued, completes every waiter and joins the thread. Idempotent.
  void Stop();

  absl::Status status() const;
  // Whether a write has failed (status() says how): lock-free, for every call to check first.
  bool failed() const { return failed_.load(std::memory_order_acquire); }
  // Whether a new write may be applied: OK, or the failure, or UNAVAILABLE while backlog_max
  // commits wait for the disk or the write in progress has taken stall_max. Lock-free until a
  // write has failed.
  absl::Status Admit() const;
  // Commits handed to the committer and not yet durable.
  uint64_t backlog() const {
    const CommitTicket appended = appended_.load(std::memory_order_relaxed);
    const CommitTicket durable = durable_ticket_.load(std::memory_order_relaxed);
    return appended > durable ? appended - durable : 0;
  }
  // The last durable commit's ticket, and the journal's last sequence as far as it is durable
  // (that commit's last_sequence, or the recovered one before any: SetRecoveredSequence). Both
  // are advanced after `on_durable` has seen the batch. Lock-free.
  CommitTicket durable_ticket() const { return durable_ticket_.load(std::memory_order_acquire); }
  Sequence durable_sequence() const { return durable_sequence_.load(std::memory_order_acquire); }
  // At start-up, before any commit: the last sequence the store recovered.
  void SetRecoveredSequence(Sequence sequence) {
    durable_sequence_.store(sequence, std::memory_order_release);
  }
  // How long the write in progress has been running (on the steady clock: a step of the wall
  // clock neither makes nor hides a stall); zero when none is.
  absl::Duration stalled_for() const;
  // How long a write may take before Admit refuses new ones (and health says NOT_SERVING).
  absl::Duration stall_max() const { return stall_max_; }
  CommitterStats stats() const;

 private:
  void Run();
  bool HasWorkOrStopping() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    return !queue_.empty() || stopping_;
  }
  absl::Status WriteBatchOf(const std::vector<Commit>& commits);
  // Counts one durable batch's write of `seconds` in stats_.
  void CountWrite(double seconds) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // The UNAVAILABLE a caller waiting for a commit not durable gets once the committer has
  // failed: in doubt, since its change may be in the failed batch.
  absl::Status InDoubt() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);

  Store& store_;
  std::function<void(const absl::Status&)> on_failure_;
  DurableListener on_durable_;

  mutable absl::Mutex mu_;
  std::deque<Commit> queue_ ABSL_GUARDED_BY(mu_);      // in ticket order, from 1 with no gap
  CommitTicket next_ticket_ ABSL_GUARDED_BY(mu_) = 1;  // the ticket queue_ takes next
  std::map<CommitTicket, Commit> early_ ABSL_GUARDED_BY(mu_);  // appended before a lower one
  std::multimap<CommitTicket, DoneCallback> waiters_ ABSL_GUARDED_BY(mu_);
  // Written under mu_ (with the waiters it completes); read lock-free by backlog() too.
  std::atomic<CommitTicket> durable_ticket_{0};
  std::atomic<Sequence> durable_sequence_{0};  // written with durable_ticket_
  absl::Status failure_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool exited_ ABSL_GUARDED_BY(mu_) = false;  // the thread has returned
  std::atomic<bool> failed_{false};           // failure_ is set
  const uint64_t backlog_max_;
  const absl::Duration stall_max_;
  std::atomic<CommitTicket> appended_{0};  // the highest ticket appended
  std::atomic<int64_t> writing_since_{0};  // steady-clock nanoseconds the write began; 0: none
  CommitterStats stats_ ABSL_GUARDED_BY(mu_);

  std::thread thread_;
};

}  // namespace omnistock::storage

#endif  // OMNISTOCK_STORAGE_COMMITTER_H_
