#include "bench/workload.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace omnistock::bench {

const char* WorkloadName(Workload workload) {
  return workload == Workload::kFlash ? "flash" : "uniform";
}

std::string MakeNonce() {
  std::random_device device;
  uint64_t bits = (static_cast<uint64_t>(device()) << 32) ^ device();
  bits ^= static_cast<uint64_t>(
      std::chrono::system_clock::now().time_since_epoch() / std::chrono::nanoseconds(1));
  static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string nonce;
  for (int i = 0; i < 8; ++i) {
    nonce.push_back(kDigits[bits % 36]);
    bits /= 36;
  }
  return nonce;
}

Catalog MakeCatalog(Workload workload, int skus, int locations, const std::string& nonce) {
  Catalog catalog;
  catalog.workload = workload;
  catalog.nonce = nonce;
  if (workload == Workload::kFlash) {
    skus = 1;
    locations = 1;
    catalog.on_hand_per_position = kFlashOnHand;
  } else {
    catalog.on_hand_per_position = kUniformOnHand;
  }
  catalog.skus.reserve(static_cast<size_t>(skus));
  for (int s = 0; s < skus; ++s) {
    catalog.skus.push_back(absl::StrFormat("BENCH-%s-SKU-%06d", nonce, s));
  }
  catalog.locations.reserve(static_cast<size_t>(locations));
  for (int l = 0; l < locations; ++l) {
    CatalogLocation location;
    location.id = absl::StrFormat("BENCH-L%04d", l + 1);
    location.name = absl::StrCat("Bench warehouse ", l + 1);
    // A grid around the Kanto plain: always valid WGS84 coordinates.
    location.latitude = 35.0 + 0.01 * (l % 100);
    location.longitude = 139.0 + 0.01 * ((l / 100) % 100);
    catalog.locations.push_back(std::move(location));
  }
  return catalog;
}

OrderGenerator::OrderGenerator(const Catalog& catalog, int client, uint64_t seed)
    : catalog_(catalog),
      id_prefix_(absl::StrCat("BENCH-", catalog.nonce, "-c", client, "-")),
      rng_([&] {
        std::seed_seq seq{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32),
                          static_cast<uint32_t>(client)};
        return std::mt19937_64(seq);
      }()) {
  max_lines_ = catalog.workload == Workload::kFlash
                   ? 1
                   : static_cast<int>(std::min<int64_t>(3, catalog.positions()));
  order_.lines.reserve(3);
}

const Order& OrderGenerator::Next() {
  order_.reservation_id = absl::StrCat(id_prefix_, counter_++);
  order_.lines.clear();
  if (catalog_.workload == Workload::kFlash) {
    order_.lines.push_back(OrderLine{0, 0, 1});
    return order_;
  }
  std::uniform_int_distribution<int> line_count(1, max_lines_);
  std::uniform_int_distribution<int> sku(0, static_cast<int>(catalog_.skus.size()) - 1);
  std::uniform_int_distribution<int> location(0, static_cast<int>(catalog_.locations.size()) - 1);
  const int lines = line_count(rng_);
  while (static_cast<int>(order_.lines.size()) < lines) {
    OrderLine line{sku(rng_), location(rng_), 1};
    const bool repeats = std::any_of(order_.lines.begin(), order_.lines.end(), [&](const OrderLine& l) {
      return l.sku == line.sku && l.location == line.location;
    });
    if (!repeats) order_.lines.push_back(line);
  }
  return order_;
}

}  // namespace omnistock::bench
