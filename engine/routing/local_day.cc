#include "engine/routing/local_day.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace omnistock::routing {

absl::StatusOr<absl::TimeZone> ZoneOf(const Location& location, const RoutingConfig& config) {
  const std::string& name = location.timezone.empty() ? config.default_timezone : location.timezone;
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(name, &zone)) {
    return absl::NotFoundError(
        absl::StrCat("time zone ", name, " of location ", location.id.value(), " is unknown"));
  }
  return zone;
}

absl::StatusOr<absl::CivilDay> LocalDay(absl::Time now, const Location& location,
                                        const RoutingConfig& config) {
  absl::StatusOr<absl::TimeZone> zone = ZoneOf(location, config);
  if (!zone.ok()) return zone.status();
  return absl::ToCivilDay(now, *zone);
}

absl::StatusOr<std::string> LocalDayKey(absl::Time now, const Location& location,
                                        const RoutingConfig& config) {
  absl::StatusOr<absl::CivilDay> day = LocalDay(now, location, config);
  if (!day.ok()) return day.status();
  return absl::StrFormat("%04d-%02d-%02d", day->year(), day->month(), day->day());
}

absl::StatusOr<absl::Time> NextLocalMidnight(absl::Time now, const Location& location,
                                             const RoutingConfig& config) {
  absl::StatusOr<absl::TimeZone> zone = ZoneOf(location, config);
  if (!zone.ok()) return zone.status();
  const absl::CivilDay tomorrow = absl::ToCivilDay(now, *zone) + 1;
  return absl::FromCivil(tomorrow, *zone);
}

}  // namespace omnistock::routing
