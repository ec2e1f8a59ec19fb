// The local day of a location: daily capacity counts the online orders a location took since
// its own local midnight, so the counter of a Sapporo store and that of a Naha store roll over
// at their own midnights even when the server runs in UTC. The planner only reads
// orders_today; whoever keeps the counters (the ledger, when it is wired) keys them by
// (location, LocalDay) and reads the current day's count.
//
// A location with an empty timezone uses RoutingConfig::default_timezone ("Asia/Tokyo").
// Zones come from the system tz database (Debian's tzdata) through abseil.
//
// Pure functions; thread-safe.
#ifndef OMNISTOCK_ENGINE_ROUTING_LOCAL_DAY_H_
#define OMNISTOCK_ENGINE_ROUTING_LOCAL_DAY_H_

#include <cstddef>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "engine/location.h"
#include "engine/routing/routing_config.h"

namespace omnistock::routing {

// The longest zone name taken (the tz database's longest is about 32 characters).
inline constexpr size_t kTimeZoneNameLengthMax = 64;

// The zone `name` names, if it is a zone of this machine's tz database: parts of letters,
// digits and "_+-" separated by "/" (e.g. Asia/Tokyo, Etc/GMT+9, UTC), whose file is in the
// database's directory ($TZDIR, else /usr/share/zoneinfo). nullopt otherwise, and then the file
// is not opened: abseil would take a path ("/dev/stderr", "Asia/../../dev/tty", a FIFO) and
// block on it, and it keeps every name it is asked for, loaded or not, for the life of the
// process. "localtime" (the machine's own zone, which may change) is not taken either. A zone
// once taken is kept: later calls read no file system. Thread-safe.
std::optional<absl::TimeZone> LoadZone(absl::string_view name);

// NOT_FOUND when the zone is not in the tz database.
absl::StatusOr<absl::TimeZone> ZoneOf(const Location& location, const RoutingConfig& config);

// The civil day at `location` at instant `now`.
absl::StatusOr<absl::CivilDay> LocalDay(absl::Time now, const Location& location,
                                        const RoutingConfig& config);
// The same day as a key for counters: "2027-01-15".
absl::StatusOr<std::string> LocalDayKey(absl::Time now, const Location& location,
                                        const RoutingConfig& config);
// The instant the location's next local day starts: when its counter resets.
absl::StatusOr<absl::Time> NextLocalMidnight(absl::Time now, const Location& location,
                                             const RoutingConfig& config);

}  // namespace omnistock::routing

#endif  // OMNISTOCK_ENGINE_ROUTING_LOCAL_DAY_H_
