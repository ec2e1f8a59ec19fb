// jemalloc's options for the processes linked with it (omnistockd, omnistock-bench; see
// services/tuning.h for why they use jemalloc). jemalloc reads this symbol when it starts; the
// MALLOC_CONF environment variable can still override it.
//
// oversize_threshold:0: by default, requests above 8 MiB get an arena of their own that returns
// its pages to the kernel as soon as they are freed, so the large vectors of a count batch's
// commit were faulted in anew on every batch (count rows in engine mode: 0.83 M/s with the
// default, 2.2 M/s without the separate arena). The normal arenas keep freed pages for their
// decay time (10 s) and reuse them.
//
// metadata_thp:always: jemalloc's own metadata (the radix tree free() looks every pointer up
// in, extent headers) on transparent huge pages, so those lookups stop missing the TLB. Engine
// single-line reserves, 2 threads, 5 s, eight alternating pairs: 3-4% more orders/s, 7 of 8
// ahead. Huge pages for the data too (thp:always) is 25-35% slower: the kernel then zeroes a
// 2 MiB page for every fault of a growing heap (clear_page_erms was 36% of the profile).
extern "C" {
__attribute__((used)) const char* malloc_conf = "oversize_threshold:0,metadata_thp:always";
}
