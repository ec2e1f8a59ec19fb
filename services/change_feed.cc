#include "services/change_feed.h"

#include <algorithm>

namespace omnistock::services {

bool WatchFilter::Matches(const Movement& movement) const {
  if (movement.on_hand_delta == 0 && movement.reserved_delta == 0 &&
      movement.safety_stock_delta == 0 && movement.in_transit_delta == 0 &&
      movement.non_sellable_delta == 0 && movement.at_risk.empty()) {
    return false;  // e.g. a Confirm: the reservation changed, the figures did not
  }
  if (!skus.empty() && !skus.Contains(movement.sku)) return false;
  return locations.empty() || locations.Contains(movement.location);
}

void ChangeFeed::SetPublished(Sequence sequence) {
  absl::MutexLock lock(&mu_);
  published_ = sequence;
}

ChangeFeed::Subscription ChangeFeed::Subscribe(std::shared_ptr<FeedSubscriber> subscriber) {
  absl::MutexLock lock(&mu_);
  subscribers_.push_back(std::move(subscriber));
  return Subscription{published_, closed_};
}

void ChangeFeed::Unsubscribe(const FeedSubscriber* subscriber) {
  absl::MutexLock lock(&mu_);
  subscribers_.erase(std::remove_if(subscribers_.begin(), subscribers_.end(),
                                    [&](const auto& s) { return s.get() == subscriber; }),
                     subscribers_.end());
}

void ChangeFeed::Publish(const std::vector<Commit>& commits) {
  if (commits.empty()) return;
  absl::MutexLock lock(&mu_);
  for (const auto& subscriber : subscribers_) subscriber->OnDurable(commits);
  published_ = std::max(published_, commits.back().last_sequence);
}

void ChangeFeed::Close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
  for (const auto& subscriber : subscribers_) subscriber->OnClose();
}

size_t ChangeFeed::subscriber_count() const {
  absl::MutexLock lock(&mu_);
  return subscribers_.size();
}

}  // namespace omnistock::services
