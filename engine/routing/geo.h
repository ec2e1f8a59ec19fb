// Great-circle geometry for routing: points on the Earth and the haversine distance between
// them.
//
// The distance is the haversine great-circle distance on a sphere of the mean Earth radius
// (IUGG, R = 6371.0088 km). It is computed from unit vectors: the chord c between two unit
// vectors gives the haversine term directly (hav(theta) = c^2 / 4), so
// d = 2 R asin(c / 2) is the haversine formula, algebraically identical, with the
// trigonometry of each point done once (a Network keeps the unit vector of every location)
// rather than once per order. Everything that routes (the planner, the brute-force reference,
// the tests' expectations) measures with DistanceKm, so they agree to the last bit.
//
// Pure functions; thread-safe.
#ifndef OMNISTOCK_ENGINE_ROUTING_GEO_H_
#define OMNISTOCK_ENGINE_ROUTING_GEO_H_

namespace omnistock::routing {

inline constexpr double kEarthRadiusKm = 6371.0088;

struct GeoPoint {
  double latitude = 0;   // degrees, [-90, 90]
  double longitude = 0;  // degrees, [-180, 180]

  friend bool operator==(const GeoPoint&, const GeoPoint&) = default;
};

// The point as a vector on the unit sphere.
struct UnitVector {
  double x = 0;
  double y = 0;
  double z = 0;
};

UnitVector ToUnitVector(GeoPoint point);

// The squared chord between two unit vectors: monotone in the distance, so it compares
// distances (and tests a radius) without the arcsine.
inline double ChordSquared(const UnitVector& a, const UnitVector& b) {
  const double dx = a.x - b.x;
  const double dy = a.y - b.y;
  const double dz = a.z - b.z;
  return dx * dx + dy * dy + dz * dz;
}

// The squared chord of a great-circle distance, for radius tests against ChordSquared.
double ChordSquaredForKm(double km);

// Haversine great-circle distance in km.
double DistanceKm(const UnitVector& a, const UnitVector& b);
double HaversineKm(GeoPoint a, GeoPoint b);

// True when the coordinates are finite and within their ranges.
bool IsValid(GeoPoint point);

}  // namespace omnistock::routing

#endif  // OMNISTOCK_ENGINE_ROUTING_GEO_H_
