// Small strong types for the identifiers of the domain, so that a SKU can never be passed
// where a location is expected. Values are plain strings validated at the edge (services/).
//
// Every id carries its string's hash, computed once when it is made. The ledger hashes the same
// ids many times (a stripe or shard, then the maps inside it, and every rehash of a growing
// reservation map, which would otherwise fetch each key's characters from memory again); the
// measurements are in bench/HISTORY.md. Equal ids have equal hashes, so a
// different hash settles inequality at once.
//
// SKUs and locations are interned: made from a string, an id points at the one copy of that
// string the process keeps, so copying one (into a movement, a commit, an answer) copies a
// pointer, and comparing two compares pointers. The catalog of SKUs and locations is small
// beside the stream of orders; the interned strings are never freed (each distinct id the
// process ever interned costs its length plus about 60 bytes). So what only reads does not
// intern: an existence check asks `IfInterned`, and availability, movements, plans, reserves
// and routes resolve through a `TransientIds` (transient_ids.h: an order can only hold SKUs
// that have positions, so interned ones); the edge checks the locations a call names before
// interning anything of it. What interns: only what is stored. Receipts, adjustments, safety
// stock and till transactions name their SKUs through a `TransientIds` too, and the ledger
// interns them once it makes the change (`Stored`), so that one it refuses (a pickup point, a
// till at a warehouse) leaves nothing; counts at known locations and transfers intern what they
// store; a watch's filter keeps what is not interned yet as strings. Reservation ids are one per
// order and are not interned; the copies of one share its string (StringId).
#ifndef OMNISTOCK_ENGINE_TYPES_H_
#define OMNISTOCK_ENGINE_TYPES_H_

#include <compare>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/hash/hash.h"

namespace omnistock {
namespace internal {

// The hash every id made from `value` carries.
inline size_t HashOf(std::string_view value) { return absl::Hash<std::string_view>{}(value); }

}  // namespace internal

// Copies of a StringId share one immutable string through a reference count: an id copied into
// the stored reservation, its commit and its answer allocates nothing and copies no characters
// (each was a heap string of its own, ids being longer than the 15 characters std::string keeps
// inline; bench/HISTORY.md).
template <typename Tag>
class StringId {
 public:
  StringId() : hash_(EmptyHash()) {}
  explicit StringId(std::string value)
      : value_(value.empty() ? nullptr : std::make_shared<const std::string>(std::move(value))),
        hash_(HashOf(this->value())) {}
  StringId(const StringId&) = default;
  StringId& operator=(const StringId&) = default;
  // A moved-from id is the empty id, its hash included (a defaulted move would leave the old
  // hash beside an emptied string).
  StringId(StringId&& other) noexcept
      : value_(std::move(other.value_)), hash_(std::exchange(other.hash_, EmptyHash())) {}
  StringId& operator=(StringId&& other) noexcept {
    value_ = std::move(other.value_);
    hash_ = std::exchange(other.hash_, EmptyHash());
    return *this;
  }

  const std::string& value() const { return value_ ? *value_ : EmptyString(); }
  bool empty() const { return value_ == nullptr; }

  friend bool operator==(const StringId& a, const StringId& b) {
    return a.hash_ == b.hash_ && (a.value_ == b.value_ || a.value() == b.value());
  }
  friend std::strong_ordering operator<=>(const StringId& a, const StringId& b) {
    return a.value() <=> b.value();
  }

  template <typename H>
  friend H AbslHashValue(H h, const StringId& id) {
    return H::combine(std::move(h), id.hash_);
  }

 private:
  static size_t HashOf(std::string_view value) { return internal::HashOf(value); }
  static size_t EmptyHash() {
    static const size_t empty = HashOf("");
    return empty;
  }
  static const std::string& EmptyString() {
    static const std::string* const empty = new std::string;
    return *empty;
  }

  std::shared_ptr<const std::string> value_;  // null: the empty id
  size_t hash_;
};

namespace internal {

// The one copy of an interned string, with its hash. Never freed.
struct InternedString {
  std::string value;
  size_t hash;
};

// The entry for `value`, made on first use. Thread-safe.
const InternedString* Intern(std::string_view value);

// The entry for `value` if it was ever interned, else nullptr; adds nothing. Thread-safe.
const InternedString* FindInterned(std::string_view value);

// How many distinct strings are interned (SKUs and locations together). Thread-safe.
size_t InternedCount();

inline const InternedString* EmptyInterned() {
  static const InternedString* const empty = Intern("");
  return empty;
}

}  // namespace internal

class TransientIds;

template <typename Tag>
class InternedId {
 public:
  InternedId() : InternedId(internal::EmptyInterned()) {}
  explicit InternedId(std::string_view value) : InternedId(internal::Intern(value)) {}
  InternedId(const InternedId&) = default;
  InternedId& operator=(const InternedId&) = default;
  // A moved-from id is the empty id, as a moved-from string would be.
  InternedId(InternedId&& other) noexcept : entry_(other.entry_), hash_(other.hash_) {
    other.Clear();
  }
  InternedId& operator=(InternedId&& other) noexcept {
    if (&other != this) {
      entry_ = other.entry_;
      hash_ = other.hash_;
      other.Clear();
    }
    return *this;
  }

  // The id of `value` if one was ever made, without making one. An id never made names no
  // location and no position, so an existence check needs nothing more.
  static std::optional<InternedId> IfInterned(std::string_view value) {
    const internal::InternedString* entry = internal::FindInterned(value);
    if (entry == nullptr) return std::nullopt;
    return InternedId(entry);
  }

  const std::string& value() const { return entry_->value; }
  bool empty() const { return entry_->value.empty(); }

  // For the ledger, given an id that may be transient (transient_ids.h): the interned id of its
  // string if some call has interned it by now, else this one. Taken under the lock its rows
  // are made under, it finds them: a SKU is interned before a position of it is made.
  InternedId Current() const {
    const internal::InternedString* entry = internal::FindInterned(value());
    return entry != nullptr ? InternedId(entry) : *this;
  }
  // The interned id of its string, interning it: what the ledger keeps, once a change is made.
  InternedId Stored() const { return InternedId(value()); }

  friend bool operator==(const InternedId& a, const InternedId& b) { return a.entry_ == b.entry_; }
  friend std::strong_ordering operator<=>(const InternedId& a, const InternedId& b) {
    if (a.entry_ == b.entry_) return std::strong_ordering::equal;
    return a.value() <=> b.value();
  }

  template <typename H>
  friend H AbslHashValue(H h, const InternedId& id) {
    return H::combine(std::move(h), id.hash_);
  }

 private:
  friend class TransientIds;
  explicit InternedId(const internal::InternedString* entry) : entry_(entry), hash_(entry->hash) {}
  void Clear() {
    entry_ = internal::EmptyInterned();
    hash_ = entry_->hash;
  }

  const internal::InternedString* entry_;
  size_t hash_;  // entry_->hash, kept here so that hashing an id reads no other memory
};

using Sku = InternedId<struct SkuTag>;
using LocationId = InternedId<struct LocationIdTag>;
using ReservationId = StringId<struct ReservationIdTag>;

// Quantities are signed 64-bit counts of units. The edge bounds every input by the limits in
// limits.h, so the arithmetic of the ledger cannot overflow (see the static_asserts there).
using Quantity = int64_t;

// Global journal sequence number; 0 means "none yet". Gap-free, but for the gaps a start with
// storage::WalRecovery::kPointInTime leaves (SequenceGap).
using Sequence = uint64_t;

// Sequences never given to a movement: those strictly between `after` and `before`. A start
// that recovers a damaged write-ahead log up to the damage leaves one, so that the sequences of
// the movements it dropped, which a feed client may have seen, never name other movements.
struct SequenceGap {
  Sequence after = 0;
  Sequence before = 0;
  bool Holds(Sequence sequence) const { return sequence > after && sequence < before; }
  friend bool operator==(const SequenceGap&, const SequenceGap&) = default;
};

// The place of a commit in the committer's queue. A call is acknowledged once the commit with
// its ticket is durable. Tickets are in-memory only and restart from 0.
using CommitTicket = uint64_t;

}  // namespace omnistock

#endif  // OMNISTOCK_ENGINE_TYPES_H_
