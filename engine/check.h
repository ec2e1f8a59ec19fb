// OMNISTOCK_CHECK guards invariants of the ledger, never input: a failure is a bug, and the
// process stops before a wrong number can be made durable. It stays on in release builds.
#ifndef OMNISTOCK_ENGINE_CHECK_H_
#define OMNISTOCK_ENGINE_CHECK_H_

#include <cstdio>
#include <cstdlib>

#define OMNISTOCK_CHECK(condition)                                                             \
  do {                                                                                         \
    if (!(condition)) {                                                                        \
      std::fprintf(stderr, "%s:%d: invariant violated: %s\n", __FILE__, __LINE__, #condition); \
      std::abort();                                                                            \
    }                                                                                          \
  } while (false)

#endif  // OMNISTOCK_ENGINE_CHECK_H_
