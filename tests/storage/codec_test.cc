// Every row type survives an encode/decode round trip, and damaged rows are refused.
#include "storage/codec.h"

#include "catch2/catch.hpp"

namespace omnistock::storage {

TEST_CASE("movements, positions, reservations and locations round-trip through the codec") {
  Movement m{123456789,
             absl::FromUnixMicros(1'800'000'000'123'456),
             MovementKind::kSale,
             Sku("SKU-1"),
             LocationId("ST-1"),
             -3,
             0,
             0,
             2,
             1,
             "txn-9",
             "till-2",
             1,
             4,
             0,
             6,
             3,
             {ReservationId("order-1"), ReservationId("order-2")}};
  CHECK(DecodeMovement(Encode(m)) == m);
  m.previous = 123456700;
  m.indexed = true;
  CHECK(DecodeMovement(Encode(m)) == m);
  // Format 5 is format 6 without a movement's non-sellable change and figure after it.
  Movement before_6 = m;
  before_6.non_sellable_delta = 0;
  before_6.non_sellable_after = 0;
  std::string format_5 = Encode(before_6);
  format_5.resize(format_5.size() - 2);
  format_5[0] = 5;
  CHECK(DecodeMovement(format_5) == before_6);

  Position p;
  p.sku = Sku("SKU-1");
  p.location = LocationId("ST-1");
  p.on_hand = 1'000'000'000'000;
  p.reserved = 17;
  p.safety_stock = 2;
  p.in_transit = 5;
  p.non_sellable = 1;
  p.last_sequence = 99;
  p.history = {{absl::FromUnixSeconds(10), -1}, {absl::FromUnixSeconds(20), 4}};
  p.history_complete_after = absl::FromUnixSeconds(5);
  CHECK(DecodePosition(Encode(p)) == p);
  CHECK(DecodePosition(Encode(p))->last_counted_at == absl::InfinitePast());
  p.last_counted_at = absl::FromUnixSeconds(15);
  p.last_count_reported_at = p.last_counted_at;
  p.movements = 48;
  CHECK(DecodePosition(Encode(p)) == p);
  // Format 4 is format 5 without how far ahead the count was dated (one zero byte here): the
  // count's reported time is its counted time.
  std::string position_format_4 = Encode(p);
  position_format_4.resize(position_format_4.size() - 1);
  position_format_4[0] = 4;
  CHECK(DecodePosition(position_format_4) == p);
  p.last_count_reported_at = p.last_counted_at + absl::Microseconds(180'000'001);  // dated ahead
  CHECK(DecodePosition(Encode(p)) == p);

  Reservation r;
  r.id = ReservationId("order-9");
  r.state = ReservationState::kConfirmed;
  r.lines = {{Sku("A"), LocationId("S1"), 2}, {Sku("B"), LocationId("W1"), 5}};
  r.channel = "app";
  r.order_ref = "ref";
  r.created_at = absl::FromUnixSeconds(1);
  r.updated_at = absl::FromUnixSeconds(2);
  r.expires_at = absl::FromUnixSeconds(3);
  r.sequence = 7;
  r.capacity = {{LocationId("S1"), "2026-11-23"}};
  CHECK(DecodeReservation(Encode(r)) == r);
  // Format 3 is format 4 without `ordered` (an empty list is one byte).
  std::string format_3 = Encode(r);
  format_3.resize(format_3.size() - 1);
  format_3[0] = 3;
  CHECK(DecodeReservation(format_3) == r);
  r.ordered = {{Sku("A"), 2}, {Sku("NEVER-STOCKED"), 1}};  // held in part
  CHECK(DecodeReservation(Encode(r)) == r);

  Location l;
  l.id = LocationId("ST-SHIBUYA");
  l.kind = LocationKind::kStore;
  l.name = "Shibuya";
  l.latitude = 35.6595;
  l.longitude = 139.7005;
  l.capabilities = {true, false, true, true};
  l.daily_capacity = 120;
  l.timezone = "Asia/Tokyo";
  CHECK(DecodeLocation(Encode(l)) == l);
}

TEST_CASE("rows of format 1, written before movements were chained, still decode") {
  // Format 1 is format 2 without its last fields: a movement's previous and indexed (a zero
  // byte each when 0; and format 6's two after them), a position's movement count (one zero
  // byte; and format 5's byte after it).
  auto as_format_1 = [](std::string row, size_t added_bytes) {
    row.resize(row.size() - added_bytes);
    row[0] = 1;
    return row;
  };
  Movement m;
  m.sequence = 42;
  m.time = absl::FromUnixSeconds(1'800'000'000);
  m.kind = MovementKind::kReserve;
  m.sku = Sku("A");
  m.location = LocationId("S1");
  m.reserved_delta = 2;
  m.reference = "r1";
  CHECK(DecodeMovement(as_format_1(Encode(m), 4)) == m);
  Position p;
  p.sku = Sku("A");
  p.location = LocationId("S1");
  p.on_hand = 9;
  p.last_sequence = 42;
  CHECK(DecodePosition(as_format_1(Encode(p), 2)) == p);
  // A row cut short by exactly its format's new field is damage, not an older row.
  CHECK_FALSE(DecodePosition(Encode(p).substr(0, Encode(p).size() - 1)).has_value());
}

TEST_CASE("a till transaction keeps when it was recorded; one of format 2 is never forgotten") {
  PosTransaction t;
  t.terminal_id = "till-1";
  t.transaction_id = "t1";
  t.store = LocationId("S1");
  t.lines = {PosLine{Sku("A"), 2}};
  t.occurred_at = absl::FromUnixSeconds(1'800'000'000);
  t.sequence = 7;
  t.recorded_at = absl::FromUnixSeconds(1'800'000'060);
  CHECK(DecodePosTransaction(Encode(t)) == t);
  // Format 2 is format 3 without recorded_at (a zero time is one byte).
  PosTransaction at_zero = t;
  at_zero.recorded_at = absl::UnixEpoch();
  std::string format_2 = Encode(at_zero);
  format_2.resize(format_2.size() - 1);
  format_2[0] = 2;
  auto older = DecodePosTransaction(format_2);
  REQUIRE(older.has_value());
  CHECK(older->recorded_at == absl::InfiniteFuture());
  older->recorded_at = t.recorded_at;
  CHECK(*older == t);
}

TEST_CASE("a WMS's idempotency key is kept as a till transaction of no terminal") {
  PosTransaction t;  // an adjustment by -3, as Ledger::Adjust keeps its key
  t.transaction_id = "adj-1";
  t.kind = MovementKind::kAdjust;
  t.store = LocationId("W1");
  t.lines = {PosLine{Sku("A"), -3}};
  t.occurred_at = absl::FromUnixSeconds(1'800'000'000);
  t.recorded_at = t.occurred_at;
  t.sequence = 9;
  CHECK(DecodePosTransaction(Encode(t)) == t);
  CHECK(PosTransactionKey(t) == std::string("s\0adj-1", 7));
}

TEST_CASE("a transfer keeps what arrived; a received one of format 6 arrived whole") {
  Transfer t;
  t.id = "tr-1";
  t.from = LocationId("W1");
  t.to = LocationId("S1");
  t.lines = {PosLine{Sku("A"), 4}, PosLine{Sku("B"), 2}};
  t.shipped_at = absl::FromUnixSeconds(1'800'000'000);
  t.sequence = 11;
  CHECK(DecodeTransfer(Encode(t)) == t);  // in transit: nothing received
  t.state = TransferState::kReceived;
  t.received_at = t.shipped_at + absl::Hours(5);
  t.received = {PosLine{Sku("A"), 3}, PosLine{Sku("B"), 0}};
  CHECK(DecodeTransfer(Encode(t)) == t);
  // Format 6 is format 7 without `received` (an empty list is one zero byte).
  Transfer unlisted = t;
  unlisted.received.clear();
  std::string format_6 = Encode(unlisted);
  format_6.resize(format_6.size() - 1);
  format_6[0] = 6;
  const std::optional<Transfer> older = DecodeTransfer(format_6);
  REQUIRE(older.has_value());
  CHECK(older->received == t.lines);
  t.state = TransferState::kInTransit;
  t.received.clear();
  format_6 = Encode(t);
  format_6.resize(format_6.size() - 1);
  format_6[0] = 6;
  CHECK(DecodeTransfer(format_6)->received.empty());
}

TEST_CASE("a truncated or foreign row does not decode") {
  Position p;
  p.sku = Sku("SKU-1");
  p.location = LocationId("ST-1");
  p.on_hand = 5;
  const std::string encoded = Encode(p);
  CHECK_FALSE(DecodePosition(encoded.substr(0, encoded.size() - 1)).has_value());
  CHECK_FALSE(DecodePosition(encoded + "x").has_value());
  CHECK_FALSE(DecodePosition("").has_value());
  std::string wrong_version = encoded;
  wrong_version[0] = 9;
  CHECK_FALSE(DecodePosition(wrong_version).has_value());
  CHECK_FALSE(DecodeReservation(std::string("\x01\x01"
                                            "a\x01\xff\xff\xff\xff\x0f",
                                            10))
                  .has_value());
}

TEST_CASE("the gaps in the journal's sequences round-trip, and a damaged list does not decode") {
  const std::vector<SequenceGap> gaps = {{9, 9 + (Sequence{1} << 32)},
                                         {(Sequence{1} << 32) + 20, Sequence{1} << 40}};
  CHECK(DecodeSequenceGaps(Encode(gaps)) == gaps);
  CHECK(DecodeSequenceGaps(Encode(std::vector<SequenceGap>{})) == std::vector<SequenceGap>{});
  const std::string encoded = Encode(gaps);
  CHECK_FALSE(DecodeSequenceGaps(encoded.substr(0, encoded.size() - 1)).has_value());
  CHECK_FALSE(DecodeSequenceGaps(encoded + "x").has_value());
  // A gap that holds no sequence, or runs backwards, is damage.
  CHECK_FALSE(DecodeSequenceGaps(Encode(std::vector<SequenceGap>{{5, 5}})).has_value());
  CHECK_FALSE(DecodeSequenceGaps(Encode(std::vector<SequenceGap>{{5, 4}})).has_value());
  CHECK_FALSE(DecodeSequenceGaps(Encode(std::vector<SequenceGap>{{10, 20}, {15, 30}})).has_value());
  CHECK(DecodeSequenceGaps(Encode(std::vector<SequenceGap>{{10, 20}, {20, 30}})).has_value());
  // A count far past what the row holds is refused before anything is allocated for it.
  CHECK_FALSE(DecodeSequenceGaps(std::string("\x06\xff\xff\xff\xff\x0f", 6)).has_value());
  CHECK(SequenceGap{3, 7}.Holds(4));
  CHECK(SequenceGap{3, 7}.Holds(6));
  CHECK_FALSE(SequenceGap{3, 7}.Holds(3));
  CHECK_FALSE(SequenceGap{3, 7}.Holds(7));
}

TEST_CASE("a state or kind this build does not know fails its row instead of loading") {
  // Format byte, the id's length and bytes, then the state: byte 4 of "\x05\x02r1<state>...".
  Reservation r;
  r.id = ReservationId("r1");
  r.state = ReservationState::kExpired;
  std::string row = Encode(r);
  REQUIRE(row[4] == static_cast<char>(ReservationState::kExpired));
  CHECK(DecodeReservation(row).has_value());
  row[4] = 6;  // a newer state, or damage: not taken for a settled reservation (and forgotten)
  CHECK_FALSE(DecodeReservation(row).has_value());
  row[4] = 0;
  CHECK_FALSE(DecodeReservation(row).has_value());

  Location l;
  l.id = LocationId("L1");
  l.kind = LocationKind::kPickupPoint;
  l.latitude = 35.6;
  l.longitude = 139.7;
  std::string location = Encode(l);
  REQUIRE(location[4] == static_cast<char>(LocationKind::kPickupPoint));
  CHECK(DecodeLocation(location) == l);
  location[4] = 5;
  CHECK_FALSE(DecodeLocation(location).has_value());

  Movement m;
  m.sequence = 1;
  m.kind = MovementKind::kSafetyStock;
  m.sku = Sku("A");
  m.location = LocationId("S1");
  CHECK(DecodeMovement(Encode(m)) == m);
  m.kind = static_cast<MovementKind>(13);
  CHECK_FALSE(DecodeMovement(Encode(m)).has_value());
}

TEST_CASE("journal keys sort by sequence") {
  CHECK(JournalKey(255) < JournalKey(256));
  CHECK(JournalKey(1) < JournalKey(1'000'000'000'000));
  CHECK(SequenceOfKey(PositionIndexKey(Sku("A"), LocationId("B"), 77)) == 77u);
}

}  // namespace omnistock::storage
