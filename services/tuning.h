// How a long-running omnistock process is set up to serve; omnistockd and omnistock-bench (whose
// engine mode must measure the engine as it runs in the server) both call it first thing.
//
// omnistockd and omnistock-bench are linked with jemalloc (libjemalloc-dev), as RocksDB
// recommends. The write path allocates on the gRPC threads (requests, the commits the ledger
// hands over) and frees on the committer thread; glibc malloc handles that producer/consumer
// pattern badly (the freeing thread's cache fills while the allocating threads' run dry, and
// every large block freed consolidates the heap): with glibc, a third of a batched Reserve's
// server time was malloc and ReserveBatch did 19,500-24,900 orders/s, with jemalloc 28,500-
// 33,800 in alternating runs (bench/HISTORY.md). jemalloc keeps freed pages for a while (10 s
// decay) instead of returning them at once, so bursts do not fault pages back in; its options
// are in services/allocator.cc.
//
// Debian's abseil is built with mutex deadlock detection on: a lock-order graph updated on every
// acquisition while other locks are held (a multi-line order holds several shard locks),
// measurable on the write path. The ledger's lock order is fixed by design (ascending shard
// index; tests exercise it), so serving does not pay for the check. Tests keep it.
#ifndef OMNISTOCK_SERVICES_TUNING_H_
#define OMNISTOCK_SERVICES_TUNING_H_

#include "absl/synchronization/mutex.h"

namespace omnistock::services {

inline void TuneProcessForServing() {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

}  // namespace omnistock::services

#endif  // OMNISTOCK_SERVICES_TUNING_H_
