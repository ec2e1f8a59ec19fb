// Capacity days start at each location's own midnight.
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

}  // namespace omnistock::routing
