// Small strong types for the identifiers of the domain, so that a SKU can never be passed
// where a location is expected. Values are plain strings validated at the edge (services/).
#ifndef OMNISTOCK_ENGINE_TYPES_H_
#define OMNISTOCK_ENGINE_TYPES_H_

#include <compare>
#include <cstdint>
#include <string>
#include <utility>

namespace omnistock {

template <typename Tag>
class StringId {
 public:
  StringId() = default;
  explicit StringId(std::string value) : value_(std::move(value)) {}

  const std::string& value() const { return value_; }
  bool empty() const { return value_.empty(); }

  friend bool operator==(const StringId&, const StringId&) = default;
  friend auto operator<=>(const StringId&, const StringId&) = default;

  template <typename H>
  friend H AbslHashValue(H h, const StringId& id) {
    return H::combine(std::move(h), id.value_);
  }

 private:
  std::string value_;
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
