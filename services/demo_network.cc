#include "services/demo_network.h"

#include <random>
#include <vector>

#include "absl/strings/str_format.h"

namespace omnistock::services {
namespace {

struct DemoLocation {
  const char* id;
  LocationKind kind;
  const char* name;
  double latitude;
  double longitude;
  int64_t daily_capacity;
};

constexpr DemoLocation kDemoLocations[] = {
    {"WH-KAWASAKI", LocationKind::kWarehouse, "Kawasaki warehouse", 35.5308, 139.7029, 0},
    {"WH-SAITAMA", LocationKind::kWarehouse, "Saitama warehouse", 35.8617, 139.6455, 0},
    {"WH-CHIBA", LocationKind::kWarehouse, "Chiba warehouse", 35.6074, 140.1065, 0},
    {"DC-ATSUGI", LocationKind::kEcDc, "Atsugi e-commerce DC", 35.4431, 139.3620, 0},
    {"PP-TOKYO-STATION", LocationKind::kPickupPoint, "Tokyo Station lockers", 35.6812, 139.7671, 0},
    {"ST-SHIBUYA", LocationKind::kStore, "Shibuya", 35.6595, 139.7005, 120},
    {"ST-SHINJUKU", LocationKind::kStore, "Shinjuku", 35.6909, 139.7003, 150},
    {"ST-GINZA", LocationKind::kStore, "Ginza", 35.6717, 139.7650, 80},
    {"ST-IKEBUKURO", LocationKind::kStore, "Ikebukuro", 35.7295, 139.7109, 100},
    {"ST-UENO", LocationKind::kStore, "Ueno", 35.7138, 139.7773, 60},
    {"ST-KICHIJOJI", LocationKind::kStore, "Kichijoji", 35.7033, 139.5797, 50},
    {"ST-YOKOHAMA", LocationKind::kStore, "Yokohama", 35.4658, 139.6223, 120},
    {"ST-OMIYA", LocationKind::kStore, "Omiya", 35.9064, 139.6239, 70},
    {"ST-FUNABASHI", LocationKind::kStore, "Funabashi", 35.7017, 139.9853, 50},
    {"ST-TACHIKAWA", LocationKind::kStore, "Tachikawa", 35.6980, 139.4137, 40},
    {"ST-MACHIDA", LocationKind::kStore, "Machida", 35.5420, 139.4455, 40},
    {"ST-KAWAGOE", LocationKind::kStore, "Kawagoe", 35.9087, 139.4856, 30},
};

}  // namespace

DemoSummary SeedDemoNetwork(Ledger& ledger, absl::Time now) {
  DemoSummary summary;
  for (const DemoLocation& d : kDemoLocations) {
    Location location;
    location.id = LocationId(d.id);
    location.kind = d.kind;
    location.name = d.name;
    location.latitude = d.latitude;
    location.longitude = d.longitude;
    location.daily_capacity = d.daily_capacity;
    location.timezone = "Asia/Tokyo";
    const bool store = d.kind == LocationKind::kStore;
    location.capabilities.pickup = store || d.kind == LocationKind::kPickupPoint;
    location.capabilities.curbside = store;
    location.capabilities.ship_from_store = store;
    location.capabilities.walk_in_sales = store;
    ledger.UpsertLocation(location);
    ++summary.locations;
  }

  std::mt19937_64 random(20261122);
  for (int i = 1; i <= kDemoSkuCount; ++i) {
    const Sku sku(absl::StrFormat("SKU-%05d", i));
    ++summary.skus;
    for (const DemoLocation& d : kDemoLocations) {
      int64_t quantity = 0;
      switch (d.kind) {
        case LocationKind::kWarehouse:
          quantity = std::uniform_int_distribution<int64_t>(100, 2000)(random);
          break;
        case LocationKind::kEcDc:
          quantity = std::uniform_int_distribution<int64_t>(500, 5000)(random);
          break;
        case LocationKind::kStore:
          // Many stores hold only a few units, some none: the cases routing must handle.
          quantity = std::uniform_int_distribution<int64_t>(-5, 25)(random);
          break;
        case LocationKind::kPickupPoint:
          continue;
      }
      if (quantity <= 0) continue;
      // A seeding cut short stocked the positions before this one (and nothing else did: the
      // server does not serve with a seeding cut short, Server::Start).
      const std::vector<Position> there = ledger.GetPositions({sku}, {LocationId(d.id)});
      if (there.empty() || there.front().on_hand == 0) {
        ledger.Receive(ReceiveCommand{LocationId(d.id), sku, quantity, "demo-seed"}, now);
      }
      if (d.kind == LocationKind::kStore) {
        ledger.SetSafetyStock(SafetyStockCommand{LocationId(d.id), sku, 1}, now);
      }
      ++summary.positions;
    }
  }
  return summary;
}

}  // namespace omnistock::services
