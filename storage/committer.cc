#include "storage/committer.h"

#include <algorithm>
#include <chrono>
#include <future>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "engine/check.h"
#include "rocksdb/write_batch.h"
#include "storage/codec.h"

namespace omnistock::storage {
namespace {

// A steady clock's reading in nanoseconds, never 0 (which says "no write in progress").
int64_t SteadyNanos(std::chrono::steady_clock::time_point at) {
  return std::max<int64_t>(
      1, std::chrono::duration_cast<std::chrono::nanoseconds>(at.time_since_epoch()).count());
}

}  // namespace

Committer::Committer(Store& store, std::function<void(const absl::Status&)> on_failure,
                     DurableListener on_durable, uint64_t backlog_max, absl::Duration stall_max)
    : store_(store),
      on_failure_(std::move(on_failure)),
      on_durable_(std::move(on_durable)),
      backlog_max_(backlog_max),
      stall_max_(stall_max),
      thread_([this] { Run(); }) {}

Committer::~Committer() { Stop(); }

void Committer::Append(Commit commit) {
  absl::MutexLock lock(&mu_);
  if (commit.ticket > appended_.load(std::memory_order_relaxed)) {
    appended_.store(commit.ticket, std::memory_order_relaxed);
  }
  if (commit.ticket != next_ticket_) {
    // A lower ticket is still being filled on another thread: write this one after it.
    OMNISTOCK_CHECK(commit.ticket > next_ticket_);
    const CommitTicket ticket = commit.ticket;
    OMNISTOCK_CHECK(early_.emplace(ticket, std::move(commit)).second);
    return;
  }
  queue_.push_back(std::move(commit));
  ++next_ticket_;
  for (auto it = early_.begin(); it != early_.end() && it->first == next_ticket_;
       it = early_.erase(it)) {
    queue_.push_back(std::move(it->second));
    ++next_ticket_;
  }
}

void Committer::WhenDurable(CommitTicket ticket, DoneCallback done) {
  absl::Status result;
  {
    absl::MutexLock lock(&mu_);
    // Durability first: a commit made durable before a later batch failed is durable.
    if (ticket <= durable_ticket_.load(std::memory_order_relaxed)) {
      result = absl::OkStatus();
    } else if (!failure_.ok()) {
      result = InDoubt();
    } else if (exited_) {
      result = absl::UnavailableError("the server is shutting down");
    } else {
      waiters_.emplace(ticket, std::move(done));
      return;
    }
  }
  std::move(done)(std::move(result));
}

absl::Status Committer::WaitDurable(CommitTicket ticket) {
  std::promise<absl::Status> done;
  std::future<absl::Status> result = done.get_future();
  WhenDurable(ticket, [&done](absl::Status status) { done.set_value(std::move(status)); });
  return result.get();
}

void Committer::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

absl::Status Committer::Admit() const {
  if (failed()) return status();
  if (const uint64_t waiting = backlog(); waiting >= backlog_max_) {
    return absl::UnavailableError(absl::StrCat(
        "the disk is behind: ", waiting, " changes wait to be made durable, at the limit of ",
        backlog_max_, "; no more is applied until it catches up"));
  }
  if (const absl::Duration stalled = stalled_for(); stalled >= stall_max_) {
    return absl::UnavailableError(
        absl::StrCat("the disk has not finished a write for ", absl::FormatDuration(stalled),
                     " (omnistockd --storage_stall: ", absl::FormatDuration(stall_max_),
                     "); no more is applied until it does: retry later"));
  }
  return absl::OkStatus();
}

absl::Duration Committer::stalled_for() const {
  const int64_t since = writing_since_.load(std::memory_order_relaxed);
  if (since == 0) return absl::ZeroDuration();
  return std::max(absl::ZeroDuration(),
                  absl::Nanoseconds(SteadyNanos(std::chrono::steady_clock::now()) - since));
}

absl::Status Committer::InDoubt() const {
  // The failed batch reached the WAL file before its sync failed, or part of it did, and a
  // restart replays what the disk kept. A caller may wait on a later ticket than its own
  // change's (a batch of orders waits on its last; a replay on the newest), so no caller is
  // told its change was surely not written.
  return absl::UnavailableError(absl::StrCat(
      failure_.message(),
      "; what this call changed may or may not have been made durable (a restart keeps what the "
      "disk wrote): retry it with the same id or idempotency key, which is never applied twice, "
      "and read back a change sent without one before sending it again"));
}

absl::Status Committer::status() const {
  absl::MutexLock lock(&mu_);
  return failure_;
}

CommitterStats Committer::stats() const {
  absl::MutexLock lock(&mu_);
  CommitterStats stats = stats_;
  stats.durable_ticket = durable_ticket_.load(std::memory_order_relaxed);
  return stats;
}

void Committer::CountWrite(double seconds) {
  const double* bound =
      std::lower_bound(std::begin(kWriteSecondsBounds), std::end(kWriteSecondsBounds), seconds);
  if (bound != std::end(kWriteSecondsBounds)) {
    ++stats_.write_seconds_le[bound - std::begin(kWriteSecondsBounds)];
  }
  stats_.write_seconds_sum += seconds;
}

absl::Status Committer::WriteBatchOf(const std::vector<Commit>& commits) {
  rocksdb::ColumnFamilyHandle* const journal = store_.journal_family();
  rocksdb::ColumnFamilyHandle* const state = store_.state_family();
  rocksdb::ColumnFamilyHandle* const index = store_.position_index_family();
  rocksdb::WriteBatch batch;
  rocksdb::Status built;
  auto put = [&](rocksdb::ColumnFamilyHandle* family, const std::string& key,
                 const std::string& value) {
    if (built.ok()) built = batch.Put(family, key, value);
  };
  auto erase = [&](const std::string& state_key) {
    if (built.ok()) built = batch.Delete(state, state_key);
  };
  for (const Commit& commit : commits) {
    for (const Movement& movement : commit.movements) {
      put(journal, JournalKey(movement.sequence), Encode(movement));
      if (movement.indexed) {
        put(index, PositionIndexKey(movement.sku, movement.location, movement.sequence), "");
      }
    }
    for (const Position& position : commit.positions) {
      put(state, PositionKey(position.sku, position.location), Encode(position));
    }
    for (const Reservation& reservation : commit.reservations) {
      put(state, ReservationKey(reservation.id), Encode(reservation));
    }
    for (const Location& location : commit.locations) {
      put(state, LocationKey(location.id), Encode(location));
    }
    for (const PosTransaction& transaction : commit.pos_transactions) {
      put(state, PosTransactionKey(transaction), Encode(transaction));
    }
    for (const Transfer& transfer : commit.transfers) {
      put(state, TransferKey(transfer), Encode(transfer));
    }
    for (const ReservationId& id : commit.forgotten_reservations) {
      erase(ReservationKey(id));
    }
    for (const std::string& key : commit.forgotten_pos_transactions) {
      erase(PosTransactionKey(key));
    }
    for (const std::string& id : commit.forgotten_transfers) {
      erase(TransferKey(id));
    }
  }
  put(state, std::string(kLastSequenceKey), EncodeSequence(commits.back().last_sequence));
  rocksdb::WriteOptions options;
  options.sync = true;
  const rocksdb::Status status = built.ok() ? store_.db()->Write(options, &batch) : built;
  if (status.ok()) return absl::OkStatus();
  return absl::UnavailableError(
      absl::StrCat("storage write failed, the server stops serving: ", status.ToString()));
}

void Committer::Run() {
  for (;;) {
    std::vector<Commit> batch;
    std::multimap<CommitTicket, DoneCallback> abandoned;
    absl::Status abandon_status;
    {
      absl::MutexLock lock(&mu_);
      mu_.Await(absl::Condition(this, &Committer::HasWorkOrStopping));
      if (queue_.empty()) {
        exited_ = true;
        // Stopping with nothing left: whoever still waits will never be served.
        abandoned.swap(waiters_);
        abandon_status =
            failure_.ok() ? absl::UnavailableError("the server is shutting down") : failure_;
      } else {
        batch.assign(std::make_move_iterator(queue_.begin()),
                     std::make_move_iterator(queue_.end()));
        queue_.clear();
      }
    }
    if (!abandoned.empty() || batch.empty()) {
      for (auto& [ticket, done] : abandoned) std::move(done)(abandon_status);
      return;
    }
    if (!status().ok()) continue;  // latched: drop, never write after a failure

    const CommitTicket last = batch.back().ticket;
    const auto began = std::chrono::steady_clock::now();
    writing_since_.store(SteadyNanos(began), std::memory_order_relaxed);
    const absl::Status written = WriteBatchOf(batch);
    const double took =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - began).count();
    writing_since_.store(0, std::memory_order_relaxed);
    // The feed first: once a read may show a change as durable (durable_sequence(), and the
    // tickets below), a watcher may already resume after it.
    if (written.ok() && on_durable_) on_durable_(batch);

    std::vector<std::pair<DoneCallback, absl::Status>> ready;
    bool failed_now = false;
    {
      absl::MutexLock lock(&mu_);
      if (written.ok()) {
        durable_ticket_.store(last, std::memory_order_release);
        durable_sequence_.store(batch.back().last_sequence, std::memory_order_release);
        stats_.commits += batch.size();
        stats_.batches += 1;
        CountWrite(took);
        auto end = waiters_.upper_bound(last);
        for (auto it = waiters_.begin(); it != end; ++it) {
          ready.emplace_back(std::move(it->second), absl::OkStatus());
        }
        waiters_.erase(waiters_.begin(), end);
      } else {
        failure_ = written;
        failed_.store(true, std::memory_order_release);
        failed_now = true;
        const absl::Status in_doubt = InDoubt();
        for (auto& [ticket, done] : waiters_) ready.emplace_back(std::move(done), in_doubt);
        waiters_.clear();
      }
    }
    // Report the failure first, so health says NOT_SERVING before any caller sees UNAVAILABLE.
    if (failed_now && on_failure_) on_failure_(written);
    for (auto& [done, status] : ready) std::move(done)(std::move(status));
  }
}

}  // namespace omnistock::storage
