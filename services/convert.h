// Conversions between the engine's value types and the omnistock.v1 messages. Requests are
// validated (validation.h) before they are converted; these functions never fail.
#ifndef OMNISTOCK_SERVICES_CONVERT_H_
#define OMNISTOCK_SERVICES_CONVERT_H_

#include "absl/container/flat_hash_set.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "engine/ledger.h"
#include "engine/location.h"
#include "engine/movement.h"
#include "engine/position.h"
#include "engine/reservation.h"
#include "google/protobuf/timestamp.pb.h"
#include "omnistock/v1/inventory.pb.h"
#include "omnistock/v1/network.pb.h"
#include "omnistock/v1/reservations.pb.h"
#include "omnistock/v1/store_sales.pb.h"
#include "omnistock/v1/warehouse.pb.h"

namespace omnistock::services {

void ToProto(absl::Time time, google::protobuf::Timestamp* out);
void ToProto(const Position& position, v1::PositionView* out);
void ToProto(const Reservation& reservation, v1::Reservation* out);
void ToProto(const Location& location, v1::Location* out);
void ToProto(const Movement& movement, v1::Movement* out);
void ToProto(const AtRisk& at_risk, v1::AtRiskReservation* out);
void ToProto(const PosResult& result, v1::PosResult* out);
void ToProto(const Transfer& transfer, v1::TransferView* out);

Location FromProto(const v1::Location& location);

// The reservations at risk that a streamed call's summary lists (SyncCounts, UploadSales): each
// once, the first kAtRiskListedMax. A till overselling a position sale after sale, or a count
// batch counting it twice, puts the same holds at risk again.
class AtRiskListing {
 public:
  // Lists in `out` those of `at_risk` not listed yet, while there is room. `cut`: `at_risk` is
  // itself the first part of a longer list.
  void Add(absl::Span<const AtRisk> at_risk,
           google::protobuf::RepeatedPtrField<v1::AtRiskReservation>* out, bool cut = false);
  // Whether some reservation at risk was left out of the listing.
  bool truncated() const { return truncated_; }

 private:
  absl::flat_hash_set<AtRisk> listed_;
  bool truncated_ = false;
};

}  // namespace omnistock::services

#endif  // OMNISTOCK_SERVICES_CONVERT_H_
