// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The tfplugin6.Provider gRPC service: one thin handler per RPC that decodes
// the request, calls framework::Server, and encodes the response. Every
// failure travels as a Diagnostic with gRPC status OK, except RPCs this
// provider does not offer at all (protocol 6.9 resource identity), which get
// exactly UNIMPLEMENTED. No exception escapes a handler: each has one
// catch-all that turns it into an error diagnostic. Part of protocol/.
//
// Thread-safety: handlers run concurrently on grpc++'s thread pool.

#ifndef CVM_PROVIDER_PROTOCOL_PROVIDER_SERVICE_H_
#define CVM_PROVIDER_PROTOCOL_PROVIDER_SERVICE_H_

#include "absl/base/call_once.h"
#include "proto/tfplugin6.grpc.pb.h"
#include "provider/framework/server.h"

namespace cvm::protocol {

class ProviderService final : public tfplugin6::Provider::Service {
 public:
  // Borrows `server`, which must outlive this service. Builds the metadata
  // response now and the schema response on the first GetProviderSchema:
  // Terraform asks one provider process per command for the schema
  // (get_provider_schema_optional), and the others never need it.
  explicit ProviderService(framework::Server* server);

  grpc::Status GetMetadata(grpc::ServerContext*,
                           const tfplugin6::GetMetadataCall::Request*,
                           tfplugin6::GetMetadataCall::Response*) override;
  grpc::Status GetProviderSchema(
      grpc::ServerContext*, const tfplugin6::GetProviderSchema::Request*,
      tfplugin6::GetProviderSchema::Response*) override;
  grpc::Status ValidateProviderConfig(
      grpc::ServerContext*, const tfplugin6::ValidateProviderConfig::Request*,
      tfplugin6::ValidateProviderConfig::Response*) override;
  grpc::Status ValidateResourceConfig(
      grpc::ServerContext*, const tfplugin6::ValidateResourceConfig::Request*,
      tfplugin6::ValidateResourceConfig::Response*) override;
  grpc::Status ValidateDataResourceConfig(
      grpc::ServerContext*,
      const tfplugin6::ValidateDataResourceConfig::Request*,
      tfplugin6::ValidateDataResourceConfig::Response*) override;
  grpc::Status UpgradeResourceState(
      grpc::ServerContext*, const tfplugin6::UpgradeResourceState::Request*,
      tfplugin6::UpgradeResourceState::Response*) override;
  grpc::Status ConfigureProvider(
      grpc::ServerContext*, const tfplugin6::ConfigureProvider::Request*,
      tfplugin6::ConfigureProvider::Response*) override;
  grpc::Status ReadResource(grpc::ServerContext*,
                            const tfplugin6::ReadResource::Request*,
                            tfplugin6::ReadResource::Response*) override;
  grpc::Status PlanResourceChange(
      grpc::ServerContext*, const tfplugin6::PlanResourceChange::Request*,
      tfplugin6::PlanResourceChange::Response*) override;
  grpc::Status ApplyResourceChange(
      grpc::ServerContext*, const tfplugin6::ApplyResourceChange::Request*,
      tfplugin6::ApplyResourceChange::Response*) override;
  grpc::Status ImportResourceState(
      grpc::ServerContext*, const tfplugin6::ImportResourceState::Request*,
      tfplugin6::ImportResourceState::Response*) override;
  grpc::Status MoveResourceState(
      grpc::ServerContext*, const tfplugin6::MoveResourceState::Request*,
      tfplugin6::MoveResourceState::Response*) override;
  grpc::Status ReadDataSource(grpc::ServerContext*,
                              const tfplugin6::ReadDataSource::Request*,
                              tfplugin6::ReadDataSource::Response*) override;
  grpc::Status ValidateEphemeralResourceConfig(
      grpc::ServerContext*,
      const tfplugin6::ValidateEphemeralResourceConfig::Request*,
      tfplugin6::ValidateEphemeralResourceConfig::Response*) override;
  grpc::Status OpenEphemeralResource(
      grpc::ServerContext*, const tfplugin6::OpenEphemeralResource::Request*,
      tfplugin6::OpenEphemeralResource::Response*) override;
  grpc::Status RenewEphemeralResource(
      grpc::ServerContext*, const tfplugin6::RenewEphemeralResource::Request*,
      tfplugin6::RenewEphemeralResource::Response*) override;
  grpc::Status CloseEphemeralResource(
      grpc::ServerContext*, const tfplugin6::CloseEphemeralResource::Request*,
      tfplugin6::CloseEphemeralResource::Response*) override;
  grpc::Status GetFunctions(grpc::ServerContext*,
                            const tfplugin6::GetFunctions::Request*,
                            tfplugin6::GetFunctions::Response*) override;
  grpc::Status CallFunction(grpc::ServerContext*,
                            const tfplugin6::CallFunction::Request*,
                            tfplugin6::CallFunction::Response*) override;
  grpc::Status StopProvider(grpc::ServerContext*,
                            const tfplugin6::StopProvider::Request*,
                            tfplugin6::StopProvider::Response*) override;
  // GetResourceIdentitySchemas and UpgradeResourceIdentity (protocol 6.9)
  // keep the generated UNIMPLEMENTED handlers.

 private:
  // The GetProviderSchema response, built by the first call.
  const tfplugin6::GetProviderSchema::Response& SchemaResponse();

  framework::Server* server_;
  absl::once_flag schema_once_;
  tfplugin6::GetProviderSchema::Response schema_response_;
  tfplugin6::GetMetadataCall::Response metadata_response_;
};

}  // namespace cvm::protocol

#endif  // CVM_PROVIDER_PROTOCOL_PROVIDER_SERVICE_H_
