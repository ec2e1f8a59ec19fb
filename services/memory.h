// glibc malloc, tuned for a long-running server whose working set grows and shrinks in bursts
// (group commits, plan scratch, protobuf arenas): without this, glibc returns freed memory to
// the kernel as soon as it can and takes it back on the next burst, and the page faults show as
// latency. Trades a bounded amount of retained memory for steady latency.
#ifndef OMNISTOCK_SERVICES_MEMORY_H_
#define OMNISTOCK_SERVICES_MEMORY_H_

#include <malloc.h>

namespace omnistock::services {

inline void TuneAllocatorForServing() {
  mallopt(M_MMAP_THRESHOLD, 64 << 20);   // blocks below 64 MiB come from the heap, reused
  mallopt(M_TRIM_THRESHOLD, 512 << 20);  // keep up to 512 MiB of free heap instead of trimming
  mallopt(M_TOP_PAD, 64 << 20);          // grow the heap 64 MiB at a time
}

}  // namespace omnistock::services

#endif  // OMNISTOCK_SERVICES_MEMORY_H_
