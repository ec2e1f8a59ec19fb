#include "services/availability_service.h"

#include <deque>
#include <memory>
#include <optional>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpc/grpc.h"
#include "grpcpp/alarm.h"
#include "services/convert.h"
#include "services/validation.h"

namespace omnistock::services {
namespace {

using SharedUpdate = std::shared_ptr<const v1::AvailabilityUpdate>;

// After the resume hint of an ended watch, which names the last update the server sent: a
// client library may drop updates it had received but not yet handed over when the status came.
constexpr absl::string_view kResumeCaveat =
    " (the last update sent, or where the watch started; if your application did not process "
    "it, the last one it did)";

// Answers a Watch whose request was refused.
class RejectedWatch final : public grpc::ServerWriteReactor<v1::AvailabilityUpdate> {
 public:
  void OnDone() override { delete this; }
};

// One Watch stream. It first replays the journal after resume_after_sequence up to the point
// where it subscribed to the feed, then writes the live updates the feed buffered meanwhile,
// so the client sees every sequence once, in order. One write is outstanding at a time; all
// state is guarded by mu_, and Finish is called exactly once, never with a write in flight.
class WatchReactor final : public grpc::ServerWriteReactor<v1::AvailabilityUpdate>,
                           public FeedSubscriber {
 public:
  static grpc::ServerWriteReactor<v1::AvailabilityUpdate>* Start(
      grpc::CallbackServerContext* context, const ServiceContext& ctx, ChangeFeed* feed,
      WatchFilter filter, std::optional<Sequence> resume_after, size_t watchers_max) {
    // The feed shares ownership so that a batch being published never outlives its receiver;
    // the gRPC side ends with OnDone, which drops the reactor's own reference.
    auto reactor = std::shared_ptr<WatchReactor>(
        new WatchReactor(context->c_call(), ctx, feed, std::move(filter)));
    reactor->self_ = reactor;
    const ChangeFeed::Subscription subscription = feed->Subscribe(reactor, watchers_max);
    const Sequence subscribed_at = subscription.published;
    bool ending = false;
    {
      absl::MutexLock lock(&reactor->mu_);
      // A watch that arrives as the server stops ends at once (Pump), as the others do; one
      // told so by OnClose in the meantime waited for this setup to say where to resume.
      if (subscription.closed) reactor->closing_ = true;
      reactor->started_ = true;
      // A batch published since Subscribe may have moved the replay's end on already (more than
      // the buffer, OnDurable): keep it.
      reactor->replay_until_ = std::max(reactor->replay_until_, subscribed_at);
      reactor->replay_after_ = resume_after.value_or(subscribed_at);
      // Live at once, with no read, unless there is a replay to do.
      reactor->replayed_ = reactor->replay_after_ >= reactor->replay_until_;
      reactor->last_sent_ = reactor->replay_after_;
      if (subscription.full) {
        reactor->refusal_ = grpc::Status(
            grpc::StatusCode::RESOURCE_EXHAUSTED,
            absl::StrCat("the server already has ", watchers_max,
                         " watches, its limit (omnistockd --watchers_max): retry later, or share "
                         "one watch among the clients of one process"));
      } else if (std::optional<grpc::Status> lost = RefuseDroppedSequence(
                     ctx, "resume_after_sequence", reactor->replay_after_,
                     "Figures built from this feed may hold changes that no longer exist: "
                     "reload them with GetAvailability, then watch again")) {
        reactor->refusal_ = *std::move(lost);
      } else if (reactor->replay_after_ > subscribed_at) {
        reactor->refusal_ =
            grpc::Status(grpc::StatusCode::OUT_OF_RANGE,
                         absl::StrCat("resume_after_sequence ", reactor->replay_after_,
                                      " is ahead of the journal, whose last durable sequence is ",
                                      subscribed_at));
      }
      ending = reactor->refusal_.has_value() || reactor->closing_ || reactor->finish_called_;
    }
    // Headers go out now, so a client can tell it is subscribed before any change happens.
    if (!ending) {
      context->AddInitialMetadata(kWatchSubscribedKey, kWatchSubscribedValue);
      reactor->StartSendInitialMetadata();
    }
    reactor->Pump();
    return reactor.get();
  }

  void OnDurable(const std::vector<FeedItem>& items, Sequence last_sequence) override {
    {
      absl::MutexLock lock(&mu_);
      if (finished_ || overflowed_) return;
      for (const FeedItem& item : items) {
        if (!filter_.Follows(item.movement())) continue;  // published items change figures
        if (static_cast<int>(live_.size()) < kWatchBufferMax) {
          live_.push_back(item.update());
          continue;
        }
        // Past the buffer. Every one of these is in the journal, durable now.
        live_.clear();
        if (!replayed_) {
          // Still replaying: the replay goes on to the end of these commits instead, and
          // the buffer starts over after them. (Ending the watch here would send a watcher
          // that resumes during a busy hour back to the same point, again and again.)
          replay_until_ = last_sequence;
          return;
        }
        // Live: the watcher is that far behind (or no longer reads: the write in flight may
        // never complete, and it would hold the buffer). The watch ends once that write is
        // done, saying where to resume, or is cancelled (CancelUnlessDoneLocked).
        overflowed_ = true;
        break;
      }
      if (overflowed_) CancelUnlessDoneLocked(kWatchBehindWriteMax);
      if (writing_ || !replayed_) return;  // the write in flight or the replay will pump
    }
    // Runs on the committer thread: only starts the next write, never waits for it.
    Pump();
  }

  void OnClose() override {
    {
      absl::MutexLock lock(&mu_);
      closing_ = true;
      CancelUnlessDoneLocked(kWatchStoppingWriteMax);
      if (writing_) return;   // OnWriteDone will pump and finish
      if (!started_) return;  // Start will, once it knows the resume point
    }
    Pump();
  }

  void OnWriteDone(bool ok) override {
    {
      absl::MutexLock lock(&mu_);
      writing_ = false;
      if (!ok) {
        FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "the watcher went away"));
        return;
      }
      last_sent_ = out_->sequence();
    }
    Pump();
  }

  void OnCancel() override {
    absl::MutexLock lock(&mu_);
    cancelled_ = true;
    if (!writing_) FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
  }

  void OnDone() override {
    // After Unsubscribe no new batch is handed to us. `last` is the final reference but for a
    // replay page still being read and a batch being handed over right now: each holds its own
    // until it is done, and finds the watch finished.
    feed_->Unsubscribe(this);
    std::shared_ptr<WatchReactor> last;
    absl::MutexLock lock(&mu_);
    finished_ = true;
    last.swap(self_);
  }  // `lock` is released before `last` deletes this

 private:
  // `call` is referenced until the reactor goes, so that it can be cancelled whenever the
  // alarm fires (grpc_call_cancel is thread-safe until the last unref; the C++ context ends at
  // OnDone).
  WatchReactor(grpc_call* call, const ServiceContext& ctx, ChangeFeed* feed, WatchFilter filter)
      : call_(call), ctx_(ctx), feed_(feed), filter_(std::move(filter)) {
    grpc_call_ref(call_);
  }

 public:
  ~WatchReactor() override { grpc_call_unref(call_); }

 private:
  // The watch must end, but its end waits for the client: the write in flight, or the status
  // queued behind updates the transport could not send yet. If the call is still not done
  // `within` from now (a client that no longer reads), it is cancelled, which fails what waits
  // and ends the stream.
  void CancelUnlessDoneLocked(absl::Duration within) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (cancel_alarm_set_ || finished_) return;
    cancel_alarm_set_ = true;
    cancel_alarm_.Set(absl::ToChronoTime(absl::Now() + within),
                      [weak = std::weak_ptr<WatchReactor>(self_)](bool expired) {
                        std::shared_ptr<WatchReactor> self = weak.lock();
                        if (!self || !expired) return;
                        {
                          absl::MutexLock lock(&self->mu_);
                          if (self->finished_) return;
                        }
                        // Not under mu_: gRPC may run OnCancel, OnWriteDone and OnDone before
                        // it returns.
                        grpc_call_cancel(self->call_, nullptr);
                      });
  }

  // Starts the next write if there is one and none is in flight, or the read of the replay's
  // next page (ReadJournal: the read itself on a journal reader, never here, which may be a gRPC
  // callback thread).
  void Pump() {
    std::shared_ptr<WatchReactor> keep;  // what the read holds on to until it is done
    {
      absl::MutexLock lock(&mu_);
      if (writing_ || reading_ || finished_ || finish_called_) return;
      if (cancelled_) {
        FinishLocked(grpc::Status(grpc::StatusCode::CANCELLED, "cancelled"));
        return;
      }
      if (refusal_) {
        FinishLocked(*refusal_);
        return;
      }
      if (closing_) {
        FinishLocked(grpc::Status(
            grpc::StatusCode::UNAVAILABLE,
            absl::StrCat("the server is shutting down; watch again with resume_after_sequence=",
                         last_sent_, kResumeCaveat)));
        return;
      }
      if (overflowed_) {
        FinishLocked(grpc::Status(
            grpc::StatusCode::RESOURCE_EXHAUSTED,
            absl::StrCat("the watcher fell more than ", kWatchBufferMax,
                         " updates behind; watch again with resume_after_sequence=", last_sent_,
                         kResumeCaveat)));
        return;
      }
      // The replay's last page written: live from here, with no read to find that out.
      if (!replayed_ && page_.empty() && replay_after_ >= replay_until_) replayed_ = true;
      std::deque<SharedUpdate>& source = replayed_ ? live_ : page_;
      if (!source.empty()) {
        out_ = std::move(source.front());
        source.pop_front();
        writing_ = true;
      } else if (!replayed_) {
        reading_ = true;
        keep = self_;
      } else {
        return;  // idle until the feed delivers
      }
    }
    if (!keep) {
      StartWrite(out_.get());
      return;
    }
    ReadReplayPage(std::move(keep));
  }

  // Reads the next page of the replay: the journal after replay_after_ (which is before
  // replay_until_, or Pump would have gone live), on a journal reader; then pumps from there.
  // `self` is this reactor, held until the page is in.
  void ReadReplayPage(std::shared_ptr<WatchReactor> self) {
    Sequence after, until;
    {
      absl::MutexLock lock(&mu_);
      after = replay_after_;
      until = replay_until_;
    }
    storage::JournalQuery query;
    query.after_sequence = after;
    query.limit = kMovementsPageMax;
    if (filter_.skus.Single() && filter_.locations.Single()) {
      query.sku = filter_.skus.Single();
      query.location = filter_.locations.Single();
    }
    // A watch that ended while its page waited for the reader costs no read.
    auto wanted = [self] {
      absl::MutexLock lock(&self->mu_);
      return !self->finish_called_;
    };
    ReadJournal(
        ctx_, query,
        [self, after, until, limit = query.limit](absl::StatusOr<std::vector<Movement>> movements,
                                                  Sequence) {
          if (self->TakeReplayPage(after, until, limit, movements)) self->Pump();
        },
        wanted);
  }

  // Keeps the matching movements of a page read after `after` (`limit` at most) as the next to
  // write, up to the subscription point `until`. False when the stream was finished: the journal
  // could not be read, or the watch ended while the page was read.
  bool TakeReplayPage(Sequence after, Sequence until, int limit,
                      const absl::StatusOr<std::vector<Movement>>& movements) {
    std::deque<SharedUpdate> page;
    Sequence scanned_to = after;
    if (movements.ok()) {
      for (const Movement& movement : *movements) {
        if (movement.sequence > until) {
          scanned_to = until;  // oldest first: nothing more up to the subscription point
          break;
        }
        scanned_to = movement.sequence;
        if (filter_.Matches(movement)) {
          page.push_back(std::make_shared<const v1::AvailabilityUpdate>(UpdateOf(movement)));
        }
      }
      if (static_cast<int>(movements->size()) < limit) {
        scanned_to = until;  // nothing more before the subscription point
      }
    }
    absl::MutexLock lock(&mu_);
    reading_ = false;
    if (!movements.ok()) {
      FinishLocked(ToGrpc(movements.status()));
      return false;
    }
    if (finish_called_) return false;
    replay_after_ = std::max(scanned_to, after);
    page_ = std::move(page);
    return true;
  }

  void FinishLocked(const grpc::Status& status) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finish_called_) return;
    finish_called_ = true;
    Finish(status);
  }

  grpc_call* const call_;
  const ServiceContext ctx_;
  ChangeFeed* const feed_;
  const WatchFilter filter_;

  absl::Mutex mu_;
  std::shared_ptr<WatchReactor> self_ ABSL_GUARDED_BY(mu_);
  Sequence replay_after_ ABSL_GUARDED_BY(mu_) = 0;
  Sequence replay_until_ ABSL_GUARDED_BY(mu_) = 0;
  bool replayed_ ABSL_GUARDED_BY(mu_) = false;
  std::deque<SharedUpdate> page_ ABSL_GUARDED_BY(mu_);
  std::deque<SharedUpdate> live_ ABSL_GUARDED_BY(mu_);
  SharedUpdate out_;  // the write in flight, held until the next write replaces it
  Sequence last_sent_ ABSL_GUARDED_BY(mu_) = 0;
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool reading_ ABSL_GUARDED_BY(mu_) = false;  // a replay page is being read
  bool overflowed_ ABSL_GUARDED_BY(mu_) = false;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool closing_ ABSL_GUARDED_BY(mu_) = false;
  bool started_ ABSL_GUARDED_BY(mu_) = false;  // Start has set the replay up
  bool finish_called_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  std::optional<grpc::Status> refusal_ ABSL_GUARDED_BY(mu_);
  bool cancel_alarm_set_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Alarm cancel_alarm_;  // declared last: destroyed (cancelled) first
};

}  // namespace

grpc::ServerWriteReactor<v1::AvailabilityUpdate>* AvailabilityService::Watch(
    grpc::CallbackServerContext* context, const v1::WatchRequest* request) {
  absl::StatusOr<WatchFilter> filter = ValidateWatch(*request, *ctx_.ledger);
  if (!filter.ok()) {
    auto* reactor = new RejectedWatch();
    reactor->Finish(ToGrpc(filter.status()));
    return reactor;
  }
  std::optional<Sequence> resume_after;
  if (request->has_resume_after_sequence()) resume_after = request->resume_after_sequence();
  return WatchReactor::Start(context, ctx_, feed_, std::move(*filter), resume_after, watchers_max_);
}

}  // namespace omnistock::services
