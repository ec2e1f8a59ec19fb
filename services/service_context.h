// What every RPC handler needs: the ledger, the committer that makes its changes durable, the
// store for journal reads, and the clock. Also the one way a handler answers a command:
// applied ones answer only once their commit is durable; rejected ones at once, unless they
// report a state some commit made (Applied::ticket), which they wait for.
#ifndef OMNISTOCK_SERVICES_SERVICE_CONTEXT_H_
#define OMNISTOCK_SERVICES_SERVICE_CONTEXT_H_

#include <functional>
#include <optional>
#include <type_traits>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "engine/ledger.h"
#include "grpcpp/grpcpp.h"
#include "services/clock.h"
#include "services/convert.h"
#include "services/journal_readers.h"
#include "services/status_map.h"
#include "storage/committer.h"
#include "storage/store.h"

namespace omnistock::services {

struct ServiceContext {
  Ledger* ledger = nullptr;
  storage::Committer* committer = nullptr;
  const storage::Store* store = nullptr;
  const Clock* clock = nullptr;
  JournalReaders* journal_readers = nullptr;  // where ReadJournal runs
};

// Finishes a call at once with `status` (used for validation errors and reads).
inline grpc::ServerUnaryReactor* AnswerNow(grpc::CallbackServerContext* context,
                                           const grpc::Status& status) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  reactor->Finish(status);
  return reactor;
}

// DATA_LOSS when `sequence`, the request's `field`, is in a gap of the journal's sequences
// (storage::Store::GapHolding): what the client read up to it may hold movements that a
// point-in-time recovery dropped. `advice` says what to do instead.
inline std::optional<grpc::Status> RefuseDroppedSequence(const ServiceContext& ctx,
                                                         absl::string_view field, Sequence sequence,
                                                         absl::string_view advice) {
  const std::optional<SequenceGap> gap =
      ctx.store == nullptr ? std::nullopt : ctx.store->GapHolding(sequence);
  if (!gap) return std::nullopt;
  return grpc::Status(
      grpc::StatusCode::DATA_LOSS,
      absl::StrCat(field, " ", sequence,
                   " may name a movement that was lost: the server recovered a damaged "
                   "write-ahead log up to the damage (omnistockd --wal_recovery=point_in_time), "
                   "and the journal's sequences jump from ",
                   gap->after, " to ", gap->before, " there. ", advice));
}

// Reads never show what a crash could take back (a position's state, or a sequence number a
// restart would give to another change), so that a client resuming the feed after what it read
// misses nothing. A read waits for the commit that wrote what it shows, if that is not durable
// yet: usually it is, and the read answers at once; else at most two group commits later (the
// one in flight, then its own).
//
// The commit a read showing changes up to sequence `shown` waits for: 0 (none) when they are
// durable, else every commit applied so far.
inline CommitTicket TicketShowing(const ServiceContext& ctx, Sequence shown) {
  return shown <= ctx.committer->durable_sequence() ? 0 : ctx.ledger->last_ticket();
}

// Runs `then(status)` once commit `ticket` is durable: at once, on the calling thread, when it
// is (0: nothing to wait for), else on the committer's thread. After a storage failure `status`
// is the failure as a read should say it (UNAVAILABLE), not as a write's caller is told.
template <typename Then>
void WhenReadDurable(const ServiceContext& ctx, CommitTicket ticket, Then then) {
  storage::Committer* committer = ctx.committer;
  if (ticket <= committer->durable_ticket()) {
    then(absl::OkStatus());
    return;
  }
  committer->WhenDurable(ticket, [committer, then = std::move(then)](absl::Status status) mutable {
    const absl::Status failure = committer->status();
    then(status.ok() || failure.ok() ? std::move(status) : failure);
  });
}

// Finishes a read call whose response is filled once commit `ticket` is durable.
inline grpc::ServerUnaryReactor* AnswerReadWhenDurable(grpc::CallbackServerContext* context,
                                                       const ServiceContext& ctx,
                                                       CommitTicket ticket) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  WhenReadDurable(ctx, ticket, [reactor](absl::Status status) { reactor->Finish(ToGrpc(status)); });
  return reactor;
}

// After a storage failure nothing more is applied: the ledger in memory would run ahead of the
// disk with changes no call can be answered for, which reads would show and later orders be
// refused over, until the restart drops them (omnistockd exits for it). Nor while the disk is
// so far behind that the changes waiting for it reach their limit (Committer::Admit): each
// would hold memory, and its caller, until the disk answers. Finishes the call with UNAVAILABLE
// and returns its reactor then; nullptr while the storage takes writes.
inline grpc::ServerUnaryReactor* RefuseUnlessStorageAdmits(grpc::CallbackServerContext* context,
                                                           const ServiceContext& ctx) {
  absl::Status admitted = ctx.committer->Admit();
  if (admitted.ok()) return nullptr;
  return AnswerNow(context, ToGrpc(admitted));
}

// Answers a unary call from the result of a ledger command. On success `fill(value)` writes the
// response at once, but the call finishes only when the commit behind it is durable; a storage
// failure finishes it with UNAVAILABLE instead. The handler returns `reactor` right after.
template <typename T, typename Fill>
grpc::ServerUnaryReactor* Answer(grpc::CallbackServerContext* context, const ServiceContext& ctx,
                                 Applied<T> applied, Fill&& fill) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  if (!Succeeded(applied.outcome)) {
    grpc::Status rejection = RejectionStatus(applied.outcome, applied.detail, applied.short_lines);
    if (applied.ticket == 0) {
      reactor->Finish(rejection);
      return reactor;
    }
    // "It was released" must not be taken back by a crash after it was said.
    ctx.committer->WhenDurable(applied.ticket, [reactor, rejection](absl::Status status) {
      reactor->Finish(status.ok() ? rejection : ToGrpc(status));
    });
    return reactor;
  }
  fill(applied.value);
  ctx.committer->WhenDurable(applied.ticket,
                             [reactor](absl::Status status) { reactor->Finish(ToGrpc(status)); });
  return reactor;
}

// Validated command in, applied result out: the shape of most unary write RPCs.
template <typename Command, typename Value, typename Response>
grpc::ServerUnaryReactor* AnswerCommand(grpc::CallbackServerContext* context,
                                        const ServiceContext& ctx,
                                        const absl::StatusOr<Command>& command,
                                        Applied<Value> (Ledger::*apply)(const Command&, absl::Time),
                                        Response* response) {
  if (!command.ok()) return AnswerNow(context, ToGrpc(command.status()));
  if (grpc::ServerUnaryReactor* refused = RefuseUnlessStorageAdmits(context, ctx)) return refused;
  Applied<Value> applied = (ctx.ledger->*apply)(*command, ctx.clock->Now());
  const bool replayed = applied.outcome == Outcome::kReplayed;
  return Answer(context, ctx, std::move(applied), [&](const Value& value) {
    ToProto(value, response);
    // A change that changed nothing: a receipt's or adjustment's key applied before, a safety
    // stock already set, a transfer shipped or received before.
    if constexpr (std::is_same_v<Response, v1::PositionView> ||
                  std::is_same_v<Response, v1::TransferView>) {
      response->set_duplicate(replayed);
    }
  });
}

// Reads the journal (storage::Store::ScanJournal) on a journal reader, and there calls
// `done(movements, scanned_through)` (`scanned_through` as ScanJournal sets it). A query of one
// position follows its chain of movements back from the newest, which must be durable: the read
// starts once it is (WhenReadDurable), and no thread waits for that meanwhile. `done` may also run
// before ReadJournal returns, on the caller's thread (a position with nothing after the query's
// sequence; a committer already failed or stopped), or on the committer's thread (it failed or
// stopped meanwhile; `done` gets its error): the caller must hold no lock `done` takes. `wanted`,
// if set, is asked before the read: false skips it and `done` gets CANCELLED. `done` and `wanted`
// must be copyable.
template <typename Done>
void ReadJournal(const ServiceContext& ctx, storage::JournalQuery query, Done done,
                 std::function<bool()> wanted = nullptr) {
  bool wait_durable = false;
  if (query.sku && query.location) {
    const std::vector<Position> positions =
        ctx.ledger->GetPositions({*query.sku}, {*query.location});
    query.newest = positions.empty() ? 0 : positions[0].last_sequence;
    if (query.newest <= query.after_sequence) {  // nothing after it: no read
      done(std::vector<Movement>(), 0);
      return;
    }
    wait_durable = true;
  }
  auto read = [ctx, query, done, wanted]() mutable {
    if (wanted && !wanted()) {
      ctx.journal_readers->CountSkipped();
      done(absl::CancelledError("the read is no longer wanted"), 0);
      return;
    }
    Sequence scanned_through = 0;
    absl::StatusOr<std::vector<Movement>> movements =
        ctx.store->ScanJournal(query, &scanned_through);
    done(std::move(movements), scanned_through);
  };
  if (!wait_durable) {
    ctx.journal_readers->Post(std::move(read));
    return;
  }
  WhenReadDurable(ctx, TicketShowing(ctx, query.newest),
                  [ctx, read = std::move(read), done](absl::Status durable) mutable {
                    if (!durable.ok()) {
                      done(std::move(durable), 0);
                      return;
                    }
                    ctx.journal_readers->Post(std::move(read));
                  });
}

}  // namespace omnistock::services

#endif  // OMNISTOCK_SERVICES_SERVICE_CONTEXT_H_
