// What every id of the API is (SKU, location, reservation, till transaction, terminal, transfer,
// idempotency key): 1 to a limit of bytes (limits.h), each a letter, a digit or one of . _ : / -
// The server refuses any other (services/validation.cc); the command-line client checks a file's
// ids by the same rule before it sends any.
#ifndef OMNISTOCK_ENGINE_IDS_H_
#define OMNISTOCK_ENGINE_IDS_H_

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace omnistock {

inline bool IsIdChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == ':' || c == '/' || c == '-';
}

// Why `value` is not an id of at most `length_max` bytes, naming `field`; empty when it is one.
inline std::string IdProblem(absl::string_view field, absl::string_view value, int length_max) {
  if (value.empty()) return absl::StrCat(field, " must not be empty");
  if (static_cast<int>(value.size()) > length_max) {
    return absl::StrCat(field, " is ", value.size(), " bytes, over the limit of ", length_max);
  }
  for (char c : value) {
    if (!IsIdChar(c)) {
      return absl::StrCat(field, " may contain only letters, digits and . _ : / - (found a byte 0x",
                          absl::Hex(static_cast<unsigned char>(c)), ")");
    }
  }
  return std::string();
}

}  // namespace omnistock

#endif  // OMNISTOCK_ENGINE_IDS_H_
