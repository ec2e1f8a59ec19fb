// Distances, the spatial grid and the network index the planner stands on.
#include <cmath>
#include <numbers>
#include <random>
#include <set>

#include "catch2/catch.hpp"
#include "engine/routing/geo.h"
#include "engine/routing/network.h"
#include "engine/routing/spatial_grid.h"

namespace omnistock::routing {
namespace {

// The textbook haversine formula, to check the chord form against.
double TextbookHaversineKm(GeoPoint a, GeoPoint b) {
  const double rad = std::numbers::pi / 180;
  const double dlat = (b.latitude - a.latitude) * rad;
  const double dlon = (b.longitude - a.longitude) * rad;
  const double h = std::sin(dlat / 2) * std::sin(dlat / 2) +
                   std::cos(a.latitude * rad) * std::cos(b.latitude * rad) * std::sin(dlon / 2) *
                       std::sin(dlon / 2);
  return 2 * kEarthRadiusKm * std::asin(std::sqrt(h));
}

}  // namespace

TEST_CASE("Tokyo to Osaka is about 397 km by the haversine formula") {
  const GeoPoint tokyo{35.6812, 139.7671};
  const GeoPoint osaka{34.7025, 135.4959};
  CHECK(HaversineKm(tokyo, osaka) == Approx(403.0).margin(8.0));
  CHECK(HaversineKm(tokyo, osaka) == Approx(TextbookHaversineKm(tokyo, osaka)).epsilon(1e-12));
  CHECK(HaversineKm(tokyo, tokyo) == 0);
}

TEST_CASE("the chord form of the haversine distance matches the textbook formula everywhere") {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> lat(-89, 89);
  std::uniform_real_distribution<double> lon(-180, 180);
  for (int i = 0; i < 10'000; ++i) {
    const GeoPoint a{lat(rng), lon(rng)};
    const GeoPoint b{lat(rng), lon(rng)};
    const double expected = TextbookHaversineKm(a, b);
    CHECK(std::abs(HaversineKm(a, b) - expected) <= 1e-9 * std::max(1.0, expected));
  }
  // Short distances, where the chord is tiny.
  for (int i = 0; i < 1000; ++i) {
    const GeoPoint a{lat(rng), lon(rng)};
    const GeoPoint b{a.latitude + 1e-4, a.longitude - 1e-4};
    CHECK(std::abs(HaversineKm(a, b) - TextbookHaversineKm(a, b)) <= 1e-9);
  }
}

TEST_CASE("the spatial grid finds exactly the points a full scan finds, across the antimeridian") {
  std::mt19937_64 rng(11);
  SpatialGrid grid(0.25);
  std::vector<GeoPoint> points;
  std::uniform_real_distribution<double> jitter(-1.5, 1.5);
  const GeoPoint centres[] = {{35.68, 139.69}, {-16.5, 179.9}, {64.1, -21.9}, {0.0, 0.0}};
  for (const GeoPoint& centre : centres) {
    for (int i = 0; i < 2000; ++i) {
      double lon = centre.longitude + jitter(rng);
      if (lon > 180) lon -= 360;
      if (lon < -180) lon += 360;
      points.push_back({centre.latitude + jitter(rng), lon});
      grid.Insert(static_cast<int32_t>(points.size() - 1), points.back());
    }
  }
  for (const GeoPoint& centre : centres) {
    for (double radius : {1.0, 10.0, 25.0, 80.0}) {
      std::vector<int32_t> found;
      grid.Near(centre, radius, found);
      std::set<int32_t> found_set(found.begin(), found.end());
      CHECK(found_set.size() == found.size());  // no duplicates
      for (size_t i = 0; i < points.size(); ++i) {
        const double km = HaversineKm(centre, points[i]);
        if (km <= radius) {
          CHECK(found_set.count(static_cast<int32_t>(i)) == 1);
        } else if (km > radius * (1 + 1e-5)) {
          CHECK(found_set.count(static_cast<int32_t>(i)) == 0);
        }
      }
    }
  }
}

TEST_CASE("a network indexes locations by id and refuses duplicates and bad coordinates") {
  std::vector<Location> locations(3);
  locations[0].id = LocationId("S2");
  locations[1].id = LocationId("S1");
  locations[2].id = LocationId("W1");
  locations[2].kind = LocationKind::kWarehouse;
  for (Location& location : locations) {
    location.latitude = 35;
    location.longitude = 139;
  }
  absl::StatusOr<std::shared_ptr<const Network>> network = Network::Build(locations, "v7");
  REQUIRE(network.ok());
  CHECK((*network)->version() == "v7");
  CHECK((*network)->size() == 3);
  CHECK((*network)->location(0).id == LocationId("S1"));  // index order is id order
  CHECK(*(*network)->Find(LocationId("W1")) == 2);
  CHECK_FALSE((*network)->Find(LocationId("X")).has_value());

  locations[1].id = LocationId("S2");
  CHECK(Network::Build(locations, "v8").status().code() == absl::StatusCode::kInvalidArgument);
  locations[1].id = LocationId("S1");
  locations[1].latitude = 91;
  CHECK(Network::Build(locations, "v9").status().code() == absl::StatusCode::kInvalidArgument);
}

}  // namespace omnistock::routing
