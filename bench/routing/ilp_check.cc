#include "bench/routing/ilp_check.h"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace omnistock::routing_bench {

bool GlpsolAvailable() { return std::system("command -v glpsol > /dev/null 2>&1") == 0; }

IlpOutcome SolveIlp(const routing::RoutingConfig& config, const routing::PlanRequest& request,
                    const AuditCandidates& candidates, const std::string& scratch_prefix) {
  IlpOutcome outcome;
  const std::vector<AuditOption>& d = candidates.deliveries;
  const std::vector<AuditOption>& p = candidates.pickups;
  const int lines = static_cast<int>(request.lines.size());
  if (d.empty() && p.empty()) {
    outcome.solved = true;
    return outcome;  // nothing can serve: infeasible
  }
  Quantity ordered = 0;
  for (const auto& line : request.lines) ordered += line.quantity;
  const double split = config.split_penalty;
  auto num = [](double v) { return absl::StrFormat("%.17g", v); };

  std::ostringstream lp;
  lp << "Minimize\n obj:";
  for (size_t k = 0; k < d.size(); ++k) lp << " + " << num(d[k].fixed + split) << " y" << k;
  for (size_t k = 0; k < d.size(); ++k) {
    for (int i = 0; i < lines; ++i) {
      if (d[k].units[i] > 0) lp << " + " << num(d[k].per_unit) << " x" << k << "_" << i;
    }
  }
  for (size_t j = 0; j < p.size(); ++j) {
    lp << " + " << num(AuditShipmentCost(p[j], ordered) + split) << " z" << j;
  }
  lp << "\nSubject To\n";
  for (int i = 0; i < lines; ++i) {
    lp << " line" << i << ":";
    bool any = false;
    for (size_t k = 0; k < d.size(); ++k) {
      if (d[k].units[i] > 0) {
        lp << " + x" << k << "_" << i;
        any = true;
      }
    }
    for (size_t j = 0; j < p.size(); ++j) {
      lp << " + " << request.lines[i].quantity << " z" << j;
      any = true;
    }
    if (!any) {
      outcome.solved = true;
      return outcome;  // a line nobody holds: infeasible
    }
    lp << " = " << request.lines[i].quantity << "\n";
  }
  for (size_t k = 0; k < d.size(); ++k) {
    for (int i = 0; i < lines; ++i) {
      if (d[k].units[i] > 0) {
        lp << " link" << k << "_" << i << ": x" << k << "_" << i << " - " << d[k].units[i] << " y"
           << k << " <= 0\n";
      }
    }
  }
  if (!d.empty()) {
    lp << " count:";
    for (size_t k = 0; k < d.size(); ++k) lp << " + y" << k;
    lp << " <= " << request.max_shipments << "\n";
  }
  if (!p.empty()) {
    lp << " onepickup:";
    for (size_t j = 0; j < p.size(); ++j) lp << " + z" << j;
    lp << " <= 1\n";
    for (size_t k = 0; k < d.size(); ++k) {
      lp << " alone" << k << ": y" << k;
      for (size_t j = 0; j < p.size(); ++j) lp << " + z" << j;
      lp << " <= 1\n";
    }
  }
  lp << "Bounds\n";
  for (size_t k = 0; k < d.size(); ++k) {
    for (int i = 0; i < lines; ++i) {
      if (d[k].units[i] > 0) lp << " 0 <= x" << k << "_" << i << " <= " << d[k].units[i] << "\n";
    }
  }
  lp << "Binaries\n";
  for (size_t k = 0; k < d.size(); ++k) lp << " y" << k << "\n";
  for (size_t j = 0; j < p.size(); ++j) lp << " z" << j << "\n";
  lp << "Generals\n";
  for (size_t k = 0; k < d.size(); ++k) {
    for (int i = 0; i < lines; ++i) {
      if (d[k].units[i] > 0) lp << " x" << k << "_" << i << "\n";
    }
  }
  lp << "End\n";

  const std::string model = scratch_prefix + ".lp";
  const std::string report = scratch_prefix + ".out";
  {
    std::ofstream file(model);
    file << lp.str();
  }
  // -w writes the solution in GLPK's plain format, whose "s mip ROWS COLS STATUS OBJ" line
  // carries the objective to 15 significant digits (the -o report has 10).
  const std::string command =
      absl::StrCat("glpsol --lp '", model, "' -w '", report, "' > /dev/null 2>&1");
  std::system(command.c_str());  // glpsol exits 0 for an infeasible model too
  std::ifstream in(report);
  if (!in) {
    outcome.error = "glpsol wrote no solution file";
    return outcome;
  }
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("s mip ", 0) != 0) continue;
    std::istringstream fields(line.substr(6));
    long rows = 0;
    long columns = 0;
    char status = '?';
    double objective = 0;
    fields >> rows >> columns >> status >> objective;
    std::remove(model.c_str());
    std::remove(report.c_str());
    if (status == 'o') {
      outcome.solved = true;
      outcome.feasible = true;
      outcome.objective = objective - split;
    } else if (status == 'n') {
      outcome.solved = true;
    } else {
      outcome.error = absl::StrCat("glpsol status ", std::string(1, status));
    }
    return outcome;
  }
  outcome.error = "no solution line from glpsol";
  return outcome;
}

}  // namespace omnistock::routing_bench
