// Ids for the strings one read names, without interning those nobody stored.
//
// A read may name SKUs and locations that exist nowhere: a site cache asking for a large
// catalog's never-stocked products, a client with a typo. Interned strings are never freed
// (types.h), so a read that interned what it was asked about would grow the process for good.
// Resolve gives the interned id of a string some id was made from, and otherwise an id backed by
// this object's own copy: equal to no stored id (so it finds nothing, as it should), carrying the
// same hash and value, and equal to the other ids this object resolved from the same string.
//
// Such an id is valid while this object lives, so it must stay inside the call that made it:
// never store one in the ledger, a commit or anything that outlives the answer. Handing one to
// Ledger::Reserve or RouteAndReserve is safe: it finds no position, so the order is refused and
// the ledger keeps nothing of it. Moving this object keeps its ids valid (node storage). Not
// thread-safe.
#ifndef OMNISTOCK_ENGINE_TRANSIENT_IDS_H_
#define OMNISTOCK_ENGINE_TRANSIENT_IDS_H_

#include <string>
#include <string_view>

#include "absl/container/node_hash_map.h"
#include "absl/strings/string_view.h"
#include "engine/types.h"

namespace omnistock {

class TransientIds {
 public:
  template <typename Id>
  Id Resolve(std::string_view value) {
    // Its own entry first: a string another call interns meanwhile keeps the id it got here.
    if (const internal::InternedString* own = FindOwn(value)) return Id(own);
    if (const internal::InternedString* entry = internal::FindInterned(value)) return Id(entry);
    return Id(MakeOwn(value));
  }

  // An id of `value` equal to no stored id even when `value` is interned (and equal to the other
  // ids this object made of it: a later Resolve of `value` here returns it too, so use one
  // object per purpose): for what must find nothing, whatever other calls add meanwhile.
  template <typename Id>
  Id Unmatched(std::string_view value) {
    const internal::InternedString* own = FindOwn(value);
    return Id(own != nullptr ? own : MakeOwn(value));
  }

 private:
  const internal::InternedString* FindOwn(std::string_view value) const {
    auto it = own_.find(absl::string_view(value.data(), value.size()));
    return it == own_.end() ? nullptr : &it->second;
  }
  const internal::InternedString* MakeOwn(std::string_view value) {
    auto [it, inserted] = own_.try_emplace(std::string(value));
    it->second = internal::InternedString{std::string(value), internal::HashOf(value)};
    return &it->second;
  }

  absl::node_hash_map<std::string, internal::InternedString> own_;
};

}  // namespace omnistock

#endif  // OMNISTOCK_ENGINE_TRANSIENT_IDS_H_
