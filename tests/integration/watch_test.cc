// The live availability feed over gRPC: a watcher sees a till sale, and resumes after a
// disconnect from its last sequence with no gap and no duplicate.
#include <algorithm>
#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "catch2/catch.hpp"
#include "engine/limits.h"
#include "grpcpp/create_channel.h"
#include "omnistock/v1/availability.grpc.pb.h"
#include "omnistock/v1/store_sales.grpc.pb.h"
#include "omnistock/v1/warehouse.grpc.pb.h"
#include "tests/integration/server_process.h"
#include "tests/support/temp_dir.h"

namespace omnistock::testing {
namespace {

void Sell(v1::StoreSales::Stub& sales, const std::string& txn, int64_t quantity) {
  v1::RecordSaleRequest sale;
  sale.set_location_id("ST-1");
  sale.set_terminal_id("till-1");
  sale.set_pos_transaction_id(txn);
  v1::PosLine* line = sale.add_lines();
  line->set_sku("SKU-A");
  line->set_quantity(quantity);
  v1::PosResult result;
  REQUIRE(sales.RecordSale(Deadline().get(), sale, &result).ok());
}

v1::WatchRequest WatchOf(const std::string& sku) {
  v1::WatchRequest request;
  request.add_skus(sku);
  return request;
}

// Counts `rows` SKUs never seen before (<prefix><first>, ...) at `location`, one SyncCounts call
// in batches of 10,000 rows: as many changes for a watcher of everything.
void CountNewSkus(v1::Warehouse::Stub& warehouse, const std::string& location, int first, int rows,
                  const std::string& prefix = "SKU-") {
  const absl::Time now = absl::Now();
  v1::SyncCountsSummary summary;
  auto context = Deadline(60);
  auto sync = warehouse.SyncCounts(context.get(), &summary);
  for (int begin = 0; begin < rows; begin += 10'000) {
    v1::CountBatch batch;
    for (int i = begin; i < std::min(rows, begin + 10'000); ++i) {
      v1::CountRow* row = batch.add_rows();
      row->set_location_id(location);
      row->set_sku(prefix + std::to_string(first + i));
      row->set_counted_quantity(5);
      row->mutable_counted_at()->set_seconds(absl::ToUnixSeconds(now));
    }
    REQUIRE(sync->Write(batch));
  }
  sync->WritesDone();
  REQUIRE(sync->Finish().ok());
  REQUIRE(summary.rows_applied() == rows);
}

}  // namespace

TEST_CASE("a watcher sees a POS sale as it happens") {
  LiveServer live;
  AddLocation(*live.network, "ST-1");
  ReceiveStock(*live.inventory, "ST-1", "SKU-A", 10);
  ReceiveStock(*live.inventory, "ST-1", "SKU-OTHER", 10);
  auto availability = v1::Availability::NewStub(live.server.channel());
  auto sales = v1::StoreSales::NewStub(live.server.channel());

  // Watching from the position's current sequence: nothing before it, everything after it,
  // whether it happens before or after the stream is set up on the server.
  v1::WatchRequest request = WatchOf("SKU-A");
  request.set_resume_after_sequence(
      PositionOf(*live.inventory, "SKU-OTHER", "ST-1").last_sequence());
  auto context = Deadline(20);
  auto stream = availability->Watch(context.get(), request);
  ReceiveStock(*live.inventory, "ST-1", "SKU-OTHER", 1);  // not watched: never delivered
  Sell(*sales, "T-1", 3);
  v1::AvailabilityUpdate update;
  REQUIRE(stream->Read(&update));
  CHECK(update.sku() == "SKU-A");
  CHECK(update.location_id() == "ST-1");
  CHECK(update.kind() == v1::SALE);
  CHECK(update.on_hand() == 7);
  CHECK(update.available() == 7);
  CHECK(update.reference() == "T-1");
  CHECK(update.sequence() > 0);

  v1::Reservation held;
  REQUIRE(live.reservations
              ->Reserve(Deadline().get(), ReserveOf("web-1", {{"SKU-A", "ST-1", 2}}), &held)
              .ok());
  REQUIRE(stream->Read(&update));
  CHECK(update.kind() == v1::RESERVE);
  CHECK(update.reserved() == 2);
  CHECK(update.available() == 5);
  context->TryCancel();
}

TEST_CASE("a till sale below zero is oversold only while reservations are short, by them") {
  LiveServer live;
  AddLocation(*live.network, "ST-1");
  ReceiveStock(*live.inventory, "ST-1", "SKU-A", 2);
  auto availability = v1::Availability::NewStub(live.server.channel());
  auto sales = v1::StoreSales::NewStub(live.server.channel());
  v1::WatchRequest request = WatchOf("SKU-A");
  request.set_resume_after_sequence(PositionOf(*live.inventory, "SKU-A", "ST-1").last_sequence());
  auto context = Deadline(20);
  auto stream = availability->Watch(context.get(), request);

  // Units the ledger did not know of, sold at the till: on_hand -3, but no order is short.
  Sell(*sales, "T-1", 5);
  v1::AvailabilityUpdate update;
  REQUIRE(stream->Read(&update));
  CHECK(update.on_hand() == -3);
  CHECK_FALSE(update.oversold());
  v1::PositionView position = PositionOf(*live.inventory, "SKU-A", "ST-1");
  CHECK(position.shortfall() == 0);
  CHECK_FALSE(position.oversold());

  ReceiveStock(*live.inventory, "ST-1", "SKU-A", 6);  // on_hand 3
  v1::Reservation held;
  REQUIRE(live.reservations
              ->Reserve(Deadline().get(), ReserveOf("web-1", {{"SKU-A", "ST-1", 3}}), &held)
              .ok());
  Sell(*sales, "T-2", 10);  // on_hand -7: all 3 reserved units are short, not 10
  for (int i = 0; i < 3; ++i) REQUIRE(stream->Read(&update));  // receive, reserve, sale
  CHECK(update.kind() == v1::SALE);
  CHECK(update.on_hand() == -7);
  CHECK(update.oversold());
  REQUIRE(update.at_risk_reservation_ids_size() == 1);
  CHECK(update.at_risk_reservation_ids(0) == "web-1");
  position = PositionOf(*live.inventory, "SKU-A", "ST-1");
  CHECK(position.shortfall() == 3);
  CHECK(position.oversold());
  context->TryCancel();
}

TEST_CASE("a watcher resumes after a disconnect from its last sequence, no gap, no duplicate") {
  LiveServer live;
  AddLocation(*live.network, "ST-1");
  ReceiveStock(*live.inventory, "ST-1", "SKU-A", 100);
  auto availability = v1::Availability::NewStub(live.server.channel());
  auto sales = v1::StoreSales::NewStub(live.server.channel());

  // Everything from the start of the journal: the receipt, then five sales.
  v1::WatchRequest from_start = WatchOf("SKU-A");
  from_start.set_resume_after_sequence(0);
  std::vector<uint64_t> seen;
  uint64_t last = 0;
  {
    auto context = Deadline(20);
    auto stream = availability->Watch(context.get(), from_start);
    for (int i = 1; i <= 5; ++i) Sell(*sales, "T-" + std::to_string(i), 1);
    v1::AvailabilityUpdate update;
    for (int i = 0; i < 4; ++i) {  // read the receipt and three sales, then drop the line
      REQUIRE(stream->Read(&update));
      seen.push_back(update.sequence());
    }
    CHECK(update.on_hand() == 97);
    last = update.sequence();
    context->TryCancel();
  }
  // Missed while disconnected: two sales already sent, and three more now.
  for (int i = 6; i <= 8; ++i) Sell(*sales, "T-" + std::to_string(i), 1);

  v1::WatchRequest resume = WatchOf("SKU-A");
  resume.set_resume_after_sequence(last);
  auto context = Deadline(20);
  auto stream = availability->Watch(context.get(), resume);
  v1::AvailabilityUpdate update;
  int64_t on_hand = 97;
  for (int i = 0; i < 5; ++i) {  // the five missed sales, replayed from the journal
    REQUIRE(stream->Read(&update));
    CHECK(update.sequence() > seen.back());
    seen.push_back(update.sequence());
    CHECK(update.on_hand() == --on_hand);
  }
  Sell(*sales, "T-9", 1);  // and then live
  REQUIRE(stream->Read(&update));
  seen.push_back(update.sequence());
  CHECK(update.on_hand() == 91);
  CHECK(update.reference() == "T-9");
  // Every change of SKU-A, each exactly once, in order: one receipt and nine sales.
  REQUIRE(seen.size() == 10);
  CHECK(std::is_sorted(seen.begin(), seen.end()));
  CHECK(std::adjacent_find(seen.begin(), seen.end()) == seen.end());
  context->TryCancel();

  // Resuming from a sequence the journal has not reached is refused.
  v1::WatchRequest ahead = WatchOf("SKU-A");
  ahead.set_resume_after_sequence(1'000'000);
  CHECK(RefusedWatch(*availability, ahead).error_code() == grpc::StatusCode::OUT_OF_RANGE);

  // A filter over its limit is refused naming the field and the limit.
  v1::WatchRequest wide;
  for (int i = 0; i <= 1000; ++i) wide.add_location_ids("ST-" + std::to_string(i));
  const grpc::Status status = RefusedWatch(*availability, wide);
  CHECK(status.error_code() == grpc::StatusCode::INVALID_ARGUMENT);
  CHECK(status.error_message() == "location_ids has 1001 entries, over the limit of 1000");

  // A location the server does not know (a typo) is refused, as GetAvailability refuses it,
  // instead of a stream that would never carry anything.
  v1::WatchRequest typo = WatchOf("SKU-A");
  typo.add_location_ids("ST-1");
  typo.add_location_ids("ST-TYPO");
  const grpc::Status not_found = RefusedWatch(*availability, typo);
  CHECK(not_found.error_code() == grpc::StatusCode::NOT_FOUND);
  CHECK(not_found.error_message() == "location_ids[1] 'ST-TYPO' is not a known location");
}

}  // namespace omnistock::testing

namespace omnistock::testing {

TEST_CASE("a watcher that stops reading is ended with the sequence to resume from") {
  LiveServer live;
  AddLocation(*live.network, "WH-1", v1::WAREHOUSE);
  ReceiveStock(*live.inventory, "WH-1", "SKU-0", 1);
  auto availability = v1::Availability::NewStub(live.server.channel());
  auto warehouse = v1::Warehouse::NewStub(live.server.channel());

  v1::WatchRequest everything;
  everything.set_resume_after_sequence(0);
  auto context = Deadline(60);
  auto stream = availability->Watch(context.get(), everything);
  v1::AvailabilityUpdate update;
  REQUIRE(stream->Read(&update));  // the receipt, replayed: the watch is set up

  // 30,000 count rows, 3 batches, while the watcher reads nothing: far past its buffer.
  CountNewSkus(*warehouse, "WH-1", 0, 30'000);

  // Now read: the stream delivers what it had buffered, then ends telling where to resume.
  uint64_t last = update.sequence();
  int64_t delivered = 0;
  while (stream->Read(&update)) {
    REQUIRE(update.sequence() > last);
    last = update.sequence();
    ++delivered;
  }
  const grpc::Status status = stream->Finish();
  INFO(status.error_message());
  CHECK(status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  CHECK(delivered < 30'000);
  const std::string marker = "resume_after_sequence=";
  const size_t at = status.error_message().find(marker);
  REQUIRE(at != std::string::npos);
  const uint64_t resume_after = std::stoull(status.error_message().substr(at + marker.size()));
  CHECK(resume_after == last);

  // Resuming there replays the rest from the journal with no gap: 30,000 changes in all.
  v1::WatchRequest resume;
  resume.set_resume_after_sequence(resume_after);
  auto context2 = Deadline(60);
  auto resumed = availability->Watch(context2.get(), resume);
  int64_t replayed = 0;
  while (delivered + replayed < 30'000 && resumed->Read(&update)) {
    REQUIRE(update.sequence() == last + 1);
    last = update.sequence();
    ++replayed;
  }
  CHECK(delivered + replayed == 30'000);
  context2->TryCancel();
}

}  // namespace omnistock::testing

namespace omnistock::testing {
namespace {

// Counts `rows` SKUs other than the watched one at WH-1, in one batch: that many movements.
void CountOthers(v1::Warehouse::Stub& warehouse, int first, int rows) {
  v1::SyncCountsSummary summary;
  auto context = Deadline(60);
  auto sync = warehouse.SyncCounts(context.get(), &summary);
  v1::CountBatch batch;
  for (int i = first; i < first + rows; ++i) {
    v1::CountRow* row = batch.add_rows();
    row->set_location_id("WH-1");
    row->set_sku("OTHER-" + std::to_string(i));
    row->set_counted_quantity(5);
    row->mutable_counted_at()->set_seconds(absl::ToUnixSeconds(absl::Now()));
  }
  REQUIRE(sync->Write(batch));
  sync->WritesDone();
  REQUIRE(sync->Finish().ok());
  REQUIRE(summary.rows_applied() == rows);
}

}  // namespace

// While a watcher replays, the live changes wait in its buffer. More of them than the buffer
// holds are read from the journal too: ended there, a watcher resuming during a busy hour would
// be sent back to the same point again and again.
TEST_CASE("a watcher still replaying when more changes arrive than it buffers replays them too") {
  LiveServer live;
  AddLocation(*live.network, "WH-1", v1::WAREHOUSE);
  auto warehouse = v1::Warehouse::NewStub(live.server.channel());
  CountOthers(*warehouse, 0, 5'000);  // the journal to replay: 5,000 movements
  // A watcher whose client takes 16 KiB before it reads (no window growth): the replay stalls
  // on the first few hundred updates until the test reads.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 16 * 1024);
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  auto availability = v1::Availability::NewStub(
      grpc::CreateCustomChannel(live.server.address(), grpc::InsecureChannelCredentials(), args));
  v1::WatchRequest everything;
  everything.set_resume_after_sequence(0);
  auto context = Deadline(60);
  auto stream = availability->Watch(context.get(), everything);
  v1::AvailabilityUpdate update;
  REQUIRE(stream->Read(&update));  // the replay has begun
  CHECK(update.sequence() == 1);
  // 12,000 changes arrive while it replays: more than its buffer of 10,000.
  CountOthers(*warehouse, 5'000, 10'000);
  CountOthers(*warehouse, 15'000, 2'000);
  // Every sequence, once, in order, with no error: 17,000 movements.
  uint64_t last = update.sequence();
  while (last < 17'000 && stream->Read(&update)) {
    REQUIRE(update.sequence() == last + 1);
    last = update.sequence();
  }
  CHECK(last == 17'000);
  context->TryCancel();
  const grpc::Status status = stream->Finish();
  INFO(status.error_message());
  CHECK(status.error_code() == grpc::StatusCode::CANCELLED);
}

// A replay reads the journal a page at a time off gRPC's threads; watchers replaying at once
// take turns. Each must still see every change of its SKU once, in order, then the live ones.
TEST_CASE("watchers replaying a long journal at once each see every change once, in order") {
  LiveServer live;
  AddLocation(*live.network, "WH-1", v1::WAREHOUSE);
  auto availability = v1::Availability::NewStub(live.server.channel());
  auto warehouse = v1::Warehouse::NewStub(live.server.channel());
  // Three receipts of the watched SKU, 2,500 other movements apart: pages with no match
  // between them (a page is at most 1,000 movements).
  for (int i = 0; i < 3; ++i) {
    ReceiveStock(*live.inventory, "WH-1", "SKU-W", 1);
    CountOthers(*warehouse, i * 2'500, 2'500);
  }

  constexpr int kWatchers = 4;
  std::vector<std::unique_ptr<grpc::ClientContext>> contexts;
  std::vector<std::unique_ptr<grpc::ClientReader<v1::AvailabilityUpdate>>> streams;
  for (int w = 0; w < kWatchers; ++w) {
    v1::WatchRequest request = WatchOf("SKU-W");
    request.set_resume_after_sequence(0);
    contexts.push_back(Deadline(60));
    streams.push_back(availability->Watch(contexts.back().get(), request));
  }
  ReceiveStock(*live.inventory, "WH-1", "SKU-W", 1);  // live for some, replayed for others
  for (int w = 0; w < kWatchers; ++w) {
    INFO("watcher " << w);
    uint64_t last = 0;
    for (int64_t on_hand = 1; on_hand <= 4; ++on_hand) {
      v1::AvailabilityUpdate update;
      REQUIRE(streams[w]->Read(&update));
      CHECK(update.sku() == "SKU-W");
      CHECK(update.on_hand() == on_hand);
      CHECK(update.sequence() > last);
      last = update.sequence();
    }
    contexts[w]->TryCancel();
  }
}

TEST_CASE("watches past --watchers_max are refused RESOURCE_EXHAUSTED, and room frees up") {
  TempDir dir;
  ServerProcess server(dir.Sub("data"), {"--watchers_max=2"});
  AddLocation(*server.network(), "ST-1");
  auto inventory = server.inventory();
  auto availability = v1::Availability::NewStub(server.channel());
  // A watch is in place once it has delivered a change made after it started.
  auto started = [&](grpc::ClientContext& context) {
    auto stream = availability->Watch(&context, WatchOf("SKU-A"));
    stream->WaitForInitialMetadata();  // sent once the server has subscribed it (or refused it)
    ReceiveStock(*inventory, "ST-1", "SKU-A", 1);
    v1::AvailabilityUpdate update;
    const bool delivered = stream->Read(&update);
    return std::pair{std::move(stream), delivered};
  };
  auto first_context = Deadline(20);
  auto first = started(*first_context);
  REQUIRE(first.second);
  auto second_context = Deadline(20);
  auto second = started(*second_context);
  REQUIRE(second.second);

  const grpc::Status refused = RefusedWatch(*availability, WatchOf("SKU-A"));
  CHECK(refused.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED);
  CHECK_THAT(refused.error_message(),
             Catch::Contains("2 watches") && Catch::Contains("--watchers_max"));

  // One ends: its place is free again once the server has seen it go.
  first_context->TryCancel();
  first.first->Finish();
  bool admitted = false;
  for (int attempt = 0; attempt < 50 && !admitted; ++attempt) {
    auto context = Deadline(20);
    auto third = started(*context);
    admitted = third.second;
    context->TryCancel();
    third.first->Finish();
    if (!admitted) absl::SleepFor(absl::Milliseconds(100));
  }
  CHECK(admitted);
  second_context->TryCancel();
}

}  // namespace omnistock::testing

namespace omnistock::testing {

TEST_CASE("a watcher that no longer reads gives its place back and does not hold a shutdown") {
  TempDir dir;
  ServerProcess server(dir.Sub("data"), {"--watchers_max=1", "--shutdown_grace=120s"});
  AddLocation(*server.network(), "WH-1", v1::WAREHOUSE);
  const std::string kLongLocation(kLocationIdLengthMax, 'W');
  AddLocation(*server.network(), kLongLocation, v1::WAREHOUSE);
  auto availability = v1::Availability::NewStub(server.channel());
  auto warehouse = v1::Warehouse::NewStub(server.channel());
  // The stalled watchers' own connection takes no more than its first window of their updates
  // (no window growth), so the server's write to them waits.
  grpc::ChannelArguments args;
  args.SetInt(GRPC_ARG_HTTP2_BDP_PROBE, 0);
  args.SetInt(GRPC_ARG_HTTP2_STREAM_LOOKAHEAD_BYTES, 16 * 1024);
  auto stalled_availability = v1::Availability::NewStub(
      grpc::CreateCustomChannel(server.address(), grpc::InsecureChannelCredentials(), args));
  // Whether a watch is admitted (it delivers nothing, so runs to its deadline), not refused for
  // --watchers_max (at once).
  auto admitted = [&] {
    auto context = Deadline(2);
    auto stream = availability->Watch(context.get(), WatchOf("SKU-NONE"));
    v1::AvailabilityUpdate update;
    CHECK_FALSE(stream->Read(&update));
    return stream->Finish().error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED;
  };

  // One falls far behind, and never reads again: after kWatchBehindWriteMax the server cancels
  // it, and its place is free.
  auto behind_context = Deadline(300);
  auto behind = stalled_availability->Watch(behind_context.get(), v1::WatchRequest());
  behind->WaitForInitialMetadata();
  REQUIRE_FALSE(admitted());
  CountNewSkus(*warehouse, "WH-1", 0, 30'000);
  bool freed = false;
  for (int attempt = 0; attempt < 120 && !freed; ++attempt) {
    freed = admitted();
    if (!freed) absl::SleepFor(absl::Milliseconds(250));
  }
  CHECK(freed);
  v1::AvailabilityUpdate update;
  int64_t delivered = 0;
  while (behind->Read(&update)) ++delivered;
  CHECK(behind->Finish().error_code() == grpc::StatusCode::CANCELLED);
  CHECK(delivered < 30'000);

  // One not behind, whose write waits when the server stops: the drain cancels it after
  // kWatchStoppingWriteMax instead of waiting the whole grace.
  // Admitted once the server has let the last probe's place go: it delivers a receipt.
  std::unique_ptr<grpc::ClientContext> stuck_context;
  std::unique_ptr<grpc::ClientReader<v1::AvailabilityUpdate>> stuck;
  for (int attempt = 0; attempt < 40 && !stuck; ++attempt) {
    stuck_context = Deadline(300);
    stuck = stalled_availability->Watch(stuck_context.get(), v1::WatchRequest());
    ReceiveStock(*server.inventory(), "WH-1", "SKU-PING", 1);
    if (!stuck->Read(&update)) {
      stuck->Finish();
      stuck.reset();
      absl::SleepFor(absl::Milliseconds(250));
    }
  }
  REQUIRE(stuck);
  // Long ids: about 160 bytes an update, 1.4 MB in all, past what the connection takes in.
  CountNewSkus(*warehouse, kLongLocation, 0, 9'000, std::string(kSkuLengthMax - 4, 'L'));
  std::future<int> exit_code = std::async(std::launch::async, [&] { return server.Terminate(); });
  REQUIRE(exit_code.wait_for(std::chrono::seconds(60)) == std::future_status::ready);
  CHECK(exit_code.get() == 0);
  stuck_context->TryCancel();
}

}  // namespace omnistock::testing
