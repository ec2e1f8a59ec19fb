// A position's hold list against a plain model of it: the live holds sorted by (created_at, id),
// and the uncovered ones read off their running sum.
#include "engine/hold_list.h"

#include <algorithm>
#include <deque>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "catch2/catch.hpp"
#include "engine/limits.h"

namespace omnistock::testing {
namespace {

const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);

// What HoldList::Uncovered must answer, computed the slow way.
std::vector<ReservationId> ModelUncovered(std::vector<Hold> live, Quantity on_hand, int max) {
  std::sort(live.begin(), live.end(), [](const Hold& a, const Hold& b) {
    if (a.reservation->created_at != b.reservation->created_at) {
      return a.reservation->created_at < b.reservation->created_at;
    }
    return a.reservation->id < b.reservation->id;
  });
  // The oldest first, each in full if it fits in what is left.
  std::vector<ReservationId> at_risk;
  Quantity left = on_hand;
  for (const Hold& hold : live) {
    if (hold.quantity <= left) {
      left -= hold.quantity;
      continue;
    }
    if (static_cast<int>(at_risk.size()) == max) break;
    at_risk.push_back(hold.reservation->id);
  }
  return at_risk;
}

}  // namespace

TEST_CASE("holds of one size: the uncovered are the newest, oldest first, past 100 left out") {
  std::deque<Reservation> reservations;
  HoldList holds;
  for (int i = 0; i < 150; ++i) {
    Reservation& r = reservations.emplace_back();
    r.id = ReservationId(absl::StrFormat("r%03d", i));
    r.created_at = kT0 + absl::Seconds(i);
    holds.Add(Hold{&r, 2});
  }
  CHECK(holds.held() == 300);
  CHECK(holds.Uncovered(300, kAtRiskPerMovementMax).empty());
  // 299 units cover the first 149 holds in full and the last by half: it is uncovered.
  std::vector<ReservationId> one = holds.Uncovered(299, kAtRiskPerMovementMax);
  REQUIRE(one.size() == 1);
  CHECK(one[0] == ReservationId("r149"));
  std::vector<ReservationId> all = holds.Uncovered(0, kAtRiskPerMovementMax);
  REQUIRE(all.size() == static_cast<size_t>(kAtRiskPerMovementMax));
  CHECK(all.front() == ReservationId("r000"));
  CHECK(all.back() == ReservationId("r099"));
  // The front 40 gone: 110 holds, 80 units cover the oldest 40 of them.
  for (int i = 0; i < 40; ++i) holds.Remove(reservations[i]);
  CHECK(holds.size() == 110);
  std::vector<ReservationId> rest = holds.Uncovered(80, kAtRiskPerMovementMax);
  REQUIRE(rest.size() == 70);
  CHECK(rest.front() == ReservationId("r080"));
  // Removing what holds nothing here changes nothing.
  holds.Remove(reservations[0]);
  CHECK(holds.size() == 110);
  CHECK(holds.held() == 220);
}

TEST_CASE("a hold that no longer fits is uncovered alone; newer ones that fit stay covered") {
  std::deque<Reservation> reservations;
  HoldList holds;
  for (const auto& [id, quantity] : {std::pair{"a", 5}, {"b", 1}, {"c", 1}}) {
    Reservation& r = reservations.emplace_back();
    r.id = ReservationId(id);
    r.created_at = kT0 + absl::Seconds(reservations.size());
    holds.Add(Hold{&r, quantity});
  }
  // 3 units: the oldest hold needs 5 and would not be covered without the newer two either.
  CHECK(holds.Uncovered(3, kAtRiskPerMovementMax) == std::vector{ReservationId("a")});
  CHECK(holds.Uncovered(5, kAtRiskPerMovementMax) ==
        std::vector{ReservationId("b"), ReservationId("c")});
  CHECK(holds.Uncovered(6, kAtRiskPerMovementMax) == std::vector{ReservationId("c")});
  CHECK(holds.Uncovered(1, kAtRiskPerMovementMax) ==
        std::vector{ReservationId("a"), ReservationId("c")});
  CHECK(holds.Uncovered(0, 1) == std::vector{ReservationId("a")});
}

TEST_CASE("past 1,000 newer holds covered, the rest are listed as uncovered (a bound on work)") {
  std::deque<Reservation> reservations;
  HoldList holds;
  auto add = [&](Quantity quantity) {
    Reservation& r = reservations.emplace_back();
    r.id = ReservationId(absl::StrFormat("r%05d", reservations.size()));
    r.created_at = kT0 + absl::Seconds(reservations.size());
    holds.Add(Hold{&r, quantity});
  };
  add(5000);  // too large for what is left
  for (int i = 0; i < 1500; ++i) add(1);
  // 4,000 units: every hold of 1 would fit, but only the first 1,000 are walked as covered.
  const std::vector<ReservationId> at_risk = holds.Uncovered(4000, 1000);
  REQUIRE(at_risk.size() == 501);
  CHECK(at_risk.front() == ReservationId("r00001"));
  CHECK(at_risk[1] == ReservationId("r01002"));
  CHECK(at_risk.back() == ReservationId("r01501"));
}

TEST_CASE("a hold list answers as its model through adds, removes and restores in any order") {
  std::mt19937 random(20261201);
  std::deque<Reservation> reservations;
  std::vector<Hold> live;  // the model
  HoldList holds;
  int next_id = 0;
  // Three phases: holds come and go in the order they are made, give or take a few (two
  // threads' clocks) and now and then one far behind; then a restart's restore, in id order,
  // whatever their times; then most of them go, so that the gaps they leave are closed up.
  constexpr int kSteps = 30000;
  for (int step = 0; step < kSteps; ++step) {
    const bool restoring = step >= 10000 && step < 12000;
    const int adds = step < 12000 ? 5 : 1;  // of 10
    const int op = std::uniform_int_distribution<int>(0, 9)(random);
    if (restoring || op < adds || live.empty()) {
      Reservation& r = reservations.emplace_back();
      r.id = ReservationId(absl::StrFormat("r%05d", (next_id++ * 7919) % 100000));
      // Mostly rising, sometimes equal or a little earlier, now and then far earlier (a routed
      // order's retries keep its first time); anywhere while restoring.
      const bool far_late = std::uniform_int_distribution<int>(0, 19)(random) == 0;
      const int late = far_late ? std::uniform_int_distribution<int>(0, 500)(random)
                                : std::uniform_int_distribution<int>(-1, 3)(random);
      const int offset = restoring ? std::uniform_int_distribution<int>(0, 3000)(random)
                                   : std::max(0, step / 4 - late);
      r.created_at = kT0 + absl::Milliseconds(offset);
      const Hold hold{&r, std::uniform_int_distribution<Quantity>(1, 5)(random)};
      if (restoring) {
        holds.AddRestored(hold);
      } else {
        holds.Add(hold);
      }
      live.push_back(hold);
    } else if (op < 7) {
      const size_t i = std::uniform_int_distribution<size_t>(0, live.size() - 1)(random);
      holds.Remove(*live[i].reservation);
      live.erase(live.begin() + static_cast<ptrdiff_t>(i));
    } else {
      Quantity held = 0;
      for (const Hold& hold : live) held += hold.quantity;
      REQUIRE(holds.held() == held);
      REQUIRE(holds.size() == live.size());
      const Quantity on_hand = std::uniform_int_distribution<Quantity>(-5, held + 5)(random);
      const int max = std::uniform_int_distribution<int>(1, 120)(random);
      REQUIRE(holds.Uncovered(on_hand, max) == ModelUncovered(live, on_hand, max));
    }
  }
  // Emptied, it starts again as new.
  for (const Hold& hold : live) holds.Remove(*hold.reservation);
  CHECK(holds.size() == 0);
  CHECK(holds.held() == 0);
  CHECK(holds.Uncovered(-1, kAtRiskPerMovementMax).empty());
}

}  // namespace omnistock::testing
