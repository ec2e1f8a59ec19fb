// jemalloc's options for the processes linked with it (omnistockd, omnistock-bench; see
// services/tuning.h for why they use jemalloc). jemalloc reads this symbol when it starts; the
// MALLOC_CONF environment variable can still override it.
//
// oversize_threshold:0: by default, requests above 8 MiB get an arena of their own that returns
// its pages to the kernel as soon as they are freed, so the large vectors of a count batch's
// commit were faulted in anew on every batch (count rows in engine mode: 0.83 M/s with the
// default, 2.2 M/s without the separate arena). The normal arenas keep freed pages for their
// decay time (10 s) and reuse them.
extern "C" {
__attribute__((used)) const char* malloc_conf = "oversize_threshold:0";
}
