// Standard gRPC tools work against omnistockd: server reflection lists and describes the
// omnistock.v1 services.
#include "catch2/catch.hpp"
#include "google/protobuf/descriptor.pb.h"
#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "tests/integration/server_process.h"

namespace omnistock::testing {

namespace reflection = grpc::reflection::v1alpha;

TEST_CASE("server reflection lists and describes the omnistock.v1 services") {
  LiveServer live;
  auto stub = reflection::ServerReflection::NewStub(live.server.channel());
  auto context = Deadline();
  auto stream = stub->ServerReflectionInfo(context.get());

  reflection::ServerReflectionRequest list;
  list.set_list_services("");
  REQUIRE(stream->Write(list));
  reflection::ServerReflectionResponse listed;
  REQUIRE(stream->Read(&listed));
  std::set<std::string> services;
  for (const auto& service : listed.list_services_response().service()) {
    services.insert(service.name());
  }
  CHECK(services.count("omnistock.v1.Network") == 1);
  CHECK(services.count("omnistock.v1.Inventory") == 1);
  CHECK(services.count("omnistock.v1.Reservations") == 1);

  reflection::ServerReflectionRequest describe;
  describe.set_file_containing_symbol("omnistock.v1.Reservations");
  REQUIRE(stream->Write(describe));
  reflection::ServerReflectionResponse described;
  REQUIRE(stream->Read(&described));
  REQUIRE(described.file_descriptor_response().file_descriptor_proto_size() >= 1);
  google::protobuf::FileDescriptorProto file;
  REQUIRE(file.ParseFromString(described.file_descriptor_response().file_descriptor_proto(0)));
  CHECK(file.package() == "omnistock.v1");
  bool has_reserve = false;
  for (const auto& service : file.service()) {
    for (const auto& method : service.method()) has_reserve |= method.name() == "Reserve";
  }
  CHECK(has_reserve);

  stream->WritesDone();
  CHECK(stream->Finish().ok());
}

}  // namespace omnistock::testing
