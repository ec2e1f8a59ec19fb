// The outcome of one omnistock-bench run: the table on stdout and the --json object.
#ifndef OMNISTOCK_BENCH_REPORT_H_
#define OMNISTOCK_BENCH_REPORT_H_

#include <cstdint>
#include <cstdio>
#include <string>

#include "bench/runner.h"
#include "bench/workload.h"
#include "nlohmann/json.hpp"

namespace omnistock::bench {

// flash only: every op that succeeded holds one unit, and no more units than there were are
// held: successes == the position's reserved == min(attempts, on_hand). When some orders'
// calls failed (a server that went down), whether they hold a unit is unknown, and the check
// is of the bounds: successes <= reserved <= min(successes + unknown, on_hand).
struct FlashCheck {
  bool performed = false;
  bool passed = false;
  uint64_t attempts = 0;  // orders answered, held or out of stock
  uint64_t successes = 0;
  uint64_t unknown = 0;   // orders whose call failed
  int64_t reserved = -1;  // as the ledger reports it; -1 when it could not be read
  int64_t expected = 0;   // min(attempts, on_hand); the upper bound with unknown orders
  std::string error;      // why the position could not be read
};

struct Report {
  std::string mode;     // engine | grpc
  std::string target;   // grpc only
  int connections = 0;  // grpc only: channels the clients share
  Workload workload = Workload::kUniform;
  int clients = 0;
  int batch = 1;
  int max_lines = 3;   // orders have 1 to max_lines lines
  int count_rows = 0;  // counts: rows per SyncCounts call
  double rate = 0;     // paced steps/s; 0: closed loop
  double duration_seconds = 0;
  double warmup_seconds = 0;
  int64_t skus = 0;
  int64_t locations = 0;
  int64_t positions = 0;
  int64_t on_hand_per_position = 0;
  uint64_t seed = 0;
  std::string nonce;
  double seed_seconds = 0;
  RunResult run;
  FlashCheck check;
};

// The commit the tool was built from ("1a2b3c4d5e6f", "-dirty" appended when tracked files
// differed from it, or "unknown" outside a git checkout): in the table and every record.
extern const char kSourceCommit[];

// The headline: orders answered per second, held or out of stock (uniform, skewed, flash), rows per
// second (counts), or every call per second (lifecycle, omnichannel).
double HeadlineRate(const Report& report);

void PrintTable(const Report& report, std::FILE* out);
nlohmann::json ToJson(const Report& report);

}  // namespace omnistock::bench

#endif  // OMNISTOCK_BENCH_REPORT_H_
