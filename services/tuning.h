// How a long-running omnistock process is set up to serve; omnistockd and omnistock-bench (whose
// engine mode must measure the engine as it runs in the server) both call it first thing.
//
// glibc malloc, tuned for a working set that grows and shrinks in bursts (group commits, plan
// scratch, protobuf arenas): without this, glibc returns freed memory to the kernel as soon as it
// can and takes it back on the next burst, and the page faults show as latency. Trades a bounded
// amount of retained memory for steady latency.
//
// Debian's abseil is built with mutex deadlock detection on: a lock-order graph updated on every
// acquisition while other locks are held (a multi-line order holds several shard locks),
// measurable on the write path. The ledger's lock order is fixed by design (ascending shard
// index; tests exercise it), so serving does not pay for the check. Tests keep it.
#ifndef OMNISTOCK_SERVICES_TUNING_H_
#define OMNISTOCK_SERVICES_TUNING_H_

#include <malloc.h>

#include "absl/synchronization/mutex.h"

namespace omnistock::services {

inline void TuneProcessForServing() {
  mallopt(M_MMAP_THRESHOLD, 64 << 20);   // blocks below 64 MiB come from the heap, reused
  mallopt(M_TRIM_THRESHOLD, 512 << 20);  // keep up to 512 MiB of free heap instead of trimming
  mallopt(M_TOP_PAD, 64 << 20);          // grow the heap 64 MiB at a time
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
}

}  // namespace omnistock::services

#endif  // OMNISTOCK_SERVICES_TUNING_H_
