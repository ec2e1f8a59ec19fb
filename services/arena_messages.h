// The request and response of a unary callback method on one protobuf arena per call, for the
// hot methods (Reserve, ReserveBatch): parsing a request allocates its strings and repeated
// fields from the arena, and the call frees them all at once when it ends, where a heap message
// frees each on its own (bench/HISTORY.md, twentieth round).
#ifndef OMNISTOCK_SERVICES_ARENA_MESSAGES_H_
#define OMNISTOCK_SERVICES_ARENA_MESSAGES_H_

#include "google/protobuf/arena.h"
#include "grpcpp/support/message_allocator.h"

namespace omnistock::services {

template <typename Request, typename Response>
class ArenaMessages final : public grpc::MessageAllocator<Request, Response> {
 public:
  grpc::MessageHolder<Request, Response>* AllocateMessages() override { return new Holder; }

 private:
  class Holder final : public grpc::MessageHolder<Request, Response> {
   public:
    Holder() {
      this->set_request(google::protobuf::Arena::CreateMessage<Request>(&arena_));
      this->set_response(google::protobuf::Arena::CreateMessage<Response>(&arena_));
    }
    void Release() override { delete this; }

   private:
    google::protobuf::Arena arena_;
  };
};

}  // namespace omnistock::services

#endif  // OMNISTOCK_SERVICES_ARENA_MESSAGES_H_
