#include "engine/reservation_table.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "catch2/catch.hpp"

namespace omnistock {
namespace {

TEST_CASE("reservation table: made once, found by id, never moved while it grows",
          "[reservation_table]") {
  ReservationTable table;
  REQUIRE(table.Find(ReservationId("r-0")) == nullptr);

  auto [first, made] = table.FindOrAdd(ReservationId("r-0"));
  REQUIRE(made);
  CHECK(first->id == ReservationId("r-0"));
  first->channel = "web";

  auto [again, made_again] = table.FindOrAdd(ReservationId("r-0"));
  CHECK_FALSE(made_again);
  CHECK(again == first);
  CHECK(again->channel == "web");

  // Enough to rehash the table many times over: the first stays where it was.
  for (int i = 1; i < 20'000; ++i) table.FindOrAdd(ReservationId(absl::StrCat("r-", i)));
  CHECK(table.size() == 20'000);
  CHECK(table.Find(ReservationId("r-0")) == first);
  CHECK(first->channel == "web");
  const Reservation* last = table.Find(ReservationId("r-19999"));
  REQUIRE(last != nullptr);
  CHECK(last->id.value() == "r-19999");
  CHECK(table.Find(ReservationId("r-20000")) == nullptr);

  int visited = 0;
  table.ForEach([&](const Reservation&) { ++visited; });
  CHECK(visited == 20'000);
}

TEST_CASE("reservation table: erasing by the reservation's own id frees it and its id",
          "[reservation_table]") {
  ReservationTable table;
  for (int i = 0; i < 100; ++i) table.FindOrAdd(ReservationId(absl::StrCat("r-", i)));
  Reservation* doomed = table.Find(ReservationId("r-7"));
  REQUIRE(doomed != nullptr);
  table.Erase(doomed->id);  // the id dies with the reservation
  CHECK(table.Find(ReservationId("r-7")) == nullptr);
  CHECK(table.size() == 99);
  table.Erase(ReservationId("r-7"));  // not there: nothing happens
  CHECK(table.size() == 99);
  auto [reused, made] = table.FindOrAdd(ReservationId("r-7"));
  CHECK(made);
  CHECK(reused->id.value() == "r-7");
  CHECK(reused->lines.empty());
}

}  // namespace
}  // namespace omnistock
