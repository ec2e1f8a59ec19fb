#include "bench/report.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "bench/driver.h"

namespace omnistock::bench {

const char* StatusCodeName(int code) {
  static constexpr const char* kNames[kStatusCodeCount] = {"OK",
                                                           "CANCELLED",
                                                           "UNKNOWN",
                                                           "INVALID_ARGUMENT",
                                                           "DEADLINE_EXCEEDED",
                                                           "NOT_FOUND",
                                                           "ALREADY_EXISTS",
                                                           "PERMISSION_DENIED",
                                                           "RESOURCE_EXHAUSTED",
                                                           "FAILED_PRECONDITION",
                                                           "ABORTED",
                                                           "OUT_OF_RANGE",
                                                           "UNIMPLEMENTED",
                                                           "INTERNAL",
                                                           "UNAVAILABLE",
                                                           "DATA_LOSS",
                                                           "UNAUTHENTICATED"};
  if (code < 0 || code >= kStatusCodeCount) return "UNKNOWN";
  return kNames[code];
}

namespace {

double Millis(int64_t nanos) { return static_cast<double>(nanos) / 1e6; }

double PerSecond(const Report& report, uint64_t count) {
  return report.run.measured_seconds > 0 ? static_cast<double>(count) / report.run.measured_seconds
                                         : 0.0;
}

struct Quantile {
  const char* name;
  double q;
};
constexpr Quantile kQuantiles[] = {
    {"p50", 0.50}, {"p90", 0.90}, {"p99", 0.99}, {"p99.9", 0.999}, {"max", 1.0}};

std::string LatencyText(const LatencyHistogram& h) {
  std::string text;
  for (const Quantile& q : kQuantiles) {
    absl::StrAppendFormat(&text, "%s%s %.3f", text.empty() ? "" : "  ", q.name,
                          Millis(h.Percentile(q.q)));
  }
  return text;
}

nlohmann::json LatencyJson(const LatencyHistogram& h) {
  nlohmann::json latency = nlohmann::json::object();
  for (const Quantile& q : kQuantiles) latency[q.name] = Millis(h.Percentile(q.q));
  latency["mean"] = h.mean() / 1e6;
  return latency;
}

nlohmann::json ErrorsJson(const KindStats& k) {
  nlohmann::json errors = nlohmann::json::object();
  for (int c = 1; c < kStatusCodeCount; ++c) {
    if (k.by_code[static_cast<size_t>(c)] == 0) continue;
    errors[c == kFailedPrecondition ? "stock_out (FAILED_PRECONDITION)" : StatusCodeName(c)] =
        k.by_code[static_cast<size_t>(c)];
  }
  return errors;
}

}  // namespace

double HeadlineRate(const Report& report) {
  uint64_t done = 0;
  for (const KindStats& k : report.run.kinds) done += k.Headline(report.workload);
  return PerSecond(report, done);
}

void PrintTable(const Report& report, std::FILE* out) {
  const RunResult& run = report.run;
  std::vector<std::pair<std::string, std::string>> rows;
  rows.emplace_back("mode", report.target.empty()
                                ? report.mode
                                : absl::StrFormat("%s (%s)", report.mode, report.target));
  rows.emplace_back(
      "workload",
      absl::StrFormat(
          "%s (%d SKUs x %d locations = %d positions, on_hand %d)%s", WorkloadName(report.workload),
          report.skus, report.locations, report.positions, report.on_hand_per_position,
          report.workload == Workload::kCounts ? ""
          : report.max_lines == 1              ? ", single-line orders"
                                  : absl::StrFormat(", orders of 1-%d lines", report.max_lines)));
  rows.emplace_back(
      "clients",
      absl::StrFormat(
          "%d%s%s%s%s", report.clients,
          report.connections > 0 ? absl::StrFormat(" over %d connections", report.connections)
                                 : std::string(),
          report.batch > 1 ? absl::StrFormat(", %d orders per call", report.batch) : std::string(),
          report.count_rows > 0 ? absl::StrFormat(", %d rows per call", report.count_rows)
                                : std::string(),
          report.rate > 0 ? absl::StrFormat(", paced at %g steps/s", report.rate)
                          : std::string(", closed loop")));
  rows.emplace_back("duration",
                    absl::StrFormat("%.2f s measured (after %.1f s warmup)%s", run.measured_seconds,
                                    report.warmup_seconds, run.interrupted ? ", interrupted" : ""));
  rows.emplace_back("seeding", absl::StrFormat("%.2f s", report.seed_seconds));
  rows.emplace_back("built from", kSourceCommit);
  const char* headline = HeadlineOf(report.workload).label;
  rows.emplace_back(headline, absl::StrFormat("%.0f", HeadlineRate(report)));
  if (report.check.performed) {
    const FlashCheck& c = report.check;
    std::string text;
    if (!c.error.empty()) {
      text = absl::StrFormat("NOT CHECKED (the position could not be read): %s", c.error);
    } else if (c.unknown == 0) {
      text = absl::StrFormat("%s: successes %d, reserved %d, min(attempts %d, on_hand %d) = %d",
                             c.passed ? "PASS" : "FAIL", c.successes, c.reserved, c.attempts,
                             report.on_hand_per_position, c.expected);
    } else {
      text = absl::StrFormat(
          "%s: successes %d <= reserved %d <= min(successes + %d orders of failed calls, "
          "on_hand %d) = %d (those orders may or may not be held)",
          c.passed ? "PASS" : "FAIL", c.successes, c.reserved, c.unknown,
          report.on_hand_per_position, c.expected);
    }
    rows.emplace_back("flash check", text);
  }
  if (run.paced) {
    const PacedStarts& p = *run.paced;
    rows.emplace_back(
        "paced starts",
        absl::StrFormat("%d steps, %d already due when their client got to them; the others woke "
                        "after due by (ms) %s",
                        p.steps, p.behind, LatencyText(p.woke_late)));
    if (p.never_started > 0) {
      rows.emplace_back(
          "rate not kept",
          absl::StrFormat("%d steps due in the window were never started (%.0f steps/s kept of "
                          "%g): the latency above is of the steps that started only",
                          p.never_started, PerSecond(report, p.steps), report.rate));
    }
    rows.emplace_back("first call less wake-up (ms)", LatencyText(p.less_wake_up));
  }
  if (run.feed_latency) {
    rows.emplace_back(
        "sale -> feed (ms)",
        absl::StrFormat("%s  (%d sales matched, %d unmatched)", LatencyText(*run.feed_latency),
                        run.feed_latency->count(), run.feed_unmatched));
  }

  size_t width = 0;
  for (const auto& [key, value] : rows) width = std::max(width, key.size());
  std::fprintf(out, "\nomnistock-bench results\n");
  for (const auto& [key, value] : rows) {
    std::fprintf(out, "  %-*s  %s\n", static_cast<int>(width), key.c_str(), value.c_str());
  }
  std::fprintf(out, "\n  %-10s %10s %12s %10s %9s %9s  %s\n", "kind", "calls", "units/s", "failed",
               "stockout", "stale", "latency per answered call (ms)");
  for (int k = 0; k < kOpKindCount; ++k) {
    const KindStats& s = run.kinds[static_cast<size_t>(k)];
    if (s.calls == 0) continue;
    std::fprintf(out, "  %-10s %10llu %12.0f %10llu %9llu %9llu  %s\n",
                 OpKindName(static_cast<OpKind>(k)), static_cast<unsigned long long>(s.calls),
                 PerSecond(report, s.answered_units()),
                 static_cast<unsigned long long>(s.errors() - s.by_code[kFailedPrecondition]),
                 static_cast<unsigned long long>(s.by_code[kFailedPrecondition]),
                 static_cast<unsigned long long>(s.stale), LatencyText(s.latency).c_str());
  }
  // Failed calls (neither OK nor a stock-out) are not in the latency above: their own.
  for (int k = 0; k < kOpKindCount; ++k) {
    const KindStats& s = run.kinds[static_cast<size_t>(k)];
    if (s.failed_calls == 0) continue;
    std::fprintf(
        out, "  %-10s %10llu failed calls, latency (ms)  %s\n", OpKindName(static_cast<OpKind>(k)),
        static_cast<unsigned long long>(s.failed_calls), LatencyText(s.failed_latency).c_str());
  }
  std::fflush(out);
}

nlohmann::json ToJson(const Report& report) {
  const RunResult& run = report.run;
  nlohmann::json kinds = nlohmann::json::object();
  for (int k = 0; k < kOpKindCount; ++k) {
    const KindStats& s = run.kinds[static_cast<size_t>(k)];
    if (s.calls == 0) continue;
    kinds[OpKindName(static_cast<OpKind>(k))] = {
        {"calls", s.calls},
        {"units", s.units},
        {"failed_units", s.failed_units},
        {"ok", s.ok()},
        {"units_per_s", PerSecond(report, s.answered_units())},
        {"stale", s.stale},
        {"errors", ErrorsJson(s)},
        {"failed_calls", s.failed_calls},
        {"failed_latency_ms", LatencyJson(s.failed_latency)},
        {"latency_ms", LatencyJson(s.latency)},
    };
  }
  const OpKind primary = report.workload == Workload::kCounts ? OpKind::kCount : OpKind::kReserve;
  nlohmann::json json = {
      {"system", "omnistock"},
      {"variant",
       absl::StrCat(
           report.mode, report.batch > 1 ? absl::StrFormat(", batch %d", report.batch) : "",
           report.max_lines == 1 && report.workload != Workload::kFlash ? ", single-line" : "",
           report.rate > 0 ? absl::StrFormat(", paced %g/s", report.rate) : "")},
      {"mode", report.mode},
      {"workload", WorkloadName(report.workload)},
      {"clients", report.clients},
      {"batch", report.batch},
      {"max_lines", report.max_lines},
      {"rate", report.rate},
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
      {"timestamp", absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", run.ended, absl::UTCTimeZone())},
      {"source_commit", std::string(kSourceCommit)},
      {"ops", ReserveWorkload(report.workload) || report.workload == Workload::kCounts
                  ? run.kind(primary).answered_units()
                  : run.answered_calls()},
      {"ops_per_s", HeadlineRate(report)},
      {"errors", run.errors(report.workload)},
      {"interrupted", run.interrupted},
      {"latency_ms", LatencyJson(run.kind(primary).latency)},
      {"kinds", kinds},
  };
  if (!report.target.empty()) json["target"] = report.target;
  if (report.connections > 0) json["connections"] = report.connections;
  if (report.count_rows > 0) json["count_rows"] = report.count_rows;
  if (run.feed_latency) {
    json["sale_to_feed_ms"] = LatencyJson(*run.feed_latency);
    json["sale_to_feed_matched"] = run.feed_latency->count();
    json["sale_to_feed_unmatched"] = run.feed_unmatched;
  }
  if (run.paced) {
    json["paced_starts"] = {{"steps", run.paced->steps},
                            {"behind", run.paced->behind},
                            {"never_started", run.paced->never_started},
                            {"woke_late_ms", LatencyJson(run.paced->woke_late)},
                            {"less_wake_up_ms", LatencyJson(run.paced->less_wake_up)}};
  }
  if (report.check.performed) {
    const FlashCheck& c = report.check;
    json["flash_check"] = {{"passed", c.passed},       {"attempts", c.attempts},
                           {"successes", c.successes}, {"unknown", c.unknown},
                           {"reserved", c.reserved},   {"expected", c.expected},
                           {"error", c.error}};
  }
  return json;
}

}  // namespace omnistock::bench
