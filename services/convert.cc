#include "services/convert.h"

namespace omnistock::services {

void ToProto(absl::Time time, google::protobuf::Timestamp* out) {
  const int64_t micros = absl::ToUnixMicros(time);
  int64_t seconds = micros / 1'000'000;
  int64_t rest = micros % 1'000'000;
  if (rest < 0) {
    rest += 1'000'000;
    seconds -= 1;
  }
  out->set_seconds(seconds);
  out->set_nanos(static_cast<int32_t>(rest * 1000));
}

void ToProto(const Position& position, v1::PositionView* out) {
  out->set_sku(position.sku.value());
  out->set_location_id(position.location.value());
  out->set_on_hand(position.on_hand);
  out->set_reserved(position.reserved);
  out->set_safety_stock(position.safety_stock);
  out->set_available(position.available_shown());
  out->set_last_sequence(position.last_sequence);
  out->set_in_transit(position.in_transit);
  out->set_non_sellable(position.non_sellable);
  out->set_shortfall(position.shortfall());
  out->set_oversold(position.shortfall() > 0);
}

void ToProto(const AtRisk& at_risk, v1::AtRiskReservation* out) {
  out->set_reservation_id(at_risk.reservation.value());
  out->set_sku(at_risk.sku.value());
  out->set_location_id(at_risk.location.value());
}

void ToProto(const PosResult& result, v1::PosResult* out) {
  out->set_duplicate(result.duplicate);
  for (const Position& position : result.positions) ToProto(position, out->add_positions());
  for (const AtRisk& at_risk : result.transaction.at_risk) ToProto(at_risk, out->add_at_risk());
  out->set_sequence(result.transaction.sequence);
}

void ToProto(const Reservation& reservation, v1::Reservation* out) {
  out->set_reservation_id(reservation.id.value());
  out->set_state(static_cast<v1::ReservationState>(reservation.state));
  for (const Line& line : reservation.lines) {
    v1::Line* l = out->add_lines();
    l->set_sku(line.sku.value());
    l->set_location_id(line.location.value());
    l->set_quantity(line.quantity);
  }
  out->set_channel(reservation.channel);
  out->set_order_ref(reservation.order_ref);
  if (reservation.state == ReservationState::kHeld ||
      reservation.state == ReservationState::kExpired) {
    ToProto(reservation.expires_at, out->mutable_expires_at());
  }
  ToProto(reservation.created_at, out->mutable_created_at());
  ToProto(reservation.updated_at, out->mutable_updated_at());
  out->set_sequence(reservation.sequence);
}

void ToProto(const Location& location, v1::Location* out) {
  out->set_location_id(location.id.value());
  out->set_kind(static_cast<v1::LocationKind>(location.kind));
  out->set_name(location.name);
  out->set_latitude(location.latitude);
  out->set_longitude(location.longitude);
  v1::Capabilities* caps = out->mutable_capabilities();
  caps->set_pickup(location.capabilities.pickup);
  caps->set_curbside(location.capabilities.curbside);
  caps->set_ship_from_store(location.capabilities.ship_from_store);
  caps->set_walk_in_sales(location.capabilities.walk_in_sales);
  out->set_daily_capacity(location.daily_capacity);
  out->set_disabled(location.disabled);
  out->set_timezone(location.timezone);
}

void ToProto(const Movement& movement, v1::Movement* out) {
  out->set_sequence(movement.sequence);
  ToProto(movement.time, out->mutable_time());
  out->set_kind(static_cast<v1::MovementKind>(movement.kind));
  out->set_sku(movement.sku.value());
  out->set_location_id(movement.location.value());
  out->set_on_hand_delta(movement.on_hand_delta);
  out->set_reserved_delta(movement.reserved_delta);
  out->set_safety_stock_delta(movement.safety_stock_delta);
  out->set_reference(movement.reference);
  out->set_actor(movement.actor);
  out->set_in_transit_delta(movement.in_transit_delta);
  out->set_on_hand_after(movement.on_hand_after);
  out->set_reserved_after(movement.reserved_after);
  out->set_safety_stock_after(movement.safety_stock_after);
  out->set_in_transit_after(movement.in_transit_after);
  out->set_non_sellable_delta(movement.non_sellable_delta);
  out->set_non_sellable_after(movement.non_sellable_after);
  for (const ReservationId& id : movement.at_risk) out->add_at_risk_reservation_ids(id.value());
}

void ToProto(const Transfer& transfer, v1::TransferView* out) {
  out->set_transfer_id(transfer.id);
  out->set_from_location_id(transfer.from.value());
  out->set_to_location_id(transfer.to.value());
  for (const PosLine& line : transfer.lines) {
    v1::PosLine* l = out->add_lines();
    l->set_sku(line.sku.value());
    l->set_quantity(line.quantity);
  }
  out->set_state(static_cast<v1::TransferState>(transfer.state));
  ToProto(transfer.shipped_at, out->mutable_shipped_at());
  if (transfer.state == TransferState::kReceived) {
    ToProto(transfer.received_at, out->mutable_received_at());
  }
  for (const PosLine& line : transfer.received) {
    v1::PosLine* l = out->add_received_lines();
    l->set_sku(line.sku.value());
    l->set_quantity(line.quantity);
  }
  out->set_sequence(transfer.sequence);
}

void AtRiskListing::Add(absl::Span<const AtRisk> at_risk,
                        google::protobuf::RepeatedPtrField<v1::AtRiskReservation>* out, bool cut) {
  truncated_ = truncated_ || cut;
  for (const AtRisk& one : at_risk) {
    if (listed_.contains(one)) continue;
    if (out->size() >= kAtRiskListedMax) {
      truncated_ = true;
      return;
    }
    listed_.insert(one);
    ToProto(one, out->Add());
  }
}

Location FromProto(const v1::Location& in) {
  Location location;
  location.id = LocationId(in.location_id());
  location.kind = static_cast<LocationKind>(in.kind());
  location.name = in.name();
  location.latitude = in.latitude();
  location.longitude = in.longitude();
  location.capabilities.pickup = in.capabilities().pickup();
  location.capabilities.curbside = in.capabilities().curbside();
  location.capabilities.ship_from_store = in.capabilities().ship_from_store();
  location.capabilities.walk_in_sales = in.capabilities().walk_in_sales();
  location.daily_capacity = in.daily_capacity();
  location.disabled = in.disabled();
  location.timezone = in.timezone();
  return location;
}

}  // namespace omnistock::services
