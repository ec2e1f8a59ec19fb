#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "engine/location.h"
#include "engine/outcome.h"
#include "engine/pos_transaction.h"
#include "engine/reservation.h"

namespace omnistock {

std::string DescribeLines(const std::vector<PosLine>& lines) {
  return absl::StrJoin(lines, ", ", [](std::string* out, const PosLine& line) {
    absl::StrAppend(out, line.quantity, " of '", line.sku.value(), "'");
  });
}

absl::string_view ReservationStateName(ReservationState state) {
  switch (state) {
    case ReservationState::kHeld:
      return "HELD";
    case ReservationState::kConfirmed:
      return "CONFIRMED";
    case ReservationState::kFulfilled:
      return "FULFILLED";
    case ReservationState::kReleased:
      return "RELEASED";
    case ReservationState::kExpired:
      return "EXPIRED";
  }
  return "UNKNOWN";
}

absl::string_view LocationKindName(LocationKind kind) {
  switch (kind) {
    case LocationKind::kStore:
      return "STORE";
    case LocationKind::kWarehouse:
      return "WAREHOUSE";
    case LocationKind::kEcDc:
      return "EC_DC";
    case LocationKind::kPickupPoint:
      return "PICKUP_POINT";
  }
  return "UNKNOWN";
}

std::string LocationKindWithArticle(LocationKind kind) {
  return absl::StrCat(kind == LocationKind::kEcDc ? "an " : "a ", LocationKindName(kind));
}

absl::string_view OutcomeName(Outcome outcome) {
  switch (outcome) {
    case Outcome::kOk:
      return "OK";
    case Outcome::kReplayed:
      return "REPLAYED";
    case Outcome::kLocationNotFound:
      return "LOCATION_NOT_FOUND";
    case Outcome::kReservationNotFound:
      return "RESERVATION_NOT_FOUND";
    case Outcome::kLocationDisabled:
      return "LOCATION_DISABLED";
    case Outcome::kReservationExistsWithDifferentContent:
      return "RESERVATION_EXISTS_WITH_DIFFERENT_CONTENT";
    case Outcome::kPosTransactionExistsWithDifferentContent:
      return "POS_TRANSACTION_EXISTS_WITH_DIFFERENT_CONTENT";
    case Outcome::kStockChangeExistsWithDifferentContent:
      return "STOCK_CHANGE_EXISTS_WITH_DIFFERENT_CONTENT";
    case Outcome::kTransferExistsWithDifferentContent:
      return "TRANSFER_EXISTS_WITH_DIFFERENT_CONTENT";
    case Outcome::kTransferNotFound:
      return "TRANSFER_NOT_FOUND";
    case Outcome::kTransferReceiptMismatch:
      return "TRANSFER_RECEIPT_MISMATCH";
    case Outcome::kIllegalTransition:
      return "ILLEGAL_TRANSITION";
    case Outcome::kReservationExpired:
      return "RESERVATION_EXPIRED";
    case Outcome::kInsufficientAvailable:
      return "INSUFFICIENT_AVAILABLE";
    case Outcome::kOnHandBelowZero:
      return "ON_HAND_BELOW_ZERO";
    case Outcome::kOnHandLimitExceeded:
      return "ON_HAND_LIMIT_EXCEEDED";
    case Outcome::kLocationHasNoTill:
      return "LOCATION_HAS_NO_TILL";
    case Outcome::kLocationHoldsNoStock:
      return "LOCATION_HOLDS_NO_STOCK";
    case Outcome::kClientTimeTooOld:
      return "CLIENT_TIME_TOO_OLD";
  }
  return "UNKNOWN";
}

}  // namespace omnistock
