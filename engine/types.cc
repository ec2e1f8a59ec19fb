#include "engine/types.h"

#include <array>
#include <memory>
#include <string_view>

#include "absl/container/flat_hash_map.h"
#include "absl/synchronization/mutex.h"

namespace omnistock::internal {
namespace {

// Striped by the hash's top bits, so that callers interning different ids rarely share a lock.
// Lookups, by far the most common call, take a stripe's lock shared.
class InternTable {
 public:
  const InternedString* Intern(std::string_view value) {
    const size_t hash = absl::Hash<std::string_view>{}(value);
    Stripe& stripe = stripes_[hash >> (64 - kStripeBits)];
    {
      absl::ReaderMutexLock lock(&stripe.mu);
      auto it = stripe.entries.find(value);
      if (it != stripe.entries.end()) return it->second.get();
    }
    absl::MutexLock lock(&stripe.mu);
    auto it = stripe.entries.find(value);
    if (it != stripe.entries.end()) return it->second.get();
    auto entry = std::make_unique<const InternedString>(InternedString{std::string(value), hash});
    const InternedString* interned = entry.get();
    // The key views the entry's own copy of the string, which lives as long as the table.
    stripe.entries.emplace(interned->value, std::move(entry));
    return interned;
  }

 private:
  static constexpr int kStripeBits = 6;
  static_assert(sizeof(size_t) == 8);
  struct Stripe {
    absl::Mutex mu;
    absl::flat_hash_map<std::string_view, std::unique_ptr<const InternedString>> entries
        ABSL_GUARDED_BY(mu);
  };
  std::array<Stripe, 1 << kStripeBits> stripes_;
};

}  // namespace

const InternedString* Intern(std::string_view value) {
  static InternTable* const table = new InternTable;  // never destroyed: ids outlive main
  return table->Intern(value);
}

}  // namespace omnistock::internal
