// hot-position: what a release costs on one position that a flash sale filled with holds, in
// process against the ledger (no gRPC, no disk). --holds one-unit reservations are made on one
// position, then --releases of them, in random order, are released and timed; then the same
// again after a till sale of half the stock has left the position oversold, where every
// release also lists the reservations still uncovered (bench/README.md, "One hot position").
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "engine/journal_sink.h"
#include "engine/ledger.h"

namespace omnistock {
namespace {

struct Options {
  int holds = 100'000;
  int releases = 2'000;
  unsigned seed = 7;
};

// Microseconds per release on a fresh ledger, oversold or not.
double MicrosPerRelease(const Options& options, bool oversold) {
  DiscardingSink sink;
  Ledger ledger(&sink);
  const absl::Time t0 = absl::Now();
  Location store;
  store.id = LocationId("S1");
  store.kind = LocationKind::kStore;
  ledger.UpsertLocation(store);
  const Sku sku("FLASH");
  ledger.Receive(ReceiveCommand{store.id, sku, options.holds, "stock"}, t0);
  auto id = [](int i) { return ReservationId(absl::StrFormat("r%07d", i)); };
  for (int i = 0; i < options.holds; ++i) {
    ReserveCommand order;
    order.id = id(i);
    order.lines = {Line{sku, store.id, 1}};
    order.channel = "web";
    order.ttl = absl::Hours(20);
    if (ledger.Reserve(order, t0 + absl::Milliseconds(i)).outcome != Outcome::kOk) {
      std::fprintf(stderr, "error: reservation %d was refused\n", i);
      std::exit(1);
    }
  }
  const absl::Time later = t0 + absl::Hours(1);
  if (oversold) {
    SaleCommand sale{store.id, "till-1", "t1", {PosLine{sku, options.holds / 2}}, later};
    if (ledger.RecordSale(sale, later).outcome != Outcome::kOk) {
      std::fprintf(stderr, "error: the till sale was refused\n");
      std::exit(1);
    }
  }
  std::vector<int> order(static_cast<size_t>(options.holds));
  std::iota(order.begin(), order.end(), 0);
  std::shuffle(order.begin(), order.end(), std::mt19937(options.seed));
  const auto start = std::chrono::steady_clock::now();
  for (int k = 0; k < options.releases; ++k) {
    if (ledger.Release(id(order[static_cast<size_t>(k)]), later).outcome != Outcome::kOk) {
      std::fprintf(stderr, "error: release %d was refused\n", k);
      std::exit(1);
    }
  }
  const std::chrono::duration<double, std::micro> took = std::chrono::steady_clock::now() - start;
  return took.count() / options.releases;
}

}  // namespace
}  // namespace omnistock

int main(int argc, char** argv) {
  omnistock::Options options;
  CLI::App app{"What a release costs on one position holding a flash sale's reservations."};
  app.add_option("--holds", options.holds, "one-unit reservations on the position")
      ->check(CLI::Range(2, 10'000'000));
  app.add_option("--releases", options.releases, "releases timed, in random order")
      ->check(CLI::Range(1, 10'000'000));
  app.add_option("--seed", options.seed, "seed of the release order");
  CLI11_PARSE(app, argc, argv);
  if (options.releases > options.holds) {
    std::fprintf(stderr, "error: --releases %d is more than --holds %d\n", options.releases,
                 options.holds);
    return 2;
  }
  std::printf("%d holds on one position, %d releases in random order\n", options.holds,
              options.releases);
  std::printf("  position covered:                 %10.1f us per release\n",
              omnistock::MicrosPerRelease(options, false));
  std::printf("  oversold (a till sold half of it): %10.1f us per release\n",
              omnistock::MicrosPerRelease(options, true));
  return 0;
}
