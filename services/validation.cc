#include "services/validation.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <optional>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "engine/ids.h"
#include "engine/limits.h"
#include "engine/routing/local_day.h"
#include "google/protobuf/util/field_mask_util.h"
#include "services/convert.h"

namespace omnistock::services {
namespace {

absl::Status CheckId(absl::string_view field, const std::string& value, int length_max) {
  if (std::string problem = IdProblem(field, value, length_max); !problem.empty()) {
    return absl::InvalidArgumentError(problem);
  }
  return absl::OkStatus();
}

// A receipt's or an adjustment's optional idempotency key: an id, as a till's transaction id.
absl::Status CheckIdempotencyKey(const std::string& key) {
  if (key.empty()) return absl::OkStatus();
  return CheckId("idempotency_key", key, kReservationIdLengthMax);
}

// A time a till or a WMS (`clock`) dated its event with: a google.protobuf.Timestamp as the
// well-known type defines it (0001-01-01T00:00:00Z to 9999-12-31T23:59:59.999999999Z, nanos in
// [0, 999999999]; one outside would be journaled as a time no reader could take back), at most
// kPosClockSkewMax after `now`. (How far back: a count is checked beside its other fields; a till
// transaction by the ledger, after its replay check, so that a retry is still answered.)
absl::StatusOr<absl::Time> ClientTime(absl::string_view field,
                                      const google::protobuf::Timestamp& time, absl::Time now,
                                      absl::string_view clock) {
  constexpr int64_t kSecondsMin = -62'135'596'800;
  constexpr int64_t kSecondsMax = 253'402'300'799;
  if (time.seconds() < kSecondsMin || time.seconds() > kSecondsMax || time.nanos() < 0 ||
      time.nanos() > 999'999'999) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, " is not a valid timestamp: seconds must be in [", kSecondsMin, ", ", kSecondsMax,
        "] and nanos in [0, 999999999], got seconds ", time.seconds(), ", nanos ", time.nanos()));
  }
  // To the microsecond, as the store keeps it (services/clock.h says why).
  const absl::Time at =
      absl::FromUnixSeconds(time.seconds()) + absl::Microseconds(time.nanos() / 1000);
  if (at > now + kPosClockSkewMax) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " is more than ", absl::FormatDuration(kPosClockSkewMax),
                     " in the future; check the ", clock, "'s clock"));
  }
  return at;
}

// The byte of `text` at `i` as a number, 0 past its end: UTF-8 sequences are matched a few
// bytes ahead without a bounds check each.
unsigned char ByteAt(absl::string_view text, size_t i) {
  return i < text.size() ? static_cast<unsigned char>(text[i]) : 0;
}

// Free text: one line of at most kTextLengthMax bytes. A control character (a newline, a tab, a
// terminal escape, also the C1 controls U+0080..U+009F and the line and paragraph separators
// U+2028, U+2029 in UTF-8) would break every line- or column-based reader of the journal and
// the feed.
absl::Status CheckText(absl::string_view field, const std::string& value) {
  if (static_cast<int>(value.size()) > kTextLengthMax) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " is ", value.size(), " bytes, over the limit of ", kTextLengthMax));
  }
  auto byte = [&value](size_t i) { return ByteAt(value, i); };
  for (size_t i = 0; i < value.size(); ++i) {
    const bool c0 = byte(i) < 0x20 || byte(i) == 0x7f;
    const bool c1 = byte(i) == 0xc2 && byte(i + 1) >= 0x80 && byte(i + 1) <= 0x9f;
    const bool separator =
        byte(i) == 0xe2 && byte(i + 1) == 0x80 && (byte(i + 2) == 0xa8 || byte(i + 2) == 0xa9);
    if (c0 || c1 || separator) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, " holds a control character (byte 0x", absl::Hex(byte(i), absl::kZeroPad2),
          " at offset ", i, "): free text is one line of printable characters"));
    }
    // Bidirectional embeddings, overrides and isolates (U+202A to U+202E, U+2066 to U+2069)
    // would make what a screen or a log shows differ from what is stored ("Trojan Source").
    const bool embedding =
        byte(i) == 0xe2 && byte(i + 1) == 0x80 && byte(i + 2) >= 0xaa && byte(i + 2) <= 0xae;
    const bool isolate =
        byte(i) == 0xe2 && byte(i + 1) == 0x81 && byte(i + 2) >= 0xa6 && byte(i + 2) <= 0xa9;
    if (embedding || isolate) {
      return absl::InvalidArgumentError(absl::StrCat(
          field, " holds a bidirectional control character (U+",
          absl::StrFormat("%04X", ((byte(i) & 0x0f) << 12) | ((byte(i + 1) & 0x3f) << 6) |
                                      (byte(i + 2) & 0x3f)),
          " at offset ", i, "): free text may not reorder how it is shown"));
    }
  }
  return absl::OkStatus();
}

// Whether `text` (valid UTF-8) holds nothing but spaces: ASCII ones, and the Unicode spaces a
// keyboard or a paste gives (no-break U+00A0, U+1680, U+2000 to U+200B, U+202F, U+205F,
// ideographic U+3000, U+FEFF).
bool IsBlank(absl::string_view text) {
  auto byte = [text](size_t i) { return ByteAt(text, i); };
  for (size_t i = 0; i < text.size();) {
    if (absl::ascii_isspace(byte(i))) {
      i += 1;
    } else if (byte(i) == 0xc2 && byte(i + 1) == 0xa0) {
      i += 2;
    } else if ((byte(i) == 0xe1 && byte(i + 1) == 0x9a && byte(i + 2) == 0x80) ||
               (byte(i) == 0xe2 && byte(i + 1) == 0x80 &&
                (byte(i + 2) <= 0x8b || byte(i + 2) == 0xaf)) ||
               (byte(i) == 0xe2 && byte(i + 1) == 0x81 && byte(i + 2) == 0x9f) ||
               (byte(i) == 0xe3 && byte(i + 1) == 0x80 && byte(i + 2) == 0x80) ||
               (byte(i) == 0xef && byte(i + 1) == 0xbb && byte(i + 2) == 0xbf)) {
      i += 3;
    } else {
      return false;
    }
  }
  return true;
}

absl::Status CheckQuantity(absl::string_view field, int64_t quantity) {
  if (quantity <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(field, " must be at least 1, got ", quantity));
  }
  if (quantity > kQuantityPerLineMax) {
    return absl::InvalidArgumentError(
        absl::StrCat(field, " is ", quantity, ", over the limit of ", kQuantityPerLineMax));
  }
  return absl::OkStatus();
}

// The till or transfer lines of a request's `field` ("lines"), the emptiness of which is the
// caller's to check: at most kLinesPerOrderMax, each a SKU id and a quantity (CheckQuantity, or
// 0 .. kQuantityPerLineMax with `zero_ok`), no SKU twice.
absl::Status CheckPosLines(absl::string_view field,
                           const google::protobuf::RepeatedPtrField<v1::PosLine>& lines,
                           bool zero_ok) {
  if (lines.size() > kLinesPerOrderMax) {
    return absl::InvalidArgumentError(absl::StrCat(
        field, " has ", lines.size(), " entries, over the limit of ", kLinesPerOrderMax));
  }
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < lines.size(); ++i) {
    const std::string prefix = absl::StrCat(field, "[", i, "].");
    const v1::PosLine& line = lines[i];
    if (absl::Status s = CheckId(prefix + "sku", line.sku(), kSkuLengthMax); !s.ok()) return s;
    if (!zero_ok) {
      if (absl::Status s = CheckQuantity(prefix + "quantity", line.quantity()); !s.ok()) return s;
    } else if (line.quantity() < 0 || line.quantity() > kQuantityPerLineMax) {
      return absl::InvalidArgumentError(absl::StrCat(prefix, "quantity is ", line.quantity(),
                                                     ", outside 0 .. ", kQuantityPerLineMax));
    }
    if (!seen.insert(line.sku()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(prefix, "sku '", line.sku(), "' repeats an earlier line; merge them"));
    }
  }
  return absl::OkStatus();
}

// A double as the shortest text that reads back as the same value: a refused 90.0000001 shows
// as that, not as the 90 of six significant digits.
std::string ExactText(double value) {
  std::array<char, 32> text;
  const auto [end, error] = std::to_chars(text.data(), text.data() + text.size(), value);
  return std::string(text.data(), error == std::errc() ? end : text.data());
}

// WGS84 degrees; `prefix` names the message, e.g. "location.".
absl::Status CheckCoordinates(absl::string_view prefix, double latitude, double longitude) {
  if (!std::isfinite(latitude) || latitude < -90 || latitude > 90) {
    return absl::InvalidArgumentError(
        absl::StrCat(prefix, "latitude must be a number in [-90, 90], got ", ExactText(latitude)));
  }
  if (!std::isfinite(longitude) || longitude < -180 || longitude > 180) {
    return absl::InvalidArgumentError(absl::StrCat(
        prefix, "longitude must be a number in [-180, 180], got ", ExactText(longitude)));
  }
  // Proto3 cannot tell an unset double from 0: (0, 0), in the sea off West Africa, is a point
  // the client left unset, and routing would measure every distance from it.
  if (latitude == 0 && longitude == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        prefix, "latitude and ", prefix, "longitude are both 0, taken as unset: set the point"));
  }
  return absl::OkStatus();
}

// The id of `id` if the ledger knows that location (enabled or not), else nullopt, and its
// state in `state` if given. Looked up without interning (an id never made names no location)
// and without copying the location.
std::optional<LocationId> FindKnownLocation(std::string_view id, const Ledger& ledger,
                                            Ledger::LocationState* state = nullptr) {
  std::optional<LocationId> location = LocationId::IfInterned(id);
  const Ledger::LocationState found =
      location ? ledger.StateOf(*location) : Ledger::LocationState::kUnknown;
  if (state != nullptr) *state = found;
  if (found == Ledger::LocationState::kUnknown) return std::nullopt;
  return location;
}

// The id of a location the ledger knows, or NOT_FOUND naming `field`.
absl::StatusOr<LocationId> KnownLocation(absl::string_view field, const std::string& id,
                                         const Ledger& ledger) {
  if (absl::Status s = CheckId(field, id, kLocationIdLengthMax); !s.ok()) return s;
  std::optional<LocationId> location = FindKnownLocation(id, ledger);
  if (!location) {
    return absl::NotFoundError(absl::StrCat(field, " '", id, "' is not a known location"));
  }
  return *std::move(location);
}

// The parts every till transaction shares: who rang it up, where, what, and when.
struct PosParts {
  LocationId store;
  std::string terminal_id;
  std::string transaction_id;
  std::vector<PosLine> lines;
  absl::Time occurred_at = absl::InfinitePast();
};

absl::StatusOr<PosParts> ValidatePosParts(
    const std::string& location_id, const google::protobuf::RepeatedPtrField<v1::PosLine>& lines,
    const std::string& transaction_id, const std::string& terminal_id, bool has_time,
    const google::protobuf::Timestamp& time, absl::string_view time_field, const Ledger& ledger,
    absl::Time now, TransientIds& ids) {
  if (absl::Status s = CheckId("terminal_id", terminal_id, kLocationIdLengthMax); !s.ok()) return s;
  if (absl::Status s = CheckId("pos_transaction_id", transaction_id, kReservationIdLengthMax);
      !s.ok()) {
    return s;
  }
  if (lines.empty()) return absl::InvalidArgumentError("lines must not be empty");
  if (absl::Status s = CheckPosLines("lines", lines, /*zero_ok=*/false); !s.ok()) return s;
  PosParts parts;
  if (has_time) {
    absl::StatusOr<absl::Time> occurred_at = ClientTime(time_field, time, now, "terminal");
    if (!occurred_at.ok()) return occurred_at.status();
    parts.occurred_at = *occurred_at;
  }
  absl::StatusOr<LocationId> store = KnownLocation("location_id", location_id, ledger);
  if (!store.ok()) return store.status();
  // The ledger interns them if it records the transaction (it may still refuse it).
  for (const auto& line : lines) {
    parts.lines.push_back(PosLine{ids.Resolve<Sku>(line.sku()), line.quantity()});
  }
  parts.store = *std::move(store);
  parts.terminal_id = terminal_id;
  parts.transaction_id = transaction_id;
  return parts;
}

absl::StatusOr<absl::Duration> ValidateTtl(const google::protobuf::Duration& proto) {
  // google.protobuf.Duration: seconds within about 10,000 years either way, and nanos below a
  // second with the sign of seconds.
  constexpr int64_t kDurationSecondsMax = 315'576'000'000;
  if (proto.seconds() < -kDurationSecondsMax || proto.seconds() > kDurationSecondsMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("ttl is not a valid duration: seconds must be within -", kDurationSecondsMax,
                     " to ", kDurationSecondsMax, ", got ", proto.seconds()));
  }
  if (proto.nanos() <= -1'000'000'000 || proto.nanos() >= 1'000'000'000 ||
      (proto.seconds() > 0 && proto.nanos() < 0) || (proto.seconds() < 0 && proto.nanos() > 0)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ttl is not a valid duration: nanos must be in (-1000000000, 1000000000) with the sign "
        "of seconds, got seconds ",
        proto.seconds(), ", nanos ", proto.nanos()));
  }
  // Bounded as sent; then to the microsecond, so that expires_at is (services/clock.h).
  const absl::Duration sent = absl::Seconds(proto.seconds()) + absl::Nanoseconds(proto.nanos());
  if (sent < kReservationTtlMin || sent > kReservationTtlMax) {
    return absl::InvalidArgumentError(absl::StrCat(
        "ttl must be between ", absl::FormatDuration(kReservationTtlMin), " and ",
        absl::FormatDuration(kReservationTtlMax), ", got ", absl::FormatDuration(sent)));
  }
  return absl::Trunc(sent, absl::Microseconds(1));
}

// 1 .. kLinesPerOrderMax lines: the bound of every order, reserved or planned.
absl::Status CheckLineCount(int lines) {
  if (lines == 0) return absl::InvalidArgumentError("lines must not be empty");
  if (lines > kLinesPerOrderMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("lines has ", lines, " entries, over the limit of ", kLinesPerOrderMax));
  }
  return absl::OkStatus();
}

// What a Reserve and a RouteAndReserve share beside their lines: channel, order_ref and the
// hold's ttl, checked, and with the reservation id (the caller checks it first) copied into
// `command` (a ReserveCommand or a RouteCommand).
template <typename Request, typename Command>
absl::Status ValidateOrderFields(const Request& request, Command& command) {
  if (absl::Status s = CheckText("channel", request.channel()); !s.ok()) return s;
  if (absl::Status s = CheckText("order_ref", request.order_ref()); !s.ok()) return s;
  command.id = ReservationId(request.reservation_id());
  command.channel = request.channel();
  command.order_ref = request.order_ref();
  if (request.has_ttl()) {
    absl::StatusOr<absl::Duration> ttl = ValidateTtl(request.ttl());
    if (!ttl.ok()) return ttl.status();
    command.ttl = *ttl;
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::pair<ReservationId, absl::Duration>> ValidateExtendReservation(
    const v1::ExtendReservationRequest& request) {
  v1::ReservationRef ref;
  ref.set_reservation_id(request.reservation_id());
  absl::StatusOr<ReservationId> id = ValidateReservationRef(ref);
  if (!id.ok()) return id.status();
  if (!request.has_ttl()) return absl::InvalidArgumentError("ttl must be set");
  absl::StatusOr<absl::Duration> ttl = ValidateTtl(request.ttl());
  if (!ttl.ok()) return ttl.status();
  return std::make_pair(*id, *ttl);
}

absl::StatusOr<WatchFilter> ValidateWatch(const v1::WatchRequest& request, const Ledger& ledger) {
  for (const auto& [field, size] : {std::pair<const char*, int>{"skus", request.skus_size()},
                                    {"location_ids", request.location_ids_size()}}) {
    if (size > kWatchFilterMax) {
      return absl::InvalidArgumentError(
          absl::StrCat(field, " has ", size, " entries, over the limit of ", kWatchFilterMax));
    }
  }
  WatchFilter filter;
  for (int i = 0; i < request.skus_size(); ++i) {
    if (absl::Status s = CheckId(absl::StrCat("skus[", i, "]"), request.skus(i), kSkuLengthMax);
        !s.ok()) {
      return s;
    }
    filter.skus.Add(request.skus(i));
  }
  // A location is never deleted (only disabled), so one the ledger does not know is a typo,
  // which would otherwise watch nothing, silently, for as long as the stream lasts.
  for (int i = 0; i < request.location_ids_size(); ++i) {
    absl::StatusOr<LocationId> location =
        KnownLocation(absl::StrCat("location_ids[", i, "]"), request.location_ids(i), ledger);
    if (!location.ok()) return location.status();
    filter.locations.Add(request.location_ids(i));
  }
  return filter;
}

absl::StatusOr<std::vector<CountRow>> ValidateCountBatch(const v1::CountBatch& batch,
                                                         int64_t batch_index, absl::Time now,
                                                         const Ledger& ledger, TransientIds& ids) {
  if (batch.rows_size() > kCountRowsPerBatchMax) {
    return absl::InvalidArgumentError(absl::StrCat("batches[", batch_index, "].rows has ",
                                                   batch.rows_size(), " rows, over the limit of ",
                                                   kCountRowsPerBatchMax));
  }
  std::vector<absl::Time> counted_ats;
  counted_ats.reserve(batch.rows_size());
  for (int i = 0; i < batch.rows_size(); ++i) {
    const v1::CountRow& row = batch.rows(i);
    const std::string prefix = absl::StrCat("batches[", batch_index, "].rows[", i, "].");
    if (absl::Status s = CheckId(prefix + "location_id", row.location_id(), kLocationIdLengthMax);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = CheckId(prefix + "sku", row.sku(), kSkuLengthMax); !s.ok()) return s;
    if (row.counted_quantity() < 0 || row.counted_quantity() > kOnHandMax) {
      return absl::InvalidArgumentError(absl::StrCat(prefix, "counted_quantity must be in [0, ",
                                                     kOnHandMax, "], got ",
                                                     row.counted_quantity()));
    }
    if (!row.has_counted_at()) {
      return absl::InvalidArgumentError(prefix + "counted_at must be set");
    }
    absl::StatusOr<absl::Time> counted_at =
        ClientTime(prefix + "counted_at", row.counted_at(), now, "WMS");
    if (!counted_at.ok()) return counted_at.status();
    if (std::optional<std::string> too_old =
            ClientTimeTooOld(prefix + "counted_at", *counted_at, now, "WMS")) {
      return absl::InvalidArgumentError(*too_old);
    }
    counted_ats.push_back(*counted_at);
  }
  // Every row valid: only now intern what the rows at known locations may store. A pickup
  // point's row makes no position (Ledger::ApplyCounts): its SKU is interned only if stored.
  std::vector<CountRow> rows;
  rows.reserve(batch.rows_size());
  for (int i = 0; i < batch.rows_size(); ++i) {
    const v1::CountRow& row = batch.rows(i);
    Ledger::LocationState state;
    const std::optional<LocationId> location = FindKnownLocation(row.location_id(), ledger, &state);
    if (location) {
      const bool makes_positions = state != Ledger::LocationState::kHoldsNoStock;
      rows.push_back(CountRow{*location,
                              makes_positions ? Sku(row.sku()) : ids.Resolve<Sku>(row.sku()),
                              row.counted_quantity(), counted_ats[i], makes_positions});
    } else {
      rows.push_back(CountRow{ids.Unmatched<LocationId>(row.location_id()),
                              ids.Resolve<Sku>(row.sku()), row.counted_quantity(), counted_ats[i]});
    }
  }
  return rows;
}

absl::StatusOr<Transfer> ValidateTransfer(const v1::TransferRequest& request, const Ledger& ledger,
                                          TransientIds& ids) {
  if (absl::Status s = CheckId("transfer_id", request.transfer_id(), kReservationIdLengthMax);
      !s.ok()) {
    return s;
  }
  if (request.lines().empty()) return absl::InvalidArgumentError("lines must not be empty");
  if (absl::Status s = CheckPosLines("lines", request.lines(), /*zero_ok=*/false); !s.ok()) {
    return s;
  }
  Transfer transfer;
  transfer.id = request.transfer_id();
  absl::StatusOr<LocationId> from =
      KnownLocation("from_location_id", request.from_location_id(), ledger);
  if (!from.ok()) return from.status();
  absl::StatusOr<LocationId> to = KnownLocation("to_location_id", request.to_location_id(), ledger);
  if (!to.ok()) return to.status();
  if (*from == *to) {
    return absl::InvalidArgumentError(absl::StrCat(
        "to_location_id must differ from from_location_id, both '", request.to_location_id(), "'"));
  }
  // A SKU no position holds has nothing to ship, so the ledger refuses the transfer: only a
  // shipped one keeps its SKUs, and those were interned by the positions they leave.
  for (const v1::PosLine& line : request.lines()) {
    transfer.lines.push_back(PosLine{ids.Resolve<Sku>(line.sku()), line.quantity()});
  }
  transfer.from = *std::move(from);
  transfer.to = *std::move(to);
  return transfer;
}

absl::StatusOr<TransferReceipt> ValidateTransferRef(const v1::TransferRef& request,
                                                    TransientIds& ids) {
  if (absl::Status s = CheckId("transfer_id", request.transfer_id(), kReservationIdLengthMax);
      !s.ok()) {
    return s;
  }
  // 0 of a line: none of it arrived.
  if (absl::Status s = CheckPosLines("received_lines", request.received_lines(), /*zero_ok=*/true);
      !s.ok()) {
    return s;
  }
  TransferReceipt receipt{request.transfer_id()};
  for (const v1::PosLine& line : request.received_lines()) {
    receipt.received.push_back(PosLine{ids.Resolve<Sku>(line.sku()), line.quantity()});
  }
  return receipt;
}

absl::StatusOr<SaleCommand> ValidateRecordSale(const v1::RecordSaleRequest& request,
                                               const Ledger& ledger, absl::Time now,
                                               TransientIds& ids) {
  absl::StatusOr<PosParts> parts = ValidatePosParts(
      request.location_id(), request.lines(), request.pos_transaction_id(), request.terminal_id(),
      request.has_sold_at(), request.sold_at(), "sold_at", ledger, now, ids);
  if (!parts.ok()) return parts.status();
  return SaleCommand{parts->store, parts->terminal_id, parts->transaction_id,
                     std::move(parts->lines), parts->occurred_at};
}

absl::StatusOr<ReturnCommand> ValidateRecordReturn(const v1::RecordReturnRequest& request,
                                                   const Ledger& ledger, absl::Time now,
                                                   TransientIds& ids) {
  if (absl::Status s = CheckText("reason", request.reason()); !s.ok()) return s;
  if (absl::Status s = CheckText("original_order_ref", request.original_order_ref()); !s.ok()) {
    return s;
  }
  absl::StatusOr<PosParts> parts = ValidatePosParts(
      request.location_id(), request.lines(), request.pos_transaction_id(), request.terminal_id(),
      request.has_returned_at(), request.returned_at(), "returned_at", ledger, now, ids);
  if (!parts.ok()) return parts.status();
  // A new one must say why; a retry need not repeat it (the proto).
  if (request.non_sellable() && IsBlank(request.reason()) &&
      !ledger.HasPosTransaction(parts->store, parts->terminal_id, parts->transaction_id)) {
    return absl::InvalidArgumentError("reason must say why a non_sellable return is kept apart");
  }
  return ReturnCommand{parts->store,          parts->terminal_id,
                       parts->transaction_id, std::move(parts->lines),
                       parts->occurred_at,    request.non_sellable(),
                       request.reason(),      request.original_order_ref()};
}

namespace {

// The capabilities are what a STORE offers; a PICKUP_POINT hands orders over (pickup) and
// does nothing else; a WAREHOUSE or EC_DC ships parcels, which needs no flag. A flag the kind
// cannot have would be stored and ignored (routing plans by kind, fulfilment_rules.cc), so it
// is refused by name.
absl::Status CheckCapabilities(const v1::Location& l) {
  if (l.kind() == v1::STORE) return absl::OkStatus();
  const v1::Capabilities& c = l.capabilities();
  const bool pickup_point = l.kind() == v1::PICKUP_POINT;
  const std::pair<const char*, bool> flags[] = {{"pickup", c.pickup() && !pickup_point},
                                                {"curbside", c.curbside()},
                                                {"ship_from_store", c.ship_from_store()},
                                                {"walk_in_sales", c.walk_in_sales()}};
  for (const auto& [name, refused] : flags) {
    if (!refused) continue;
    return absl::InvalidArgumentError(
        absl::StrCat("location.capabilities.", name, " is set on ",
                     LocationKindWithArticle(static_cast<LocationKind>(l.kind())),
                     pickup_point ? ": a PICKUP_POINT may only set pickup"
                                  : ": a WAREHOUSE or EC_DC ships parcels and sets no capability",
                     " (the capabilities are a STORE's)"));
  }
  return absl::OkStatus();
}

// A location's local day counts its daily capacity (engine/routing/local_day.h). Loading a
// zone reads its file once; LoadZone keeps those it loaded.
absl::Status CheckTimezone(const std::string& timezone) {
  if (absl::Status s = CheckText("location.timezone", timezone); !s.ok()) return s;
  if (timezone.empty() || routing::LoadZone(timezone)) return absl::OkStatus();
  return absl::InvalidArgumentError(
      absl::StrCat("location.timezone '", timezone,
                   "' is not an IANA time zone this server knows (a name such as Asia/Tokyo, "
                   "at most ",
                   routing::kTimeZoneNameLengthMax, " characters)"));
}

}  // namespace

absl::StatusOr<LocationId> ValidateUpdateMask(const v1::UpsertLocationRequest& request,
                                              const Ledger& ledger) {
  static constexpr std::array<absl::string_view, 12> kPaths = {"kind",
                                                               "name",
                                                               "latitude",
                                                               "longitude",
                                                               "capabilities",
                                                               "capabilities.pickup",
                                                               "capabilities.curbside",
                                                               "capabilities.ship_from_store",
                                                               "capabilities.walk_in_sales",
                                                               "daily_capacity",
                                                               "disabled",
                                                               "timezone"};
  const google::protobuf::FieldMask& mask = request.update_mask();
  if (mask.paths().empty()) {
    return absl::InvalidArgumentError(
        "update_mask names no field: name those to change, or leave it out to replace the "
        "whole location");
  }
  if (mask.paths_size() > static_cast<int>(kPaths.size())) {
    return absl::InvalidArgumentError(absl::StrCat("update_mask.paths has ", mask.paths_size(),
                                                   " entries, over the limit of ", kPaths.size()));
  }
  if (absl::Status s =
          CheckId("location.location_id", request.location().location_id(), kLocationIdLengthMax);
      !s.ok()) {
    return s;
  }
  for (int i = 0; i < mask.paths_size(); ++i) {
    if (std::find(kPaths.begin(), kPaths.end(), mask.paths(i)) != kPaths.end()) continue;
    return absl::InvalidArgumentError(
        absl::StrCat("update_mask.paths[", i, "] '", absl::CHexEscape(mask.paths(i).substr(0, 64)),
                     "' is not a field of a location that may be changed: one of ",
                     absl::StrJoin(kPaths, ", ")));
  }
  // Before the locations' lock, under which the merged location is validated: a new zone's
  // file is read here, not while every order waits.
  if (std::find(mask.paths().begin(), mask.paths().end(), "timezone") != mask.paths().end()) {
    if (absl::Status s = CheckTimezone(request.location().timezone()); !s.ok()) return s;
  }
  // An unknown id is not interned: a refused call keeps nothing.
  std::optional<LocationId> known = FindKnownLocation(request.location().location_id(), ledger);
  if (!known) {
    return absl::NotFoundError(absl::StrCat("location.location_id '",
                                            request.location().location_id(),
                                            "' is not known: create it without update_mask"));
  }
  return *std::move(known);
}

absl::StatusOr<Location> MergeMasked(const v1::UpsertLocationRequest& request,
                                     const Location& stored) {
  v1::UpsertLocationRequest merged;
  ToProto(stored, merged.mutable_location());
  google::protobuf::util::FieldMaskUtil::MergeOptions options;
  options.set_replace_message_fields(true);  // "capabilities" sets every flag, false ones too
  google::protobuf::util::FieldMaskUtil::MergeMessageTo(request.location(), request.update_mask(),
                                                        options, merged.mutable_location());
  return ValidateUpsertLocation(merged);
}

absl::StatusOr<Location> ValidateUpsertLocation(const v1::UpsertLocationRequest& request) {
  if (!request.has_location()) return absl::InvalidArgumentError("location must be set");
  const v1::Location& l = request.location();
  if (absl::Status s = CheckId("location.location_id", l.location_id(), kLocationIdLengthMax);
      !s.ok()) {
    return s;
  }
  if (l.kind() == v1::LOCATION_KIND_UNSPECIFIED || !v1::LocationKind_IsValid(l.kind())) {
    return absl::InvalidArgumentError(
        "location.kind must be one of STORE, WAREHOUSE, EC_DC, PICKUP_POINT");
  }
  if (absl::Status s = CheckText("location.name", l.name()); !s.ok()) return s;
  if (absl::Status s = CheckTimezone(l.timezone()); !s.ok()) return s;
  if (absl::Status s = CheckCoordinates("location.", l.latitude(), l.longitude()); !s.ok()) {
    return s;
  }
  if (l.daily_capacity() < 0 || l.daily_capacity() > kDailyCapacityMax) {
    return absl::InvalidArgumentError(absl::StrCat("location.daily_capacity must be in [0, ",
                                                   kDailyCapacityMax, "], got ",
                                                   l.daily_capacity()));
  }
  if (l.kind() == v1::PICKUP_POINT && l.daily_capacity() != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "location.daily_capacity is ", l.daily_capacity(),
        " on a PICKUP_POINT, which fulfils no orders (it holds no stock; orders are delivered "
        "to it): set it to 0 (omnistock set-location ... --capacity 0)"));
  }
  if (absl::Status s = CheckCapabilities(l); !s.ok()) return s;
  return FromProto(l);
}

absl::StatusOr<ReceiveCommand> ValidateReceive(const v1::ReceiveRequest& request,
                                               const Ledger& ledger, TransientIds& ids) {
  if (absl::Status s = CheckId("sku", request.sku(), kSkuLengthMax); !s.ok()) return s;
  if (absl::Status s = CheckQuantity("quantity", request.quantity()); !s.ok()) return s;
  if (absl::Status s = CheckText("reference", request.reference()); !s.ok()) return s;
  if (absl::Status s = CheckIdempotencyKey(request.idempotency_key()); !s.ok()) return s;
  absl::StatusOr<LocationId> location = KnownLocation("location_id", request.location_id(), ledger);
  if (!location.ok()) return location.status();
  return ReceiveCommand{*std::move(location), ids.Resolve<Sku>(request.sku()), request.quantity(),
                        request.reference(), request.idempotency_key()};
}

absl::StatusOr<AdjustCommand> ValidateAdjust(const v1::AdjustRequest& request, const Ledger& ledger,
                                             TransientIds& ids) {
  if (absl::Status s = CheckId("sku", request.sku(), kSkuLengthMax); !s.ok()) return s;
  if (request.delta() == 0) return absl::InvalidArgumentError("delta must not be 0");
  // Before the absolute value is taken: INT64_MIN has none.
  if (request.delta() < -kQuantityPerLineMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("delta is ", request.delta(), ", under the limit of -", kQuantityPerLineMax));
  }
  if (absl::Status s = CheckQuantity("delta (absolute value)",
                                     request.delta() < 0 ? -request.delta() : request.delta());
      !s.ok()) {
    return s;
  }
  if (request.reason() == v1::ADJUST_REASON_UNSPECIFIED ||
      !v1::AdjustReason_IsValid(request.reason())) {
    return absl::InvalidArgumentError("reason must be one of DAMAGE, SHRINK, FOUND, CORRECTION");
  }
  if (absl::Status s = CheckText("reference", request.reference()); !s.ok()) return s;
  if (absl::Status s = CheckIdempotencyKey(request.idempotency_key()); !s.ok()) return s;
  absl::StatusOr<LocationId> location = KnownLocation("location_id", request.location_id(), ledger);
  if (!location.ok()) return location.status();
  const Sku sku = ids.Resolve<Sku>(request.sku());
  AdjustCommand command;
  command.location = *std::move(location);
  command.sku = sku;
  command.delta = request.delta();
  command.reason = v1::AdjustReason_Name(request.reason());
  command.reference = request.reference();
  command.idempotency_key = request.idempotency_key();
  command.non_sellable = request.non_sellable();
  return command;
}

absl::StatusOr<SafetyStockCommand> ValidateSetSafetyStock(const v1::SetSafetyStockRequest& request,
                                                          const Ledger& ledger, TransientIds& ids) {
  if (absl::Status s = CheckId("sku", request.sku(), kSkuLengthMax); !s.ok()) return s;
  if (request.safety_stock() < 0 || request.safety_stock() > kQuantityPerLineMax) {
    return absl::InvalidArgumentError(absl::StrCat(
        "safety_stock must be in [0, ", kQuantityPerLineMax, "], got ", request.safety_stock()));
  }
  absl::StatusOr<LocationId> location = KnownLocation("location_id", request.location_id(), ledger);
  if (!location.ok()) return location.status();
  return SafetyStockCommand{*std::move(location), ids.Resolve<Sku>(request.sku()),
                            request.safety_stock()};
}

absl::StatusOr<AvailabilityQuery> ValidateGetAvailability(const v1::GetAvailabilityRequest& request,
                                                          const Ledger& ledger, TransientIds& ids) {
  if (request.skus().empty()) return absl::InvalidArgumentError("skus must name at least one SKU");
  if (request.skus_size() > kAvailabilitySkusMax) {
    return absl::InvalidArgumentError(absl::StrCat(
        "skus has ", request.skus_size(), " entries, over the limit of ", kAvailabilitySkusMax));
  }
  if (request.location_ids_size() > kAvailabilityLocationsMax) {
    return absl::InvalidArgumentError(absl::StrCat("location_ids has ", request.location_ids_size(),
                                                   " entries, over the limit of ",
                                                   kAvailabilityLocationsMax));
  }
  AvailabilityQuery query;
  for (int i = 0; i < request.skus_size(); ++i) {
    if (absl::Status s = CheckId(absl::StrCat("skus[", i, "]"), request.skus(i), kSkuLengthMax);
        !s.ok()) {
      return s;
    }
    query.skus.push_back(ids.Resolve<Sku>(request.skus(i)));
  }
  for (int i = 0; i < request.location_ids_size(); ++i) {
    absl::StatusOr<LocationId> location =
        KnownLocation(absl::StrCat("location_ids[", i, "]"), request.location_ids(i), ledger);
    if (!location.ok()) return location.status();
    query.locations.push_back(*std::move(location));
  }
  return query;
}

absl::StatusOr<PositionsQuery> ValidateListPositions(const v1::ListPositionsRequest& request,
                                                     const Ledger& ledger) {
  PositionsQuery query;
  absl::StatusOr<LocationId> location = KnownLocation("location_id", request.location_id(), ledger);
  if (!location.ok()) return location.status();
  query.location = *std::move(location);
  if (!request.after_sku().empty()) {
    if (absl::Status s = CheckId("after_sku", request.after_sku(), kSkuLengthMax); !s.ok()) {
      return s;
    }
  }
  query.after_sku = request.after_sku();
  if (request.limit() < 0 || request.limit() > kPositionsPageMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("limit must be in [0, ", kPositionsPageMax, "], got ", request.limit()));
  }
  query.limit = request.limit() == 0 ? kPositionsPageDefault : request.limit();
  return query;
}

absl::StatusOr<storage::JournalQuery> ValidateListMovements(const v1::ListMovementsRequest& request,
                                                            const Ledger& ledger,
                                                            TransientIds& ids) {
  storage::JournalQuery query;
  if (!request.sku().empty()) {
    if (absl::Status s = CheckId("sku", request.sku(), kSkuLengthMax); !s.ok()) return s;
    query.sku = ids.Resolve<Sku>(request.sku());
  }
  if (!request.location_id().empty()) {
    // An unknown one is NOT_FOUND, as in GetAvailability and Watch: a typo must not read as a
    // location with no movements.
    absl::StatusOr<LocationId> location =
        KnownLocation("location_id", request.location_id(), ledger);
    if (!location.ok()) return location.status();
    query.location = *std::move(location);
  }
  if (request.limit() < 0 || request.limit() > kMovementsPageMax) {
    return absl::InvalidArgumentError(
        absl::StrCat("limit must be in [0, ", kMovementsPageMax, "], got ", request.limit()));
  }
  query.limit = request.limit() == 0 ? kMovementsPageDefault : request.limit();
  query.after_sequence = request.after_sequence();
  return query;
}

absl::StatusOr<ReserveCommand> ValidateReserve(const v1::ReserveRequest& request,
                                               const Ledger& ledger, TransientIds& ids) {
  if (absl::Status s = CheckId("reservation_id", request.reservation_id(), kReservationIdLengthMax);
      !s.ok()) {
    return s;
  }
  if (absl::Status s = CheckLineCount(request.lines_size()); !s.ok()) return s;
  ReserveCommand command;
  if (absl::Status s = ValidateOrderFields(request, command); !s.ok()) return s;

  absl::flat_hash_set<std::pair<std::string, std::string>> seen;
  for (int i = 0; i < request.lines_size(); ++i) {
    const v1::Line& line = request.lines(i);
    const std::string prefix = absl::StrCat("lines[", i, "].");
    if (absl::Status s = CheckId(prefix + "sku", line.sku(), kSkuLengthMax); !s.ok()) return s;
    if (absl::Status s = CheckId(prefix + "location_id", line.location_id(), kLocationIdLengthMax);
        !s.ok()) {
      return s;
    }
    if (absl::Status s = CheckQuantity(prefix + "quantity", line.quantity()); !s.ok()) return s;
    if (!seen.emplace(line.sku(), line.location_id()).second) {
      return absl::InvalidArgumentError(
          absl::StrCat(prefix, "sku '", line.sku(), "' at location_id '", line.location_id(),
                       "' repeats an earlier line; merge the quantities into one line"));
    }
  }
  for (int i = 0; i < request.lines_size(); ++i) {
    absl::StatusOr<LocationId> location = KnownLocation(absl::StrCat("lines[", i, "].location_id"),
                                                        request.lines(i).location_id(), ledger);
    if (!location.ok()) return location.status();
    command.lines.push_back(Line{ids.Resolve<Sku>(request.lines(i).sku()), *std::move(location),
                                 request.lines(i).quantity()});
  }
  return command;
}

absl::StatusOr<ReservationId> ValidateReservationRef(const v1::ReservationRef& request) {
  if (absl::Status s = CheckId("reservation_id", request.reservation_id(), kReservationIdLengthMax);
      !s.ok()) {
    return s;
  }
  return ReservationId(request.reservation_id());
}

absl::StatusOr<routing::PlanRequest> ValidatePlan(const v1::PlanRequest& request,
                                                  const Ledger& ledger, TransientIds& ids,
                                                  absl::string_view in) {
  if (absl::Status s = CheckLineCount(request.lines_size()); !s.ok()) {
    return absl::Status(s.code(), absl::StrCat(in, s.message()));
  }
  routing::PlanRequest plan;
  absl::flat_hash_set<std::string> seen;
  for (int i = 0; i < request.lines_size(); ++i) {
    const v1::OrderLine& line = request.lines(i);
    const std::string prefix = absl::StrCat(in, "lines[", i, "].");
    if (absl::Status s = CheckId(prefix + "sku", line.sku(), kSkuLengthMax); !s.ok()) return s;
    if (absl::Status s = CheckQuantity(prefix + "quantity", line.quantity()); !s.ok()) return s;
    if (!seen.insert(line.sku()).second) {
      return absl::InvalidArgumentError(absl::StrCat(
          prefix, "sku '", line.sku(), "' repeats an earlier line; merge the quantities"));
    }
  }
  if (request.has_destination()) {
    const v1::GeoPoint& d = request.destination();
    if (absl::Status s =
            CheckCoordinates(absl::StrCat(in, "destination."), d.latitude(), d.longitude());
        !s.ok()) {
      return s;
    }
    plan.destination = routing::GeoPoint{d.latitude(), d.longitude()};
  }
  if (!request.preferred_pickup_location_id().empty()) {
    absl::StatusOr<LocationId> pickup =
        KnownLocation(absl::StrCat(in, "preferred_pickup_location_id"),
                      request.preferred_pickup_location_id(), ledger);
    if (!pickup.ok()) return pickup.status();
    // Routing plans pickup at stores only: a warehouse, the DC or a pickup point named here
    // would be planned around, answered with another store, as if the store were the choice.
    if (const std::optional<Location> place = ledger.FindLocation(*pickup);
        place && place->kind != LocationKind::kStore) {
      return absl::FailedPreconditionError(absl::StrCat(
          in, "preferred_pickup_location_id '", pickup->value(), "' is ",
          LocationKindWithArticle(place->kind), ", not a STORE: orders are picked up at stores"));
    }
    plan.preferred_pickup = *std::move(pickup);
  }
  if (!plan.destination && !plan.preferred_pickup) {
    return absl::InvalidArgumentError(absl::StrCat(in, "destination or ", in,
                                                   "preferred_pickup_location_id is required: "
                                                   "where does the order go?"));
  }
  switch (request.preference()) {
    case v1::FULFILLMENT_PREFERENCE_UNSPECIFIED:
    case v1::DELIVERY:
      plan.preference = routing::Preference::kDelivery;
      break;
    case v1::BOPIS:
      plan.preference = routing::Preference::kBopis;
      break;
    case v1::CURBSIDE:
      plan.preference = routing::Preference::kCurbside;
      break;
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          in, "preference must be DELIVERY, BOPIS or CURBSIDE, got ", request.preference()));
  }
  if (plan.preference == routing::Preference::kDelivery && !plan.destination) {
    return absl::InvalidArgumentError(
        absl::StrCat(in, "destination is required for a DELIVERY preference"));
  }
  if (request.max_shipments() < 0 || request.max_shipments() > routing::kShipmentsPerPlanMax) {
    return absl::InvalidArgumentError(absl::StrCat(
        in, "max_shipments must be in [0, ", routing::kShipmentsPerPlanMax, "] (0: the default, ",
        routing::kShipmentsPerPlanDefault, "), got ", request.max_shipments()));
  }
  plan.max_shipments =
      request.max_shipments() == 0 ? routing::kShipmentsPerPlanDefault : request.max_shipments();
  plan.allow_method_fallback = request.allow_method_fallback();
  plan.allow_partial = request.allow_partial();
  plan.explain = !request.brief();
  for (const v1::OrderLine& line : request.lines()) {
    plan.lines.push_back(routing::OrderLine{ids.Resolve<Sku>(line.sku()), line.quantity()});
  }
  return plan;
}

absl::StatusOr<RouteCommand> ValidateRouteAndReserve(const v1::RouteAndReserveRequest& request,
                                                     const Ledger& ledger, TransientIds& ids) {
  if (absl::Status s = CheckId("reservation_id", request.reservation_id(), kReservationIdLengthMax);
      !s.ok()) {
    return s;
  }
  RouteCommand command;
  if (absl::Status s = ValidateOrderFields(request, command); !s.ok()) return s;
  if (!request.has_plan()) {
    return absl::InvalidArgumentError("plan must be set: the lines and where they go");
  }
  absl::StatusOr<routing::PlanRequest> plan = ValidatePlan(request.plan(), ledger, ids, "plan.");
  if (!plan.ok()) return plan.status();
  command.plan = *std::move(plan);
  return command;
}

}  // namespace omnistock::services
