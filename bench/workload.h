// What omnistock-bench puts into the ledger and what it asks of it: the catalog of bench
// locations, SKUs and starting stock (the same for both modes), and the per-client generator of
// the orders each closed-loop client reserves.
//
// Names: locations are BENCH-L0001 ... (shared by every run: upserting the same location twice
// is one location), SKUs carry a per-run nonce (BENCH-<nonce>-SKU-000123) and so do reservation
// ids (BENCH-<nonce>-c<client>-<counter>), so repeated runs against the same data dir never
// touch each other's positions or reservations.
#ifndef OMNISTOCK_BENCH_WORKLOAD_H_
#define OMNISTOCK_BENCH_WORKLOAD_H_

#include <cstdint>
#include <random>
#include <string>
#include <vector>

namespace omnistock::bench {

enum class Workload { kUniform, kFlash };

const char* WorkloadName(Workload workload);

// Starting stock per position.
inline constexpr int64_t kUniformOnHand = 1'000'000;
inline constexpr int64_t kFlashOnHand = 100'000;

struct CatalogLocation {
  std::string id;  // BENCH-L0001
  std::string name;
  double latitude = 0;
  double longitude = 0;
};

// Every position is (skus[s], locations[l]) for all s, l, each with on_hand_per_position.
struct Catalog {
  Workload workload = Workload::kUniform;
  std::string nonce;
  std::vector<std::string> skus;
  std::vector<CatalogLocation> locations;
  int64_t on_hand_per_position = 0;

  int64_t positions() const {
    return static_cast<int64_t>(skus.size()) * static_cast<int64_t>(locations.size());
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

// uniform: `skus` x `locations` positions of kUniformOnHand. flash: one SKU at one location
// with kFlashOnHand (the counts are ignored).
Catalog MakeCatalog(Workload workload, int skus, int locations, const std::string& nonce);

struct OrderLine {
  int sku = 0;       // index into Catalog::skus
  int location = 0;  // index into Catalog::locations
  int64_t quantity = 1;
};

struct Order {
  std::string reservation_id;
  std::vector<OrderLine> lines;  // distinct (sku, location) pairs
};

// The orders of one client. uniform: 1-3 lines (uniform count, capped by the number of
// positions), SKU and location uniform, quantity 1. flash: one line of quantity 1 on the one
// position. Reservation ids are unique per (run nonce, client, counter).
class OrderGenerator {
 public:
  OrderGenerator(const Catalog& catalog, int client, uint64_t seed);

  // The next order; the reference is valid until the next call.
  const Order& Next();

 private:
  const Catalog& catalog_;
  std::string id_prefix_;
  uint64_t counter_ = 0;
  std::mt19937_64 rng_;
  int max_lines_ = 1;
  Order order_;
};

}  // namespace omnistock::bench

#endif  // OMNISTOCK_BENCH_WORKLOAD_H_
