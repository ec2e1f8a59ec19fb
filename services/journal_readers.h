// JournalReaders: the threads that read the journal from disk for ListMovements and for a
// Watch's replay, so that those reads never run on gRPC's callback threads.
//
// Every RPC of the server runs its handler on gRPC's callback threads, which are few. A Watch
// that replays a long journal pages through it for seconds (about 2 s for 1.6 M movements):
// while two such replays ran there, unary Reserve calls paced at 500/s got 7 answers a second,
// p50 7.2 s. Here a read waits its turn behind other reads, and checkout does not wait behind
// them. Each task is one page (a ListMovements call, or up to kMovementsPageMax movements of a
// replay), so concurrent replays take turns page by page. One thread: on the two cores
// omnistock is sized for, journal reads take at most one of them from serving.
#ifndef OMNISTOCK_SERVICES_JOURNAL_READERS_H_
#define OMNISTOCK_SERVICES_JOURNAL_READERS_H_

#include <sys/resource.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <latch>
#include <memory>
#include <utility>

#include "boost/asio/post.hpp"
#include "boost/asio/thread_pool.hpp"

namespace omnistock::services {

inline constexpr int kJournalReaderThreads = 1;
// Below serving's CPU priority (0): on a busy machine a replay yields the core to checkout.
inline constexpr int kJournalReaderNice = 10;

class JournalReaders {
 public:
  // Each of the `threads` runs at the CPU priority `nice` (kJournalReaderNice by default).
  explicit JournalReaders(int threads, int nice = kJournalReaderNice) : pool_(threads) {
    // One task per thread, each held until all have started, so that every thread takes one.
    // Shared: a task may still be inside arrive_and_wait when the last arrival lets this return.
    auto started = std::make_shared<std::latch>(threads);
    for (int i = 0; i < threads; ++i) {
      Post([started, nice] {
        // A hint, best effort, and never above the process's own priority.
        const id_t thread = static_cast<id_t>(gettid());
        errno = 0;
        const int current = getpriority(PRIO_PROCESS, thread);
        if (errno == 0 && current < nice) setpriority(PRIO_PROCESS, thread, nice);
        started->arrive_and_wait();
      });
    }
    started->wait();
  }
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

  // Runs what was posted, then ends the threads. Later posts never run: stop posting first (the
  // server joins after gRPC has finished every call).
  void Join() { pool_.join(); }

 private:
  std::atomic<int64_t> pending_{0};
  boost::asio::thread_pool pool_;
};

}  // namespace omnistock::services

#endif  // OMNISTOCK_SERVICES_JOURNAL_READERS_H_
