// The omnistock command-line client, run as a real process against a real omnistockd: what it
// prints, its exit codes, and that what it reports is what the server holds.
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <string>

#include "catch2/catch.hpp"
#include "omnistock/v1/store_sales.grpc.pb.h"
#include "tests/integration/server_process.h"

namespace omnistock::testing {
namespace {

struct CliResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs `omnistock --target ADDRESS ARGS` through the shell; ARGS must be shell-safe.
CliResult RunCli(const std::string& address, const std::string& args) {
  const std::string command =
      std::string(OMNISTOCK_CLI_PATH) + " --target " + address + " --timeout 10 " + args + " 2>&1";
  CliResult result;
  FILE* pipe = ::popen(command.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 4096> buffer;
  size_t n = 0;
  while ((n = std::fread(buffer.data(), 1, buffer.size(), pipe)) > 0)
    result.output.append(buffer.data(), n);
  const int status = ::pclose(pipe);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return result;
}

}  // namespace

TEST_CASE("cli: availability, reserve, confirm and fulfil print what the server holds") {
  LiveServer live;
  AddLocation(*live.network, "ST-1");
  ReceiveStock(*live.inventory, "ST-1", "SKU-A", 10);
  ReceiveStock(*live.inventory, "ST-1", "SKU-B", 4);
  const std::string& address = live.server.address();

  CliResult shown = RunCli(address, "availability SKU-A");
  CHECK(shown.exit_code == 0);
  CHECK_THAT(shown.output,
             Catch::Contains("AVAILABLE") && Catch::Contains("ST-1") && Catch::Contains("10"));

  CliResult reserved =
      RunCli(address, "reserve --id order-1 --line SKU-A@ST-1:3 --line SKU-B@ST-1:1 --ttl 10m");
  INFO(reserved.output);
  CHECK(reserved.exit_code == 0);
  CHECK_THAT(reserved.output, Catch::Contains("HELD"));
  CHECK(PositionOf(*live.inventory, "SKU-A", "ST-1").reserved() == 3);
  CHECK(PositionOf(*live.inventory, "SKU-B", "ST-1").reserved() == 1);

  CHECK(RunCli(address, "confirm order-1").exit_code == 0);
  CliResult fulfilled = RunCli(address, "fulfill order-1");
  CHECK(fulfilled.exit_code == 0);
  CHECK_THAT(fulfilled.output, Catch::Contains("FULFILLED"));
  const v1::PositionView a = PositionOf(*live.inventory, "SKU-A", "ST-1");
  CHECK(a.on_hand() == 7);
  CHECK(a.reserved() == 0);

  CliResult json = RunCli(address, "--json get order-1");
  CHECK(json.exit_code == 0);
  CHECK_THAT(json.output, Catch::Contains("\"state\": \"FULFILLED\""));
}

TEST_CASE("cli: a short order exits 1 and shows what was available, and nothing is held") {
  LiveServer live;
  AddLocation(*live.network, "ST-1");
  ReceiveStock(*live.inventory, "ST-1", "SKU-A", 2);

  CliResult short_order = RunCli(live.server.address(), "reserve --id order-2 --line SKU-A@ST-1:5");
  CHECK(short_order.exit_code == 1);
  CHECK_THAT(short_order.output, Catch::Contains("FAILED_PRECONDITION") &&
                                     Catch::Contains("REQUESTED") && Catch::Contains("SKU-A"));
  CHECK(PositionOf(*live.inventory, "SKU-A", "ST-1").reserved() == 0);
}

TEST_CASE(
    "cli: a receipt sent twice with --idempotency-key is added once, the second a duplicate") {
  LiveServer live;
  AddLocation(*live.network, "WH-1", v1::WAREHOUSE);
  const std::string receipt = "receive WH-1 SKU-A 12 --reference PO-7 --idempotency-key PO-7/1";
  const CliResult first = RunCli(live.server.address(), receipt);
  INFO(first.output);
  CHECK(first.exit_code == 0);
  CHECK_THAT(first.output, !Catch::Contains("duplicate"));
  const CliResult again = RunCli(live.server.address(), receipt);
  INFO(again.output);
  CHECK(again.exit_code == 0);
  CHECK_THAT(again.output, Catch::Contains("duplicate: nothing changed, it was already so"));
  CHECK(PositionOf(*live.inventory, "SKU-A", "WH-1").on_hand() == 12);
}

TEST_CASE("cli: adjust --non-sellable changes the units kept apart, shown in their own column") {
  LiveServer live;
  AddLocation(*live.network, "ST-1");
  ReceiveStock(*live.inventory, "ST-1", "SKU-A", 5);
  const std::string adjust = "adjust ST-1 SKU-A -2 --reason correction --non-sellable";
  const CliResult refused = RunCli(live.server.address(), adjust);
  INFO(refused.output);
  CHECK(refused.exit_code == 1);
  CHECK_THAT(refused.output, Catch::Contains("adjusting non_sellable 0 by -2"));
  // Three damaged units come back at the till, kept apart; two go back to the vendor.
  auto sales = v1::StoreSales::NewStub(live.server.channel());
  v1::RecordReturnRequest back;
  back.set_location_id("ST-1");
  back.set_terminal_id("till-1");
  back.set_pos_transaction_id("R-1");
  back.set_non_sellable(true);
  back.set_reason("damaged");
  v1::PosLine* line = back.add_lines();
  line->set_sku("SKU-A");
  line->set_quantity(3);
  v1::PosResult returned;
  REQUIRE(sales->RecordReturn(Deadline().get(), back, &returned).ok());
  const CliResult sent_back = RunCli(live.server.address(), adjust);
  INFO(sent_back.output);
  CHECK(sent_back.exit_code == 0);
  CHECK_THAT(sent_back.output, Catch::Contains("NON_SELLABLE") && Catch::Contains("IN_TRANSIT"));
  // The row: SKU-A ST-1 5 0 0 5 0 1 (on_hand untouched, one unit still apart).
  CHECK_THAT(sent_back.output, Catch::Matches("(.|\\n)*SKU-A +ST-1 +5 +0 +0 +5 +0 +1\\s*"));
  const v1::PositionView position = PositionOf(*live.inventory, "SKU-A", "ST-1");
  CHECK(position.non_sellable() == 1);
  CHECK(position.on_hand() == 5);
}

TEST_CASE("cli: a malformed command line exits 2 and calls nothing") {
  LiveServer live;
  AddLocation(*live.network, "ST-1");
  ReceiveStock(*live.inventory, "ST-1", "SKU-A", 2);

  CliResult bad_line = RunCli(live.server.address(), "reserve --id order-3 --line SKU-A@ST-1");
  CHECK(bad_line.exit_code == 2);
  CHECK_THAT(bad_line.output, Catch::Contains("SKU@LOCATION:QTY"));
  CliResult bad_reason = RunCli(live.server.address(), "adjust ST-1 SKU-A -1 --reason lost");
  CHECK(bad_reason.exit_code == 2);
  CHECK(PositionOf(*live.inventory, "SKU-A", "ST-1").on_hand() == 2);
  CHECK(PositionOf(*live.inventory, "SKU-A", "ST-1").reserved() == 0);
}

TEST_CASE("cli: plan shows where an order comes from, and route holds it") {
  LiveServer live;
  AddLocation(*live.network, "WH-1", v1::WAREHOUSE);
  ReceiveStock(*live.inventory, "WH-1", "SKU-A", 10);
  const std::string& address = live.server.address();

  CliResult planned = RunCli(address, "plan --line SKU-A:2 --to 35.66,139.70");
  INFO(planned.output);
  CHECK(planned.exit_code == 0);
  CHECK_THAT(planned.output, Catch::Contains("PLAN_FULFILLED") && Catch::Contains("WH-1") &&
                                 Catch::Contains("DELIVERY_PARCEL"));
  CHECK(PositionOf(*live.inventory, "SKU-A", "WH-1").reserved() == 0);

  CliResult routed = RunCli(address,
                            "route --id routed-1 --line SKU-A:2 --to 35.66,139.70 --ttl 30m "
                            "--order-ref web-1 --brief");
  INFO(routed.output);
  CHECK(routed.exit_code == 0);
  CHECK_THAT(routed.output, Catch::Contains("HELD") && Catch::Contains("web-1"));
  CHECK(PositionOf(*live.inventory, "SKU-A", "WH-1").reserved() == 2);

  // A plan that cannot be covered reserves nothing, and says so with exit 1.
  CliResult rejected = RunCli(address, "route --id routed-2 --line SKU-A:50 --to 35.66,139.70");
  INFO(rejected.output);
  CHECK(rejected.exit_code == 1);
  CHECK_THAT(rejected.output,
             Catch::Contains("PLAN_REJECTED") && Catch::Contains("nothing reserved"));
  CHECK(PositionOf(*live.inventory, "SKU-A", "WH-1").reserved() == 2);

  CHECK(RunCli(address, "plan --line SKU-A:2 --to north").exit_code == 2);
  CHECK(RunCli(address, "route --id routed-3 --line SKU-A:1 --to 35.66,139.70 --ttl soon")
            .exit_code == 2);
}

TEST_CASE("cli: an unreachable server exits 1 and says where it looked") {
  // Port 1 on loopback: nothing listens there.
  CliResult unreachable = RunCli("127.0.0.1:1", "availability SKU-A");
  CHECK(unreachable.exit_code == 1);
  CHECK_THAT(unreachable.output, Catch::Contains("127.0.0.1:1"));
  CliResult health = RunCli("127.0.0.1:1", "health");
  CHECK(health.exit_code == 1);
  CHECK_THAT(health.output, Catch::Contains("127.0.0.1:1"));
}

TEST_CASE("cli: health says SERVING and exits 0 while the server serves") {
  LiveServer live;
  CliResult health = RunCli(live.server.address(), "health");
  INFO(health.output);
  CHECK(health.exit_code == 0);
  CHECK(health.output == "SERVING\n");
  CliResult json = RunCli(live.server.address(), "--json health");
  CHECK(json.exit_code == 0);
  CHECK_THAT(json.output, Catch::Contains("\"status\": \"SERVING\""));
  CliResult liveness = RunCli(live.server.address(), "health --service omnistock.liveness");
  CHECK(liveness.exit_code == 0);
  CHECK(liveness.output == "SERVING\n");
  // A name the server does not serve is an error, not a silent SERVING.
  CliResult unknown = RunCli(live.server.address(), "health --service omnistock.nothing");
  CHECK(unknown.exit_code == 1);
  CHECK_THAT(unknown.output, Catch::Contains("NOT_FOUND"));
}

TEST_CASE("cli: watch replays the changes of a SKU and stops after --count updates") {
  LiveServer live;
  AddLocation(*live.network, "ST-1");
  ReceiveStock(*live.inventory, "ST-1", "SKU-A", 10);
  ReceiveStock(*live.inventory, "ST-1", "SKU-B", 4);
  ReceiveStock(*live.inventory, "ST-1", "SKU-A", 2);
  const std::string& address = live.server.address();

  CliResult watched = RunCli(address, "watch --sku SKU-A --after 0 --count 2");
  INFO(watched.output);
  CHECK(watched.exit_code == 0);
  CHECK_THAT(watched.output, Catch::Contains("AVAILABLE") && Catch::Contains("RECEIVE"));
  CHECK_THAT(watched.output, Catch::Contains("10") && Catch::Contains("12"));
  CHECK_THAT(watched.output, !Catch::Contains("SKU-B"));

  CliResult json = RunCli(address, "--json watch --sku SKU-A --after 0 --count 1");
  INFO(json.output);
  CHECK(json.exit_code == 0);
  CHECK_THAT(json.output, Catch::Contains("\"onHand\":\"10\"") && !Catch::Contains("\"12\""));

  // The server refuses a resume point past the journal; the CLI says so and exits 1.
  CliResult ahead = RunCli(address, "watch --after 1000000");
  CHECK(ahead.exit_code == 1);
  CHECK_THAT(ahead.output, Catch::Contains("OUT_OF_RANGE"));
  CHECK(RunCli(address, "watch --count 0").exit_code == 2);
}

}  // namespace omnistock::testing
