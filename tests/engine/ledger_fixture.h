// A ledger with an in-memory journal sink and a small network, for the engine's unit tests.
#ifndef OMNISTOCK_TESTS_ENGINE_LEDGER_FIXTURE_H_
#define OMNISTOCK_TESTS_ENGINE_LEDGER_FIXTURE_H_

#include <algorithm>
#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/journal_sink.h"
#include "engine/ledger.h"

namespace omnistock::testing {

// Keeps the commits in ticket order, as a durable sink writes them (journal_sink.h).
class RecordingSink final : public JournalSink {
 public:
  void Append(Commit commit) override {
    absl::MutexLock lock(&mu_);
    auto at = std::upper_bound(
        commits_.begin(), commits_.end(), commit.ticket,
        [](CommitTicket ticket, const Commit& other) { return ticket < other.ticket; });
    commits_.insert(at, std::move(commit));
  }
  std::vector<Commit> commits() const {
    absl::MutexLock lock(&mu_);
    return commits_;
  }
  size_t size() const {
    absl::MutexLock lock(&mu_);
    return commits_.size();
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<Commit> commits_;
};

inline const absl::Time kT0 = absl::FromUnixSeconds(1'800'000'000);

// The tests' small network: stores S1 and S2, warehouse W1.
inline void AddTestNetwork(Ledger& ledger) {
  for (const char* id : {"S1", "S2", "W1"}) {
    Location location;
    location.id = LocationId(id);
    location.kind = id[0] == 'W' ? LocationKind::kWarehouse : LocationKind::kStore;
    ledger.UpsertLocation(location);
  }
}

struct LedgerFixture {
  RecordingSink sink;
  Ledger ledger{&sink};

  LedgerFixture() { AddTestNetwork(ledger); }

  Position Stock(const std::string& sku, const std::string& location, Quantity quantity) {
    return ledger.Receive(ReceiveCommand{LocationId(location), Sku(sku), quantity, "test"}, kT0)
        .value;
  }

  Position At(const std::string& sku, const std::string& location) const {
    return ledger.GetPositions({Sku(sku)}, {LocationId(location)}).at(0);
  }

  static ReserveCommand Order(const std::string& id, Lines lines,
                              absl::Duration ttl = absl::Minutes(15)) {
    ReserveCommand command;
    command.id = ReservationId(id);
    command.lines = std::move(lines);
    command.channel = "web";
    command.ttl = ttl;
    return command;
  }

  static Line L(const std::string& sku, const std::string& location, Quantity quantity) {
    return Line{Sku(sku), LocationId(location), quantity};
  }
};

}  // namespace omnistock::testing

#endif  // OMNISTOCK_TESTS_ENGINE_LEDGER_FIXTURE_H_
