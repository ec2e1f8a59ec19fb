// What the command-line tools (omnistock, omnistock-bench, routing-eval) share on top of CLI11:
// the checks CLI11 2.1 lacks, and its parse errors turned into the exit codes they document.
#ifndef OMNISTOCK_SERVICES_COMMAND_LINE_H_
#define OMNISTOCK_SERVICES_COMMAND_LINE_H_

#include <unistd.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <optional>
#include <string>
#include <system_error>

#include "CLI/CLI.hpp"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace omnistock::command_line {

// Bad usage: an unknown option, a value out of its bounds, a missing argument.
inline constexpr int kExitUsage = 2;

// Parses the command line into `app`: nullopt when the tool is to run, else its exit code (0
// after --help, kExitUsage after a usage error), once CLI11 has printed what it has to say.
inline std::optional<int> Parse(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : kExitUsage;
  }
  return std::nullopt;
}

// CLI11 2.1 reads "-1" into an unsigned option as its largest value; this refuses the sign.
inline CLI::Validator NotNegative() {
  return CLI::Validator(
      [](const std::string& value) {
        return value.rfind('-', 0) == 0 ? std::string("must not be negative") : std::string();
      },
      "NOT NEGATIVE");
}

// CLI11 reads a whole number too large for its type as the largest one (strtoll saturates), and
// one with a leading zero as octal: refused here as usage errors instead. `T` is the option's
// type (int64_t or uint64_t).
template <typename T>
CLI::Validator WholeNumber() {
  return CLI::Validator(
      [](const std::string& value) {
        const absl::string_view digits = absl::StripPrefix(absl::StripPrefix(value, "-"), "+");
        if (digits.size() > 1 && digits.front() == '0') {
          return absl::StrCat("'", value, "': write it without leading zeros");
        }
        T number = 0;
        if (absl::SimpleAtoi(value, &number)) return std::string();
        return absl::StrCat("'", value, "' is not a whole number from ",
                            std::numeric_limits<T>::min(), " to ", std::numeric_limits<T>::max());
      },
      "");
}

// A number option's value must be finite: "nan" passes CLI::Range (every comparison with it is
// false), and "inf" may be in range.
inline CLI::Validator Finite() {
  return CLI::Validator(
      [](const std::string& value) {
        double number = 0;
        if (absl::SimpleAtod(value, &number) && std::isfinite(number)) return std::string();
        return absl::StrCat("'", value, "' is not a finite number");
      },
      "");
}

// Why `file` could not be written (created or replaced) by this process, or nullopt when it can:
// so that a tool says so before a long run, not after it.
inline std::optional<std::string> CannotWrite(const std::string& file) {
  const std::filesystem::path path(file);
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return absl::StrCat(file, " is a directory");
  const bool exists = std::filesystem::exists(path, ec);
  if (::access(exists ? path.c_str() : dir.c_str(), W_OK) == 0) return std::nullopt;
  return absl::StrCat("cannot write ", file, ": ", std::strerror(errno));
}

}  // namespace omnistock::command_line

#endif  // OMNISTOCK_SERVICES_COMMAND_LINE_H_
