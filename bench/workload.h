// What omnistock-bench puts into the ledger and what it asks of it: the catalog of bench
// locations, SKUs and starting stock (the same for both modes and for the peer baselines in
// bench/peers), and the per-client generators of orders and other operations.
//
// Names: locations are BENCH-L0001 ... (shared by every run: upserting the same location twice
// is one location), SKUs carry the catalog's name (BENCH-<catalog>-SKU-000123; a fresh random
// one per run unless --catalog names one to reuse) and reservation and till transaction ids a
// per-run nonce, so repeated runs against the same data dir never replay each other's orders.
#ifndef OMNISTOCK_BENCH_WORKLOAD_H_
#define OMNISTOCK_BENCH_WORKLOAD_H_

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

namespace omnistock::bench {

enum class Workload { kUniform, kSkewed, kFlash, kLifecycle, kOmnichannel, kCounts };

inline constexpr Workload kWorkloads[] = {Workload::kUniform,     Workload::kSkewed,
                                          Workload::kFlash,       Workload::kLifecycle,
                                          Workload::kOmnichannel, Workload::kCounts};
const char* WorkloadName(Workload workload);
std::optional<Workload> ParseWorkload(const std::string& name);
// Whether `workload` is orders alone (uniform, skewed, flash): what --batch applies to.
inline bool ReserveWorkload(Workload workload) {
  return workload == Workload::kUniform || workload == Workload::kSkewed ||
         workload == Workload::kFlash;
}

// What a workload's headline rate counts, in the result's table and the progress line alike:
// orders answered OK or out of stock (once a flash sale sells out, answering "sold out" is the
// work), count rows applied, or calls of every kind answered (OK or FAILED_PRECONDITION; a
// failed call is no work done).
struct Headline {
  const char* unit;   // "orders", "rows", "calls"
  const char* label;  // the table's row
};
inline Headline HeadlineOf(Workload workload) {
  if (ReserveWorkload(workload)) return {"orders", "orders answered/s"};
  if (workload == Workload::kCounts) return {"rows", "count rows applied/s"};
  return {"calls", "calls answered/s (all kinds)"};
}

// Starting stock per position.
inline constexpr int64_t kUniformOnHand = 1'000'000;
inline constexpr int64_t kFlashOnHand = 100'000;
// The Zipf exponent of the skewed workload's SKU draw.
inline constexpr double kZipfExponent = 0.99;

struct CatalogLocation {
  std::string id;  // BENCH-L0001
  std::string name;
  bool store = true;  // every fifth location is a warehouse, the rest are stores
  double latitude = 0;
  double longitude = 0;
};

// Every position is (skus[s], locations[l]) for all s, l, each with on_hand_per_position.
struct Catalog {
  Workload workload = Workload::kUniform;
  std::string name;   // in the SKU names
  std::string nonce;  // in the ids of this run
  std::vector<std::string> skus;
  std::vector<CatalogLocation> locations;
  int64_t on_hand_per_position = 0;
  // Orders of the reserve workloads other than flash have 1 to max_lines lines.
  int max_lines = 3;

  int64_t positions() const {
    return static_cast<int64_t>(skus.size()) * static_cast<int64_t>(locations.size());
  }
  // The most lines an order of this run has: one for flash (its one position), else max_lines,
  // at most one per position.
  int order_lines_max() const {
    if (workload == Workload::kFlash) return 1;
    return static_cast<int>(std::min<int64_t>(max_lines, positions()));
  }
  // The i-th position in seeding order: SKU-major, locations inner.
  const std::string& SkuOfPosition(int64_t i) const {
    return skus[static_cast<size_t>(i / static_cast<int64_t>(locations.size()))];
  }
  const CatalogLocation& LocationOfPosition(int64_t i) const {
    return locations[static_cast<size_t>(i % static_cast<int64_t>(locations.size()))];
  }
};

// A fresh run nonce: 8 characters of [0-9a-z], different on every call (random device and the
// clock, not the --seed, so that two runs with the same seed still do not collide).
std::string MakeNonce();

// flash: one SKU at one location with kFlashOnHand (the counts are ignored); every other
// workload: `skus` x `locations` positions of kUniformOnHand.
Catalog MakeCatalog(Workload workload, int skus, int locations, const std::string& name,
                    const std::string& nonce);

struct OrderLine {
  int sku = 0;       // index into Catalog::skus
  int location = 0;  // index into Catalog::locations
  int64_t quantity = 1;
};

struct Order {
  std::string reservation_id;
  std::vector<OrderLine> lines;  // distinct (sku, location) pairs
};

// One client's random source: SKU draws (uniform, or Zipf for the skewed workload), locations,
// orders and unique ids. flash orders are one line of quantity 1 on the one position; every
// other workload's orders have 1 to catalog.max_lines lines (default 3; uniform count, capped by
// the number of positions), location uniform, quantity 1.
class ClientRandom {
 public:
  ClientRandom(const Catalog& catalog, int client, uint64_t seed);

  const Order& NextOrder();  // valid until the next call
  std::vector<Order> NextOrders(int count);
  int Sku();
  int Location();
  int Store();                              // a location that is a store
  int Percent() { return percent_(rng_); }  // uniform 0..99
  std::string NextId(const char* kind);     // BENCH-<nonce>-c<client>-<kind><counter>

 private:
  const Catalog& catalog_;
  std::string id_prefix_;
  uint64_t counter_ = 0;
  std::mt19937_64 rng_;
  std::vector<double> zipf_cdf_;  // skewed only
  std::vector<int> stores_;
  std::uniform_int_distribution<int> percent_{0, 99};
  int max_lines_ = 1;
  Order order_;
};

}  // namespace omnistock::bench

#endif  // OMNISTOCK_BENCH_WORKLOAD_H_
