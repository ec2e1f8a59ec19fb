#include "bench/workload.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace omnistock::bench {

const char* WorkloadName(Workload workload) {
  switch (workload) {
    case Workload::kUniform:
      return "uniform";
    case Workload::kSkewed:
      return "skewed";
    case Workload::kFlash:
      return "flash";
    case Workload::kLifecycle:
      return "lifecycle";
    case Workload::kOmnichannel:
      return "omnichannel";
    case Workload::kCounts:
      return "counts";
  }
  return "?";
}

std::optional<Workload> ParseWorkload(const std::string& name) {
  for (Workload w : kWorkloads) {
    if (name == WorkloadName(w)) return w;
  }
  return std::nullopt;
}

std::string MakeNonce() {
  std::random_device device;
  uint64_t bits = (static_cast<uint64_t>(device()) << 32) ^ device();
  bits ^= static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch() /
                                std::chrono::nanoseconds(1));
  static constexpr char kDigits[] = "0123456789abcdefghijklmnopqrstuvwxyz";
  std::string nonce;
  for (int i = 0; i < 8; ++i) {
    nonce.push_back(kDigits[bits % 36]);
    bits /= 36;
  }
  return nonce;
}

Catalog MakeCatalog(Workload workload, int skus, int locations, const std::string& name,
                    const std::string& nonce) {
  Catalog catalog;
  catalog.workload = workload;
  catalog.name = name;
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
    catalog.skus.push_back(absl::StrFormat("BENCH-%s-SKU-%06d", name, s));
  }
  catalog.locations.reserve(static_cast<size_t>(locations));
  for (int l = 0; l < locations; ++l) {
    CatalogLocation location;
    location.id = absl::StrFormat("BENCH-L%04d", l + 1);
    location.store = (l + 1) % 5 != 0 || locations == 1;
    location.name = absl::StrCat("Bench ", location.store ? "store " : "warehouse ", l + 1);
    // A grid around the Kanto plain: always valid WGS84 coordinates.
    location.latitude = 35.0 + 0.01 * (l % 100);
    location.longitude = 139.0 + 0.01 * ((l / 100) % 100);
    catalog.locations.push_back(std::move(location));
  }
  return catalog;
}

ClientRandom::ClientRandom(const Catalog& catalog, int client, uint64_t seed)
    : catalog_(catalog),
      id_prefix_(absl::StrCat("BENCH-", catalog.nonce, "-c", client, "-")),
      rng_([&] {
        std::seed_seq seq{static_cast<uint32_t>(seed), static_cast<uint32_t>(seed >> 32),
                          static_cast<uint32_t>(client)};
        return std::mt19937_64(seq);
      }()) {
  max_lines_ = catalog.order_lines_max();
  if (catalog.workload == Workload::kSkewed) {
    // P(rank k) proportional to 1 / k^s, k = 1 .. skus; rank 1 is SKU 0.
    zipf_cdf_.reserve(catalog.skus.size());
    double sum = 0;
    for (size_t k = 1; k <= catalog.skus.size(); ++k) {
      sum += 1.0 / std::pow(static_cast<double>(k), kZipfExponent);
      zipf_cdf_.push_back(sum);
    }
    for (double& p : zipf_cdf_) p /= sum;
  }
  for (int l = 0; l < static_cast<int>(catalog.locations.size()); ++l) {
    if (catalog.locations[static_cast<size_t>(l)].store) stores_.push_back(l);
  }
  order_.lines.reserve(3);
}

int ClientRandom::Sku() {
  if (zipf_cdf_.empty()) {
    return std::uniform_int_distribution<int>(0, static_cast<int>(catalog_.skus.size()) - 1)(rng_);
  }
  const double u = std::uniform_real_distribution<double>(0, 1)(rng_);
  const auto it = std::lower_bound(zipf_cdf_.begin(), zipf_cdf_.end(), u);
  return static_cast<int>(std::min<size_t>(it - zipf_cdf_.begin(), zipf_cdf_.size() - 1));
}

int ClientRandom::Location() {
  return std::uniform_int_distribution<int>(0,
                                            static_cast<int>(catalog_.locations.size()) - 1)(rng_);
}

int ClientRandom::Store() {
  return stores_[std::uniform_int_distribution<size_t>(0, stores_.size() - 1)(rng_)];
}

std::string ClientRandom::NextId(const char* kind) {
  return absl::StrCat(id_prefix_, kind, counter_++);
}

const Order& ClientRandom::NextOrder() {
  order_.reservation_id = NextId("r");
  order_.lines.clear();
  const int lines = std::uniform_int_distribution<int>(1, max_lines_)(rng_);
  while (static_cast<int>(order_.lines.size()) < lines) {
    OrderLine line{Sku(), Location(), 1};
    const bool repeats = std::any_of(
        order_.lines.begin(), order_.lines.end(),
        [&](const OrderLine& l) { return l.sku == line.sku && l.location == line.location; });
    if (!repeats) order_.lines.push_back(line);
  }
  return order_;
}

std::vector<Order> ClientRandom::NextOrders(int count) {
  std::vector<Order> orders;
  orders.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) orders.push_back(NextOrder());
  return orders;
}

}  // namespace omnistock::bench
