// Capacity days start at each location's own midnight.
#include <string>

#include "absl/time/civil_time.h"
#include "catch2/catch.hpp"
#include "engine/routing/local_day.h"

namespace omnistock::routing {

TEST_CASE("a Tokyo store's capacity day turns over at midnight Tokyo time, not UTC") {
  RoutingConfig config;
  Location store;
  store.id = LocationId("S-TOKYO");
  store.timezone = "Asia/Tokyo";
  // 2027-01-01 14:59:59 UTC is 23:59:59 in Tokyo (UTC+9); a second later it is the 2nd there.
  const absl::Time before =
      absl::FromCivil(absl::CivilSecond(2027, 1, 1, 14, 59, 59), absl::UTCTimeZone());
  CHECK(*LocalDayKey(before, store, config) == "2027-01-01");
  CHECK(*LocalDayKey(before + absl::Seconds(1), store, config) == "2027-01-02");
  CHECK(*NextLocalMidnight(before, store, config) == before + absl::Seconds(1));
}

TEST_CASE("an empty timezone means the configured default, Asia/Tokyo") {
  RoutingConfig config;
  Location store;
  store.id = LocationId("S-DEFAULT");
  const absl::Time t =
      absl::FromCivil(absl::CivilSecond(2027, 6, 30, 15, 0, 0), absl::UTCTimeZone());
  CHECK(*LocalDay(t, store, config) == absl::CivilDay(2027, 7, 1));
  store.timezone = "America/New_York";
  CHECK(*LocalDay(t, store, config) == absl::CivilDay(2027, 6, 30));
}

TEST_CASE("an unknown timezone is NOT_FOUND") {
  RoutingConfig config;
  Location store;
  store.id = LocationId("S-MARS");
  store.timezone = "Mars/Olympus_Mons";
  CHECK(LocalDay(absl::Now(), store, config).status().code() == absl::StatusCode::kNotFound);
}

TEST_CASE("a zone is a name of the tz database, never a path or a device") {
  CHECK(LoadZone("Asia/Tokyo").has_value());
  CHECK(LoadZone("UTC").has_value());
  CHECK(LoadZone("Etc/GMT+9").has_value());
  CHECK(LoadZone("America/Argentina/Buenos_Aires").has_value());
  // Paths abseil would open as the zone file: a device or a FIFO there blocks the caller.
  for (const char* name : {"/etc/localtime", "/dev/stderr", "Asia/../Asia/Tokyo", "./UTC",
                           "Asia//Tokyo", "Asia/Tokyo/", "../zoneinfo/UTC", "dev/stderr"}) {
    INFO(name);
    CHECK_FALSE(LoadZone(name).has_value());
  }
  // The machine's own zone, which may change under a running server; names not in the
  // database; too long.
  CHECK_FALSE(LoadZone("localtime").has_value());
  CHECK_FALSE(LoadZone("Asia/Tokio").has_value());
  CHECK_FALSE(LoadZone("").has_value());
  CHECK_FALSE(LoadZone(std::string(kTimeZoneNameLengthMax + 1, 'A')).has_value());
}

}  // namespace omnistock::routing
