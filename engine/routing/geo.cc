#include "engine/routing/geo.h"

#include <algorithm>
#include <cmath>
#include <numbers>

namespace omnistock::routing {

namespace {
constexpr double kRadiansPerDegree = std::numbers::pi / 180.0;
}  // namespace

UnitVector ToUnitVector(GeoPoint point) {
  const double lat = point.latitude * kRadiansPerDegree;
  const double lon = point.longitude * kRadiansPerDegree;
  const double cos_lat = std::cos(lat);
  return UnitVector{cos_lat * std::cos(lon), cos_lat * std::sin(lon), std::sin(lat)};
}

double ChordSquaredForKm(double km) {
  const double half_angle = std::clamp(km / kEarthRadiusKm, 0.0, std::numbers::pi) / 2;
  const double chord = 2 * std::sin(half_angle);
  return chord * chord;
}

double DistanceKm(const UnitVector& a, const UnitVector& b) {
  // hav(theta) = chord^2 / 4, theta = 2 asin(sqrt(hav)) = 2 asin(chord / 2).
  const double half_chord = std::sqrt(ChordSquared(a, b)) / 2;
  return 2 * kEarthRadiusKm * std::asin(std::min(1.0, half_chord));
}

double HaversineKm(GeoPoint a, GeoPoint b) { return DistanceKm(ToUnitVector(a), ToUnitVector(b)); }

bool IsValid(GeoPoint point) {
  return std::isfinite(point.latitude) && std::isfinite(point.longitude) && point.latitude >= -90 &&
         point.latitude <= 90 && point.longitude >= -180 && point.longitude <= 180;
}

}  // namespace omnistock::routing
