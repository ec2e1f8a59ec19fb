// A store opened in a directory with a committer and a ledger on it, nothing loaded yet: where
// most storage tests start. Members are destroyed in reverse: the ledger, then the committer
// (which writes what is queued and stops), then the store.
#ifndef OMNISTOCK_TESTS_SUPPORT_OPEN_STORE_H_
#define OMNISTOCK_TESTS_SUPPORT_OPEN_STORE_H_

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "catch2/catch.hpp"
#include "engine/ledger.h"
#include "storage/committer.h"
#include "storage/store.h"

namespace omnistock::testing {

struct OpenStore {
  explicit OpenStore(const std::string& dir, rocksdb::Env* env = nullptr,
                     std::function<void(const absl::Status&)> on_failure = nullptr)
      : store(Open(dir, env)), committer(*store, std::move(on_failure)), ledger(&committer) {}

  std::unique_ptr<storage::Store> store;
  storage::Committer committer;
  Ledger ledger;

  // A one-line transfer, shipped and received at `at`.
  void ShipAndReceive(const std::string& id, const std::string& from, const std::string& to,
                      const std::string& sku, Quantity quantity, absl::Time at) {
    Transfer transfer;
    transfer.id = id;
    transfer.from = LocationId(from);
    transfer.to = LocationId(to);
    transfer.lines = {PosLine{Sku(sku), quantity}};
    REQUIRE(ledger.ShipTransfer(transfer, at).outcome == Outcome::kOk);
    REQUIRE(ledger.ReceiveTransfer({id}, at).outcome == Outcome::kOk);
  }

 private:
  static std::unique_ptr<storage::Store> Open(const std::string& dir, rocksdb::Env* env) {
    absl::StatusOr<std::unique_ptr<storage::Store>> store = storage::Store::Open(dir, {.env = env});
    REQUIRE(store.ok());
    return std::move(*store);
  }
};

// A read of one position's journal from its newest movement as `ledger` holds it, as services'
// ReadJournal makes it (without the wait for durability: tests wait themselves).
inline storage::JournalQuery PositionQuery(const Ledger& ledger, const std::string& sku,
                                           const std::string& location, Sequence after, int limit) {
  storage::JournalQuery query{Sku(sku), LocationId(location), after, limit};
  query.newest = ledger.GetPositions({Sku(sku)}, {LocationId(location)}).at(0).last_sequence;
  return query;
}

}  // namespace omnistock::testing

#endif  // OMNISTOCK_TESTS_SUPPORT_OPEN_STORE_H_
