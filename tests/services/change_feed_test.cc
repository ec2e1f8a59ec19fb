// The change feed's subscriptions against the server's shutdown: a watcher that subscribes
// after the feed closed must learn it from Subscribe, since no OnClose will come.
#include "services/change_feed.h"

#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "catch2/catch.hpp"

namespace omnistock::services {
namespace {

struct CountingSubscriber final : FeedSubscriber {
  void OnDurable(const std::vector<FeedItem>& items, Sequence last) override {
    ++batches;
    updates += items.size();
    last_sequence = last;
  }
  void OnClose() override { ++closes; }
  size_t batches = 0;
  size_t updates = 0;
  Sequence last_sequence = 0;
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

// Ends its own subscription from inside the feed's calls, as a watch does when gRPC ends its
// call inside a write the subscriber starts (OnDone, then Unsubscribe).
struct LeavingSubscriber final : FeedSubscriber {
  explicit LeavingSubscriber(ChangeFeed* feed) : feed(feed) {}
  void OnDurable(const std::vector<FeedItem>&, Sequence) override {
    ++batches;
    feed->Unsubscribe(this);
  }
  void OnClose() override { feed->Unsubscribe(this); }
  ChangeFeed* feed;
  int batches = 0;
};

TEST_CASE("a subscriber may end its subscription from inside the feed's calls") {
  ChangeFeed feed;
  auto leaving = std::make_shared<LeavingSubscriber>(&feed);
  auto closing = std::make_shared<LeavingSubscriber>(&feed);
  feed.Subscribe(leaving);
  // On a thread of its own: with the feed's lock held across the calls, as it was, this one
  // would wait for itself for ever.
  std::atomic<bool> done{false};
  std::thread([&feed, &done, leaving, closing] {
    feed.Publish({CommitUpTo(3)});
    feed.Subscribe(closing);
    feed.Close();
    done = true;
  }).detach();
  for (int i = 0; i < 1000 && !done; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE(done);
  CHECK(leaving->batches == 1);
  CHECK(feed.subscriber_count() == 0);
  feed.Publish({CommitUpTo(4)});  // delivered to no one
  CHECK(leaving->batches == 1);
}

struct KeepingSubscriber final : FeedSubscriber {
  void OnDurable(const std::vector<FeedItem>& items, Sequence) override {
    for (const FeedItem& item : items) kept.push_back(item.update());
  }
  void OnClose() override {}
  std::vector<std::shared_ptr<const v1::AvailabilityUpdate>> kept;
};

TEST_CASE("a published movement's update is made once, shared by every subscriber") {
  ChangeFeed feed;
  auto first = std::make_shared<KeepingSubscriber>();
  auto second = std::make_shared<KeepingSubscriber>();
  feed.Subscribe(first);
  feed.Subscribe(second);
  Commit commit;
  Movement& sale = commit.movements.emplace_back();
  sale.sequence = 1;
  sale.sku = Sku("A");
  sale.location = LocationId("S1");
  sale.on_hand_delta = -1;
  sale.on_hand_after = 4;
  Movement& confirm = commit.movements.emplace_back();  // changes no figure: not on the feed
  confirm.sequence = 2;
  confirm.sku = Sku("A");
  confirm.location = LocationId("S1");
  commit.last_sequence = 2;
  feed.Publish({commit});
  REQUIRE(first->kept.size() == 1);
  REQUIRE(second->kept.size() == 1);
  CHECK(first->kept[0] == second->kept[0]);  // one object
  CHECK(first->kept[0]->sequence() == 1);
  CHECK(first->kept[0]->on_hand() == 4);
  CHECK(first->kept[0]->available() == 4);
  feed.Unsubscribe(first.get());
  feed.Unsubscribe(second.get());
}

TEST_CASE("subscriptions racing for the last places never pass the feed's limit") {
  ChangeFeed feed;
  std::vector<std::shared_ptr<CountingSubscriber>> subscribers(64);
  for (auto& subscriber : subscribers) subscriber = std::make_shared<CountingSubscriber>();
  std::atomic<int> full{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < 64; i += 8) {
        if (feed.Subscribe(subscribers[static_cast<size_t>(i)], 50).full) ++full;
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  CHECK(feed.subscriber_count() == 50);
  CHECK(full == 14);
  feed.Publish({CommitUpTo(3)});
  size_t told = 0;
  for (const auto& subscriber : subscribers) told += subscriber->batches;
  CHECK(told == 50);  // a subscription refused for room gets nothing
  for (const auto& subscriber : subscribers) feed.Unsubscribe(subscriber.get());
  CHECK(feed.subscriber_count() == 0);
}

}  // namespace
}  // namespace omnistock::services
