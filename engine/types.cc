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
    const size_t hash = HashOf(value);
    Stripe& stripe = StripeOf(hash);
    if (const InternedString* found = Find(stripe, value, hash)) return found;
    absl::MutexLock lock(&stripe.mu);
    auto it = stripe.entries.find(value, hash);
    if (it != stripe.entries.end()) return it->second.get();
    auto entry = std::make_unique<const InternedString>(InternedString{std::string(value), hash});
    const InternedString* interned = entry.get();
    // The key views the entry's own copy of the string, which lives as long as the table.
    stripe.entries.emplace(interned->value, std::move(entry));
    return interned;
  }

  const InternedString* Find(std::string_view value) {
    const size_t hash = HashOf(value);
    return Find(StripeOf(hash), value, hash);
  }

  size_t Count() {
    size_t count = 0;
    for (Stripe& stripe : stripes_) {
      absl::ReaderMutexLock lock(&stripe.mu);
      count += stripe.entries.size();
    }
    return count;
  }

 private:
  static constexpr int kStripeBits = 6;
  static_assert(sizeof(size_t) == 8);
  struct Stripe {
    absl::Mutex mu;
    // Hashed with absl::Hash<std::string_view>, as HashOf is: lookups pass the hash they have.
    absl::flat_hash_map<std::string_view, std::unique_ptr<const InternedString>> entries
        ABSL_GUARDED_BY(mu);
  };

  Stripe& StripeOf(size_t hash) { return stripes_[hash >> (64 - kStripeBits)]; }

  static const InternedString* Find(Stripe& stripe, std::string_view value, size_t hash) {
    absl::ReaderMutexLock lock(&stripe.mu);
    auto it = stripe.entries.find(value, hash);
    return it == stripe.entries.end() ? nullptr : it->second.get();
  }

  std::array<Stripe, 1 << kStripeBits> stripes_;
};

InternTable& Table() {
  static InternTable* const table = new InternTable;  // never destroyed: ids outlive main
  return *table;
}

}  // namespace

const InternedString* Intern(std::string_view value) { return Table().Intern(value); }

const InternedString* FindInterned(std::string_view value) { return Table().Find(value); }

size_t InternedCount() { return Table().Count(); }

}  // namespace omnistock::internal
