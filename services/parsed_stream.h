// Client streams read as bytes and parsed here. gRPC tells a typed reactor that a message did
// not parse (a proto3 string that is not UTF-8, say) exactly as it tells it that the client
// finished: the stream would end OK with that message and every later one dropped unsaid. Read
// raw, a message that does not parse is the service's to refuse, by its index.
#ifndef OMNISTOCK_SERVICES_PARSED_STREAM_H_
#define OMNISTOCK_SERVICES_PARSED_STREAM_H_

#include <cstdint>
#include <utility>

#include "absl/status/status.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/impl/codegen/proto_utils.h"
#include "grpcpp/support/byte_buffer.h"
#include "services/status_map.h"
#include "storage/committer.h"

namespace omnistock::services {

// Reads a client stream of `Message`s. The service's method is registered raw
// (WithRawCallbackMethod_*), answers through Answer(), and its reactor derives from this.
template <typename Message, typename Response>
class ParsedReadReactor : public grpc::ServerReadReactor<grpc::ByteBuffer> {
 public:
  explicit ParsedReadReactor(grpc::ByteBuffer* response) : response_(response) {}

  void OnDone() final { delete this; }

 protected:
  // The index-th message of the stream, or nullptr when it did not parse as a Message. The
  // reactor calls ReadNext() to go on, or finishes.
  virtual void OnMessage(int64_t index, const Message* message) = 0;
  // The client has sent everything.
  virtual void OnEnd() = 0;

  void ReadNext() { StartRead(&buffer_); }
  // Finishes with `status`, and with `response` as the answer when it is OK.
  void Answer(const grpc::Status& status, const Response& response) {
    if (status.ok()) {
      bool own_buffer = false;
      grpc::ByteBuffer encoded;
      const grpc::Status serialized =
          grpc::SerializationTraits<Response>::Serialize(response, &encoded, &own_buffer);
      if (!serialized.ok()) {
        Finish(serialized);
        return;
      }
      response_->Swap(&encoded);
    }
    Finish(status);
  }
  // Answers with `status` (and `response` when it is OK, as it is then) once `ticket` is
  // durable, or with the storage's error when it cannot be: what the stream applied is
  // acknowledged only once durable. `response` must live until the stream is done.
  void AnswerWhenDurable(storage::Committer& committer, CommitTicket ticket, absl::Status status,
                         const Response& response) {
    committer.WhenDurable(ticket,
                          [this, status = std::move(status), &response](absl::Status durable) {
                            Answer(ToGrpc(durable.ok() ? status : durable), response);
                          });
  }

 private:
  void OnReadDone(bool ok) final {
    if (!ok) {
      OnEnd();
      return;
    }
    message_.Clear();
    const bool parsed = grpc::SerializationTraits<Message>::Deserialize(&buffer_, &message_).ok();
    OnMessage(read_++, parsed ? &message_ : nullptr);
  }

  grpc::ByteBuffer* const response_;
  grpc::ByteBuffer buffer_;
  Message message_;
  int64_t read_ = 0;
};

}  // namespace omnistock::services

#endif  // OMNISTOCK_SERVICES_PARSED_STREAM_H_
