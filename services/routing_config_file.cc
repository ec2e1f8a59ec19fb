#include "services/routing_config_file.h"

#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string_view>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "engine/routing/local_day.h"
#include "toml++/toml.h"

namespace omnistock::services {
namespace {

using routing::RoutingConfig;

// Sets the setting `name` of `config` from `node`: OK, INVALID_ARGUMENT (wrong type), or
// NOT_FOUND when no setting has that name.
absl::Status Set(absl::string_view name, const toml::node& node, RoutingConfig& config) {
  auto wrong = [&](absl::string_view expected) {
    std::ostringstream got;
    got << node.type();  // "integer", "string", "table", ...
    return absl::InvalidArgumentError(
        absl::StrCat("'", name, "' must be ", expected, ", got a ", got.str()));
  };
  auto number = [&](double RoutingConfig::*field) {
    // toml++ gives no double for an integer past 2^53.
    const std::optional<double> value = node.is_number() ? node.value<double>() : std::nullopt;
    if (!value) return wrong("a number (a whole one at most 2^53)");
    config.*field = *value;
    return absl::OkStatus();
  };
  for (const auto& [setting, field] : routing::kRoutingCostTerms) {
    if (setting == name) return number(field);
  }
  for (const auto& [setting, field] : routing::kRoutingDistances) {
    if (setting == name) return number(field);
  }
  for (const auto& [setting, field] : routing::kRoutingSafetyStocks) {
    if (setting != name) continue;
    const std::optional<int64_t> units = node.is_integer() ? node.value<int64_t>() : std::nullopt;
    if (!units) return wrong("a whole number of units");
    config.*field = *units;
    return absl::OkStatus();
  }
  for (const auto& [setting, field] : routing::kRoutingLeadTimes) {
    if (setting != name) continue;
    if (!node.is_string()) return wrong("a duration such as \"2h\" or \"90m\"");
    const std::string text(*node.value<std::string_view>());
    if (!absl::ParseDuration(text, &(config.*field))) {
      return absl::InvalidArgumentError(absl::StrCat(
          "'", name, "' must be a duration such as \"2h\" or \"90m\", got \"", text, "\""));
    }
    return absl::OkStatus();
  }
  for (const auto& [setting, field] : routing::kRoutingNames) {
    if (setting != name) continue;
    if (!node.is_string()) return wrong("a string");
    config.*field = std::string(*node.value<std::string_view>());
    return absl::OkStatus();
  }
  return absl::NotFoundError(absl::StrCat("'", name, "' is not a routing setting"));
}

absl::StatusOr<RoutingConfig> FromTable(const toml::table& table) {
  RoutingConfig config;
  bool versioned = false;
  for (const auto& [key, node] : table) {
    const absl::string_view name(key.str().data(), key.str().size());
    if (absl::Status set = Set(name, node, config); !set.ok()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "line ", static_cast<uint64_t>(key.source().begin.line), ": ", set.message(),
          set.code() == absl::StatusCode::kNotFound ? " (deploy/routing.toml lists them all)"
                                                    : ""));
    }
    versioned = versioned || name == "version";
  }
  if (!versioned) {
    return absl::InvalidArgumentError(
        "'version' is required: every plan names the version of the figures that chose it");
  }
  RoutingConfig defaults;
  defaults.version = config.version;
  if (config.version == RoutingConfig().version && !(config == defaults)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the file changes settings but keeps the built-in version '", config.version,
        "': give it a version of its own, so that plans made with it can be told apart"));
  }
  if (!routing::LoadZone(config.default_timezone)) {
    return absl::InvalidArgumentError(
        absl::StrCat("'default_timezone' \"", config.default_timezone,
                     "\" is not a time zone of this machine's zone database (e.g. Asia/Tokyo)"));
  }
  if (absl::Status valid = routing::Validate(config); !valid.ok()) return valid;
  return config;
}

}  // namespace

absl::StatusOr<RoutingConfig> LoadRoutingConfig(const std::string& path) {
  if (std::error_code error; std::filesystem::is_directory(path, error)) {
    return absl::InvalidArgumentError(
        absl::StrCat("routing config '", path, "' is a directory, not a file"));
  }
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("routing config '", path, "' cannot be read"));
  std::ostringstream text;
  text << in.rdbuf();
  absl::StatusOr<RoutingConfig> config;
  try {
    const toml::table table = toml::parse(text.str(), path);
    config = FromTable(table);
  } catch (const toml::parse_error& error) {
    const std::string_view why = error.description();
    config = absl::InvalidArgumentError(
        absl::StrCat("line ", static_cast<uint64_t>(error.source().begin.line),
                     ": not TOML: ", absl::string_view(why.data(), why.size())));
  }
  if (!config.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("routing config '", path, "': ", config.status().message()));
  }
  return config;
}

}  // namespace omnistock::services
