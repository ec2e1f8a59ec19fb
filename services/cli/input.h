// How the omnistock command line reads what it is given: option values (SKU@LOCATION:QTY,
// SKU:QTY, RFC 3339 times, durations, capability names) and files (a count file's CSV rows,
// one protobuf message in JSON per line), each checked before anything is sent.
#ifndef OMNISTOCK_SERVICES_CLI_INPUT_H_
#define OMNISTOCK_SERVICES_CLI_INPUT_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "absl/time/time.h"
#include "google/protobuf/repeated_ptr_field.h"
#include "google/protobuf/timestamp.pb.h"
#include "google/protobuf/util/json_util.h"
#include "google/rpc/status.pb.h"
#include "omnistock/v1/availability.pb.h"
#include "omnistock/v1/fulfillment.pb.h"
#include "omnistock/v1/inventory.pb.h"
#include "omnistock/v1/network.pb.h"
#include "omnistock/v1/reservations.pb.h"
#include "omnistock/v1/store_sales.pb.h"
#include "omnistock/v1/warehouse.pb.h"
#include "services/cli/options.h"

namespace omnistock::cli {

// An enum value by its command-line name, which CLI11 already checked: "ec-dc" is EC_DC.
template <typename Enum>
Enum EnumOf(std::string name, bool (*parse)(const std::string&, Enum*), Enum otherwise) {
  name = absl::AsciiStrToUpper(name);
  std::replace(name.begin(), name.end(), '-', '_');
  Enum value = otherwise;
  parse(name, &value);
  return value;
}

// A whole number written in digits only (no sign, no spaces), or nullopt.
std::optional<int64_t> ParseWholeNumber(absl::string_view text);

// TEXT:QTY with QTY a whole number of at least `least` after the last ':' (location ids may
// contain ':'): TEXT and QTY, or nullopt.
std::optional<std::pair<std::string, int64_t>> WithQuantity(const std::string& text,
                                                            int64_t least = 1);

// Parses SKU@LOCATION:QTY.
std::optional<v1::Line> ParseLine(const std::string& text);

// Adds each --line SKU:QTY to `lines` (OrderLine or PosLine: a sku and a quantity of at least
// `least`). False, with `error`, at the first that is not so.
template <typename LineMessage>
bool AddSkuLines(const std::vector<std::string>& texts,
                 google::protobuf::RepeatedPtrField<LineMessage>& lines, std::string& error,
                 int64_t least = 1) {
  for (const std::string& text : texts) {
    const std::optional<std::pair<std::string, int64_t>> parsed = WithQuantity(text, least);
    if (!parsed || parsed->first.empty()) {
      error =
          absl::StrCat("--line '", text, "' is not SKU:QTY with QTY a whole number of at least ",
                       least, ", e.g. SKU-00042:2");
      return false;
    }
    LineMessage* line = lines.Add();
    line->set_sku(parsed->first);
    line->set_quantity(parsed->second);
  }
  return true;
}

// An RFC 3339 time (2026-12-01T09:30:00Z, or with an offset: +09:00) into `timestamp`. False,
// with `error` naming `option`, when it is not one.
bool ParseTimestamp(const std::string& text, const std::string& option,
                    google::protobuf::Timestamp& timestamp, std::string& error);

// The lines of a file, or of standard input for "-", without a Windows line end or the UTF-8
// byte-order mark a spreadsheet's "CSV UTF-8" export begins with. False, with `error`, when it
// cannot be read.
bool ReadLines(const std::string& path, std::vector<std::string>& lines, std::string& error);

// What a file's rows became, and where each came from: `line_of[i]` is the file line (from 1)
// of the i-th message's (or row's) first line.
template <typename Message>
struct FileRows {
  std::vector<Message> messages;
  std::vector<size_t> line_of;
};

// Why the server would refuse `at` as a WMS clock fault (at most 30 days back, 5 minutes
// ahead), naming `what`; empty when it would not.
std::string ClockFault(absl::string_view what, const google::protobuf::Timestamp& at,
                       absl::Time now);

// A count file: one row per line, LOCATION,SKU,COUNTED[,COUNTED_AT] (COUNTED_AT in RFC 3339;
// left out or empty: `counted_at`), cut into SyncCounts batches of the largest size allowed.
// Fields may be quoted (CsvFields). Blank lines and lines starting with '#' are skipped. A first
// line of column names gives the columns' order instead (a spreadsheet's "sku,location,counted");
// it must name LOCATION, SKU and COUNTED once each, COUNTED_AT at most once. Each row is checked as
// the server checks it (ids, the count's bounds, a COUNTED_AT at most 30 days back and 5 minutes
// ahead of this machine's clock), and so that no position is counted twice at one time (the second
// would be stale). False, with `error` naming the file's line, at the first row that is not so:
// then nothing is sent. Rows without a COUNTED_AT take `counted_at` (the caller checks it), and
// `undated` counts them.
bool CountBatchesOf(const std::vector<std::string>& lines,
                    const google::protobuf::Timestamp& counted_at, FileRows<v1::CountBatch>& file,
                    size_t& undated, std::string& error);

// A file (ReadLines) of `Message`s, one per line in protobuf's JSON form (upload-sales:
// RecordSaleRequest, reserve-batch: ReserveRequest), e.g. for a sale
// {"location_id":"ST-GINZA","terminal_id":"till-3","pos_transaction_id":"T-1001",
//  "sold_at":"2026-12-01T09:30:00Z","lines":[{"sku":"SKU-00042","quantity":1}]}.
// Blank lines are skipped. False, with `error` naming the file's line, at the first line that is
// not so: then nothing is sent. (The server checks each message's content, and refuses a bad one
// alone: the answer lists it.)
template <typename Message>
bool JsonLinesOf(const std::string& path, FileRows<Message>& file, std::string& error) {
  std::vector<std::string> lines;
  if (!ReadLines(path, lines, error)) return false;
  const std::string& type = Message::descriptor()->name();
  for (size_t i = 0; i < lines.size(); ++i) {
    const absl::string_view text = absl::StripAsciiWhitespace(lines[i]);
    if (text.empty()) continue;
    Message& message = file.messages.emplace_back();
    const auto status = google::protobuf::util::JsonStringToMessage(std::string(text), &message);
    if (!status.ok()) {
      error = absl::StrCat("line ", i + 1, " is not a ", type, " in JSON: ", status.ToString());
      return false;
    }
    file.line_of.push_back(i + 1);
  }
  if (file.messages.empty()) {
    error = absl::StrCat("the file has no ", type, " (one in JSON per line)");
    return false;
  }
  return true;
}

// --ttl into `request`'s ttl, unless empty (the server's default). False, with `error`, when it
// is not a positive duration.
template <typename Request>
bool SetTtl(const std::string& text, Request& request, std::string& error) {
  if (text.empty()) return true;
  absl::Duration ttl;
  if (!absl::ParseDuration(text, &ttl) || ttl <= absl::ZeroDuration() ||
      ttl == absl::InfiniteDuration()) {
    error = absl::StrCat("--ttl '", text, "' is not a positive duration such as 15m or 900s");
    return false;
  }
  *request.mutable_ttl() = TimeUtil::NanosecondsToDuration(absl::ToInt64Nanoseconds(ttl));
  return true;
}

// --capabilities pickup,curbside,ship,pos (as `locations` shows them), or none.
bool ParseCapabilities(const std::string& text, v1::Capabilities& capabilities, std::string& error);

}  // namespace omnistock::cli

#endif  // OMNISTOCK_SERVICES_CLI_INPUT_H_
