// The omnistock command-line client, run as a real process against a real omnistockd: what it
// prints, its exit codes, and that what it reports is what the server holds.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "catch2/catch.hpp"
#include "omnistock/v1/store_sales.grpc.pb.h"
#include "tests/integration/server_process.h"
#include "tests/support/temp_dir.h"

namespace omnistock::testing {
namespace {

struct CliResult {
  int exit_code = -1;
  std::string output;  // stdout and stderr together
};

// Runs `omnistock --target ADDRESS TAIL` through the shell as it is, e.g. with "2>/dev/null"
// to keep only stdout; TAIL must be shell-safe.
CliResult RunCliAsIs(const std::string& address, const std::string& tail) {
  const std::string command = std::string(OMNISTOCK_CLI_PATH) + " --target " + address + " " + tail;
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

// Runs `omnistock --target ADDRESS --timeout 10 ARGS`, stdout and stderr together.
CliResult RunCli(const std::string& address, const std::string& args) {
  return RunCliAsIs(address, "--timeout 10 " + args + " 2>&1");
}

// The first line of `output` that starts with `prefix`, or empty. (Catch::Matches over a long
// output runs std::regex into its recursion.)
std::string LineStartingWith(const std::string& output, const std::string& prefix) {
  for (size_t start = 0; start < output.size();) {
    const size_t end = std::min(output.find('\n', start), output.size());
    if (output.compare(start, prefix.size(), prefix) == 0) return output.substr(start, end - start);
    start = end + 1;
  }
  return std::string();
}

// Writes `text` to a new file `name` in `dir` and returns its path.
std::string WriteFile(const TempDir& dir, const std::string& name, const std::string& text) {
  const std::string path = dir.Sub(name);
  std::ofstream(path) << text;
  return path;
}

// Matches output with the row NAME VALUE of a summary table, e.g. "rows_applied    2".
Catch::Matchers::StdString::RegexMatcher SummaryRow(const std::string& name, int64_t value) {
  return Catch::Matches(absl::StrCat("(.|\\n)*", name, " +", value, "\\n(.|\\n)*"));
}

v1::Location LocationOf(v1::Network::Stub& network, const std::string& id) {
  v1::ListLocationsResponse listed;
  REQUIRE(network.ListLocations(Deadline().get(), v1::ListLocationsRequest(), &listed).ok());
  for (const v1::Location& location : listed.locations()) {
    if (location.location_id() == id) return location;
  }
  FAIL("no location " << id);
  return {};
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
  // With --json the short lines come on stdout as JSON, for a script to read; the error line
  // stays on stderr.
  CliResult as_json = RunCliAsIs(live.server.address(),
                                 "--timeout 10 --json reserve --id order-2 --line SKU-A@ST-1:5 "
                                 "2>/dev/null");
  CHECK(as_json.exit_code == 1);
  CHECK_THAT(as_json.output, Catch::StartsWith("{") && Catch::Contains("\"shortLines\": [") &&
                                 Catch::Contains("\"requested\": \"5\"") &&
                                 Catch::Contains("\"available\": \"2\""));
  CHECK_THAT(as_json.output, !Catch::Contains("REQUESTED") && !Catch::Contains("error:"));
}

TEST_CASE("cli: reserve and route retried after a release exit 1: the replay holds nothing") {
  LiveServer live;
  AddLocation(*live.network, "WH-1", v1::WAREHOUSE);
  ReceiveStock(*live.inventory, "WH-1", "SKU-A", 10);
  const std::string& address = live.server.address();

  const std::string reserve = "reserve --id order-r --line SKU-A@WH-1:1";
  REQUIRE(RunCli(address, reserve).exit_code == 0);
  CHECK(RunCli(address, reserve).exit_code == 0);  // a replay of a HELD order holds it
  REQUIRE(RunCli(address, "release order-r").exit_code == 0);
  const CliResult again = RunCli(address, reserve);
  INFO(again.output);
  CHECK(again.exit_code == 1);
  CHECK_THAT(again.output, Catch::Contains("RELEASED") && Catch::Contains("holds no stock"));

  const std::string route = "route --id routed-r --line SKU-A:1 --to 35.66,139.70 --brief";
  REQUIRE(RunCli(address, route).exit_code == 0);
  REQUIRE(RunCli(address, "release routed-r").exit_code == 0);
  const CliResult rerouted = RunCli(address, route);
  INFO(rerouted.output);
  CHECK(rerouted.exit_code == 1);
  CHECK_THAT(rerouted.output, Catch::Contains("holds no stock"));
  // A replay has no plan to show: the reservation starts the output, no blank line before it.
  const CliResult shown = RunCliAsIs(address, route + " 2>/dev/null");
  CHECK_THAT(shown.output, Catch::StartsWith("id"));
  CHECK(PositionOf(*live.inventory, "SKU-A", "WH-1").reserved() == 0);
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
  CHECK_THAT(sent_back.output, Catch::Matches("(.|\\n)*SKU-A +ST-1 +5 +0 +0 +5 +0 +1 +0\\s*"));
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
  CliResult unknown = RunCli(live.server.address(), "reserv --id order-3 --line SKU-A@ST-1:1");
  CHECK(unknown.exit_code == 2);
  CHECK_THAT(unknown.output, Catch::StartsWith("error: 'reserv' is not a command"));
  CliResult bad_reason = RunCli(live.server.address(), "adjust ST-1 SKU-A -1 --reason lost");
  CHECK(bad_reason.exit_code == 2);
  // A number CLI11 would saturate, or read as octal, is a usage error.
  for (const char* quantity : {"9223372036854775808", "99999999999999999999", "010"}) {
    const CliResult refused =
        RunCli(live.server.address(), std::string("receive ST-1 SKU-A ") + quantity);
    INFO(refused.output);
    CHECK(refused.exit_code == 2);
  }
  // A known command missing a required option names the option, not the command as unknown.
  CliResult no_reason = RunCli(live.server.address(), "adjust ST-1 SKU-A -1");
  CHECK(no_reason.exit_code == 2);
  CHECK_THAT(no_reason.output, Catch::Contains("--reason is required"));
  CHECK_THAT(no_reason.output, !Catch::Contains("not a command"));
  // A mistyped option is named as such, not as the required one it was meant to be, missing;
  // a negative number and an option's value that starts with '-' are not taken for options.
  CliResult typo = RunCli(live.server.address(), "adjust ST-1 SKU-A -1 --reasn damage");
  CHECK(typo.exit_code == 2);
  CHECK_THAT(typo.output, Catch::StartsWith("error: --reasn is not an option of 'adjust'"));
  CliResult typo_first =
      RunCli(live.server.address(), "reserve --iid order-3 --locaton ST-1 --line SKU-A@ST-1:1");
  CHECK(typo_first.exit_code == 2);
  CHECK_THAT(typo_first.output, Catch::StartsWith("error: --iid is not an option of 'reserve'"));
  CliResult dash_value = RunCli(live.server.address(), "adjust ST-1 SKU-A -1 --reference -r7");
  CHECK(dash_value.exit_code == 2);
  CHECK_THAT(dash_value.output, Catch::Contains("--reason is required"));
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
  CHECK_THAT(rejected.output, Catch::Contains("plan PLAN_REJECTED: nothing can be planned") &&
                                  Catch::Contains("nothing reserved") &&
                                  !Catch::Contains("cost 0.00") && Catch::Contains(", network-") &&
                                  Catch::Contains("the candidates below say why") &&
                                  Catch::Contains("INSUFFICIENT_AVAILABLE"));
  CHECK(PositionOf(*live.inventory, "SKU-A", "WH-1").reserved() == 2);

  // A SKU no location holds has no candidate at all: no list to point to.
  CliResult unheld = RunCli(address, "plan --line SKU-NOWHERE:1 --to 35.66,139.70");
  INFO(unheld.output);
  CHECK(unheld.exit_code == 0);
  CHECK_THAT(unheld.output, Catch::Contains("no location is a candidate") &&
                                !Catch::Contains("below") && !Catch::Contains("not used"));

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
  CHECK_THAT(ahead.output, !Catch::Contains("AVAILABLE"));  // no table header for a refusal
  // A quiet feed shows the header: the watch is on.
  CliResult quiet = RunCliAsIs(address, "--timeout 1 watch --sku SKU-NONE 2>&1");
  INFO(quiet.output);
  CHECK(quiet.exit_code == 0);
  CHECK_THAT(quiet.output, Catch::StartsWith("SEQ ") && Catch::Contains("AVAILABLE"));
  CHECK(RunCli(address, "watch --count 0").exit_code == 2);
}

TEST_CASE("cli: a watch stopped by a signal says where to resume, and exits 128 + the signal") {
  LiveServer live;
  AddLocation(*live.network, "ST-1");
  ReceiveStock(*live.inventory, "ST-1", "SKU-A", 10);
  ReceiveStock(*live.inventory, "ST-1", "SKU-A", 2);
  const uint64_t last = PositionOf(*live.inventory, "SKU-A", "ST-1").last_sequence();
  // SIGTERM: a background job of a shell that is not interactive ignores SIGINT, and the CLI
  // leaves an ignored signal ignored; a terminal's Ctrl-C takes the same way (130). The process
  // ends by the signal, as its default action would end it.
  CliResult stopped =
      RunCliAsIs(live.server.address(),
                 "watch --after 0 2>&1 & p=$!; sleep 1; kill -TERM $p; wait $p; echo exit=$?");
  INFO(stopped.output);
  CHECK_THAT(stopped.output,
             Catch::Contains("stopped by SIGTERM; resume with --after " + std::to_string(last)));
  CHECK_THAT(stopped.output, Catch::EndsWith("exit=143\n"));
}

TEST_CASE("cli: a till's sale is recorded once, and a return kept apart is not sellable") {
  LiveServer live;
  AddLocation(*live.network, "ST-1");
  ReceiveStock(*live.inventory, "ST-1", "SKU-A", 5);
  const std::string& address = live.server.address();
  const std::string sale = "sale ST-1 --terminal till-1 --transaction T-1 --line SKU-A:2";

  const CliResult sold = RunCli(address, sale);
  INFO(sold.output);
  CHECK(sold.exit_code == 0);
  CHECK_THAT(sold.output, Catch::Contains("recorded, journal sequence"));
  CHECK_THAT(sold.output, Catch::Matches("(.|\\n)*SKU-A +ST-1 +3 +0 +0 +3 +0 +0 +0\\s*"));
  const CliResult again = RunCli(address, sale);
  CHECK(again.exit_code == 0);
  CHECK_THAT(again.output, Catch::Contains("duplicate: recorded before, nothing changed"));
  CHECK(PositionOf(*live.inventory, "SKU-A", "ST-1").on_hand() == 3);
  // The same transaction with other lines is refused, and changes nothing.
  const CliResult other =
      RunCli(address, "sale ST-1 --terminal till-1 --transaction T-1 --line SKU-A:1");
  CHECK(other.exit_code == 1);
  CHECK_THAT(other.output, Catch::Contains("ALREADY_EXISTS"));
  // More than is on hand: a sale at the till already happened, and is never refused.
  CHECK(RunCli(address,
               "sale ST-1 --terminal till-1 --transaction T-2 --line SKU-A:4 "
               "--at 2026-01-01T10:00:00Z")
            .exit_code == 1);  // too old a till time: a clock fault, refused
  CHECK(RunCli(address, "sale ST-1 --terminal till-1 --transaction T-2 --line SKU-A:4").exit_code ==
        0);
  CHECK(PositionOf(*live.inventory, "SKU-A", "ST-1").on_hand() == -1);

  // --json: the response alone on stdout, as JSON.
  const CliResult json = RunCliAsIs(
      address, "--json sale ST-1 --terminal till-1 --transaction T-9 --line SKU-A:1 2>/dev/null");
  CHECK(json.exit_code == 0);
  CHECK_THAT(json.output, Catch::StartsWith("{") && Catch::Contains("\"sequence\": \"") &&
                              Catch::EndsWith("}\n"));
  CHECK(PositionOf(*live.inventory, "SKU-A", "ST-1").on_hand() == -2);

  const CliResult returned =
      RunCli(address,
             "return ST-1 --terminal till-1 --transaction R-1 --line SKU-A:1 --non-sellable "
             "--reason damaged --order-ref web-9");
  INFO(returned.output);
  CHECK(returned.exit_code == 0);
  const v1::PositionView position = PositionOf(*live.inventory, "SKU-A", "ST-1");
  CHECK(position.on_hand() == -2);
  CHECK(position.non_sellable() == 1);

  CHECK(RunCli(address, "sale ST-1 --terminal till-1 --transaction T-3 --line SKU-A").exit_code ==
        2);
  CHECK(RunCli(address, "sale ST-1 --terminal till-1 --transaction T-3 --line SKU-A:1 --at noon")
            .exit_code == 2);
  CHECK(PositionOf(*live.inventory, "SKU-A", "ST-1").on_hand() == -2);

  // Held for orders beyond what the shelf has: the table shows the shortfall.
  ReceiveStock(*live.inventory, "ST-1", "SKU-B", 3);
  REQUIRE(RunCli(address, "reserve --id web-1 --line SKU-B@ST-1:3").exit_code == 0);
  const CliResult oversold =
      RunCli(address, "sale ST-1 --terminal till-1 --transaction T-20 --line SKU-B:2");
  INFO(oversold.output);
  CHECK_THAT(oversold.output,
             Catch::Contains("SHORTFALL") &&
                 Catch::Matches("(.|\\n)*SKU-B +ST-1 +1 +3 +0 +0 +0 +0 +2\\n(.|\\n)*"));
  // The movements name who or why: the till, and the reason a return was kept apart.
  const CliResult journal = RunCli(address, "movements --location ST-1");
  INFO(journal.output);
  CHECK_THAT(journal.output, Catch::Contains("ACTOR") && Catch::Contains("damaged"));
}

TEST_CASE("cli: counts sends a CSV file's rows, and a file with a bad row sends nothing") {
  LiveServer live;
  AddLocation(*live.network, "WH-1", v1::WAREHOUSE);
  ReceiveStock(*live.inventory, "WH-1", "SKU-A", 10);
  const TempDir dir;
  const std::string& address = live.server.address();
  const std::string an_hour_ago =
      absl::FormatTime(absl::RFC3339_sec, absl::Now() - absl::Hours(1), absl::UTCTimeZone());
  // 12,000 rows (two batches: 10,000 and 2,000), each counting SKU-C<i> at WH-1, with a column
  // header and a comment.
  std::string rows = "location_id,sku,counted_quantity,counted_at\n# new SKUs\n";
  for (int i = 0; i < 12'000; ++i) {
    absl::StrAppend(&rows, "WH-1,SKU-C", i, ",", i, ",", an_hour_ago, "\n");
  }

  // A bad row in the second batch: nothing is sent, not even the first batch.
  for (const auto& [tail, why] : std::vector<std::pair<std::string, std::string>>{
           {"WH-1,SKU-A,seven\n", "line 12003 'WH-1,SKU-A,seven': COUNTED must be"},
           {"WH-1,SKU A,7\n", "line 12003 'WH-1,SKU A,7': SKU may contain only"},
           {"WH-1,SKU-A,7,2026-01-01T00:00:00Z\n", "COUNTED_AT must be at most 30 days back"},
           {"WH-1,SKU-C5,7," + an_hour_ago + "\n", "already counted at the same time"}}) {
    const CliResult refused = RunCli(address, "counts " + WriteFile(dir, "bad.csv", rows + tail));
    INFO(refused.output);
    CHECK(refused.exit_code == 2);
    CHECK_THAT(refused.output, Catch::Contains(why));
  }
  // Rows without a time take --counted-at, which is checked as itself.
  const CliResult too_old = RunCli(address, "counts --counted-at 2026-01-01T00:00:00Z " +
                                                WriteFile(dir, "t.csv", "WH-1,SKU-A,7\n"));
  CHECK(too_old.exit_code == 2);
  CHECK_THAT(too_old.output, Catch::StartsWith("error: --counted-at must be at most 30 days back"));
  // A first line that is not all column names is a row, not a header.
  const CliResult not_header =
      RunCli(address, "counts " + WriteFile(dir, "h.csv", "location-7,SKU-A,abc\nWH-1,SKU-A,7\n"));
  CHECK(not_header.exit_code == 2);
  CHECK_THAT(not_header.output, Catch::Contains("line 1"));
  // Column names name each column once: then rows follow their order.
  const CliResult twice = RunCli(
      address, "counts " + WriteFile(dir, "h2.csv", "location,sku,location\nWH-1,SKU-A,7\n"));
  CHECK(twice.exit_code == 2);
  CHECK_THAT(twice.output, Catch::Contains("must name LOCATION, SKU and COUNTED once each"));
  const CliResult short_row =
      RunCli(address, "counts " + WriteFile(dir, "h3.csv", "sku,counted,location\nSKU-A,7\n"));
  CHECK(short_row.exit_code == 2);
  CHECK_THAT(short_row.output, Catch::Contains("line 2 'SKU-A,7' is not SKU,COUNTED,LOCATION"));
  CHECK(PositionOf(*live.inventory, "SKU-A", "WH-1").on_hand() == 10);
  CHECK(PositionOf(*live.inventory, "SKU-C5", "WH-1").on_hand() == 0);  // never counted

  // The file as a spreadsheet writes it (byte-order mark, CRLF), one row at an unknown location:
  // the rest is applied, and the exit code says not everything was. No --timeout: no deadline.
  std::string spreadsheet = "\xEF\xBB\xBF" + rows + "WH-1,SKU-A,7\r\nWH-9,SKU-A,1\r\n";
  const CliResult counted =
      RunCliAsIs(address, "counts " + WriteFile(dir, "counts.csv", spreadsheet) + " 2>&1");
  INFO(counted.output);
  CHECK(counted.exit_code == 1);
  CHECK_THAT(counted.output,
             Catch::Contains("sent 2 of 2 batches (12002 of 12002 rows)") &&
                 Catch::Contains("1 rows were not applied:\n  line 12004 WH-9,SKU-A: a location "
                                 "the server does not know\n"));
  CHECK_THAT(counted.output, SummaryRow("rows_applied", 12001) && SummaryRow("rows_stale", 0) &&
                                 SummaryRow("rows_unknown", 1));
  CHECK(PositionOf(*live.inventory, "SKU-A", "WH-1").on_hand() == 7);
  CHECK(PositionOf(*live.inventory, "SKU-C5", "WH-1").on_hand() == 5);
  CHECK(PositionOf(*live.inventory, "SKU-C11999", "WH-1").on_hand() == 11999);

  // Columns in another order, named by the first line, are read in that order.
  const CliResult reordered = RunCli(
      address, "counts " + WriteFile(dir, "reordered.csv", "SKU,Counted,Location\nSKU-A,3,WH-1\n"));
  INFO(reordered.output);
  CHECK(reordered.exit_code == 0);
  CHECK(PositionOf(*live.inventory, "SKU-A", "WH-1").on_hand() == 3);

  // Quoted fields, as a WMS export writes every field.
  const CliResult quoted = RunCli(
      address,
      "counts " + WriteFile(dir, "quoted.csv",
                            "\"sku\",\"location\",\"counted\"\n\"SKU-A\", \"WH-1\",\"4\"\n"));
  INFO(quoted.output);
  CHECK(quoted.exit_code == 0);
  CHECK(PositionOf(*live.inventory, "SKU-A", "WH-1").on_hand() == 4);
  const CliResult open_quote =
      RunCli(address, "counts " + WriteFile(dir, "open.csv", "WH-1,\"SKU-A,5\n"));
  CHECK(open_quote.exit_code == 2);
  CHECK_THAT(open_quote.output,
             Catch::Contains("line 1 'WH-1,\"SKU-A,5': a field's opening quote is not closed"));
  CHECK(PositionOf(*live.inventory, "SKU-A", "WH-1").on_hand() == 4);

  // Rows without a date were counted when the file was written: the same file sent again (a
  // retry) is stale, and the receipt made in between stays (black-box finding: dated now, the
  // retry was a new count that took it off again).
  const std::string once = WriteFile(dir, "once.csv", "WH-1,SKU-R,20\n");
  REQUIRE(RunCli(address, "counts " + once).exit_code == 0);
  ReceiveStock(*live.inventory, "WH-1", "SKU-R", 5);
  const CliResult retried = RunCli(address, "counts " + once);
  INFO(retried.output);
  CHECK(retried.exit_code == 0);
  CHECK_THAT(retried.output, SummaryRow("rows_applied", 0) && SummaryRow("rows_stale", 1));
  CHECK(PositionOf(*live.inventory, "SKU-R", "WH-1").on_hand() == 25);
  // A file written long ago: its time is refused as a clock fault, saying whose time it is.
  std::filesystem::last_write_time(
      once, std::filesystem::file_time_type::clock::now() - std::chrono::hours(24 * 40));
  const CliResult old_file = RunCli(address, "counts " + once);
  CHECK(old_file.exit_code == 2);
  CHECK_THAT(old_file.output, Catch::Contains(once + " was last written") &&
                                  Catch::Contains("must be at most 30 days back"));
  // Its time does not matter when every row has its own (a copy keeps its source's time).
  const std::string dated =
      WriteFile(dir, "dated.csv",
                "WH-1,SKU-S,30," +
                    absl::FormatTime(absl::RFC3339_full, absl::Now() - absl::Minutes(1),
                                     absl::UTCTimeZone()) +
                    "\n");
  std::filesystem::last_write_time(
      dated, std::filesystem::file_time_type::clock::now() - std::chrono::hours(24 * 40));
  const CliResult copied = RunCli(address, "counts " + dated);
  INFO(copied.output);
  CHECK(copied.exit_code == 0);
  CHECK_THAT(copied.output, SummaryRow("rows_applied", 1));
}

// A server whose store ST-1 holds `units` of SKU-A, and a directory for the files sent to it.
struct StoreAndFiles {
  explicit StoreAndFiles(int64_t units) {
    AddLocation(*live.network, "ST-1");
    ReceiveStock(*live.inventory, "ST-1", "SKU-A", units);
  }
  LiveServer live;
  const TempDir dir;
  const std::string& address = live.server.address();
};

TEST_CASE("cli: upload-sales sends a file of sales in order and shows what became of each") {
  StoreAndFiles store(5);
  LiveServer& live = store.live;
  const TempDir& dir = store.dir;
  const std::string& address = store.address;
  const std::string sale =
      R"({"location_id":"ST-1","terminal_id":"till-2","pos_transaction_id":"U-1",)"
      R"("lines":[{"sku":"SKU-A","quantity":2}]})";
  const std::string zero =
      R"({"location_id":"ST-1","terminal_id":"till-2","pos_transaction_id":"U-2",)"
      R"("lines":[{"sku":"SKU-A","quantity":0}]})";

  const std::string bad = WriteFile(dir, "bad.jsonl", sale + "\n{\"location_id\": 5\n");
  const CliResult refused = RunCli(address, "upload-sales " + bad);
  CHECK(refused.exit_code == 2);
  CHECK_THAT(refused.output, Catch::Contains("line 2"));
  CHECK(PositionOf(*live.inventory, "SKU-A", "ST-1").on_hand() == 5);

  const std::string file = WriteFile(dir, "sales.jsonl", sale + "\n" + zero + "\n\n" + sale + "\n");
  const CliResult uploaded = RunCli(address, "upload-sales " + file);
  INFO(uploaded.output);
  CHECK(uploaded.exit_code == 1);  // one sale rejected
  CHECK_THAT(uploaded.output, Catch::Contains("1 of 3 sales were rejected"));
  // The rejected sale by its line in the file (line 2), not its index in the stream (1).
  CHECK_THAT(uploaded.output, Catch::Matches("(.|\\n)*\\n2 +U-2 +lines\\[0\\]\\.quantity(.|\\n)*"));
  CHECK_THAT(uploaded.output, Catch::Contains("sent 3 of 3 sales"));
  CHECK_THAT(uploaded.output, SummaryRow("applied", 1) && SummaryRow("duplicates", 1) &&
                                  Catch::Contains("U-2") && Catch::Contains("quantity"));
  CHECK(PositionOf(*live.inventory, "SKU-A", "ST-1").on_hand() == 3);
}

TEST_CASE("cli: reserve-batch holds a file's orders in calls of 1,000, each on its own") {
  StoreAndFiles store(2000);
  LiveServer& live = store.live;
  const TempDir& dir = store.dir;
  const std::string& address = store.address;
  // 1,002 orders of one unit (two calls), the 501st for more than there is.
  std::string orders;
  for (int i = 0; i < 1002; ++i) {
    absl::StrAppend(&orders, R"({"reservation_id":"b-)", i, R"(","lines":[{"sku":"SKU-A",)",
                    R"("location_id":"ST-1","quantity":)", i == 500 ? 5000 : 1, "}]}\n");
  }
  const std::string file = WriteFile(dir, "orders.jsonl", orders);
  const CliResult held = RunCli(address, "reserve-batch " + file);
  INFO(held.output.substr(0, 2000));
  CHECK(held.exit_code == 1);
  CHECK_THAT(held.output, Catch::Contains("sent 1000 of 1002 orders") &&
                              Catch::Contains("sent 1002 of 1002 orders") &&
                              Catch::Contains("1 of 1002 orders were not held"));
  CHECK_THAT(LineStartingWith(held.output, "501 "),
             Catch::Matches("501 +b-500 +FAILED_PRECONDITION +insufficient.*"));
  CHECK_THAT(LineStartingWith(held.output, "1002 "),
             Catch::Matches("1002 +b-1001 +HELD +expires_at.*"));
  CHECK(PositionOf(*live.inventory, "SKU-A", "ST-1").reserved() == 1001);

  // Sent again: every order a replay, nothing held twice; a malformed line sends nothing.
  CHECK(RunCli(address, "reserve-batch " + file).exit_code == 1);  // b-500 is still short
  CHECK(PositionOf(*live.inventory, "SKU-A", "ST-1").reserved() == 1001);
  const CliResult malformed =
      RunCli(address, "reserve-batch " + WriteFile(dir, "bad.jsonl",
                                                   R"({"reservation_id":"c-1"})"
                                                   "\n{\"reservation_id\"\n"));
  CHECK(malformed.exit_code == 2);
  CHECK_THAT(malformed.output, Catch::Contains("line 2 is not a ReserveRequest"));
  CHECK(PositionOf(*live.inventory, "SKU-A", "ST-1").reserved() == 1001);

  // A replay of an order since released holds nothing: not counted as held.
  REQUIRE(RunCli(address, "release b-0").exit_code == 0);
  const std::string first_line = orders.substr(0, orders.find('\n') + 1);
  const CliResult released =
      RunCli(address, "reserve-batch " + WriteFile(dir, "b0.jsonl", first_line));
  INFO(released.output);
  CHECK(released.exit_code == 1);
  CHECK_THAT(LineStartingWith(released.output, "1 "),
             Catch::Matches("1 +b-0 +RELEASED +a replay.*"));
  CHECK_THAT(released.output, Catch::Contains("1 of 1 orders were not held"));
}

TEST_CASE("cli: transfer ships stock in transit, receive-transfer lands it") {
  LiveServer live;
  AddLocation(*live.network, "WH-1", v1::WAREHOUSE);
  AddLocation(*live.network, "ST-1");
  ReceiveStock(*live.inventory, "WH-1", "SKU-A", 10);
  const std::string& address = live.server.address();

  const CliResult shipped =
      RunCli(address, "transfer --id TR-1 --from WH-1 --to ST-1 --line SKU-A:4");
  INFO(shipped.output);
  CHECK(shipped.exit_code == 0);
  CHECK_THAT(shipped.output, Catch::Contains("IN_TRANSIT") && Catch::Contains("TR-1"));
  CHECK(PositionOf(*live.inventory, "SKU-A", "WH-1").on_hand() == 6);
  CHECK(PositionOf(*live.inventory, "SKU-A", "ST-1").in_transit() == 4);

  const CliResult landed = RunCli(address, "receive-transfer TR-1");
  INFO(landed.output);
  CHECK(landed.exit_code == 0);
  CHECK_THAT(landed.output, Catch::Contains("RECEIVED"));
  const v1::PositionView store = PositionOf(*live.inventory, "SKU-A", "ST-1");
  CHECK(store.on_hand() == 4);
  CHECK(store.in_transit() == 0);
  CHECK(RunCli(address, "receive-transfer TR-9").exit_code == 1);

  // Received short: what arrived beside what was shipped.
  REQUIRE(RunCli(address, "transfer --id TR-2 --from WH-1 --to ST-1 --line SKU-A:3").exit_code ==
          0);
  CHECK(RunCli(address, "receive-transfer TR-2 --line SKU-A:-1").exit_code == 2);
  const CliResult short_landed = RunCli(address, "receive-transfer TR-2 --line SKU-A:2");
  INFO(short_landed.output);
  CHECK(short_landed.exit_code == 0);
  CHECK_THAT(short_landed.output, Catch::Contains("QUANTITY  RECEIVED"));
  const std::vector<std::string> words = absl::StrSplit(
      short_landed.output.substr(short_landed.output.rfind("SKU-A")), ' ', absl::SkipWhitespace());
  CHECK(words == std::vector<std::string>{"SKU-A", "3", "2\n"});
  CHECK(PositionOf(*live.inventory, "SKU-A", "ST-1").on_hand() == 6);
  CHECK(PositionOf(*live.inventory, "SKU-A", "ST-1").in_transit() == 0);
}

TEST_CASE("cli: set-location creates a location and changes only the fields given") {
  LiveServer live;
  const std::string& address = live.server.address();

  const CliResult incomplete = RunCli(address, "set-location ST-9 --name Nakano");
  CHECK(incomplete.exit_code == 2);
  CHECK_THAT(incomplete.output, Catch::Contains("--kind, --lat and --lon"));

  const CliResult created =
      RunCli(address,
             "set-location ST-9 --kind store --name Nakano --lat 35.7074 --lon 139.6638 "
             "--capabilities pickup,curbside --capacity 40 --timezone Asia/Tokyo");
  INFO(created.output);
  CHECK(created.exit_code == 0);
  CHECK_THAT(created.output, Catch::Contains("pickup,curbside") && Catch::Contains("40"));
  const CliResult changed = RunCli(address, "set-location ST-9 --capacity 10 --disable");
  INFO(changed.output);
  CHECK(changed.exit_code == 0);
  const v1::Location location = LocationOf(*live.network, "ST-9");
  CHECK(location.kind() == v1::STORE);
  CHECK(location.name() == "Nakano");
  CHECK(location.latitude() == 35.7074);
  CHECK(location.capabilities().pickup());
  CHECK(location.capabilities().curbside());
  CHECK_FALSE(location.capabilities().ship_from_store());
  CHECK(location.daily_capacity() == 10);
  CHECK(location.disabled());
  CHECK(location.timezone() == "Asia/Tokyo");

  CHECK(RunCli(address, "set-location ST-9 --capabilities teleport").exit_code == 2);
  CHECK(RunCli(address, "set-location ST-9 --capabilities ''").exit_code == 2);
  CHECK(RunCli(address, "set-location ST-9 --enable=false").exit_code == 2);
  // The server's own check: a pickup point cannot ship.
  const CliResult refused = RunCli(address,
                                   "set-location PP-1 --kind pickup-point --lat 35.68 --lon "
                                   "139.76 --capabilities ship");
  CHECK(refused.exit_code == 1);
  CHECK_THAT(refused.output, Catch::Contains("ship_from_store"));
  const CliResult enabled = RunCli(address, "set-location ST-9 --enable");
  CHECK(enabled.exit_code == 0);
  CHECK_THAT(enabled.output, Catch::Contains("Asia/Tokyo"));
  const v1::Location back = LocationOf(*live.network, "ST-9");
  CHECK_FALSE(back.disabled());
  CHECK(back.daily_capacity() == 10);
  CHECK(back.name() == "Nakano");
  CHECK(back.longitude() == 139.6638);
  CHECK(back.timezone() == "Asia/Tokyo");
}

TEST_CASE("cli: stock lists a location's positions by SKU, a page at a time") {
  LiveServer live;
  AddLocation(*live.network, "ST-1");
  AddLocation(*live.network, "ST-2");
  for (const char* sku : {"SKU-C", "SKU-A", "SKU-B"}) ReceiveStock(*live.inventory, "ST-1", sku, 4);
  ReceiveStock(*live.inventory, "ST-2", "SKU-D", 1);
  const std::string& address = live.server.address();
  const CliResult first = RunCli(address, "stock ST-1 --limit 2");
  INFO(first.output);
  CHECK(first.exit_code == 0);
  CHECK_THAT(first.output, Catch::Matches("(.|\\n)*SKU-A +ST-1 +4(.|\\n)*SKU-B +ST-1 +4(.|\\n)*") &&
                               !Catch::Contains("SKU-C") && !Catch::Contains("SKU-D") &&
                               Catch::Contains("more follow: pass --after SKU-B"));
  const CliResult rest = RunCli(address, "stock ST-1 --limit 2 --after SKU-B");
  INFO(rest.output);
  CHECK_THAT(rest.output, Catch::Contains("SKU-C") && !Catch::Contains("SKU-B") &&
                              !Catch::Contains("more follow"));
  // The server names what it refuses.
  CHECK_THAT(RunCli(address, "stock NOPE").output,
             Catch::Contains("NOT_FOUND: location_id 'NOPE' is not a known location"));
  CHECK_THAT(RunCli(address, "stock ST-1 --limit 1001").output,
             Catch::Contains("limit must be in [0, 1000], got 1001"));
  CHECK_THAT(RunCli(address, "stock ST-1 --after 'SKU A'").output,
             Catch::Contains("INVALID_ARGUMENT: after_sku"));
  // availability without a SKU points at stock.
  const CliResult unnamed = RunCli(address, "availability --location ST-1");
  CHECK(unnamed.exit_code == 2);
  CHECK_THAT(unnamed.output, Catch::Contains("omnistock stock LOCATION"));
}

TEST_CASE("cli: extend pushes a hold's expiry out, and routing-config shows the cost model") {
  LiveServer live;
  AddLocation(*live.network, "ST-1");
  ReceiveStock(*live.inventory, "ST-1", "SKU-A", 5);
  const std::string& address = live.server.address();
  REQUIRE(RunCli(address, "reserve --id order-1 --line SKU-A@ST-1:1 --ttl 1m").exit_code == 0);

  const CliResult extended = RunCli(address, "--json extend order-1 --ttl 2h");
  INFO(extended.output);
  CHECK(extended.exit_code == 0);
  v1::Reservation reservation;
  REQUIRE(v1::Reservations::NewStub(live.server.channel())
              ->GetReservation(Deadline().get(), Ref("order-1"), &reservation)
              .ok());
  const int64_t left = reservation.expires_at().seconds() - absl::ToUnixSeconds(absl::Now());
  CHECK(left > 3600);
  CHECK(RunCli(address, "extend order-1").exit_code == 2);  // --ttl is required
  // A shorter ttl leaves the hold as it was, and the command says so.
  const CliResult shorter = RunCli(address, "extend order-1 --ttl 1s");
  INFO(shorter.output);
  CHECK(shorter.exit_code == 0);
  CHECK_THAT(shorter.output,
             Catch::Contains("expires_at unchanged: a hold is extended, never shortened"));
  CHECK_THAT(RunCli(address, "extend order-1 --ttl 3h").output, !Catch::Contains("unchanged"));

  const CliResult config = RunCli(address, "routing-config");
  INFO(config.output);
  CHECK(config.exit_code == 0);
  CHECK_THAT(config.output,
             Catch::Matches("version +[a-z0-9-]+\\n(.|\\n)*") &&
                 Catch::Matches("(.|\\n)*\\npickup_lead_store +[0-9]+s\\n(.|\\n)*") &&
                 Catch::Contains("Asia/Tokyo") && !Catch::Contains("\""));
}

}  // namespace omnistock::testing

namespace omnistock::testing {

TEST_CASE("cli: a server it cannot connect to is 'cannot reach', exit 1") {
  // A port bound but not listened on: connections to it are refused.
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  socklen_t length = sizeof(address);
  REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  const std::string target = absl::StrCat("127.0.0.1:", ntohs(address.sin_port));
  const CliResult result = RunCliAsIs(target, "--timeout 3 availability SKU-A 2>&1");
  ::close(fd);
  INFO(result.output);
  CHECK(result.exit_code == 1);
  CHECK_THAT(result.output,
             Catch::StartsWith("error: UNAVAILABLE: cannot reach omnistockd at " + target + ": "));
}

}  // namespace omnistock::testing
