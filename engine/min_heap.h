// A binary min-heap in a vector, the soonest (or oldest) item on top. The ledger keeps four:
// reservation deadlines, settled reservations, recorded till transactions and received
// transfers, each to take the earliest first in O(log n) while the rest wait.
//
// `Later(a, b)` is true when `a` belongs below `b` (as std::push_heap's comparator for a
// min-heap). Not thread-safe: the owner's lock guards it.
#ifndef OMNISTOCK_ENGINE_MIN_HEAP_H_
#define OMNISTOCK_ENGINE_MIN_HEAP_H_

#include <algorithm>
#include <cstddef>
#include <utility>
#include <vector>

namespace omnistock {

template <typename T, typename Later>
class MinHeap {
 public:
  bool empty() const { return items_.empty(); }
  size_t size() const { return items_.size(); }
  const T& top() const { return items_.front(); }

  // A push of an item later than the rest (the usual deadline, the newest record) stops after
  // one comparison.
  void Push(T item) {
    items_.push_back(std::move(item));
    std::push_heap(items_.begin(), items_.end(), Later());
  }
  T Pop() {
    std::pop_heap(items_.begin(), items_.end(), Later());
    T item = std::move(items_.back());
    items_.pop_back();
    return item;
  }
  // Drops every item `drop` selects: O(n), for rare cases (a replayed restore).
  template <typename Drop>
  void EraseIf(Drop drop) {
    std::erase_if(items_, drop);
    std::make_heap(items_.begin(), items_.end(), Later());
  }

  // Starts fetching the item the next Push compares with first (the new slot's parent), a cache
  // miss in a large heap otherwise. A hint only.
  void PrefetchPush() const {
    if (!items_.empty()) __builtin_prefetch(&items_[(items_.size() - 1) / 2]);
  }

 private:
  std::vector<T> items_;
};

}  // namespace omnistock

#endif  // OMNISTOCK_ENGINE_MIN_HEAP_H_
