#include "engine/routing/local_day.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"

namespace omnistock::routing {

namespace {

// The zones LoadZone has taken, so that planning (which asks for every limited location's
// zone) reads no file system: at most the tz database's names.
struct TakenZones {
  absl::Mutex mu;
  absl::flat_hash_map<std::string, absl::TimeZone> zones ABSL_GUARDED_BY(mu);
};

TakenZones& Taken() {
  static TakenZones* const taken = new TakenZones;
  return *taken;
}

}  // namespace

std::optional<absl::TimeZone> LoadZone(absl::string_view name) {
  TakenZones& taken = Taken();
  {
    absl::ReaderMutexLock lock(&taken.mu);  // planning threads read it at once
    if (auto it = taken.zones.find(name); it != taken.zones.end()) return it->second;
  }
  if (name.empty() || name.size() > kTimeZoneNameLengthMax || name == "localtime") {
    return std::nullopt;
  }
  for (absl::string_view part : absl::StrSplit(name, '/')) {
    const bool named = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) {
      return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '+' || c == '-';
    });
    if (!named) return std::nullopt;
  }
  const char* tzdir = std::getenv("TZDIR");
  std::error_code ec;
  if (!std::filesystem::is_regular_file(
          std::filesystem::path(tzdir != nullptr && *tzdir != '\0' ? tzdir
                                                                   : "/usr/share/zoneinfo") /
              std::string(name),
          ec)) {
    return std::nullopt;
  }
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(name, &zone)) return std::nullopt;
  absl::MutexLock lock(&taken.mu);
  taken.zones.emplace(std::string(name), zone);
  return zone;
}

absl::StatusOr<absl::TimeZone> ZoneOf(const Location& location, const RoutingConfig& config) {
  const std::string& name = location.timezone.empty() ? config.default_timezone : location.timezone;
  std::optional<absl::TimeZone> zone = LoadZone(name);
  if (!zone) {
    return absl::NotFoundError(
        absl::StrCat("time zone ", name, " of location ", location.id.value(), " is unknown"));
  }
  return *zone;
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
