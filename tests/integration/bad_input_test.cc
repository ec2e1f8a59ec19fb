// Bad input gets a status naming the field (and the limit), and changes nothing: the table
// below runs every case against one real server, then compares the whole observable state.
#include <cmath>
#include <functional>
#include <limits>

#include "catch2/catch.hpp"
#include "omnistock/v1/store_sales.grpc.pb.h"
#include "tests/integration/server_process.h"
#include "tests/support/temp_dir.h"

namespace omnistock::testing {
namespace {

struct Case {
  std::string name;
  std::function<grpc::Status()> call;
  grpc::StatusCode code;
  std::string message_part;  // the field (and limit) the message must name
};

std::string Snapshot(ServerProcess& server) {
  auto inventory = server.inventory();
  auto network = server.network();
  v1::GetAvailabilityRequest availability;
  availability.add_skus("SKU-A");
  v1::GetAvailabilityResponse positions;
  REQUIRE(inventory->GetAvailability(Deadline().get(), availability, &positions).ok());
  v1::ListMovementsRequest list;
  list.set_limit(1000);
  v1::ListMovementsResponse movements;
  REQUIRE(inventory->ListMovements(Deadline().get(), list, &movements).ok());
  v1::ListLocationsResponse locations;
  REQUIRE(network->ListLocations(Deadline().get(), {}, &locations).ok());
  return positions.SerializeAsString() + "|" + movements.SerializeAsString() + "|" +
         locations.SerializeAsString();
}

}  // namespace

TEST_CASE("bad input is refused with a status naming the field, and changes nothing") {
  LiveServer live;
  auto& [dir, server, network, inventory, reservations] = live;
  AddLocation(*network, "ST-1");
  AddLocation(*network, "WH-1", v1::WAREHOUSE);
  AddLocation(*network, "PP-1", v1::PICKUP_POINT);
  ReceiveStock(*inventory, "ST-1", "SKU-A", 10);
  {
    v1::Reservation held;
    REQUIRE(reservations
                ->Reserve(Deadline().get(), ReserveOf("existing", {{"SKU-A", "ST-1", 1}}), &held)
                .ok());
  }
  const std::string before = Snapshot(server);

  auto reserve = [&](v1::ReserveRequest request) {
    return [&reservations, request] {
      v1::Reservation response;
      return reservations->Reserve(Deadline().get(), request, &response);
    };
  };
  auto upsert = [&](std::function<void(v1::Location&)> change) {
    v1::UpsertLocationRequest request;
    v1::Location& l = *request.mutable_location();
    l.set_location_id("ST-NEW");
    l.set_kind(v1::STORE);
    l.set_latitude(35.0);
    l.set_longitude(139.0);
    change(l);
    return [&network, request] {
      v1::Location response;
      return network->UpsertLocation(Deadline().get(), request, &response);
    };
  };
  auto receive = [&](std::string location, std::string sku, int64_t quantity) {
    return [&inventory, location, sku, quantity] {
      v1::ReceiveRequest request;
      request.set_location_id(location);
      request.set_sku(sku);
      request.set_quantity(quantity);
      v1::PositionView response;
      return inventory->Receive(Deadline().get(), request, &response);
    };
  };

  const auto kInvalid = grpc::StatusCode::INVALID_ARGUMENT;
  v1::ReserveRequest too_many_lines = ReserveOf("big", {});
  for (int i = 0; i < 101; ++i) {
    v1::Line* line = too_many_lines.add_lines();
    line->set_sku("SKU-" + std::to_string(i));
    line->set_location_id("ST-1");
    line->set_quantity(1);
  }
  v1::ReserveRequest long_ttl = ReserveOf("ttl", {{"SKU-A", "ST-1", 1}});
  long_ttl.mutable_ttl()->set_seconds(25 * 3600);
  v1::ReserveRequest odd_ttl = ReserveOf("ttl", {{"SKU-A", "ST-1", 1}});
  odd_ttl.mutable_ttl()->set_nanos(2'000'000'000);  // "two seconds", as no Duration is written
  auto sales = v1::StoreSales::NewStub(server.channel());
  const int64_t now_seconds = absl::ToUnixSeconds(absl::Now());
  auto sale_at = [&sales](int64_t seconds, int32_t nanos, const std::string& location = "ST-1") {
    return [&sales, seconds, nanos, location] {
      v1::RecordSaleRequest request;
      request.set_location_id(location);
      request.set_terminal_id("till-1");
      request.set_pos_transaction_id("t-1");
      v1::PosLine* line = request.add_lines();
      line->set_sku("SKU-A");
      line->set_quantity(1);
      request.mutable_sold_at()->set_seconds(seconds);
      request.mutable_sold_at()->set_nanos(nanos);
      v1::PosResult response;
      return sales->RecordSale(Deadline().get(), request, &response);
    };
  };
  v1::ReserveRequest long_channel = ReserveOf("ch", {{"SKU-A", "ST-1", 1}});
  long_channel.set_channel(std::string(300, 'w'));
  v1::ReserveRequest two_line_ref = ReserveOf("ref", {{"SKU-A", "ST-1", 1}});
  two_line_ref.set_order_ref("web-1\nFAKE-ROW");

  const std::vector<Case> cases = {
      {"empty reservation id", reserve(ReserveOf("", {{"SKU-A", "ST-1", 1}})), kInvalid,
       "reservation_id must not be empty"},
      {"oversized reservation id",
       reserve(ReserveOf(std::string(129, 'r'), {{"SKU-A", "ST-1", 1}})), kInvalid,
       "reservation_id is 129 bytes, over the limit of 128"},
      {"id with a space", reserve(ReserveOf("a b", {{"SKU-A", "ST-1", 1}})), kInvalid,
       "reservation_id may contain only"},
      {"no lines", reserve(ReserveOf("r", {})), kInvalid, "lines must not be empty"},
      {"too many lines", reserve(too_many_lines), kInvalid, "over the limit of 100"},
      {"zero quantity", reserve(ReserveOf("r", {{"SKU-A", "ST-1", 0}})), kInvalid,
       "lines[0].quantity must be at least 1"},
      {"negative quantity", reserve(ReserveOf("r", {{"SKU-A", "ST-1", -5}})), kInvalid,
       "lines[0].quantity"},
      {"quantity over the limit", reserve(ReserveOf("r", {{"SKU-A", "ST-1", 1'000'001}})), kInvalid,
       "lines[0].quantity is 1000001, over the limit of 1000000"},
      {"duplicate lines", reserve(ReserveOf("r", {{"SKU-A", "ST-1", 1}, {"SKU-A", "ST-1", 2}})),
       kInvalid, "lines[1].sku 'SKU-A' at location_id 'ST-1' repeats"},
      {"empty sku", reserve(ReserveOf("r", {{"", "ST-1", 1}})), kInvalid,
       "lines[0].sku must not be empty"},
      {"oversized sku", reserve(ReserveOf("r", {{std::string(65, 's'), "ST-1", 1}})), kInvalid,
       "lines[0].sku is 65 bytes, over the limit of 64"},
      {"unknown location", reserve(ReserveOf("r", {{"SKU-A", "ST-NOPE", 1}})),
       grpc::StatusCode::NOT_FOUND, "lines[0].location_id 'ST-NOPE' is not a known location"},
      {"ttl over the limit", reserve(long_ttl), kInvalid, "ttl must be between"},
      {"ttl with nanos of a second or more", reserve(odd_ttl), kInvalid,
       "ttl is not a valid duration: nanos must be in (-1000000000, 1000000000)"},
      {"sale before year 1", sale_at(-900'000'000'000'000, 0), kInvalid,
       "sold_at is not a valid timestamp: seconds must be in [-62135596800, 253402300799]"},
      {"sale with negative nanos", sale_at(1'800'000'000, -5), kInvalid,
       "sold_at is not a valid timestamp"},
      {"sale dated 1970 (a till's clock reset)", sale_at(0, 0), kInvalid,
       "sold_at is more than 30 days in the past (1970-01-01T00:00:00+00:00); check the "
       "terminal's clock"},
      {"sale an hour ahead", sale_at(now_seconds + 3600, 0), kInvalid,
       "sold_at is more than 5m in the future; check the terminal's clock"},
      {"sale at a warehouse", sale_at(now_seconds - 60, 0, "WH-1"),
       grpc::StatusCode::FAILED_PRECONDITION,
       "location_id 'WH-1' is a WAREHOUSE, not a STORE: till sales and returns are recorded at "
       "stores"},
      {"oversized channel", reserve(long_channel), kInvalid,
       "channel is 300 bytes, over the limit of 256"},
      {"a newline in free text", reserve(two_line_ref), kInvalid,
       "order_ref holds a control character (byte 0x0a at offset 5): free text is one line of "
       "printable characters"},
      {"location without id", upsert([](v1::Location& l) { l.set_location_id(""); }), kInvalid,
       "location.location_id must not be empty"},
      {"location in an unknown time zone",
       upsert([](v1::Location& l) { l.set_timezone("Not/AZone"); }), kInvalid,
       "location.timezone 'Not/AZone' is not an IANA time zone this server knows"},
      // A path would be opened as the zone file: this one would block the handler for good.
      {"location in a time zone that is a path",
       upsert([](v1::Location& l) { l.set_timezone("/dev/stderr"); }), kInvalid,
       "location.timezone '/dev/stderr' is not an IANA time zone this server knows (a name such "
       "as Asia/Tokyo, at most 64 characters)"},
      {"location without kind",
       upsert([](v1::Location& l) { l.set_kind(v1::LOCATION_KIND_UNSPECIFIED); }), kInvalid,
       "location.kind"},
      {"NaN latitude",
       upsert([](v1::Location& l) { l.set_latitude(std::numeric_limits<double>::quiet_NaN()); }),
       kInvalid, "location.latitude must be a number in [-90, 90]"},
      {"infinite longitude",
       upsert([](v1::Location& l) { l.set_longitude(std::numeric_limits<double>::infinity()); }),
       kInvalid, "location.longitude must be a number in [-180, 180]"},
      {"latitude out of range", upsert([](v1::Location& l) { l.set_latitude(91); }), kInvalid,
       "location.latitude"},
      {"coordinates left unset", upsert([](v1::Location& l) {
         l.clear_latitude();
         l.clear_longitude();
       }),
       kInvalid,
       "location.latitude and location.longitude are both 0, taken as unset: set the point"},
      {"negative capacity", upsert([](v1::Location& l) { l.set_daily_capacity(-1); }), kInvalid,
       "location.daily_capacity must be in [0, 1000000000], got -1"},
      {"a warehouse offering pickup", upsert([](v1::Location& l) {
         l.set_kind(v1::WAREHOUSE);
         l.mutable_capabilities()->set_pickup(true);
       }),
       kInvalid,
       "location.capabilities.pickup is set on a WAREHOUSE: a WAREHOUSE or EC_DC ships parcels "
       "and sets no capability"},
      {"a pickup point with a till", upsert([](v1::Location& l) {
         l.set_kind(v1::PICKUP_POINT);
         l.mutable_capabilities()->set_pickup(true);
         l.mutable_capabilities()->set_walk_in_sales(true);
       }),
       kInvalid,
       "location.capabilities.walk_in_sales is set on a PICKUP_POINT: a PICKUP_POINT may only set "
       "pickup"},
      {"oversized name", upsert([](v1::Location& l) { l.set_name(std::string(257, 'n')); }),
       kInvalid, "location.name is 257 bytes, over the limit of 256"},
      {"receive zero", receive("ST-1", "SKU-A", 0), kInvalid, "quantity must be at least 1"},
      {"receive over the limit", receive("ST-1", "SKU-A", 2'000'000), kInvalid,
       "quantity is 2000000, over the limit of 1000000"},
      {"receive at unknown location", receive("NOPE", "SKU-A", 1), grpc::StatusCode::NOT_FOUND,
       "location_id 'NOPE' is not a known location"},
      {"receive at a pickup point", receive("PP-1", "SKU-A", 1),
       grpc::StatusCode::FAILED_PRECONDITION,
       "location_id 'PP-1' is a PICKUP_POINT: it holds no stock"},
      {"receive with a key that is not an id",
       [&] {
         v1::ReceiveRequest request;
         request.set_location_id("ST-1");
         request.set_sku("SKU-A");
         request.set_quantity(1);
         request.set_idempotency_key("asn 7");
         v1::PositionView response;
         return inventory->Receive(Deadline().get(), request, &response);
       },
       kInvalid, "idempotency_key may contain only letters, digits"},
      {"adjust with a key over its limit",
       [&] {
         v1::AdjustRequest request;
         request.set_location_id("ST-1");
         request.set_sku("SKU-A");
         request.set_delta(1);
         request.set_reason(v1::FOUND);
         request.set_idempotency_key(std::string(129, 'k'));
         v1::PositionView response;
         return inventory->Adjust(Deadline().get(), request, &response);
       },
       kInvalid, "idempotency_key is 129 bytes, over the limit of 128"},
      {"adjust without reason",
       [&] {
         v1::AdjustRequest request;
         request.set_location_id("ST-1");
         request.set_sku("SKU-A");
         request.set_delta(-1);
         v1::PositionView response;
         return inventory->Adjust(Deadline().get(), request, &response);
       },
       kInvalid, "reason must be one of"},
      {"adjust below zero",
       [&] {
         v1::AdjustRequest request;
         request.set_location_id("ST-1");
         request.set_sku("SKU-A");
         request.set_delta(-11);
         request.set_reason(v1::SHRINK);
         v1::PositionView response;
         return inventory->Adjust(Deadline().get(), request, &response);
       },
       grpc::StatusCode::FAILED_PRECONDITION, "below zero"},
      {"adjust by the lowest int64",
       [&] {
         v1::AdjustRequest request;
         request.set_location_id("ST-1");
         request.set_sku("SKU-A");
         request.set_delta(std::numeric_limits<int64_t>::min());
         request.set_reason(v1::SHRINK);
         v1::PositionView response;
         return inventory->Adjust(Deadline().get(), request, &response);
       },
       kInvalid, "delta is -9223372036854775808, under the limit of -1000000"},
      {"negative safety stock",
       [&] {
         v1::SetSafetyStockRequest request;
         request.set_location_id("ST-1");
         request.set_sku("SKU-A");
         request.set_safety_stock(-1);
         v1::PositionView response;
         return inventory->SetSafetyStock(Deadline().get(), request, &response);
       },
       kInvalid, "safety_stock must be in [0, 1000000]"},
      {"availability without skus",
       [&] {
         v1::GetAvailabilityResponse response;
         return inventory->GetAvailability(Deadline().get(), {}, &response);
       },
       kInvalid, "skus must name at least one SKU"},
      {"movements page over the limit",
       [&] {
         v1::ListMovementsRequest request;
         request.set_limit(1001);
         v1::ListMovementsResponse response;
         return inventory->ListMovements(Deadline().get(), request, &response);
       },
       kInvalid, "limit must be in [0, 1000]"},
      {"movements of an unknown location",
       [&] {
         v1::ListMovementsRequest request;
         request.set_location_id("ST-NOPE");
         v1::ListMovementsResponse response;
         return inventory->ListMovements(Deadline().get(), request, &response);
       },
       grpc::StatusCode::NOT_FOUND, "location_id 'ST-NOPE' is not a known location"},
      {"confirm of an unknown reservation",
       [&] {
         v1::Reservation response;
         return reservations->Confirm(Deadline().get(), Ref("never-made"), &response);
       },
       grpc::StatusCode::NOT_FOUND, "reservation_id 'never-made' is not known"},
      {"existing id, other lines", reserve(ReserveOf("existing", {{"SKU-A", "ST-1", 2}})),
       grpc::StatusCode::ALREADY_EXISTS, "reservation_id 'existing' already exists"},
      // gRPC inflates a compressed message whole before its size limit applies: a small gzip
      // bomb would have the server allocate gigabytes.
      {"a compressed request",
       [&] {
         grpc::ClientContext context;
         context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
         context.set_compression_algorithm(GRPC_COMPRESS_GZIP);
         v1::ReceiveRequest request;
         request.set_location_id("ST-1");
         request.set_sku("SKU-A");
         request.set_quantity(1);
         v1::PositionView response;
         return inventory->Receive(&context, request, &response);
       },
       grpc::StatusCode::UNIMPLEMENTED, "gzip"},
  };

  for (const Case& c : cases) {
    const grpc::Status status = c.call();
    INFO("case: " << c.name << "; message: " << status.error_message());
    CHECK(status.error_code() == c.code);
    CHECK(status.error_message().find(c.message_part) != std::string::npos);
    CHECK(Snapshot(server) == before);
  }
  CHECK(cases.size() == 49);
}

TEST_CASE("update_mask changes only the fields it names, against the location as stored") {
  LiveServer live;
  AddLocation(*live.network, "ST-1");
  auto stored = [&live] {
    v1::ListLocationsResponse listed;
    REQUIRE(live.network->ListLocations(Deadline().get(), {}, &listed).ok());
    REQUIRE(listed.locations_size() == 1);
    return listed.locations(0);
  };
  const v1::Location before = stored();
  auto update = [&live](std::function<void(v1::Location&)> change, std::vector<std::string> paths) {
    v1::UpsertLocationRequest request;
    request.mutable_location()->set_location_id("ST-1");
    change(*request.mutable_location());
    for (const std::string& path : paths) request.mutable_update_mask()->add_paths(path);
    v1::Location response;
    const grpc::Status status = live.network->UpsertLocation(Deadline().get(), request, &response);
    return std::pair{status, response};
  };

  // Two clients, each with its own field, each sending nothing else: both changes are kept.
  auto [disabled, disabled_view] =
      update([](v1::Location& l) { l.set_disabled(true); }, {"disabled"});
  REQUIRE(disabled.ok());
  CHECK(disabled_view.disabled());
  auto [capacity, capacity_view] =
      update([](v1::Location& l) { l.set_daily_capacity(40); }, {"daily_capacity"});
  REQUIRE(capacity.ok());
  v1::Location expected = before;
  expected.set_disabled(true);
  expected.set_daily_capacity(40);
  CHECK(stored().SerializeAsString() == expected.SerializeAsString());
  // One flag of the capabilities, and the whole of them (false ones cleared too).
  REQUIRE(update([](v1::Location& l) { l.mutable_capabilities()->set_curbside(true); },
                 {"capabilities.curbside"})
              .first.ok());
  expected.mutable_capabilities()->set_curbside(true);
  CHECK(stored().SerializeAsString() == expected.SerializeAsString());
  REQUIRE(
      update([](v1::Location& l) { l.mutable_capabilities()->set_pickup(true); }, {"capabilities"})
          .first.ok());
  *expected.mutable_capabilities() = v1::Capabilities();
  expected.mutable_capabilities()->set_pickup(true);
  CHECK(stored().SerializeAsString() == expected.SerializeAsString());

  // Refused, changing nothing: a path not of a location, the id, an empty mask, an unknown
  // location, and a change the merged location fails (the whole is validated).
  const auto kInvalid = grpc::StatusCode::INVALID_ARGUMENT;
  auto [unknown_path, ignored1] = update([](v1::Location&) {}, {"disabled", "colour"});
  CHECK(unknown_path.error_code() == kInvalid);
  CHECK_THAT(unknown_path.error_message(),
             Catch::StartsWith("update_mask.paths[1] 'colour' is not a field of a location"));
  CHECK(update([](v1::Location&) {}, {"location_id"}).first.error_code() == kInvalid);
  v1::UpsertLocationRequest empty_mask;
  *empty_mask.mutable_location() = before;
  empty_mask.mutable_update_mask();
  v1::Location ignored;
  const grpc::Status empty = live.network->UpsertLocation(Deadline().get(), empty_mask, &ignored);
  CHECK(empty.error_code() == kInvalid);
  CHECK_THAT(empty.error_message(), Catch::StartsWith("update_mask names no field"));
  v1::UpsertLocationRequest elsewhere;
  elsewhere.mutable_location()->set_location_id("ST-NONE");
  elsewhere.mutable_update_mask()->add_paths("disabled");
  const grpc::Status missing = live.network->UpsertLocation(Deadline().get(), elsewhere, &ignored);
  CHECK(missing.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(missing.error_message() ==
        "location.location_id 'ST-NONE' is not known: create it without update_mask");
  auto [bad_lat, ignored2] = update([](v1::Location& l) { l.set_latitude(91); }, {"latitude"});
  CHECK(bad_lat.error_code() == kInvalid);
  CHECK_THAT(bad_lat.error_message(), Catch::Contains("location.latitude"));
  CHECK(stored().SerializeAsString() == expected.SerializeAsString());
}

}  // namespace omnistock::testing
