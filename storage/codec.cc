#include "storage/codec.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"

namespace omnistock::storage {

// Row formats (kRowFormat):
// 2: movements carry `previous` and `indexed`, positions `movements`. Version 1 rows, written
// before, still decode (those fields 0).
// 3: till transactions carry `recorded_at`; older ones decode with the infinite future (kept).
// 4: reservations carry `ordered` (routed orders held in part); older ones decode without.
// 5: positions carry `last_count_reported_at`; older ones decode with their last_counted_at.
// 6: movements carry `non_sellable_delta` and `non_sellable_after`; older ones decode with 0
// (a non-sellable return before it says so in its actor only).
// 7: transfers carry `received` (what arrived); older received ones decode as received whole.

absl::Status Undecodable(absl::string_view what, std::string_view row) {
  if (!row.empty() && row[0] > kRowFormat) {
    return absl::DataLossError(absl::StrCat(
        what, " is in storage format ", static_cast<int>(row[0]),
        ", and this omnistockd reads formats 1 to ", static_cast<int>(kRowFormat),
        ": a newer omnistockd wrote it (start that version or a later one), unless the row is "
        "damaged. Nothing was changed"));
  }
  return absl::DataLossError(absl::StrCat(what, " does not decode"));
}

namespace {

class Writer {
 public:
  Writer() { out_.push_back(kRowFormat); }
  void Varint(uint64_t v) {
    while (v >= 0x80) {
      out_.push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out_.push_back(static_cast<char>(v));
  }
  void Signed(int64_t v) {
    Varint((static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63));
  }
  void String(std::string_view s) {
    Varint(s.size());
    out_.append(s);
  }
  void Double(double d) {
    char bytes[sizeof d];
    std::memcpy(bytes, &d, sizeof d);
    out_.append(bytes, sizeof d);
  }
  // The infinite past (e.g. "never counted") is kept as the smallest int64.
  void Time(absl::Time t) { Signed(t == absl::InfinitePast() ? INT64_MIN : absl::ToUnixMicros(t)); }
  std::string Take() { return std::move(out_); }

 private:
  std::string out_;
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {
    ok_ = !in_.empty() && in_[0] >= 1 && in_[0] <= kRowFormat;
    if (ok_) {
      version_ = in_[0];
      in_.remove_prefix(1);
    }
  }
  uint64_t Varint() {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (in_.empty()) break;
      const auto byte = static_cast<unsigned char>(in_[0]);
      in_.remove_prefix(1);
      if (shift == 63 && byte > 1) break;  // more than 64 bits: damage, not a value
      v |= static_cast<uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return v;
    }
    ok_ = false;
    return 0;
  }
  // An enum stored as its number, which must be one of first..last: a number this build does not
  // know (damage, or a newer omnistockd's state) fails the row rather than load as something
  // else (a state the ledger would take for settled, and forget).
  template <typename Enum>
  Enum EnumIn(Enum first, Enum last) {
    const uint64_t v = Varint();
    if (v < static_cast<uint64_t>(first) || v > static_cast<uint64_t>(last)) {
      ok_ = false;
      return first;
    }
    return static_cast<Enum>(v);
  }
  int64_t Signed() {
    const uint64_t v = Varint();
    return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
  }
  std::string String() {
    const uint64_t size = Varint();
    if (!ok_ || size > in_.size()) {
      ok_ = false;
      return {};
    }
    std::string s(in_.substr(0, size));
    in_.remove_prefix(size);
    return s;
  }
  double Double() {
    double d = 0;
    if (in_.size() < sizeof d) {
      ok_ = false;
      return 0;
    }
    std::memcpy(&d, in_.data(), sizeof d);
    in_.remove_prefix(sizeof d);
    return d;
  }
  absl::Time Time() {
    const int64_t micros = Signed();
    return micros == INT64_MIN ? absl::InfinitePast() : absl::FromUnixMicros(micros);
  }
  // True when every field decoded and nothing is left over.
  bool Done() const { return ok_ && in_.empty(); }
  // The format the row was written in: fields added since are absent from older rows.
  int version() const { return version_; }
  bool ok() const { return ok_; }

 private:
  std::string_view in_;
  bool ok_ = true;
  int version_ = 0;
};

void AppendBigEndian(std::string& out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out.push_back(static_cast<char>(v >> shift));
}

uint64_t ReadBigEndian(std::string_view in) {
  uint64_t v = 0;
  for (size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

std::string PositionPart(char prefix, const Sku& sku, const LocationId& location) {
  std::string key(1, prefix);
  key.append(sku.value());
  key.push_back('\0');
  key.append(location.value());
  return key;
}

}  // namespace

std::string JournalKey(Sequence sequence) {
  std::string key(1, kJournalPrefix);
  AppendBigEndian(key, sequence);
  return key;
}

std::string PositionIndexPrefix(const Sku& sku, const LocationId& location) {
  std::string key = PositionPart(kPositionIndexPrefix, sku, location);
  key.push_back('\0');
  return key;
}

std::string PositionIndexKey(const Sku& sku, const LocationId& location, Sequence sequence) {
  std::string key = PositionIndexPrefix(sku, location);
  AppendBigEndian(key, sequence);
  return key;
}

std::string PositionKey(const Sku& sku, const LocationId& location) {
  return PositionPart(kPositionPrefix, sku, location);
}

std::string ReservationKey(const ReservationId& id) {
  return std::string(1, kReservationPrefix) + id.value();
}

std::string LocationKey(const LocationId& id) {
  return std::string(1, kLocationPrefix) + id.value();
}

std::string PosTransactionKey(const PosTransaction& transaction) {
  return PosTransactionKey(transaction.Key());
}

std::string PosTransactionKey(std::string_view transaction_key) {
  return std::string(1, kPosTransactionPrefix) + std::string(transaction_key);
}

std::string TransferKey(const Transfer& transfer) { return TransferKey(transfer.id); }

std::string TransferKey(std::string_view transfer_id) {
  return std::string(1, kTransferPrefix) + std::string(transfer_id);
}

std::string EncodeSequence(Sequence sequence) {
  std::string out;
  AppendBigEndian(out, sequence);
  return out;
}

std::optional<Sequence> DecodeSequence(std::string_view in) {
  if (in.size() != 8) return std::nullopt;
  return ReadBigEndian(in);
}

std::optional<Sequence> SequenceOfKey(std::string_view key) {
  if (key.size() < 9) return std::nullopt;
  return ReadBigEndian(key.substr(key.size() - 8));
}

std::string Encode(const Movement& m) {
  Writer w;
  w.Varint(m.sequence);
  w.Time(m.time);
  w.Varint(static_cast<uint64_t>(m.kind));
  w.String(m.sku.value());
  w.String(m.location.value());
  w.Signed(m.on_hand_delta);
  w.Signed(m.reserved_delta);
  w.Signed(m.safety_stock_delta);
  w.Signed(m.in_transit_delta);
  w.String(m.reference);
  w.String(m.actor);
  w.Signed(m.on_hand_after);
  w.Signed(m.reserved_after);
  w.Signed(m.safety_stock_after);
  w.Signed(m.in_transit_after);
  w.Varint(m.at_risk.size());
  for (const ReservationId& id : m.at_risk) w.String(id.value());
  w.Varint(m.previous);
  w.Varint(m.indexed ? 1 : 0);
  w.Signed(m.non_sellable_delta);
  w.Signed(m.non_sellable_after);
  return w.Take();
}

std::optional<Movement> DecodeMovement(std::string_view in) {
  Reader r(in);
  Movement m;
  m.sequence = r.Varint();
  m.time = r.Time();
  m.kind = r.EnumIn(MovementKind::kReceive, MovementKind::kSafetyStock);
  m.sku = Sku(r.String());
  m.location = LocationId(r.String());
  m.on_hand_delta = r.Signed();
  m.reserved_delta = r.Signed();
  m.safety_stock_delta = r.Signed();
  m.in_transit_delta = r.Signed();
  m.reference = r.String();
  m.actor = r.String();
  m.on_hand_after = r.Signed();
  m.reserved_after = r.Signed();
  m.safety_stock_after = r.Signed();
  m.in_transit_after = r.Signed();
  const uint64_t at_risk = r.Varint();
  for (uint64_t i = 0; i < at_risk && r.ok(); ++i) m.at_risk.emplace_back(r.String());
  if (r.version() >= 2) {
    m.previous = r.Varint();
    m.indexed = r.Varint() != 0;
  }
  if (r.version() >= 6) {
    m.non_sellable_delta = r.Signed();
    m.non_sellable_after = r.Signed();
  }
  if (!r.Done()) return std::nullopt;
  return m;
}

std::string Encode(const Position& p) {
  Writer w;
  w.String(p.sku.value());
  w.String(p.location.value());
  w.Signed(p.on_hand);
  w.Signed(p.reserved);
  w.Signed(p.safety_stock);
  w.Signed(p.in_transit);
  w.Signed(p.non_sellable);
  w.Varint(p.last_sequence);
  w.Time(p.last_counted_at);
  w.Time(p.history_complete_after);
  w.Varint(p.history.size());
  for (const OnHandChange& change : p.history) {
    w.Time(change.at);
    w.Signed(change.delta);
  }
  w.Varint(p.movements);
  // As microseconds after last_counted_at: one zero byte unless the count was dated ahead.
  const bool ahead =
      p.last_counted_at != absl::InfinitePast() && p.last_count_reported_at > p.last_counted_at;
  w.Varint(ahead ? absl::ToInt64Microseconds(p.last_count_reported_at - p.last_counted_at) : 0);
  return w.Take();
}

std::optional<Position> DecodePosition(std::string_view in) {
  Reader r(in);
  Position p;
  p.sku = Sku(r.String());
  p.location = LocationId(r.String());
  p.on_hand = r.Signed();
  p.reserved = r.Signed();
  p.safety_stock = r.Signed();
  p.in_transit = r.Signed();
  p.non_sellable = r.Signed();
  p.last_sequence = r.Varint();
  p.last_counted_at = r.Time();
  p.history_complete_after = r.Time();
  const uint64_t count = r.Varint();
  std::vector<OnHandChange> changes;
  for (uint64_t i = 0; i < count && r.ok(); ++i) {
    OnHandChange change;
    change.at = r.Time();
    change.delta = r.Signed();
    changes.push_back(change);
  }
  p.history = OnHandHistory(std::move(changes));
  if (r.version() >= 2) p.movements = r.Varint();
  p.last_count_reported_at = p.last_counted_at;
  if (r.version() >= 5) p.last_count_reported_at += absl::Microseconds(r.Varint());
  if (!r.Done()) return std::nullopt;
  return p;
}

std::string Encode(const Reservation& v) {
  Writer w;
  w.String(v.id.value());
  w.Varint(static_cast<uint64_t>(v.state));
  w.Varint(v.lines.size());
  for (const Line& line : v.lines) {
    w.String(line.sku.value());
    w.String(line.location.value());
    w.Signed(line.quantity);
  }
  w.String(v.channel);
  w.String(v.order_ref);
  w.Time(v.created_at);
  w.Time(v.updated_at);
  w.Time(v.expires_at);
  w.Varint(v.sequence);
  w.Varint(v.capacity.size());
  for (const CapacityUse& use : v.capacity) {
    w.String(use.location.value());
    w.String(use.day);
  }
  w.Varint(v.ordered.size());
  for (const SkuUnits& units : v.ordered) {
    w.String(units.sku.value());
    w.Signed(units.quantity);
  }
  return w.Take();
}

std::optional<Reservation> DecodeReservation(std::string_view in) {
  Reader r(in);
  Reservation v;
  v.id = ReservationId(r.String());
  v.state = r.EnumIn(ReservationState::kHeld, ReservationState::kExpired);
  const uint64_t lines = r.Varint();
  for (uint64_t i = 0; i < lines && r.ok(); ++i) {
    Line line;
    line.sku = Sku(r.String());
    line.location = LocationId(r.String());
    line.quantity = r.Signed();
    v.lines.push_back(std::move(line));
  }
  v.channel = r.String();
  v.order_ref = r.String();
  v.created_at = r.Time();
  v.updated_at = r.Time();
  v.expires_at = r.Time();
  v.sequence = r.Varint();
  const uint64_t uses = r.Varint();
  for (uint64_t i = 0; i < uses && r.ok(); ++i) {
    CapacityUse use;
    use.location = LocationId(r.String());
    use.day = r.String();
    v.capacity.push_back(std::move(use));
  }
  const uint64_t ordered = r.version() >= 4 ? r.Varint() : 0;
  for (uint64_t i = 0; i < ordered && r.ok(); ++i) {
    SkuUnits units;
    units.sku = Sku(r.String());
    units.quantity = r.Signed();
    v.ordered.push_back(std::move(units));
  }
  if (!r.Done() || v.lines.size() != lines || v.capacity.size() != uses ||
      v.ordered.size() != ordered) {
    return std::nullopt;
  }
  return v;
}

std::string Encode(const Location& l) {
  Writer w;
  w.String(l.id.value());
  w.Varint(static_cast<uint64_t>(l.kind));
  w.String(l.name);
  w.Double(l.latitude);
  w.Double(l.longitude);
  w.Varint((l.capabilities.pickup ? 1 : 0) | (l.capabilities.curbside ? 2 : 0) |
           (l.capabilities.ship_from_store ? 4 : 0) | (l.capabilities.walk_in_sales ? 8 : 0));
  w.Signed(l.daily_capacity);
  w.Varint(l.disabled ? 1 : 0);
  w.String(l.timezone);
  return w.Take();
}

std::optional<Location> DecodeLocation(std::string_view in) {
  Reader r(in);
  Location l;
  l.id = LocationId(r.String());
  l.kind = r.EnumIn(LocationKind::kStore, LocationKind::kPickupPoint);
  l.name = r.String();
  l.latitude = r.Double();
  l.longitude = r.Double();
  const uint64_t caps = r.Varint();
  l.capabilities.pickup = caps & 1;
  l.capabilities.curbside = caps & 2;
  l.capabilities.ship_from_store = caps & 4;
  l.capabilities.walk_in_sales = caps & 8;
  l.daily_capacity = r.Signed();
  l.disabled = r.Varint() != 0;
  l.timezone = r.String();
  if (!r.Done()) return std::nullopt;
  return l;
}

namespace {

void PutPosLines(Writer& w, const std::vector<PosLine>& lines) {
  w.Varint(lines.size());
  for (const PosLine& line : lines) {
    w.String(line.sku.value());
    w.Signed(line.quantity);
  }
}

std::vector<PosLine> GetPosLines(Reader& r) {
  std::vector<PosLine> lines;
  const uint64_t count = r.Varint();
  for (uint64_t i = 0; i < count && r.ok(); ++i) {
    PosLine line;
    line.sku = Sku(r.String());
    line.quantity = r.Signed();
    lines.push_back(std::move(line));
  }
  return lines;
}

}  // namespace

std::string Encode(const PosTransaction& t) {
  Writer w;
  w.String(t.terminal_id);
  w.String(t.transaction_id);
  w.Varint(static_cast<uint64_t>(t.kind));
  w.String(t.store.value());
  PutPosLines(w, t.lines);
  w.Time(t.occurred_at);
  w.Varint(t.non_sellable ? 1 : 0);
  w.String(t.reason);
  w.Varint(t.sequence);
  w.Varint(t.at_risk.size());
  for (const AtRisk& risk : t.at_risk) {
    w.String(risk.reservation.value());
    w.String(risk.sku.value());
    w.String(risk.location.value());
  }
  w.Time(t.recorded_at);
  return w.Take();
}

std::optional<PosTransaction> DecodePosTransaction(std::string_view in) {
  Reader r(in);
  PosTransaction t;
  t.terminal_id = r.String();
  t.transaction_id = r.String();
  t.kind = r.EnumIn(MovementKind::kReceive, MovementKind::kSafetyStock);
  t.store = LocationId(r.String());
  t.lines = GetPosLines(r);
  t.occurred_at = r.Time();
  t.non_sellable = r.Varint() != 0;
  t.reason = r.String();
  t.sequence = r.Varint();
  const uint64_t at_risk = r.Varint();
  for (uint64_t i = 0; i < at_risk && r.ok(); ++i) {
    AtRisk risk;
    risk.reservation = ReservationId(r.String());
    risk.sku = Sku(r.String());
    risk.location = LocationId(r.String());
    t.at_risk.push_back(std::move(risk));
  }
  if (r.version() >= 3) t.recorded_at = r.Time();
  if (!r.Done()) return std::nullopt;
  return t;
}

std::string Encode(const Transfer& t) {
  Writer w;
  w.String(t.id);
  w.String(t.from.value());
  w.String(t.to.value());
  PutPosLines(w, t.lines);
  w.Varint(static_cast<uint64_t>(t.state));
  w.Time(t.shipped_at);
  w.Time(t.received_at);
  w.Varint(t.sequence);
  PutPosLines(w, t.received);
  return w.Take();
}

std::optional<Transfer> DecodeTransfer(std::string_view in) {
  Reader r(in);
  Transfer t;
  t.id = r.String();
  t.from = LocationId(r.String());
  t.to = LocationId(r.String());
  t.lines = GetPosLines(r);
  t.state = r.EnumIn(TransferState::kInTransit, TransferState::kReceived);
  t.shipped_at = r.Time();
  t.received_at = r.Time();
  t.sequence = r.Varint();
  if (r.version() >= 7) {
    t.received = GetPosLines(r);
  } else if (t.state == TransferState::kReceived) {
    t.received = t.lines;
  }
  if (!r.Done()) return std::nullopt;
  return t;
}

std::string Encode(const std::vector<SequenceGap>& gaps) {
  Writer w;
  w.Varint(gaps.size());
  for (const SequenceGap& gap : gaps) {
    w.Varint(gap.after);
    w.Varint(gap.before);
  }
  return w.Take();
}

std::optional<std::vector<SequenceGap>> DecodeSequenceGaps(std::string_view in) {
  Reader r(in);
  const uint64_t count = r.Varint();
  // Two varints of at least one byte each per gap: a count past that is damage.
  if (!r.ok() || count > in.size() / 2) return std::nullopt;
  std::vector<SequenceGap> gaps(count);
  Sequence previous = 0;
  for (SequenceGap& gap : gaps) {
    gap.after = r.Varint();
    gap.before = r.Varint();
    // Each holds a sequence, and comes after the one before it.
    if (gap.before <= gap.after || gap.after < previous) return std::nullopt;
    previous = gap.before;
  }
  if (!r.Done()) return std::nullopt;
  return gaps;
}

}  // namespace omnistock::storage
