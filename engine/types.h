// Small strong types for the identifiers of the domain, so that a SKU can never be passed
// where a location is expected. Values are plain strings validated at the edge (services/).
//
// An id carries its string's hash, computed once when it is made. The ledger hashes the same ids
// many times (a stripe or shard, then the maps inside it, and every rehash of a growing
// reservation map, which would otherwise fetch each key's characters from memory again); the
// measurements are in bench/README.md ("What changed"). Equal ids have equal hashes, so a
// different hash settles inequality at once.
#ifndef OMNISTOCK_ENGINE_TYPES_H_
#define OMNISTOCK_ENGINE_TYPES_H_

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "absl/hash/hash.h"

namespace omnistock {

template <typename Tag>
class StringId {
 public:
  StringId() : hash_(EmptyHash()) {}
  explicit StringId(std::string value) : value_(std::move(value)), hash_(HashOf(value_)) {}
  StringId(const StringId&) = default;
  StringId& operator=(const StringId&) = default;
  // A moved-from id is the empty id, its hash included (a defaulted move would leave the old
  // hash beside an emptied string).
  StringId(StringId&& other) noexcept
      : value_(std::exchange(other.value_, std::string())),
        hash_(std::exchange(other.hash_, EmptyHash())) {}
  StringId& operator=(StringId&& other) noexcept {
    value_ = std::exchange(other.value_, std::string());
    hash_ = std::exchange(other.hash_, EmptyHash());
    return *this;
  }

  const std::string& value() const { return value_; }
  bool empty() const { return value_.empty(); }

  friend bool operator==(const StringId& a, const StringId& b) {
    return a.hash_ == b.hash_ && a.value_ == b.value_;
  }
  friend std::strong_ordering operator<=>(const StringId& a, const StringId& b) {
    return a.value_ <=> b.value_;
  }

  template <typename H>
  friend H AbslHashValue(H h, const StringId& id) {
    return H::combine(std::move(h), id.hash_);
  }

 private:
  static size_t HashOf(std::string_view value) { return absl::Hash<std::string_view>{}(value); }
  static size_t EmptyHash() {
    static const size_t empty = HashOf("");
    return empty;
  }

  std::string value_;
  size_t hash_;
};

using Sku = StringId<struct SkuTag>;
using LocationId = StringId<struct LocationIdTag>;
using ReservationId = StringId<struct ReservationIdTag>;

// Quantities are signed 64-bit counts of units. The edge bounds every input by the limits in
// limits.h, so the arithmetic of the ledger cannot overflow (see the static_asserts there).
using Quantity = int64_t;

// Global, gap-free journal sequence number; 0 means "none yet".
using Sequence = uint64_t;

// The place of a commit in the committer's queue. A call is acknowledged once the commit with
// its ticket is durable. Tickets are in-memory only and restart from 0.
using CommitTicket = uint64_t;

}  // namespace omnistock

#endif  // OMNISTOCK_ENGINE_TYPES_H_
