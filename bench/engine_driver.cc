// engine mode: the closed loop calls omnistock::Ledger directly. Commits go to a sink that drops
// them, so what is measured is the ledger alone (validation, locking, bookkeeping, building the
// commit), without gRPC, the committer or RocksDB. The ledger reads no clock: `now` is
// absl::Now(), read here.
#include <atomic>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "bench/driver.h"
#include "engine/journal_sink.h"
#include "engine/ledger.h"
#include "engine/limits.h"
#include "engine/outcome.h"
#include "services/status_map.h"

namespace omnistock::bench {
namespace {

int CodeOf(Outcome outcome) { return static_cast<int>(services::StatusCodeFor(outcome)); }

class EngineClient final : public ClientSession {
 public:
  EngineClient(Ledger& ledger, const std::vector<Sku>& skus,
               const std::vector<LocationId>& locations)
      : ledger_(ledger), skus_(skus), locations_(locations) {
    command_.channel = "bench";
  }

  int Reserve(const Order& order, absl::Duration ttl) override {
    command_.id = ReservationId(order.reservation_id);
    command_.ttl = ttl == absl::ZeroDuration() ? kReservationTtlDefault : ttl;
    command_.lines.clear();
    for (const OrderLine& line : order.lines) {
      command_.lines.push_back(Line{skus_[line.sku], locations_[line.location], line.quantity});
    }
    return CodeOf(ledger_.Reserve(command_, absl::Now()).outcome);
  }

  int ReserveBatch(const std::vector<Order>& orders, std::vector<int>& codes) override {
    codes.clear();
    for (const Order& order : orders) codes.push_back(Reserve(order, absl::ZeroDuration()));
    return 0;
  }

  int Transit(Transition transition, const std::string& reservation_id) override {
    const ReservationId id(reservation_id);
    const absl::Time now = absl::Now();
    switch (transition) {
      case Transition::kConfirm:
        return CodeOf(ledger_.Confirm(id, now).outcome);
      case Transition::kRelease:
        return CodeOf(ledger_.Release(id, now).outcome);
      case Transition::kFulfill:
        return CodeOf(ledger_.Fulfill(id, now).outcome);
    }
    return 13;
  }

  int Sale(int store, int sku, const std::string& transaction_id, uint64_t& sequence) override {
    SaleCommand sale;
    sale.store = locations_[store];
    sale.terminal_id = "bench";
    sale.transaction_id = transaction_id;
    sale.lines.push_back(PosLine{skus_[sku], 1});
    const Applied<PosResult> applied = ledger_.RecordSale(sale, absl::Now());
    sequence = 0;
    return CodeOf(applied.outcome);
  }

  int Receive(int location, int sku, int64_t quantity) override {
    return CodeOf(ledger_
                      .Receive(ReceiveCommand{locations_[location], skus_[sku], quantity, "bench"},
                               absl::Now())
                      .outcome);
  }

  int Counts(const std::vector<CountLine>& rows, int64_t& stale) override {
    const absl::Time now = absl::Now();
    count_rows_.clear();
    for (const CountLine& row : rows) {
      count_rows_.push_back(CountRow{locations_[row.location], skus_[row.sku], row.counted, now});
    }
    const Applied<CountSummary> applied = ledger_.ApplyCounts(count_rows_, now);
    stale = applied.value.stale;
    return CodeOf(applied.outcome);
  }

  int Read(int sku) override {
    const std::vector<Position> positions = ledger_.GetPositions({skus_[sku]}, {});
    return positions.empty() ? 5 : 0;
  }

 private:
  Ledger& ledger_;
  const std::vector<Sku>& skus_;
  const std::vector<LocationId>& locations_;
  ReserveCommand command_;
  std::vector<CountRow> count_rows_;
};

class EngineDriver final : public Driver {
 public:
  EngineDriver() : ledger_(&sink_) {}

  std::string Describe() const override { return "engine (in-process ledger, commits discarded)"; }

  void Attach(const Catalog& catalog) override { catalog_ = &catalog; }

  absl::Status Seed(int parallelism) override {
    const Catalog& catalog = *catalog_;
    for (const std::string& sku : catalog.skus) skus_.push_back(Sku(sku));
    for (const CatalogLocation& l : catalog.locations) {
      Location location;
      location.id = LocationId(l.id);
      location.kind = l.store ? LocationKind::kStore : LocationKind::kWarehouse;
      location.capabilities = Capabilities{l.store, l.store, l.store, l.store};
      location.name = l.name;
      location.latitude = l.latitude;
      location.longitude = l.longitude;
      const Applied<Location> applied = ledger_.UpsertLocation(location);
      if (!Succeeded(applied.outcome)) {
        return absl::InternalError(absl::StrCat("UpsertLocation ", l.id, ": ",
                                                OutcomeName(applied.outcome), " ", applied.detail));
      }
      locations_.push_back(location.id);
    }

    std::atomic<int64_t> next{0};
    absl::Mutex mu;
    absl::Status first_error;
    auto worker = [&] {
      constexpr int64_t kChunk = 256;
      for (;;) {
        const int64_t begin = next.fetch_add(kChunk);
        if (begin >= catalog.positions()) return;
        const int64_t end = std::min(begin + kChunk, catalog.positions());
        for (int64_t i = begin; i < end; ++i) {
          ReceiveCommand command{LocationId(catalog.LocationOfPosition(i).id),
                                 Sku(catalog.SkuOfPosition(i)), catalog.on_hand_per_position,
                                 "bench-seed"};
          const Applied<Position> applied = ledger_.Receive(command, absl::Now());
          if (!Succeeded(applied.outcome)) {
            absl::MutexLock lock(&mu);
            if (first_error.ok()) {
              first_error = absl::InternalError(
                  absl::StrCat("Receive ", command.sku.value(), " at ", command.location.value(),
                               ": ", OutcomeName(applied.outcome), " ", applied.detail));
            }
            next.store(catalog.positions());
            return;
          }
        }
      }
    };
    std::vector<std::thread> threads;
    for (int t = 0; t < std::max(1, parallelism); ++t) threads.emplace_back(worker);
    for (std::thread& thread : threads) thread.join();
    return first_error;
  }

  absl::StatusOr<std::unique_ptr<ClientSession>> NewClient(int /*index*/) override {
    return std::unique_ptr<ClientSession>(new EngineClient(ledger_, skus_, locations_));
  }

  absl::StatusOr<PositionFigures> PositionAt(const std::string& sku,
                                             const std::string& location) override {
    const std::vector<Position> positions =
        ledger_.GetPositions({Sku(sku)}, {LocationId(location)});
    if (positions.size() != 1) {
      return absl::InternalError(absl::StrCat("expected one position of ", sku, " at ", location,
                                              ", got ", positions.size()));
    }
    return PositionFigures{positions[0].on_hand, positions[0].reserved};
  }

  // The feed lives in the server (services/change_feed), not in the engine.
  absl::Status StartWatcher(FeedLatency*) override {
    return absl::UnimplementedError("engine mode has no live feed");
  }
  void StopWatcher() override {}

 private:
  DiscardingSink sink_;
  Ledger ledger_;
  const Catalog* catalog_ = nullptr;
  std::vector<Sku> skus_;
  std::vector<LocationId> locations_;
};

}  // namespace

std::unique_ptr<Driver> MakeEngineDriver() { return std::make_unique<EngineDriver>(); }

}  // namespace omnistock::bench
