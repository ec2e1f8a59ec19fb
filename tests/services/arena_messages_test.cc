// The hot methods' messages live on one arena per call: a parsed request's strings and lines
// come from it, and the response is on the same one.
#include "services/arena_messages.h"

#include "catch2/catch.hpp"
#include "omnistock/v1/reservations.pb.h"

namespace omnistock::services {
namespace {

TEST_CASE("a call's request and response are made on one arena, which parsing fills") {
  v1::ReserveBatchRequest sent;
  for (int i = 0; i < 3; ++i) {
    v1::ReserveRequest* order = sent.add_orders();
    order->set_reservation_id("a reservation id long enough not to fit inline " +
                              std::to_string(i));
    v1::Line* line = order->add_lines();
    line->set_sku("SKU-" + std::to_string(i));
    line->set_location_id("S1");
    line->set_quantity(i + 1);
  }
  const std::string wire = sent.SerializeAsString();

  ArenaMessages<v1::ReserveBatchRequest, v1::ReserveBatchResponse> allocator;
  grpc::MessageHolder<v1::ReserveBatchRequest, v1::ReserveBatchResponse>* holder =
      allocator.AllocateMessages();
  google::protobuf::Arena* arena = holder->request()->GetArena();
  REQUIRE(arena != nullptr);
  CHECK(holder->response()->GetArena() == arena);

  const uint64_t before = arena->SpaceUsed();
  REQUIRE(holder->request()->ParseFromString(wire));
  CHECK(arena->SpaceUsed() > before);  // the parsed orders are on the arena
  CHECK(holder->request()->orders(2).GetArena() == arena);
  CHECK(holder->request()->orders(2).reservation_id() ==
        "a reservation id long enough not to fit inline 2");
  CHECK(holder->request()->orders(1).lines(0).quantity() == 2);

  holder->response()->add_results()->set_code(0);
  CHECK(holder->response()->results(0).GetArena() == arena);
  holder->Release();  // frees both with the arena
}

}  // namespace
}  // namespace omnistock::services
