#include "bench/report.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_format.h"
#include "bench/driver.h"

namespace omnistock::bench {

const char* StatusCodeName(int code) {
  static constexpr const char* kNames[kStatusCodeCount] = {
      "OK",                "CANCELLED",        "UNKNOWN",          "INVALID_ARGUMENT",
      "DEADLINE_EXCEEDED", "NOT_FOUND",        "ALREADY_EXISTS",   "PERMISSION_DENIED",
      "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED",        "OUT_OF_RANGE",
      "UNIMPLEMENTED",     "INTERNAL",         "UNAVAILABLE",      "DATA_LOSS",
      "UNAUTHENTICATED"};
  if (code < 0 || code >= kStatusCodeCount) return "UNKNOWN";
  return kNames[code];
}

namespace {

double Micros(int64_t nanos) { return static_cast<double>(nanos) / 1000.0; }

double OpsPerSecond(const Report& report) {
  return report.run.measured_seconds > 0
             ? static_cast<double>(report.run.ops) / report.run.measured_seconds
             : 0.0;
}

struct Quantile {
  const char* name;
  double q;
};
constexpr Quantile kQuantiles[] = {
    {"p50", 0.50}, {"p90", 0.90}, {"p99", 0.99}, {"p99.9", 0.999}, {"max", 1.0}};

}  // namespace

void PrintTable(const Report& report, std::FILE* out) {
  const RunResult& run = report.run;
  std::vector<std::pair<std::string, std::string>> rows;
  rows.emplace_back("mode", report.target.empty()
                                ? report.mode
                                : absl::StrFormat("%s (%s)", report.mode, report.target));
  rows.emplace_back("workload",
                    absl::StrFormat("%s (%d SKUs x %d locations = %d positions, on_hand %d)",
                                    WorkloadName(report.workload), report.skus, report.locations,
                                    report.positions, report.on_hand_per_position));
  rows.emplace_back("clients", absl::StrFormat("%d", report.clients));
  rows.emplace_back("duration", absl::StrFormat("%.2f s measured (after %.1f s warmup)",
                                                run.measured_seconds, report.warmup_seconds));
  rows.emplace_back("seeding", absl::StrFormat("%.2f s", report.seed_seconds));
  rows.emplace_back("ops", absl::StrFormat("%d", run.ops));
  rows.emplace_back("ops/s", absl::StrFormat("%.1f", OpsPerSecond(report)));
  rows.emplace_back("ok", absl::StrFormat("%d", run.by_code[0]));
  rows.emplace_back("errors", absl::StrFormat("%d", run.errors()));
  rows.emplace_back("  stock out", absl::StrFormat("%d (FAILED_PRECONDITION)",
                                                   run.by_code[kFailedPrecondition]));
  for (int c = 1; c < kStatusCodeCount; ++c) {
    if (c == kFailedPrecondition || run.by_code[static_cast<size_t>(c)] == 0) continue;
    rows.emplace_back(absl::StrFormat("  %s", StatusCodeName(c)),
                      absl::StrFormat("%d", run.by_code[static_cast<size_t>(c)]));
  }
  std::string latency;
  for (const Quantile& q : kQuantiles) {
    absl::StrAppendFormat(&latency, "%s%s %.1f", latency.empty() ? "" : "  ", q.name,
                          Micros(run.latency.Percentile(q.q)));
  }
  rows.emplace_back("latency (us)", latency);
  if (report.check.performed) {
    const FlashCheck& c = report.check;
    rows.emplace_back(
        "flash check",
        c.error.empty()
            ? absl::StrFormat("%s: successes %d, reserved %d, min(attempts %d, on_hand %d) = %d",
                              c.passed ? "PASS" : "FAIL", c.successes, c.reserved, c.attempts,
                              report.on_hand_per_position, c.expected)
            : absl::StrFormat("FAIL: %s", c.error));
  }

  size_t width = 0;
  for (const auto& [key, value] : rows) width = std::max(width, key.size());
  std::fprintf(out, "\nomnistock-bench results\n");
  for (const auto& [key, value] : rows) {
    std::fprintf(out, "  %-*s  %s\n", static_cast<int>(width), key.c_str(), value.c_str());
  }
  std::fflush(out);
}

nlohmann::json ToJson(const Report& report) {
  const RunResult& run = report.run;
  nlohmann::json other = nlohmann::json::object();
  for (int c = 1; c < kStatusCodeCount; ++c) {
    if (c == kFailedPrecondition || run.by_code[static_cast<size_t>(c)] == 0) continue;
    other[StatusCodeName(c)] = run.by_code[static_cast<size_t>(c)];
  }
  nlohmann::json latency = nlohmann::json::object();
  for (const Quantile& q : kQuantiles) latency[q.name] = Micros(run.latency.Percentile(q.q));
  latency["mean"] = run.latency.mean() / 1000.0;

  nlohmann::json json = {
      {"mode", report.mode},
      {"workload", WorkloadName(report.workload)},
      {"clients", report.clients},
      {"duration_s", report.duration_seconds},
      {"measured_s", run.measured_seconds},
      {"warmup_s", report.warmup_seconds},
      {"skus", report.skus},
      {"locations", report.locations},
      {"positions", report.positions},
      {"on_hand_per_position", report.on_hand_per_position},
      {"seed", report.seed},
      {"nonce", report.nonce},
      {"seeding_s", report.seed_seconds},
      {"ops", run.ops},
      {"ops_per_s", OpsPerSecond(report)},
      {"ok", run.by_code[0]},
      {"errors",
       {{"total", run.errors()}, {"stock_out", run.by_code[kFailedPrecondition]}, {"other", other}}},
      {"latency_us", latency},
      {"attempts_total", run.attempts_total},
      {"successes_total", run.successes_total},
  };
  if (!report.target.empty()) json["target"] = report.target;
  if (report.check.performed) {
    const FlashCheck& c = report.check;
    json["check"] = {{"name", "flash: successes == reserved == min(attempts, on_hand)"},
                     {"passed", c.passed},
                     {"attempts", c.attempts},
                     {"successes", c.successes},
                     {"reserved", c.reserved},
                     {"expected", c.expected}};
    if (!c.error.empty()) json["check"]["error"] = c.error;
  } else {
    json["check"] = nullptr;
  }
  return json;
}

}  // namespace omnistock::bench
