// omnistockd --routing_config: a TOML file of routing settings, checked whole before the server
// starts. The shipped example (deploy/routing.toml) must stay the built-in defaults.
#include "services/routing_config_file.h"

#include <fstream>
#include <string>

#include "catch2/catch.hpp"
#include "omnistock/v1/fulfillment.pb.h"
#include "services/fulfillment_service.h"
#include "tests/support/temp_dir.h"

namespace omnistock::services {
namespace {

using routing::RoutingConfig;
using testing::TempDir;

std::string Write(const TempDir& dir, const std::string& text) {
  const std::string path = dir.Sub("routing.toml");
  std::ofstream(path, std::ios::trunc) << text;
  return path;
}

std::string RefusalOf(const std::string& text) {
  const TempDir dir;
  absl::StatusOr<RoutingConfig> config = LoadRoutingConfig(Write(dir, text));
  REQUIRE_FALSE(config.ok());
  CHECK(config.status().code() == absl::StatusCode::kInvalidArgument);
  return std::string(config.status().message());
}

}  // namespace

TEST_CASE("routing config: the shipped example is every setting at its built-in default") {
  absl::StatusOr<RoutingConfig> example =
      LoadRoutingConfig(std::string(OMNISTOCK_SOURCE_DIR) + "/deploy/routing.toml");
  REQUIRE(example.ok());
  CHECK(*example == RoutingConfig());
  // It names every setting: each one, taken out, is missed.
  std::ifstream in(std::string(OMNISTOCK_SOURCE_DIR) + "/deploy/routing.toml");
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  v1::RoutingConfig message;
  ToProto(RoutingConfig(), &message);
  const google::protobuf::Descriptor* descriptor = message.GetDescriptor();
  for (int i = 0; i < descriptor->field_count(); ++i) {
    INFO(descriptor->field(i)->name());
    CHECK(text.find("\n" + descriptor->field(i)->name() + " = ") != std::string::npos);
  }
}

TEST_CASE("routing config: the file's settings replace the defaults, the others stay") {
  const TempDir dir;
  absl::StatusOr<RoutingConfig> config = LoadRoutingConfig(Write(dir, R"(
# carrier rates of 2027
version = "acme-2027-01"
carrier_base = 6
pickup_per_km = 0.25
safety_store_ship = 3
pickup_lead_store = "90m"
default_timezone = "Europe/Berlin"
)"));
  REQUIRE(config.ok());
  RoutingConfig expected;
  expected.version = "acme-2027-01";
  expected.carrier_base = 6;  // a whole number is a number too
  expected.pickup_per_km = 0.25;
  expected.safety_store_ship = 3;
  expected.pickup_lead_store = absl::Minutes(90);
  expected.default_timezone = "Europe/Berlin";
  CHECK(*config == expected);
}

TEST_CASE("routing config: a file that cannot be used is refused, naming the setting") {
  CHECK_THAT(RefusalOf("version = \"a\"\ncarrier_bse = 7.5\n"),
             Catch::Contains("line 2: 'carrier_bse' is not a routing setting"));
  CHECK_THAT(
      RefusalOf("version = \"a\"\ncarrier_base = \"7.5\"\n"),
      Catch::Contains(
          "line 2: 'carrier_base' must be a number (a whole one at most 2^53), got a string"));
  CHECK_THAT(RefusalOf("version = \"a\"\nsafety_store_ship = 1.5\n"),
             Catch::Contains("'safety_store_ship' must be a whole number of units"));
  CHECK_THAT(RefusalOf("version = \"a\"\nship_lead_dc = \"12 hours\"\n"),
             Catch::Contains("'ship_lead_dc' must be a duration such as \"2h\""));
  CHECK_THAT(RefusalOf("version = \"a\"\nship_lead_dc = \"-1h\"\n"),
             Catch::Contains("ship_lead_dc must be from 0 to 720h, got -1h"));
  CHECK_THAT(RefusalOf("version = \"a\"\nsplit_penalty = -1\n"),
             Catch::Contains("split_penalty must be from 0 to 1e+06, got -1"));
  // Numbers past what the engine's arithmetic is meant for.
  CHECK_THAT(RefusalOf("version = \"a\"\ncarrier_base = 10000000000000000\n"),
             Catch::Contains("'carrier_base' must be a number (a whole one at most 2^53)"));
  CHECK_THAT(RefusalOf("version = \"a\"\nsafety_store_ship = 9223372036854775807\n"),
             Catch::Contains("safety_store_ship must be from 0 to 1000000"));
  CHECK_THAT(RefusalOf("version = \"a\"\nship_lead_dc = \"100000000h\"\n"),
             Catch::Contains("ship_lead_dc must be from 0 to 720h"));
  CHECK_THAT(RefusalOf("version = \"a\"\nnext_day_km = 700\n"),
             Catch::Contains("next_day_km <= two_day_km"));
  CHECK_THAT(RefusalOf("version = \"a\"\ndefault_timezone = \"Asia/Tokio\"\n"),
             Catch::Contains("'default_timezone' \"Asia/Tokio\" is not a time zone"));
  CHECK_THAT(RefusalOf("carrier_base = 7.5\n"), Catch::Contains("'version' is required"));
  CHECK_THAT(RefusalOf("version = \"routing-cost-v2\"\ncarrier_base = 7.5\n"),
             Catch::Contains("keeps the built-in version 'routing-cost-v2'"));
  CHECK_THAT(RefusalOf("version = \"a\"\n[rates]\ncarrier_base = 7.5\n"),
             Catch::Contains("'rates' is not a routing setting"));
  CHECK_THAT(RefusalOf("version = \"a\"\nsplit_penalty = [\n"),
             Catch::Contains("line 2: not TOML"));
  CHECK_THAT(RefusalOf("version = \"a\"\npickup_radius_km = inf\n"),
             Catch::Contains("pickup_radius_km must be above 0 and at most 20000, got inf"));
  CHECK_THAT(RefusalOf("version = \"a\"\ntwo_day_km = 30000\n"),
             Catch::Contains("two_day_km <= 20000"));
  // The version is named in every plan: an id, as a reservation's.
  CHECK_THAT(RefusalOf("version = \"v\\u0001x\"\n"),
             Catch::Contains("version may contain only letters, digits"));
  CHECK_THAT(RefusalOf("version = \"" + std::string(65, 'v') + "\"\n"),
             Catch::Contains("version is 65 bytes, over the limit of 64"));
  // Every refusal names the file.
  CHECK_THAT(RefusalOf("version = 1\n"), Catch::StartsWith("routing config '") &&
                                             Catch::Contains("'version' must be a string"));

  absl::StatusOr<RoutingConfig> missing = LoadRoutingConfig("/nonexistent/routing.toml");
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.status().code() == absl::StatusCode::kNotFound);
  CHECK_THAT(std::string(missing.status().message()),
             Catch::Contains("'/nonexistent/routing.toml' cannot be read"));

  const TempDir dir;
  absl::StatusOr<RoutingConfig> directory = LoadRoutingConfig(dir.path());
  REQUIRE_FALSE(directory.ok());
  CHECK_THAT(std::string(directory.status().message()), Catch::Contains("is a directory"));
}

}  // namespace omnistock::services
