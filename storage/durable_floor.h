// The journal's durable sequence, kept beside the database in a small file of its own
// (kDurableFloorFile), rewritten about once a second and at a clean stop. RocksDB cannot tell
// some damage of its write-ahead log from a crash's torn tail (storage::WalRecovery::kStrict):
// a log cut short at a record's boundary, a zeroed stretch, a length field that runs past the
// end. What such damage hides is dropped without a word. A start that recovers a journal ending
// before this floor has lost writes that were acknowledged, and says so (Store::Open), instead
// of serving without them. Only losses of what was durable before the floor's last write are
// seen: those of the last second before a crash are not.
#ifndef OMNISTOCK_STORAGE_DURABLE_FLOOR_H_
#define OMNISTOCK_STORAGE_DURABLE_FLOOR_H_

#include <functional>
#include <optional>
#include <string>
#include <thread>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "engine/types.h"

namespace omnistock::storage {

inline constexpr char kDurableFloorFile[] = "DURABLE_SEQUENCE";
inline constexpr absl::Duration kDurableFloorInterval = absl::Seconds(1);

// The floor recorded in `dir`; nullopt when there is none (a database from before it was kept,
// or a new one). DATA_LOSS when the file does not parse.
absl::StatusOr<std::optional<Sequence>> ReadDurableFloor(const std::string& dir);
// Replaces the floor in `dir` with `sequence`, synced: a crash leaves the old one or the new.
absl::Status WriteDurableFloor(const std::string& dir, Sequence sequence);

// Writes `durable()` as the floor of `dir` every `interval` when it has moved on, on a thread of
// its own, so that neither the calls nor the health checks wait for it. A write that fails goes
// to `on_error` (at once, then at most once a minute while it keeps failing) and is tried again
// at the next interval (a failing disk stops the committer anyway).
class DurableFloorWriter {
 public:
  DurableFloorWriter(std::string dir, std::function<Sequence()> durable,
                     std::function<void(const absl::Status&)> on_error,
                     absl::Duration interval = kDurableFloorInterval);
  ~DurableFloorWriter();  // Stop(false)

  // Ends the thread, then, with `write_last`, writes `durable()` once more: after the
  // committer's last batch, at a clean stop, the floor is then the journal's end. (Not after a
  // storage failure: the disk may no longer answer.) Only the first call does anything.
  void Stop(bool write_last = true);

 private:
  // Writes `durable()` unless it is what was written last.
  void WriteIfMoved();

  const std::string dir_;
  const std::function<Sequence()> durable_;
  const std::function<void(const absl::Status&)> on_error_;
  const absl::Duration interval_;
  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  // The thread's, then Stop's once it has joined.
  std::optional<Sequence> written_;
  absl::Time last_error_report_ = absl::InfinitePast();
  std::thread thread_;
};

}  // namespace omnistock::storage

#endif  // OMNISTOCK_STORAGE_DURABLE_FLOOR_H_
