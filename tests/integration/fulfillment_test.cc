// Fulfillment over gRPC against a real omnistockd: plans, RouteAndReserve holding them under
// concurrency, daily capacity taken and given back (also across a restart), and bad input.
#include <atomic>
#include <fstream>
#include <thread>
#include <vector>

#include "catch2/catch.hpp"
#include "omnistock/v1/fulfillment.grpc.pb.h"
#include "tests/integration/server_process.h"
#include "tests/support/temp_dir.h"

namespace omnistock::testing {
namespace {

// Tokyo Station, where the test customers live.
constexpr double kHomeLat = 35.6812;
constexpr double kHomeLon = 139.7671;

void AddStore(v1::Network::Stub& network, const std::string& id, double lat, double lon,
              int64_t daily_capacity) {
  v1::UpsertLocationRequest request;
  v1::Location* location = request.mutable_location();
  location->set_location_id(id);
  location->set_kind(v1::STORE);
  location->set_name(id);
  location->set_latitude(lat);
  location->set_longitude(lon);
  location->set_daily_capacity(daily_capacity);
  location->mutable_capabilities()->set_pickup(true);
  location->mutable_capabilities()->set_curbside(true);
  location->mutable_capabilities()->set_ship_from_store(true);
  location->mutable_capabilities()->set_walk_in_sales(true);
  v1::Location response;
  REQUIRE(network.UpsertLocation(Deadline().get(), request, &response).ok());
}

v1::PlanRequest DeliveryOf(const std::string& sku, int64_t quantity) {
  v1::PlanRequest plan;
  v1::OrderLine* line = plan.add_lines();
  line->set_sku(sku);
  line->set_quantity(quantity);
  plan.mutable_destination()->set_latitude(kHomeLat);
  plan.mutable_destination()->set_longitude(kHomeLon);
  plan.set_preference(v1::DELIVERY);
  return plan;
}

v1::RouteAndReserveRequest RouteOf(const std::string& id, const v1::PlanRequest& plan) {
  v1::RouteAndReserveRequest request;
  request.set_reservation_id(id);
  *request.mutable_plan() = plan;
  request.set_channel("web");
  return request;
}

}  // namespace

TEST_CASE(
    "fulfillment: 16 concurrent RouteAndReserve orders for the last units never double-allocate") {
  LiveServer live;
  // Two stores near the customer, 5 units each; a store keeps 2 for walk-in shoppers when it
  // ships, so 3 + 3 = 6 units can go online.
  AddStore(*live.network, "ST-A", 35.69, 139.77, 100);
  AddStore(*live.network, "ST-B", 35.67, 139.76, 100);
  ReceiveStock(*live.inventory, "ST-A", "SKU-LAST", 5);
  ReceiveStock(*live.inventory, "ST-B", "SKU-LAST", 5);

  std::atomic<int> held{0};
  std::atomic<int> rejected{0};
  std::atomic<int> aborted{0};  // raced kRouteAttemptsMax times: allowed, never wrong
  std::atomic<int> failed{0};
  std::vector<std::thread> orders;
  for (int i = 0; i < 16; ++i) {
    orders.emplace_back([&, i] {
      auto fulfillment = v1::Fulfillment::NewStub(live.server.channel());
      v1::RouteAndReserveResponse response;
      const grpc::Status status = fulfillment->RouteAndReserve(
          Deadline(30).get(), RouteOf("last-" + std::to_string(i), DeliveryOf("SKU-LAST", 1)),
          &response);
      if (status.error_code() == grpc::StatusCode::ABORTED) {
        ++aborted;
      } else if (!status.ok()) {
        ++failed;
      } else if (response.has_reservation()) {
        ++held;
      } else {
        CHECK(response.plan().status() == v1::PLAN_REJECTED);
        ++rejected;
      }
    });
  }
  for (std::thread& t : orders) t.join();
  CHECK(failed == 0);
  CHECK(held == 6);
  CHECK(held + rejected + aborted == 16);
  const v1::PositionView a = PositionOf(*live.inventory, "SKU-LAST", "ST-A");
  const v1::PositionView b = PositionOf(*live.inventory, "SKU-LAST", "ST-B");
  CHECK(a.reserved() == 3);
  CHECK(b.reserved() == 3);
}

TEST_CASE(
    "fulfillment: a routed order takes the store's daily capacity, and a release gives it back") {
  TempDir dir;
  {
    ServerProcess server(dir.Sub("data"));
    auto network = server.network();
    auto inventory = server.inventory();
    AddStore(*network, "ST-ONE", 35.69, 139.77, 1);  // one online order a day
    ReceiveStock(*inventory, "ST-ONE", "SKU-C", 50);
    auto fulfillment = v1::Fulfillment::NewStub(server.channel());

    v1::RouteAndReserveResponse first;
    REQUIRE(
        fulfillment
            ->RouteAndReserve(Deadline().get(), RouteOf("cap-1", DeliveryOf("SKU-C", 1)), &first)
            .ok());
    REQUIRE(first.has_reservation());
    REQUIRE(first.plan().shipments_size() == 1);
    CHECK(first.plan().shipments(0).location_id() == "ST-ONE");
    CHECK(first.plan().shipments(0).method() == v1::SHIP_FROM_STORE);

    // The same id again is a replay: nothing more is held or counted.
    v1::RouteAndReserveResponse replay;
    REQUIRE(
        fulfillment
            ->RouteAndReserve(Deadline().get(), RouteOf("cap-1", DeliveryOf("SKU-C", 1)), &replay)
            .ok());
    CHECK(replay.reservation().sequence() == first.reservation().sequence());
    CHECK(PositionOf(*inventory, "SKU-C", "ST-ONE").reserved() == 1);

    v1::PlanResponse full;
    REQUIRE(fulfillment->Plan(Deadline().get(), DeliveryOf("SKU-C", 1), &full).ok());
    CHECK(full.status() == v1::PLAN_REJECTED);
    REQUIRE(full.rejected_size() >= 1);
    CHECK(full.rejected(0).location_id() == "ST-ONE");
    CHECK(full.rejected(0).reason() == v1::CAPACITY_EXHAUSTED);
    CHECK(full.rejected(0).orders_today() == 1);
    CHECK(full.rejected(0).daily_capacity() == 1);
    server.Kill();
  }
  // The day's count survives a crash: it is recounted from the reservations.
  ServerProcess server(dir.Sub("data"));
  auto fulfillment = v1::Fulfillment::NewStub(server.channel());
  v1::PlanResponse still_full;
  REQUIRE(fulfillment->Plan(Deadline().get(), DeliveryOf("SKU-C", 1), &still_full).ok());
  CHECK(still_full.status() == v1::PLAN_REJECTED);

  v1::Reservation released;
  REQUIRE(server.reservations()->Release(Deadline().get(), Ref("cap-1"), &released).ok());
  v1::PlanResponse room_again;
  REQUIRE(fulfillment->Plan(Deadline().get(), DeliveryOf("SKU-C", 1), &room_again).ok());
  CHECK(room_again.status() == v1::PLAN_FULFILLED);
  REQUIRE(room_again.shipments_size() == 1);
  CHECK(room_again.shipments(0).location_id() == "ST-ONE");
}

TEST_CASE("fulfillment: bad plan requests name the field and hold nothing") {
  LiveServer live;
  AddStore(*live.network, "ST-A", 35.69, 139.77, 10);
  ReceiveStock(*live.inventory, "ST-A", "SKU-A", 10);
  auto fulfillment = v1::Fulfillment::NewStub(live.server.channel());
  v1::PlanResponse response;

  v1::PlanRequest nowhere = DeliveryOf("SKU-A", 1);
  nowhere.clear_destination();
  grpc::Status status = fulfillment->Plan(Deadline().get(), nowhere, &response);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(status.error_message(), Catch::Contains("destination"));

  v1::PlanRequest far_north = DeliveryOf("SKU-A", 1);
  far_north.mutable_destination()->set_latitude(91);
  status = fulfillment->Plan(Deadline().get(), far_north, &response);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(status.error_message(), Catch::Contains("destination.latitude"));

  v1::PlanRequest unknown_store = DeliveryOf("SKU-A", 1);
  unknown_store.set_preference(v1::BOPIS);
  unknown_store.set_preferred_pickup_location_id("ST-NOWHERE");
  status = fulfillment->Plan(Deadline().get(), unknown_store, &response);
  CHECK(status.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK_THAT(status.error_message(), Catch::Contains("preferred_pickup_location_id"));
  // A place that is not a store: refused, instead of a plan at some store nearby.
  AddLocation(*live.network, "DC-1", v1::EC_DC);
  unknown_store.set_preferred_pickup_location_id("DC-1");
  status = fulfillment->Plan(Deadline().get(), unknown_store, &response);
  CHECK(status.error_message() ==
        "preferred_pickup_location_id 'DC-1' is an EC_DC, not a STORE: orders are picked up at "
        "stores");
  AddLocation(*live.network, "WH-1", v1::WAREHOUSE);
  unknown_store.set_preferred_pickup_location_id("WH-1");
  status = fulfillment->Plan(Deadline().get(), unknown_store, &response);
  CHECK(status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(status.error_message() ==
        "preferred_pickup_location_id 'WH-1' is a WAREHOUSE, not a STORE: orders are picked up "
        "at stores");

  v1::PlanRequest too_many = DeliveryOf("SKU-A", 1);
  too_many.set_max_shipments(9);
  v1::RouteAndReserveResponse routed;
  status = fulfillment->RouteAndReserve(Deadline().get(), RouteOf("bad-1", too_many), &routed);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK_THAT(status.error_message(), Catch::Contains("plan.max_shipments"));
  // Within RouteAndReserve every field a message names is the plan's.
  status = fulfillment->RouteAndReserve(Deadline().get(), RouteOf("bad-2", nowhere), &routed);
  CHECK(status.error_message() ==
        "plan.destination or plan.preferred_pickup_location_id is required: where does the "
        "order go?");
  v1::PlanRequest null_island = DeliveryOf("SKU-A", 1);
  null_island.mutable_destination()->set_latitude(0);
  null_island.mutable_destination()->set_longitude(0);
  status = fulfillment->RouteAndReserve(Deadline().get(), RouteOf("bad-3", null_island), &routed);
  CHECK_THAT(status.error_message(),
             Catch::StartsWith("plan.destination.latitude and plan.destination.longitude"));
  CHECK(PositionOf(*live.inventory, "SKU-A", "ST-A").reserved() == 0);

  // A reservation's line at a disabled location is named by its index.
  AddStore(*live.network, "ST-B", 35.70, 139.78, 10);
  ReceiveStock(*live.inventory, "ST-B", "SKU-A", 10);
  v1::UpsertLocationRequest disable;
  *disable.mutable_location() = [&] {
    v1::ListLocationsResponse listed;
    REQUIRE(live.network->ListLocations(Deadline().get(), {}, &listed).ok());
    for (const v1::Location& l : listed.locations()) {
      if (l.location_id() == "ST-B") return l;
    }
    FAIL("no ST-B");
    return v1::Location();
  }();
  disable.mutable_location()->set_disabled(true);
  v1::Location stored;
  REQUIRE(live.network->UpsertLocation(Deadline().get(), disable, &stored).ok());
  v1::ReserveRequest order;
  order.set_reservation_id("two-stores");
  for (const char* store : {"ST-A", "ST-B"}) {
    v1::Line* line = order.add_lines();
    line->set_sku("SKU-A");
    line->set_location_id(store);
    line->set_quantity(1);
  }
  v1::Reservation held;
  status = live.reservations->Reserve(Deadline().get(), order, &held);
  CHECK(status.error_code() == grpc::StatusCode::FAILED_PRECONDITION);
  CHECK(status.error_message() == "lines[1].location_id 'ST-B' is disabled");
  CHECK(PositionOf(*live.inventory, "SKU-A", "ST-A").reserved() == 0);

  v1::RoutingConfig config;
  REQUIRE(fulfillment->GetRoutingConfig(Deadline().get(), {}, &config).ok());
  CHECK(config.carrier_base() == Approx(8.76));
  CHECK(config.pickup_radius_km() == Approx(25));
  CHECK_FALSE(config.version().empty());
}

TEST_CASE("a pickup point may set pickup, the one capability it can have") {
  LiveServer live;
  v1::UpsertLocationRequest request;
  v1::Location* point = request.mutable_location();
  point->set_location_id("PP-1");
  point->set_kind(v1::PICKUP_POINT);
  point->set_latitude(kHomeLat);
  point->set_longitude(kHomeLon);
  point->mutable_capabilities()->set_pickup(true);
  v1::Location stored;
  const grpc::Status status = live.network->UpsertLocation(Deadline().get(), request, &stored);
  INFO(status.error_message());
  REQUIRE(status.ok());
  CHECK(stored.capabilities().pickup());
  point->mutable_capabilities()->set_curbside(true);
  CHECK(live.network->UpsertLocation(Deadline().get(), request, &stored).error_code() ==
        grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_CASE("fulfillment: omnistockd plans with the routing config file it was given") {
  TempDir dir;
  const std::string file = dir.Sub("routing.toml");
  std::ofstream(file) << "version = \"acme-test\"\nsafety_store_ship = 0\n";
  ServerProcess server(dir.Sub("data"), {"--routing_config=" + file});
  auto network = server.network();
  auto inventory = server.inventory();
  auto fulfillment = v1::Fulfillment::NewStub(server.channel());
  v1::RoutingConfig config;
  REQUIRE(
      fulfillment->GetRoutingConfig(Deadline().get(), v1::GetRoutingConfigRequest(), &config).ok());
  CHECK(config.version() == "acme-test");
  CHECK(config.safety_store_ship() == 0);
  CHECK(config.carrier_base() == Approx(8.76));  // not in the file: the default

  // With no units kept back for walk-in shoppers, a store ships its last five.
  AddStore(*network, "ST-A", 35.69, 139.77, 100);
  ReceiveStock(*inventory, "ST-A", "SKU-ALL", 5);
  v1::PlanResponse plan;
  REQUIRE(fulfillment->Plan(Deadline().get(), DeliveryOf("SKU-ALL", 5), &plan).ok());
  CHECK(plan.status() == v1::PLAN_FULFILLED);
  CHECK(plan.config_version() == "acme-test");
}

TEST_CASE("fulfillment: a plan's network_version changes with the network, not with a restart") {
  TempDir dir;
  auto version = [](ServerProcess& server) {
    v1::PlanResponse plan;
    REQUIRE(v1::Fulfillment::NewStub(server.channel())
                ->Plan(Deadline().get(), DeliveryOf("SKU-ALL", 1), &plan)
                .ok());
    return plan.network_version();
  };
  std::string first, changed;
  {
    ServerProcess server(dir.Sub("data"));
    AddStore(*server.network(), "ST-A", 35.69, 139.77, 100);
    ReceiveStock(*server.inventory(), "ST-A", "SKU-ALL", 5);
    first = version(server);
    CHECK_THAT(first, Catch::Matches("network-[0-9a-f]{16}"));
    CHECK(version(server) == first);
    AddStore(*server.network(), "ST-A", 35.69, 139.77, 99);  // its capacity only
    changed = version(server);
    CHECK(changed != first);
    AddStore(*server.network(), "ST-A", 35.69, 139.77, 100);  // as it was
    CHECK(version(server) == first);
    AddStore(*server.network(), "ST-A", 35.69, 139.77, 99);
    REQUIRE(server.Terminate() == 0);
  }
  ServerProcess restarted(dir.Sub("data"));
  CHECK(version(restarted) == changed);
}

TEST_CASE("fulfillment: a routing config file that cannot be used stops the start, saying why") {
  TempDir dir;
  const std::string file = dir.Sub("routing.toml");
  std::ofstream(file) << "version = \"acme-test\"\ncarrier_bse = 7.5\n";
  const FailedStart start = RunToExit(dir.Sub("data"), {"--routing_config=" + file});
  CHECK(start.exit_code == 1);
  CHECK_THAT(start.log, Catch::Contains("--routing_config") &&
                            Catch::Contains("line 2: 'carrier_bse' is not a routing setting"));
}

}  // namespace omnistock::testing
