#include "services/change_feed.h"

#include <algorithm>

#include "services/convert.h"

namespace omnistock::services {

bool ChangesFigures(const Movement& movement) {
  return movement.on_hand_delta != 0 || movement.reserved_delta != 0 ||
         movement.safety_stock_delta != 0 || movement.in_transit_delta != 0 ||
         movement.non_sellable_delta != 0 || !movement.at_risk.empty();
}

bool WatchFilter::Follows(const Movement& movement) const {
  if (!skus.empty() && !skus.Contains(movement.sku)) return false;
  return locations.empty() || locations.Contains(movement.location);
}

v1::AvailabilityUpdate UpdateOf(const Movement& m) {
  v1::AvailabilityUpdate update;
  update.set_sequence(m.sequence);
  ToProto(m.time, update.mutable_time());
  update.set_kind(static_cast<v1::MovementKind>(m.kind));
  update.set_sku(m.sku.value());
  update.set_location_id(m.location.value());
  update.set_on_hand(m.on_hand_after);
  update.set_reserved(m.reserved_after);
  update.set_safety_stock(m.safety_stock_after);
  update.set_available(
      std::max<Quantity>(0, m.on_hand_after - m.reserved_after - m.safety_stock_after));
  update.set_in_transit(m.in_transit_after);
  update.set_non_sellable(m.non_sellable_after);
  update.set_oversold(ShortfallOf(m.on_hand_after, m.reserved_after) > 0);
  for (const ReservationId& id : m.at_risk) update.add_at_risk_reservation_ids(id.value());
  update.set_reference(m.reference);
  return update;
}

void ChangeFeed::SetPublished(Sequence sequence) {
  absl::MutexLock lock(&mu_);
  published_ = sequence;
}

ChangeFeed::Subscription ChangeFeed::Subscribe(std::shared_ptr<FeedSubscriber> subscriber,
                                               size_t max) {
  absl::MutexLock lock(&mu_);
  const bool full = subscribers_.size() >= max;
  if (!full) subscribers_.push_back(std::move(subscriber));
  return Subscription{published_, closed_, full};
}

void ChangeFeed::Unsubscribe(const FeedSubscriber* subscriber) {
  absl::MutexLock lock(&mu_);
  subscribers_.erase(std::remove_if(subscribers_.begin(), subscribers_.end(),
                                    [&](const auto& s) { return s.get() == subscriber; }),
                     subscribers_.end());
}

void ChangeFeed::Publish(const std::vector<Commit>& commits) {
  if (commits.empty()) return;
  const Sequence last = commits.back().last_sequence;
  // Who gets the batch and where a later subscription starts change together: one subscribed
  // after this reads the batch from the journal (it is durable), one before gets it here.
  std::vector<std::shared_ptr<FeedSubscriber>> subscribers;
  {
    absl::MutexLock lock(&mu_);
    published_ = std::max(published_, last);
    if (subscribers_.empty()) return;
    subscribers = subscribers_;
  }
  std::vector<FeedItem> items;
  for (const Commit& commit : commits) {
    for (const Movement& movement : commit.movements) {
      if (ChangesFigures(movement)) items.emplace_back(movement);
    }
  }
  for (const auto& subscriber : subscribers) subscriber->OnDurable(items, last);
}

void ChangeFeed::Close() {
  std::vector<std::shared_ptr<FeedSubscriber>> subscribers;
  {
    absl::MutexLock lock(&mu_);
    closed_ = true;  // a later subscription is told instead
    subscribers = subscribers_;
  }
  for (const auto& subscriber : subscribers) subscriber->OnClose();
}

size_t ChangeFeed::subscriber_count() const {
  absl::MutexLock lock(&mu_);
  return subscribers_.size();
}

}  // namespace omnistock::services
