// The change feed's subscriptions against the server's shutdown: a watcher that subscribes
// after the feed closed must learn it from Subscribe, since no OnClose will come.
#include "services/change_feed.h"

#include <memory>
#include <vector>

#include "catch2/catch.hpp"

namespace omnistock::services {
namespace {

struct CountingSubscriber final : FeedSubscriber {
  void OnDurable(const std::vector<Commit>& commits) override { batches += commits.size(); }
  void OnClose() override { ++closes; }
  size_t batches = 0;
  int closes = 0;
};

Commit CommitUpTo(Sequence sequence) {
  Commit commit;
  commit.last_sequence = sequence;
  return commit;
}

TEST_CASE("a subscription says what was published before it, and whether the feed is closed") {
  ChangeFeed feed;
  feed.SetPublished(7);
  auto early = std::make_shared<CountingSubscriber>();
  const ChangeFeed::Subscription first = feed.Subscribe(early);
  CHECK(first.published == 7);
  CHECK_FALSE(first.closed);
  feed.Publish({CommitUpTo(9)});
  CHECK(early->batches == 1);

  feed.Close();
  CHECK(early->closes == 1);
  auto late = std::make_shared<CountingSubscriber>();
  const ChangeFeed::Subscription second = feed.Subscribe(late);
  CHECK(second.published == 9);
  CHECK(second.closed);
  CHECK(late->closes == 0);  // told by the subscription instead
  feed.Unsubscribe(late.get());
  feed.Unsubscribe(early.get());
  CHECK(feed.subscriber_count() == 0);
}

}  // namespace
}  // namespace omnistock::services
