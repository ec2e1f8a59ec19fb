#include "services/cli/input.h"

#include <fstream>
#include <iostream>
#include <iterator>
#include <set>
#include <tuple>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "engine/ids.h"
#include "engine/limits.h"
#include "services/cli/output.h"

namespace omnistock::cli {
namespace {

// The fields of one CSV line as spreadsheets and WMS exports write it (RFC 4180, one line): a
// field in double quotes may hold commas, and "" stands for a quote in it; spaces around a
// quoted field are dropped. False, with `error`, for a quote left open or text after one.
bool CsvFields(absl::string_view line, std::vector<std::string>& fields, std::string& error) {
  fields.clear();
  size_t i = 0;
  for (;;) {
    size_t quote = i;
    while (quote < line.size() && line[quote] == ' ') ++quote;
    std::string field;
    if (quote < line.size() && line[quote] == '"') {
      for (i = quote + 1;; ++i) {
        if (i >= line.size()) {
          error = "a field's opening quote is not closed";
          return false;
        }
        if (line[i] != '"') {
          field += line[i];
        } else if (i + 1 < line.size() && line[i + 1] == '"') {
          field += '"';
          ++i;
        } else {
          break;
        }
      }
      for (++i; i < line.size() && line[i] == ' ';) ++i;
      if (i < line.size() && line[i] != ',') {
        error = "a quoted field is followed by more than a comma";
        return false;
      }
    } else {
      const size_t comma = std::min(line.find(',', i), line.size());
      field = std::string(line.substr(i, comma - i));
      i = comma;
    }
    fields.push_back(std::move(field));
    if (i >= line.size()) return true;
    ++i;  // the comma
  }
}

// The columns of a count file.
enum class CountColumn { kLocation, kSku, kCounted, kCountedAt };

constexpr const char* kCountColumnNames[] = {"LOCATION", "SKU", "COUNTED", "COUNTED_AT"};

// A count file's first line as column names, in the file's order: nullopt when some field is
// not one of the names below (then the line is a row, in the default order).
std::optional<std::vector<CountColumn>> CountHeaderOf(const std::vector<std::string>& fields) {
  static const std::pair<const char*, CountColumn> kNames[] = {
      {"location", CountColumn::kLocation},
      {"location_id", CountColumn::kLocation},
      {"sku", CountColumn::kSku},
      {"counted", CountColumn::kCounted},
      {"counted_quantity", CountColumn::kCounted},
      {"quantity", CountColumn::kCounted},
      {"counted_at", CountColumn::kCountedAt}};
  std::vector<CountColumn> columns;
  for (absl::string_view field : fields) {
    field = absl::StripAsciiWhitespace(field);
    const auto* named = std::find_if(std::begin(kNames), std::end(kNames), [field](const auto& n) {
      return absl::EqualsIgnoreCase(field, n.first);
    });
    if (named == std::end(kNames)) return std::nullopt;
    columns.push_back(named->second);
  }
  return columns;
}

}  // namespace

std::optional<int64_t> ParseWholeNumber(absl::string_view text) {
  int64_t value = 0;
  const bool digits_only = !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return absl::ascii_isdigit(static_cast<unsigned char>(c));
  });
  if (!digits_only || !absl::SimpleAtoi(text, &value)) return std::nullopt;
  return value;
}

std::optional<std::pair<std::string, int64_t>> WithQuantity(const std::string& text,
                                                            int64_t least) {
  const size_t colon = text.rfind(':');
  if (colon == std::string::npos) return std::nullopt;
  const std::optional<int64_t> quantity =
      ParseWholeNumber(absl::string_view(text).substr(colon + 1));
  if (!quantity || *quantity < least) return std::nullopt;
  return std::pair{text.substr(0, colon), *quantity};
}

std::optional<v1::Line> ParseLine(const std::string& text) {
  const std::optional<std::pair<std::string, int64_t>> parsed = WithQuantity(text);
  if (!parsed) return std::nullopt;
  const std::string& head = parsed->first;
  const size_t at = head.find('@');
  if (at == std::string::npos || head.find('@', at + 1) != std::string::npos) return std::nullopt;
  v1::Line line;
  line.set_sku(head.substr(0, at));
  line.set_location_id(head.substr(at + 1));
  line.set_quantity(parsed->second);
  if (line.sku().empty() || line.location_id().empty()) return std::nullopt;
  return line;
}

bool ParseTimestamp(const std::string& text, const std::string& option,
                    google::protobuf::Timestamp& timestamp, std::string& error) {
  if (TimeUtil::FromString(text, &timestamp)) return true;
  error = absl::StrCat(option, " '", text,
                       "' is not an RFC 3339 time such as 2026-12-01T09:30:00Z or "
                       "2026-12-01T18:30:00+09:00");
  return false;
}

bool ReadLines(const std::string& path, std::vector<std::string>& lines, std::string& error) {
  std::ifstream file;
  if (path != "-") {
    file.open(path);
    if (!file) {
      error = absl::StrCat("cannot read '", path, "'");
      return false;
    }
  }
  std::istream& in = path == "-" ? std::cin : file;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (lines.empty() && absl::StartsWith(line, "\xEF\xBB\xBF")) line.erase(0, 3);
    lines.push_back(std::move(line));
  }
  if (in.bad()) {
    error = absl::StrCat("reading '", path, "' failed");
    return false;
  }
  return true;
}

std::string ClockFault(absl::string_view what, const google::protobuf::Timestamp& at,
                       absl::Time now) {
  const absl::Time when = absl::FromUnixMicros(TimeUtil::TimestampToMicroseconds(at));
  if (when >= now - omnistock::kClientTimeAgeMax && when <= now + omnistock::kPosClockSkewMax) {
    return std::string();
  }
  return absl::StrCat(what, " must be at most ", omnistock::kClientTimeAgeMaxDays,
                      " days back and at most ", absl::FormatDuration(omnistock::kPosClockSkewMax),
                      " ahead of now (the server refuses it as a clock fault)");
}

bool CountBatchesOf(const std::vector<std::string>& lines,
                    const google::protobuf::Timestamp& counted_at, FileRows<v1::CountBatch>& file,
                    size_t& undated, std::string& error) {
  const absl::Time now = absl::Now();
  std::set<std::tuple<std::string, std::string, int64_t, int32_t>> counted;  // position, time
  bool first = true;
  std::vector<CountColumn> columns;  // from a header; empty: the default order
  std::string shape = "LOCATION,SKU,COUNTED[,COUNTED_AT]";
  for (size_t i = 0; i < lines.size(); ++i) {
    const absl::string_view text = absl::StripAsciiWhitespace(lines[i]);
    if (text.empty() || text.front() == '#') continue;
    const std::string where = absl::StrCat("line ", i + 1, " '", text, "'");
    std::vector<std::string> fields;
    if (std::string problem; !CsvFields(text, fields, problem)) {
      error = absl::StrCat(where, ": ", problem);
      return false;
    }
    if (std::optional<std::vector<CountColumn>> header;
        std::exchange(first, false) && (header = CountHeaderOf(fields))) {
      for (CountColumn column : {CountColumn::kLocation, CountColumn::kSku, CountColumn::kCounted,
                                 CountColumn::kCountedAt}) {
        const auto named = std::count(header->begin(), header->end(), column);
        if (named > 1 || (named == 0 && column != CountColumn::kCountedAt)) {
          error = absl::StrCat(where, ": column names must name LOCATION, SKU and COUNTED once ",
                               "each, and COUNTED_AT at most once");
          return false;
        }
      }
      columns = *std::move(header);
      shape.clear();
      for (CountColumn column : columns) {
        const bool optional = column == CountColumn::kCountedAt && column == columns.back();
        absl::StrAppend(&shape, optional ? "[" : "", shape.empty() ? "" : ",",
                        kCountColumnNames[static_cast<int>(column)], optional ? "]" : "");
      }
      continue;
    }
    // A last COUNTED_AT column may be left out of a row.
    const size_t full = columns.empty() ? 4 : columns.size();
    const bool time_last = columns.empty() || columns.back() == CountColumn::kCountedAt;
    if (fields.size() != full && !(time_last && fields.size() + 1 == full)) {
      error = absl::StrCat(where, " is not ", shape);
      return false;
    }
    // The field of `column` ("" when the row has none).
    auto field = [&](CountColumn column) -> absl::string_view {
      size_t at = static_cast<size_t>(column);
      if (!columns.empty()) {
        at = static_cast<size_t>(std::find(columns.begin(), columns.end(), column) -
                                 columns.begin());
      }
      return at < fields.size() ? absl::StripAsciiWhitespace(fields[at]) : absl::string_view();
    };
    const std::string location(field(CountColumn::kLocation));
    const std::string sku(field(CountColumn::kSku));
    const std::optional<int64_t> quantity = ParseWholeNumber(field(CountColumn::kCounted));
    std::string problem =
        omnistock::IdProblem("LOCATION", location, omnistock::kLocationIdLengthMax);
    if (problem.empty()) problem = omnistock::IdProblem("SKU", sku, omnistock::kSkuLengthMax);
    if (problem.empty() && (!quantity || *quantity > omnistock::kOnHandMax)) {
      problem = absl::StrCat("COUNTED must be a whole number from 0 to ", omnistock::kOnHandMax);
    }
    google::protobuf::Timestamp at = counted_at;
    const absl::string_view time = field(CountColumn::kCountedAt);
    // A time that does not parse says so in `problem`; one that does is checked as the server
    // checks it.
    if (problem.empty() && !time.empty() &&
        ParseTimestamp(std::string(time), "COUNTED_AT", at, problem)) {
      problem = ClockFault("COUNTED_AT", at, now);
    }
    if (problem.empty() && !counted.emplace(location, sku, at.seconds(), at.nanos()).second) {
      problem = "counts a position already counted at the same time above (it would be stale)";
    }
    if (!problem.empty()) {
      error = absl::StrCat(where, ": ", problem);
      return false;
    }
    if (file.messages.empty() ||
        file.messages.back().rows_size() == omnistock::kCountRowsPerBatchMax) {
      file.messages.emplace_back();
    }
    v1::CountRow* row = file.messages.back().add_rows();
    row->set_location_id(location);
    row->set_sku(sku);
    row->set_counted_quantity(*quantity);
    *row->mutable_counted_at() = at;
    file.line_of.push_back(i + 1);
    undated += time.empty();
  }
  if (file.line_of.empty()) {
    error = "the file has no count rows (LOCATION,SKU,COUNTED[,COUNTED_AT] per line)";
    return false;
  }
  return true;
}

bool ParseCapabilities(const std::string& text, v1::Capabilities& capabilities,
                       std::string& error) {
  capabilities.Clear();
  if (absl::EqualsIgnoreCase(text, "none")) return true;
  const std::vector<absl::string_view> names = absl::StrSplit(text, ',');
  for (const absl::string_view name : names) {
    const auto known = std::find_if(
        std::begin(kCapabilityNames), std::end(kCapabilityNames), [name](const CapabilityName& c) {
          return absl::EqualsIgnoreCase(absl::StripAsciiWhitespace(name), c.name);
        });
    if (known == std::end(kCapabilityNames)) {
      error = absl::StrCat(
          "--capabilities: '", name,
          "' is none of pickup, curbside, ship (ship from store), pos (walk-in sales at a "
          "till), or the word none");
      return false;
    }
    (capabilities.*known->set)(true);
  }
  return true;
}

}  // namespace omnistock::cli
