// The ChangeFeed hands every durable movement to the watchers of the availability feed. The
// committer publishes each batch right after it is durable, so a watcher never sees a change
// that a crash could take back, and sees changes in journal order.
//
// Thread-safety: all methods may be called from any thread, but Publish from one at a time (the
// committer's), which keeps batches in order. Publish and Close call the subscribers outside the
// feed's lock, so a subscriber may call back into the feed (gRPC may end a call, and run its
// Unsubscribe, inside a write it starts); they must only enqueue, never block: the committer
// waits for them.
#ifndef OMNISTOCK_SERVICES_CHANGE_FEED_H_
#define OMNISTOCK_SERVICES_CHANGE_FEED_H_

#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/synchronization/mutex.h"
#include "engine/journal_sink.h"
#include "engine/movement.h"
#include "omnistock/v1/availability.pb.h"

namespace omnistock::services {

// The SKUs (or locations) a watcher follows; empty means all. A watch waits for what may come
// (a SKU not stocked anywhere yet; locations must be known, ValidateWatch), but interns nothing
// (engine/types.h): a string already interned is kept as its id, one not yet interned as the
// string, matched by value (an id made of it later is a new interned one).
template <typename Id>
class IdFilter {
 public:
  void Add(std::string_view value) {
    if (std::optional<Id> id = Id::IfInterned(value)) {
      ids_.insert(*id);
    } else {
      names_.emplace(value);
    }
  }
  bool empty() const { return ids_.empty() && names_.empty(); }
  bool Contains(const Id& id) const {
    return ids_.contains(id) || (!names_.empty() && names_.contains(id.value()));
  }
  // The one id followed, when that is all this filter holds.
  std::optional<Id> Single() const {
    if (ids_.size() != 1 || !names_.empty()) return std::nullopt;
    return *ids_.begin();
  }

 private:
  absl::flat_hash_set<Id> ids_;
  absl::flat_hash_set<std::string> names_;
};

// Whether `movement` changed one of its position's figures (a Confirm changes none: the feed
// leaves it out).
bool ChangesFigures(const Movement& movement);

// Which positions a watcher follows.
struct WatchFilter {
  IdFilter<Sku> skus;
  IdFilter<LocationId> locations;

  // True when `movement` is at a watched position.
  bool Follows(const Movement& movement) const;
  // True when `movement` is at a watched position and changed one of its figures.
  bool Matches(const Movement& movement) const {
    return ChangesFigures(movement) && Follows(movement);
  }
};

// A movement as the feed sends it (the position's figures after it).
v1::AvailabilityUpdate UpdateOf(const Movement& movement);

// One published movement that changed figures, and its update, made for the first watcher it
// matches and shared by every other (a count batch of 10,000 rows reaches each matching watcher
// as 10,000 pointers, not 10,000 copies, and costs nothing when no watcher follows it). Used on
// the committer's thread only (Publish's one caller), outside the feed's lock: not thread-safe.
class FeedItem {
 public:
  explicit FeedItem(const Movement& movement) : movement_(&movement) {}
  const Movement& movement() const { return *movement_; }
  const std::shared_ptr<const v1::AvailabilityUpdate>& update() const {
    if (!update_) update_ = std::make_shared<const v1::AvailabilityUpdate>(UpdateOf(*movement_));
    return update_;
  }

 private:
  const Movement* movement_;
  mutable std::shared_ptr<const v1::AvailabilityUpdate> update_;
};

class FeedSubscriber {
 public:
  virtual ~FeedSubscriber() = default;
  // The published batch's movements that changed figures, in journal order, and the batch's
  // last sequence. `items` live for the call only; their updates as long as they are held.
  virtual void OnDurable(const std::vector<FeedItem>& items, Sequence last_sequence) = 0;
  // The server is stopping: end the stream promptly, saying where to resume.
  virtual void OnClose() = 0;
};

class ChangeFeed {
 public:
  // Everything up to `sequence` is already durable when the feed starts.
  void SetPublished(Sequence sequence);

  struct Subscription {
    // The last sequence published before the subscription: every movement after it will reach
    // the subscriber, every one up to it can be read from the journal.
    Sequence published = 0;
    // The feed was closed before: the server is stopping, and the subscriber, which gets no
    // OnClose, must end at once.
    bool closed = false;
    // The feed had its `max` subscribers already: this one was not subscribed.
    bool full = false;
  };
  // From now on `subscriber` gets every published batch, unless the feed has `max` subscribers
  // already (checked and taken under one lock: concurrent subscriptions never pass it).
  Subscription Subscribe(std::shared_ptr<FeedSubscriber> subscriber,
                         size_t max = std::numeric_limits<size_t>::max());
  void Unsubscribe(const FeedSubscriber* subscriber);

  // Hands the batch to every subscriber: those subscribed before it was published, as the
  // subscription's `published` says. One caller at a time.
  void Publish(const std::vector<Commit>& commits);
  // Tells every subscriber the server is stopping.
  void Close();

  size_t subscriber_count() const;

 private:
  mutable absl::Mutex mu_;
  std::vector<std::shared_ptr<FeedSubscriber>> subscribers_ ABSL_GUARDED_BY(mu_);
  Sequence published_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace omnistock::services

#endif  // OMNISTOCK_SERVICES_CHANGE_FEED_H_
