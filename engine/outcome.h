// The closed set of results of a ledger command. A command either applies fully (kOk,
// kReplayed) or changes nothing and names why. services/status_map.cc maps each value to one
// gRPC status code; nothing else decides codes.
//
// Checks run in this order, so a request with several faults always reports the same one:
//   1. the referenced location / reservation exists        (kLocationNotFound,
//   kReservationNotFound)
//   2. the location accepts the command                    (kLocationDisabled,
//   kLocationHasNoTill, kLocationHoldsNoStock)
//   3. idempotency: same id, same content -> kReplayed     (kReservationExistsWithDifferentContent)
//      (a transfer receipt's lines against its transfer first: kTransferReceiptMismatch)
//      then a new till transaction's date                  (kClientTimeTooOld)
//   4. the state transition is legal                       (kIllegalTransition,
//   kReservationExpired)
//   5. quantities: stock is there and limits hold          (kInsufficientAvailable,
//   kOnHandBelowZero,
//                                                           kOnHandLimitExceeded)
#ifndef OMNISTOCK_ENGINE_OUTCOME_H_
#define OMNISTOCK_ENGINE_OUTCOME_H_

#include <cstdint>

#include "absl/strings/string_view.h"

namespace omnistock {

enum class Outcome : uint8_t {
  kOk,
  kReplayed,  // an idempotent repeat: nothing changed, the original result is returned
  kLocationNotFound,
  kReservationNotFound,
  kLocationDisabled,
  kLocationHasNoTill,     // a till sale or return at a location that is not a store
  kLocationHoldsNoStock,  // stock received, held or sent to a pickup point
  kClientTimeTooOld,      // a till transaction dated more than kClientTimeAgeMax back
  kReservationExistsWithDifferentContent,
  kPosTransactionExistsWithDifferentContent,
  kStockChangeExistsWithDifferentContent,  // a receipt's or adjustment's idempotency key
  kTransferExistsWithDifferentContent,
  kTransferNotFound,
  kTransferReceiptMismatch,  // a receipt's lines are not the transfer's SKUs, or over what shipped
  kIllegalTransition,
  kReservationExpired,
  kInsufficientAvailable,
  kOnHandBelowZero,
  kOnHandLimitExceeded,
};

inline bool Succeeded(Outcome outcome) {
  return outcome == Outcome::kOk || outcome == Outcome::kReplayed;
}

absl::string_view OutcomeName(Outcome outcome);

}  // namespace omnistock

#endif  // OMNISTOCK_ENGINE_OUTCOME_H_
