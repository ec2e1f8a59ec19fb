// JournalReaders: the threads that read the journal from disk for ListMovements and for a
// Watch's replay, so that those reads never run on gRPC's callback threads.
//
// Every RPC of the server runs its handler on gRPC's callback threads, which are few. A Watch
// that replays a long journal pages through it for seconds (about 2 s for 1.6 M movements):
// while two such replays ran there, unary Reserve calls paced at 500/s got 7 answers a second,
// p50 7.2 s. Here a read waits its turn behind other reads, and checkout does not wait behind
// them. Each task is one page (a ListMovements call, or up to kMovementsPageMax movements of a
// replay), so concurrent replays take turns page by page. One thread: on the two cores
// omnistock is sized for, journal reads take at most one of them from serving. It runs at the
// process's priority: a lower one (nice 10, tried) measured no better within the VM's noise,
// and a reader preempted while it holds a ledger shard's lock would stall checkout behind it.
#ifndef OMNISTOCK_SERVICES_JOURNAL_READERS_H_
#define OMNISTOCK_SERVICES_JOURNAL_READERS_H_

#include <atomic>
#include <cstdint>
#include <utility>

#include "boost/asio/post.hpp"
#include "boost/asio/thread_pool.hpp"

namespace omnistock::services {

inline constexpr int kJournalReaderThreads = 1;

class JournalReaders {
 public:
  explicit JournalReaders(int threads) : pool_(threads) {}
  JournalReaders(const JournalReaders&) = delete;
  JournalReaders& operator=(const JournalReaders&) = delete;
  ~JournalReaders() { Join(); }

  // Runs `read` on a reader thread, after the reads posted before it.
  template <typename Read>
  void Post(Read&& read) {
    pending_.fetch_add(1, std::memory_order_relaxed);
    boost::asio::post(pool_, [this, read = std::forward<Read>(read)]() mutable {
      read();
      pending_.fetch_sub(1, std::memory_order_relaxed);
    });
  }

  // Reads posted and not yet done (queued or running): a backlog says replays or ListMovements
  // calls wait for the reader.
  int64_t pending() const { return pending_.load(std::memory_order_relaxed); }

  // Reads not made because their call or watch ended while they waited (ReadJournal's
  // `wanted`): a client's deadline or cancel costs the reader nothing.
  void CountSkipped() { skipped_.fetch_add(1, std::memory_order_relaxed); }
  int64_t skipped() const { return skipped_.load(std::memory_order_relaxed); }

  // Runs what was posted, then ends the threads. Later posts never run: stop posting first (the
  // server joins after gRPC has finished every call).
  void Join() { pool_.join(); }

 private:
  std::atomic<int64_t> pending_{0};
  std::atomic<int64_t> skipped_{0};
  boost::asio::thread_pool pool_;
};

}  // namespace omnistock::services

#endif  // OMNISTOCK_SERVICES_JOURNAL_READERS_H_
