#include "bench/routing/instance.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <random>
#include <string>
#include <utility>

#include "absl/strings/str_format.h"
#include "engine/check.h"
#include "engine/routing/geo.h"

namespace omnistock::routing_bench {

using routing::GeoPoint;
using routing::LocationIndex;
using routing::PlanRequest;
using routing::Preference;
using routing::StockRow;

namespace {

// Metropolitan centres of Japan: the regions are placed on them (with a jitter past twelve).
constexpr GeoPoint kMetros[] = {
    {35.68, 139.69}, {34.69, 135.50}, {35.18, 136.91}, {33.59, 130.40},
    {38.27, 140.87}, {34.39, 132.46}, {37.92, 139.04}, {36.56, 136.66},
    {34.34, 134.05}, {31.60, 130.56}, {36.65, 138.19}, {34.98, 138.38},
};
// The DC is far from most customers: in Hokkaido.
constexpr GeoPoint kDistantDc{42.90, 141.55};

constexpr double kKmPerDegree = routing::kEarthRadiusKm * std::numbers::pi / 180.0;

GeoPoint Jitter(std::mt19937_64& rng, GeoPoint centre, double sigma_km) {
  std::normal_distribution<double> normal(0.0, sigma_km);
  const double lat = centre.latitude + normal(rng) / kKmPerDegree;
  const double lon =
      centre.longitude +
      normal(rng) / (kKmPerDegree * std::cos(centre.latitude * std::numbers::pi / 180));
  return GeoPoint{std::clamp(lat, -89.0, 89.0), std::clamp(lon, -179.0, 179.0)};
}

bool Chance(std::mt19937_64& rng, double p) {
  return std::uniform_real_distribution<double>(0, 1)(rng) < p;
}

int64_t Uniform(std::mt19937_64& rng, int64_t low, int64_t high) {
  return std::uniform_int_distribution<int64_t>(low, high)(rng);
}

struct City {
  GeoPoint centre;
  double weight = 1;
};

}  // namespace

InstanceOptions SmallNetworkOptions(uint64_t seed, int orders) {
  InstanceOptions options;
  options.seed = seed;
  options.regions = 2;
  options.cities_per_region = 3;
  options.stores = 48;
  options.warehouses_per_region = 2;
  options.pickup_points = 2;
  options.skus = 120;
  options.orders = orders;
  return options;
}

InstanceOptions TinyNetworkOptions(uint64_t seed, int orders) {
  InstanceOptions options;
  options.seed = seed;
  options.regions = 1;
  options.cities_per_region = 2;
  options.stores = 10;
  options.warehouses_per_region = 2;
  options.pickup_points = 1;
  options.skus = 25;
  options.orders = orders;
  options.allow_preferred_and_partial = false;
  return options;
}

Instance GenerateInstance(const InstanceOptions& options) {
  std::mt19937_64 rng(options.seed);
  Instance instance;

  // --- Geography ---
  std::vector<City> cities;
  std::vector<GeoPoint> region_centres;
  for (int r = 0; r < options.regions; ++r) {
    GeoPoint centre = kMetros[r % std::size(kMetros)];
    if (r >= static_cast<int>(std::size(kMetros))) centre = Jitter(rng, centre, 60);
    region_centres.push_back(centre);
    for (int c = 0; c < options.cities_per_region; ++c) {
      // The first city is the metro itself; the others are towns around it, smaller.
      const GeoPoint at = c == 0 ? centre : Jitter(rng, centre, 40);
      cities.push_back(City{at, 1.0 / (c + 1)});
    }
  }
  std::vector<double> city_weights;
  for (const City& city : cities) city_weights.push_back(city.weight);
  std::discrete_distribution<int> pick_city(city_weights.begin(), city_weights.end());

  std::vector<Location> locations;
  auto add = [&](std::string id, LocationKind kind, GeoPoint at) -> Location& {
    Location location;
    location.id = LocationId(std::move(id));
    location.kind = kind;
    location.name = location.id.value();
    location.latitude = at.latitude;
    location.longitude = at.longitude;
    location.timezone = "Asia/Tokyo";
    locations.push_back(std::move(location));
    return locations.back();
  };
  for (int s = 0; s < options.stores; ++s) {
    Location& store = add(absl::StrFormat("S%04d", s + 1), LocationKind::kStore,
                          Jitter(rng, cities[pick_city(rng)].centre, 5));
    store.capabilities.pickup = Chance(rng, 0.85);
    store.capabilities.curbside = Chance(rng, 0.35);
    store.capabilities.ship_from_store = Chance(rng, 0.55);
    store.capabilities.walk_in_sales = true;
    store.disabled = Chance(rng, 0.02);
    store.daily_capacity = Chance(rng, 0.05) ? 0 : Uniform(rng, 20, 150);
  }
  int warehouse_number = 0;
  for (int r = 0; r < options.regions; ++r) {
    for (int w = 0; w < options.warehouses_per_region; ++w) {
      Location& warehouse = add(absl::StrFormat("W%03d", ++warehouse_number),
                                LocationKind::kWarehouse, Jitter(rng, region_centres[r], 25));
      warehouse.disabled = Chance(rng, 0.03);
      warehouse.daily_capacity = Chance(rng, 0.8) ? 0 : Uniform(rng, 500, 2000);
    }
  }
  add("DC1", LocationKind::kEcDc, kDistantDc);
  for (int p = 0; p < options.pickup_points; ++p) {
    Location& point = add(absl::StrFormat("P%03d", p + 1), LocationKind::kPickupPoint,
                          Jitter(rng, cities[pick_city(rng)].centre, 5));
    point.capabilities.pickup = true;
  }
  auto network = routing::Network::Build(locations, absl::StrFormat("gen-%d", options.seed));
  OMNISTOCK_CHECK(network.ok());
  instance.network = *network;
  const routing::Network& net = *instance.network;

  // --- Capacity used today ---
  instance.orders_today.assign(net.size(), 0);
  for (LocationIndex i = 0; i < net.size(); ++i) {
    const Location& location = net.location(i);
    if (location.daily_capacity == 0) continue;
    const bool exhausted = Chance(rng, location.kind == LocationKind::kStore ? 0.10 : 0.05);
    instance.orders_today[i] = exhausted ? location.daily_capacity + Uniform(rng, 0, 5)
                                         : Uniform(rng, 0, location.daily_capacity - 1);
  }

  // --- Stock ---
  std::vector<Sku> skus;
  std::vector<double> popularity;
  for (int s = 0; s < options.skus; ++s) {
    skus.emplace_back(absl::StrFormat("SKU-%05d", s + 1));
    popularity.push_back(1.0 / std::pow(s + 1, 0.8));
  }
  std::discrete_distribution<int> on_hand_class({12, 16, 18, 16, 10, 28});
  for (int s = 0; s < options.skus; ++s) {
    const double rank = static_cast<double>(s) / options.skus;
    const double store_coverage = 0.05 + 0.45 * std::pow(1 - rank, 3);
    for (LocationIndex i = 0; i < net.size(); ++i) {
      const Location& location = net.location(i);
      StockRow row;
      row.location = i;
      switch (location.kind) {
        case LocationKind::kStore: {
          if (!Chance(rng, store_coverage)) continue;
          const int cls = on_hand_class(rng);
          row.on_hand = cls < 5 ? cls : Uniform(rng, 5, 15);
          if (Chance(rng, 0.2)) row.reserved = Uniform(rng, 0, std::min<int64_t>(row.on_hand, 2));
          if (Chance(rng, 0.06)) {
            constexpr Quantity kOverrides[] = {0, 1, 2, 3, 5};
            row.safety_stock_override = kOverrides[Uniform(rng, 0, 4)];
          }
          break;
        }
        case LocationKind::kWarehouse:
          if (!Chance(rng, 0.75)) continue;
          row.on_hand = Chance(rng, 0.1) ? 0 : Uniform(rng, 1, 120);
          if (Chance(rng, 0.3)) row.reserved = Uniform(rng, 0, std::min<int64_t>(row.on_hand, 5));
          break;
        case LocationKind::kEcDc:
          if (!Chance(rng, 0.92)) continue;
          row.on_hand = Chance(rng, 0.05) ? 0 : Uniform(rng, 10, 600);
          break;
        case LocationKind::kPickupPoint:
          continue;
      }
      instance.stock.Add(skus[s], row);
    }
  }

  // --- Orders ---
  std::vector<LocationIndex> pickup_stores;
  for (LocationIndex i = 0; i < net.size(); ++i) {
    const Location& location = net.location(i);
    if (location.kind == LocationKind::kStore && location.capabilities.pickup) {
      pickup_stores.push_back(i);
    }
  }
  std::discrete_distribution<int> pick_sku(popularity.begin(), popularity.end());
  std::discrete_distribution<int> quantity_class({70, 20, 7, 3});
  const absl::Time base = absl::FromUnixSeconds(1'800'000'000);
  for (int o = 0; o < options.orders; ++o) {
    PlanRequest request;
    const int lines = static_cast<int>(Uniform(rng, options.min_lines, options.max_lines));
    std::vector<int> chosen;
    while (static_cast<int>(chosen.size()) < std::min(lines, options.skus)) {
      const int s = pick_sku(rng);
      if (std::find(chosen.begin(), chosen.end(), s) != chosen.end()) continue;
      chosen.push_back(s);
      const int cls = quantity_class(rng);
      request.lines.push_back({skus[s], cls < 3 ? cls + 1 : Uniform(rng, 4, 6)});
    }
    const GeoPoint destination = Jitter(rng, cities[pick_city(rng)].centre, 8);
    request.destination = destination;
    const double draw = std::uniform_real_distribution<double>(0, 1)(rng);
    request.preference = draw < options.bopis_share ? Preference::kBopis
                         : draw < options.bopis_share + options.curbside_share
                             ? Preference::kCurbside
                             : Preference::kDelivery;
    request.allow_method_fallback = Chance(rng, options.fallback_share);
    request.allow_partial =
        options.allow_preferred_and_partial && Chance(rng, options.partial_share);
    const double shipments_draw = std::uniform_real_distribution<double>(0, 1)(rng);
    request.max_shipments = shipments_draw < 0.10   ? 1
                            : shipments_draw < 0.25 ? 2
                            : shipments_draw < 0.90 ? 3
                                                    : 4;
    request.max_shipments = std::min(request.max_shipments, options.max_shipments_max);
    if (options.allow_preferred_and_partial && request.preference != Preference::kDelivery &&
        !pickup_stores.empty() && Chance(rng, options.preferred_pickup_share)) {
      // One of the five pickup stores nearest the customer.
      std::vector<std::pair<double, LocationIndex>> near;
      for (LocationIndex i : pickup_stores) {
        near.emplace_back(routing::HaversineKm(destination, net.point(i)), i);
      }
      const size_t keep = std::min<size_t>(5, near.size());
      std::partial_sort(near.begin(), near.begin() + keep, near.end());
      request.preferred_pickup = net.location(near[Uniform(rng, 0, keep - 1)].second).id;
      if (Chance(rng, 0.5)) request.destination.reset();
    }
    request.now = base + absl::Minutes(Uniform(rng, 0, 24 * 60));
    instance.orders.push_back(std::move(request));
  }
  return instance;
}

}  // namespace omnistock::routing_bench
