// omnistock: the command-line client of omnistockd, the omnistock inventory and reservation
// server. Each subcommand makes a call to the omnistock.v1 gRPC API and prints the answer as
// a table, or with --json as the response message in JSON; `watch` follows the availability
// feed and prints each update as it comes (with --json, one JSON object per line); `counts` and
// `upload-sales` stream a file's rows (SyncCounts, UploadSales) with their progress on stderr.
//
//   omnistock [--target HOST:PORT] [--timeout SECONDS] [--json] SUBCOMMAND ...
//
// Exit codes: 0 the call succeeded, 1 it failed (the server's status is printed), 2 the command
// line is wrong.
#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "CLI/CLI.hpp"
#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "services/cli/client.h"
#include "services/cli/commands.h"
#include "services/cli/options.h"

namespace omnistock::cli {
namespace {

using command_line::NotNegative;
using command_line::WholeNumber;

// A subcommand and what runs when it is chosen.
struct Command {
  CLI::App* app;
  std::function<int(const Client&, const Options&)> run;
};

std::vector<Command> DefineCommands(CLI::App& app, Options& o) {
  std::vector<Command> commands;
  // The SKU:QTY lines of sale, return, transfer, plan and route.
  const auto add_sku_lines = [&o](CLI::App* command) {
    command->add_option("--line", o.order_lines, "SKU:QTY (repeatable)")
        ->required()
        ->allow_extra_args(false);
  };
  CLI::App* c = app.add_subcommand("availability",
                                   "Show the stock of SKUs, at every location or the given ones");
  c->add_option("SKU", o.skus, "SKUs to show (every SKU at one location: stock LOCATION)");
  c->add_option("--location", o.locations, "only this location (repeatable; default all)")
      ->allow_extra_args(false);
  commands.push_back({c, Availability});

  c = app.add_subcommand("reserve",
                         "Hold stock for an order, every line or none (exit 1: nothing held)");
  c->add_option("--id", o.reservation_id, "reservation id, the idempotency key")->required();
  c->add_option("--line", o.lines, "SKU@LOCATION:QTY (repeatable)")
      ->required()
      ->allow_extra_args(false);
  c->add_option("--channel", o.channel, "sales channel, e.g. web, app, call-centre");
  c->add_option("--ttl", o.ttl, "how long the hold lasts, e.g. 15m or 900s (default: server's)");
  c->add_option("--order-ref", o.order_ref, "the order system's reference");
  commands.push_back({c, Reserve});

  c = app.add_subcommand(
      "reserve-batch",
      "Hold many orders from a file of JSON lines, each all-or-nothing on its own");
  c->add_option("FILE", o.file,
                "one ReserveRequest in JSON per line, e.g. {\"reservation_id\":\"order-1\","
                "\"lines\":[{\"sku\":\"SKU-00042\",\"location_id\":\"WH-KAWASAKI\","
                "\"quantity\":1}]} ('-': standard input); sent 1,000 orders a call")
      ->required();
  commands.push_back({c, ReserveBatch});

  const struct {
    const char* name;
    const char* help;
    ReservationRpc rpc;
  } transitions[] = {
      {"confirm", "Payment succeeded: the hold no longer expires",
       &v1::Reservations::Stub::Confirm},
      {"release", "Cancel a reservation: its stock is available again",
       &v1::Reservations::Stub::Release},
      {"fulfill", "The goods left: on_hand and reserved drop", &v1::Reservations::Stub::Fulfill},
      {"get", "Show a reservation", &v1::Reservations::Stub::GetReservation},
  };
  for (const auto& t : transitions) {
    c = app.add_subcommand(t.name, t.help);
    c->add_option("ID", o.reservation_id, "reservation id")->required();
    commands.push_back({c, [rpc = t.rpc](const Client& client, const Options& options) {
                          return OnReservation(client, options, rpc);
                        }});
  }

  c = app.add_subcommand("extend", "Push a HELD reservation's expiry out to now + --ttl");
  c->add_option("ID", o.reservation_id, "reservation id")->required();
  c->add_option("--ttl", o.ttl, "from now, e.g. 30m (at most 24h)")->required();
  commands.push_back({c, Extend});

  c = app.add_subcommand("receive", "Add received units to on_hand");
  c->add_option("LOCATION", o.location, "location id")->required();
  c->add_option("SKU", o.sku, "SKU")->required();
  c->add_option("QTY", o.quantity, "units received")->required()->check(WholeNumber<int64_t>());
  c->add_option("--reference", o.reference, "e.g. the ASN or PO number");
  c->add_option("--idempotency-key", o.idempotency_key,
                "names this receipt: sent again, it is not added twice");
  commands.push_back({c, Receive});

  c = app.add_subcommand(
      "adjust", "Change on_hand (or with --non-sellable the units kept apart) by a signed delta");
  c->add_option("LOCATION", o.location, "location id")->required();
  c->add_option("SKU", o.sku, "SKU")->required();
  c->add_option("DELTA", o.quantity, "signed change, e.g. -1")
      ->required()
      ->check(WholeNumber<int64_t>());
  c->add_option("--reason", o.reason, "damage, shrink, found or correction")
      ->required()
      ->check(CLI::IsMember({"damage", "shrink", "found", "correction"}, CLI::ignore_case));
  c->add_option("--reference", o.reference, "recorded in the journal");
  c->add_option("--idempotency-key", o.idempotency_key,
                "names this adjustment: sent again, it is not applied twice");
  c->add_flag("--non-sellable", o.non_sellable,
              "change the returned units kept apart instead of on_hand (e.g. -2: sent back to "
              "the vendor)");
  commands.push_back({c, Adjust});

  c = app.add_subcommand("safety-stock", "Set the units kept back for walk-in shoppers");
  c->add_option("LOCATION", o.location, "location id")->required();
  c->add_option("SKU", o.sku, "SKU")->required();
  c->add_option("QTY", o.quantity, "units kept back")->required()->check(WholeNumber<int64_t>());
  commands.push_back({c, SafetyStock});

  CLI::App* const cli = &app;
  // sale and return share their options.
  const auto add_till_options = [&o, &add_sku_lines](CLI::App* command, const char* at_help) {
    command->add_option("STORE", o.location, "the store's location id")->required();
    command->add_option("--terminal", o.terminal, "the till's id")->required();
    command
        ->add_option("--transaction", o.transaction,
                     "the till's transaction id: with --terminal, recorded exactly once")
        ->required();
    add_sku_lines(command);
    command->add_option("--at", o.at, at_help);
  };
  c = app.add_subcommand("sale", "Record a sale at a store's till (never refused for stock)");
  add_till_options(c, "when it was sold, RFC 3339 (default: now), e.g. 2026-12-01T09:30:00Z");
  commands.push_back({c, Sale});

  c = app.add_subcommand("return", "Record a return at a store's till");
  add_till_options(c, "when it came back, RFC 3339 (default: now)");
  c->add_flag("--non-sellable", o.non_sellable,
              "the units cannot be sold again: kept apart, not added to on_hand");
  c->add_option("--reason", o.reason, "why it came back, e.g. damaged");
  c->add_option("--order-ref", o.order_ref, "the original order's reference");
  commands.push_back({c, Return});

  c = app.add_subcommand("upload-sales",
                         "Upload a till's buffered sales from a file of JSON lines, in order");
  c->add_option("FILE", o.file,
                "one RecordSaleRequest in JSON per line, e.g. {\"location_id\":\"ST-GINZA\","
                "\"terminal_id\":\"till-3\",\"pos_transaction_id\":\"T-1\",\"sold_at\":"
                "\"2026-12-01T09:30:00Z\",\"lines\":[{\"sku\":\"SKU-00042\",\"quantity\":1}]}"
                " ('-': standard input)")
      ->required();
  commands.push_back({c, [cli](const Client& client, const Options& options) {
                        return UploadSales(client, options,
                                           StreamDeadline(cli->get_option("--timeout"), options));
                      }});

  c = app.add_subcommand("counts", "Send cycle counts from a CSV file (SyncCounts)");
  c->add_option("FILE", o.file,
                "LOCATION,SKU,COUNTED[,COUNTED_AT] per line, COUNTED_AT in RFC 3339 ('-': "
                "standard input; fields may be \"quoted\"); lines starting with # are skipped, "
                "and a first line of column names (location or location_id, sku, counted or "
                "counted_quantity or quantity, counted_at)")
      ->required();
  c->add_option("--counted-at", o.at,
                "when the rows without a COUNTED_AT were counted, RFC 3339 (default: when FILE "
                "was last written, so that the same file sent again is stale; stdin: now)");
  commands.push_back({c, [cli](const Client& client, const Options& options) {
                        return Counts(client, options,
                                      StreamDeadline(cli->get_option("--timeout"), options));
                      }});

  c = app.add_subcommand("transfer",
                         "Ship stock from one location to another (in transit until received)");
  c->add_option("--id", o.transfer_id, "transfer id, the idempotency key")->required();
  c->add_option("--from", o.from_location, "source location id")->required();
  c->add_option("--to", o.to_location, "destination location id")->required();
  add_sku_lines(c);
  commands.push_back({c, Transfer});

  c = app.add_subcommand("receive-transfer", "A transfer arrived: into the destination's on_hand");
  c->add_option("ID", o.transfer_id, "transfer id")->required();
  c->add_option("--line", o.order_lines,
                "SKU:QTY that arrived, when not all of it (repeatable; name every SKU of the "
                "transfer, 0 for none; the rest is lost in transit)")
      ->allow_extra_args(false);
  commands.push_back({c, ReceiveTransfer});

  c = app.add_subcommand("locations", "List every location of the network");
  commands.push_back({c, Locations});

  c = app.add_subcommand(
      "set-location",
      "Create a location, or change the given fields of one (the others stay as they are)");
  c->add_option("ID", o.location, "location id")->required();
  LocationOptions given;
  given.kind =
      c->add_option("--kind", o.kind, "store, warehouse, ec-dc or pickup-point")
          ->check(CLI::IsMember({"store", "warehouse", "ec-dc", "pickup-point"}, CLI::ignore_case));
  given.name = c->add_option("--name", o.name, "display name");
  given.latitude = c->add_option("--lat", o.latitude, "latitude, WGS84 degrees");
  given.longitude = c->add_option("--lon", o.longitude, "longitude, WGS84 degrees");
  given.capabilities = c->add_option(
      "--capabilities", o.capabilities,
      "pickup,curbside,ship,pos: pickup, curbside, ship from store, walk-in sales at a till (a "
      "store's; pickup alone for a pickup point), or none");
  given.capacity = c->add_option("--capacity", o.capacity,
                                 "online orders a day (0: none at a store, unlimited at a "
                                 "warehouse or EC DC)")
                       ->check(NotNegative());
  given.disabled = c->add_flag("--disable", o.disabled, "take it out of routing and new holds")
                       ->disable_flag_override();
  given.enabled = c->add_flag("--enable", o.enabled, "put it back")
                      ->disable_flag_override()
                      ->excludes(given.disabled);
  given.timezone = c->add_option("--timezone", o.timezone,
                                 "IANA name, e.g. Asia/Tokyo: its day for daily capacity");
  commands.push_back({c, [given](const Client& client, const Options& options) {
                        return SetLocation(client, options, given);
                      }});

  c = app.add_subcommand("health", "SERVING (exit 0) or NOT_SERVING (exit 1): for probes");
  c->add_option("--service", o.health_service,
                "a health name: omnistock.liveness ignores a stalled disk (for liveness probes)");
  commands.push_back({c, Health});

  // plan and route share their options.
  const auto add_plan_options = [&o, &add_sku_lines](CLI::App* command) {
    add_sku_lines(command);
    command->add_option("--to", o.to, "delivery address as LAT,LON, e.g. 35.6581,139.7017");
    command->add_option("--pickup", o.pickup, "the store the customer chose for pickup");
    command->add_option("--preference", o.preference, "delivery, bopis or curbside")
        ->check(CLI::IsMember({"delivery", "bopis", "curbside"}, CLI::ignore_case))
        ->capture_default_str();
    command->add_flag("--fallback", o.fallback, "allow another method than the preferred one");
    command->add_flag("--partial", o.partial, "plan what can be covered when not everything can");
    command->add_option("--max-shipments", o.max_shipments, "at most this many (default 3)");
    command->add_flag("--brief", o.brief,
                      "leave out the candidates a fulfilled plan beat (about twice as fast)");
  };
  c = app.add_subcommand("plan", "Where should an order come from, and how? (changes nothing)");
  add_plan_options(c);
  commands.push_back({c, Plan});

  c = app.add_subcommand("route",
                         "Plan an order and reserve the plan at once (exit 1: nothing reserved)");
  c->add_option("--id", o.reservation_id, "reservation id, the idempotency key")->required();
  c->add_option("--channel", o.channel, "sales channel, e.g. web");
  c->add_option("--ttl", o.ttl, "how long the hold lasts, e.g. 15m or 900s (default: server's)");
  c->add_option("--order-ref", o.order_ref, "the order system's reference");
  add_plan_options(c);
  commands.push_back({c, Route});

  c = app.add_subcommand("routing-config", "The routing cost model and rules in force");
  commands.push_back({c, RoutingConfig});

  c = app.add_subcommand("stock", "Every SKU's position at one location, a page at a time");
  c->add_option("LOCATION", o.location, "location id")->required();
  c->add_option("--after", o.after_sku, "start after this SKU (the last one shown)");
  c->add_option("--limit", o.limit, "at most this many (server default 100, max 1000)");
  commands.push_back({c, Stock});

  c = app.add_subcommand("movements", "The journal of movements, oldest first");
  c->add_option("--sku", o.sku, "only this SKU");
  c->add_option("--location", o.location, "only this location");
  c->add_option("--after", o.after_sequence, "start after this sequence number")
      ->check(NotNegative() & WholeNumber<uint64_t>());
  c->add_option("--limit", o.limit, "at most this many (server default 100, max 1000)");
  commands.push_back({c, Movements});

  c = app.add_subcommand("watch",
                         "Follow availability as it changes (the live feed), until stopped");
  c->add_option("--sku", o.skus, "only this SKU (repeatable; default every SKU)")
      ->allow_extra_args(false);
  c->add_option("--location", o.locations, "only this location (repeatable; default all)")
      ->allow_extra_args(false);
  CLI::Option* after =
      c->add_option("--after", o.after_sequence,
                    "first replay the journal after this sequence (default: live changes only)")
          ->check(NotNegative() & WholeNumber<uint64_t>());
  c->add_option("--count", o.count, "stop after this many updates")
      ->check(WholeNumber<int64_t>() & CLI::Range(int64_t{1}, std::numeric_limits<int64_t>::max()));
  commands.push_back({c, [after, cli](const Client& client, const Options& options) {
                        v1::WatchRequest request;
                        for (const std::string& sku : options.skus) request.add_skus(sku);
                        for (const std::string& location : options.locations) {
                          request.add_location_ids(location);
                        }
                        if (after->count() > 0) {
                          request.set_resume_after_sequence(options.after_sequence);
                        }
                        return client.Watch(request, options.count,
                                            StreamDeadline(cli->get_option("--timeout"), options));
                      }});
  return commands;
}

// The first word of the command line that is neither an option nor the value of --target or
// --timeout given apart from it: the command, if there is one.
std::string FirstWord(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--target" || arg == "--timeout") {
      ++i;
    } else if (!arg.empty() && arg[0] != '-') {
      return arg;
    }
  }
  return std::string();
}

// The first option `command` (with the global options of `app`) does not know, as written
// ("--locaton"), or empty. CLI11 reports a missing required option before an unknown one, so a
// mistyped option name would otherwise be reported as the option it was meant to be, missing.
std::string UnknownOption(const CLI::App& app, const CLI::App& command, int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") break;  // what follows is positional
    // A word, or a negative number (a value: --delta -5).
    if (arg.size() < 2 || arg[0] != '-' || absl::ascii_isdigit(arg[1])) continue;
    const std::string name = arg.substr(0, arg.find('='));
    const CLI::Option* option = command.get_option_no_throw(name);
    if (option == nullptr) option = app.get_option_no_throw(name);
    if (option == nullptr) return name;
    // An option's value is never taken for an option ("--reason -broken").
    if (name.size() == arg.size() && option->get_items_expected_min() > 0) ++i;
  }
  return std::string();
}

}  // namespace

int Run(int argc, char** argv) {
  TakeStopSignals();
  Options options;
  CLI::App app{"omnistock: the command-line client of omnistockd (inventory and reservations)",
               "omnistock"};
  app.footer(
      "Every command also takes --target HOST:PORT, --timeout SECONDS and --json (omnistock "
      "--help).\nExit codes: 0 success, 1 the call failed, 2 usage error.");
  app.add_option("--target", options.target, "omnistockd address HOST:PORT")
      ->envname("OMNISTOCK_TARGET")
      ->capture_default_str();
  app.add_option("--timeout", options.timeout_seconds,
                 "deadline of the call, in seconds (watch, counts, upload-sales: none unless "
                 "given)")
      ->check(CLI::Validator(
          [](const std::string& value) {
            double seconds = 0;
            if (absl::SimpleAtod(value, &seconds) && seconds > 0 && std::isfinite(seconds)) {
              return std::string();
            }
            return absl::StrCat("'", value, "' is not a number of seconds above 0");
          },
          "SECONDS > 0"))
      ->capture_default_str();
  app.add_flag("--json", options.json, "print the response message as JSON instead of a table");
  app.require_subcommand(1);
  app.fallthrough();  // global options may also follow the subcommand
  const std::vector<Command> commands = DefineCommands(app, options);

  try {
    app.parse(argc, argv);
  } catch (const CLI::RequiredError& e) {
    // CLI11 says "A subcommand is required" for a word it does not know as one, too; a known
    // command missing a required option keeps CLI11's message, which names the option.
    const std::string word = FirstWord(argc, argv);
    const bool known = std::any_of(commands.begin(), commands.end(), [&](const Command& command) {
      return command.app->check_name(word);
    });
    if (!word.empty() && !known) {
      return UsageError(absl::StrCat("'", word, "' is not a command; omnistock --help lists them"));
    }
    for (const Command& command : commands) {
      if (!command.app->check_name(word)) continue;
      if (const std::string unknown = UnknownOption(app, *command.app, argc, argv);
          !unknown.empty()) {
        return UsageError(absl::StrCat(unknown, " is not an option of '", word, "'; omnistock ",
                                       word, " --help lists them"));
      }
    }
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? kExitOk : kExitUsage;
  }

  const Client client(options);
  for (const Command& command : commands) {
    if (!command.app->parsed()) continue;
    const int exit_code = command.run(client, options);
    EndIfStopped();
    return exit_code;
  }
  return kExitUsage;  // not reached: require_subcommand(1)
}

}  // namespace omnistock::cli

int main(int argc, char** argv) { return omnistock::cli::Run(argc, argv); }
