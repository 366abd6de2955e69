// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/protocol/provider_service.h"

#include <chrono>
#include <exception>
#include <string>

#include "absl/strings/str_cat.h"
#include "provider/protocol/convert.h"
#include "provider/util/log.h"

namespace cvm::protocol {
namespace {

using framework::Diagnostics;
using values::Value;

template <typename Diags>
void AddError(Diags* out, const std::string& summary,
              const std::string& detail) {
  tfplugin6::Diagnostic* d = out->Add();
  d->set_severity(tfplugin6::Diagnostic::ERROR);
  d->set_summary(summary);
  d->set_detail(detail);
}

// Runs `body`, logging the RPC at TRACE, and turns any exception into an
// error diagnostic: an exception leaving a grpc++ handler would kill the
// plugin and Terraform would only say "Plugin did not respond".
template <typename Response, typename Body>
grpc::Status Handle(const char* rpc, Response* response, Body body) {
  const auto start = std::chrono::steady_clock::now();
  util::LogTrace("received request", {{"tf_rpc", rpc}});
  try {
    body();
  } catch (const std::exception& e) {
    response->Clear();
    AddError(
        response->mutable_diagnostics(), "Internal Provider Error",
        absl::StrCat(rpc, " failed unexpectedly: ", e.what(),
                     ". This is a bug in the provider; please report it."));
  } catch (...) {
    response->Clear();
    AddError(response->mutable_diagnostics(), "Internal Provider Error",
             absl::StrCat(rpc,
                          " failed unexpectedly. This is a bug in the "
                          "provider; please report it."));
  }
  if (util::Logger::Default().Enabled(util::LogLevel::kTrace)) {
    const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(
                            std::chrono::steady_clock::now() - start)
                            .count();
    util::LogTrace("served request",
                   {{"tf_rpc", rpc}, {"duration_us", std::to_string(micros)}});
  }
  return grpc::Status::OK;
}

// Decodes `dv` into `*out`; on failure adds an error diagnostic naming what
// could not be decoded and returns false.
template <typename Diags>
bool Decode(const tfplugin6::DynamicValue& dv, const values::Type& type,
            const char* what, Value* out, Diags* diags) {
  absl::StatusOr<Value> v = FromDynamicValue(dv, type);
  if (!v.ok()) {
    AddError(diags, "Invalid Request Value",
             absl::StrCat("Could not decode the ", what, ": ",
                          v.status().message()));
    return false;
  }
  *out = *std::move(v);
  return true;
}

template <typename Diags>
bool Encode(const Value& v, const values::Type& type, const char* what,
            tfplugin6::DynamicValue* out, Diags* diags) {
  absl::Status s = ToDynamicValue(v, type, out);
  if (!s.ok()) {
    AddError(
        diags, "Internal Provider Error",
        absl::StrCat("Could not encode the ", what, ": ", s.message(),
                     ". This is a bug in the provider; please report it."));
    return false;
  }
  return true;
}

template <typename Diags>
const schema::Schema* ResourceSchemaOrError(const framework::Server& server,
                                            const std::string& type_name,
                                            Diags* diags) {
  const schema::Schema* s = server.ResourceSchema(type_name);
  if (s == nullptr) {
    AddError(diags, framework::kUnknownTypeSummary,
             absl::StrCat("This provider has no resource type \"", type_name,
                          "\"."));
  }
  return s;
}

template <typename Diags>
void NoEphemeral(const std::string& type_name, Diags* diags) {
  AddError(diags, "Unknown Ephemeral Resource Type",
           absl::StrCat("This provider has no ephemeral resource type \"",
                        type_name, "\"."));
}

void SetCapabilities(tfplugin6::ServerCapabilities* caps) {
  caps->set_plan_destroy(true);
  caps->set_get_provider_schema_optional(true);
  caps->set_move_resource_state(false);
}

}  // namespace

ProviderService::ProviderService(framework::Server* server) : server_(server) {
  SetCapabilities(metadata_response_.mutable_server_capabilities());
  for (const auto& [name, r] : server_->resources()) {
    metadata_response_.add_resources()->set_type_name(name);
  }
  for (const auto& [name, d] : server_->data_sources()) {
    metadata_response_.add_data_sources()->set_type_name(name);
  }
  if (!server_->schema_status().ok()) {
    AddError(metadata_response_.mutable_diagnostics(),
             "Invalid Provider Schema",
             std::string(server_->schema_status().message()));
  }
}

const tfplugin6::GetProviderSchema::Response&
ProviderService::SchemaResponse() {
  absl::call_once(schema_once_, [this] {
    SetCapabilities(schema_response_.mutable_server_capabilities());
    ToSchema(server_->ProviderSchema(), schema_response_.mutable_provider());
    for (const auto& [name, r] : server_->resources()) {
      ToSchema(r->GetSchema(),
               &(*schema_response_.mutable_resource_schemas())[name]);
    }
    for (const auto& [name, d] : server_->data_sources()) {
      ToSchema(d->GetSchema(),
               &(*schema_response_.mutable_data_source_schemas())[name]);
    }
    if (!server_->schema_status().ok()) {
      AddError(schema_response_.mutable_diagnostics(), "Invalid Provider Schema",
               std::string(server_->schema_status().message()));
    }
  });
  return schema_response_;
}

grpc::Status ProviderService::GetMetadata(
    grpc::ServerContext*, const tfplugin6::GetMetadataCall::Request*,
    tfplugin6::GetMetadataCall::Response* response) {
  return Handle("GetMetadata", response,
                [&] { *response = metadata_response_; });
}

grpc::Status ProviderService::GetProviderSchema(
    grpc::ServerContext*, const tfplugin6::GetProviderSchema::Request*,
    tfplugin6::GetProviderSchema::Response* response) {
  return Handle("GetProviderSchema", response,
                [&] { *response = SchemaResponse(); });
}

grpc::Status ProviderService::ValidateProviderConfig(
    grpc::ServerContext*,
    const tfplugin6::ValidateProviderConfig::Request* request,
    tfplugin6::ValidateProviderConfig::Response* response) {
  return Handle("ValidateProviderConfig", response, [&] {
    Value config;
    if (!Decode(request->config(), server_->ProviderSchema().ImpliedType(),
                "provider configuration", &config,
                response->mutable_diagnostics())) {
      return;
    }
    ToDiagnostics(server_->ValidateProviderConfig(config),
                  response->mutable_diagnostics());
  });
}

grpc::Status ProviderService::ValidateResourceConfig(
    grpc::ServerContext*,
    const tfplugin6::ValidateResourceConfig::Request* request,
    tfplugin6::ValidateResourceConfig::Response* response) {
  return Handle("ValidateResourceConfig", response, [&] {
    const schema::Schema* s = ResourceSchemaOrError(
        *server_, request->type_name(), response->mutable_diagnostics());
    if (s == nullptr) return;
    Value config;
    if (!Decode(request->config(), s->ImpliedType(), "resource configuration",
                &config, response->mutable_diagnostics())) {
      return;
    }
    ToDiagnostics(server_->ValidateResourceConfig(request->type_name(), config),
                  response->mutable_diagnostics());
  });
}

grpc::Status ProviderService::ValidateDataResourceConfig(
    grpc::ServerContext*,
    const tfplugin6::ValidateDataResourceConfig::Request* request,
    tfplugin6::ValidateDataResourceConfig::Response* response) {
  return Handle("ValidateDataResourceConfig", response, [&] {
    const schema::Schema* s = server_->DataSourceSchema(request->type_name());
    if (s == nullptr) {
      ToDiagnostics(
          server_->ValidateDataResourceConfig(request->type_name(), Value()),
          response->mutable_diagnostics());
      return;
    }
    Value config;
    if (!Decode(request->config(), s->ImpliedType(),
                "data source configuration", &config,
                response->mutable_diagnostics())) {
      return;
    }
    ToDiagnostics(
        server_->ValidateDataResourceConfig(request->type_name(), config),
        response->mutable_diagnostics());
  });
}

grpc::Status ProviderService::UpgradeResourceState(
    grpc::ServerContext*,
    const tfplugin6::UpgradeResourceState::Request* request,
    tfplugin6::UpgradeResourceState::Response* response) {
  return Handle("UpgradeResourceState", response, [&] {
    const schema::Schema* s = ResourceSchemaOrError(
        *server_, request->type_name(), response->mutable_diagnostics());
    if (s == nullptr) return;
    framework::Server::UpgradeResult result = server_->UpgradeResourceState(
        request->type_name(), request->version(), request->raw_state().json(),
        !request->raw_state().flatmap().empty());
    ToDiagnostics(result.diagnostics, response->mutable_diagnostics());
    if (result.diagnostics.HasError()) return;
    Encode(result.state, s->ImpliedType(), "upgraded state",
           response->mutable_upgraded_state(), response->mutable_diagnostics());
  });
}

grpc::Status ProviderService::ConfigureProvider(
    grpc::ServerContext*, const tfplugin6::ConfigureProvider::Request* request,
    tfplugin6::ConfigureProvider::Response* response) {
  return Handle("ConfigureProvider", response, [&] {
    Value config;
    if (!Decode(request->config(), server_->ProviderSchema().ImpliedType(),
                "provider configuration", &config,
                response->mutable_diagnostics())) {
      return;
    }
    ToDiagnostics(
        server_->ConfigureProvider(config, request->terraform_version()),
        response->mutable_diagnostics());
  });
}

grpc::Status ProviderService::ReadResource(
    grpc::ServerContext*, const tfplugin6::ReadResource::Request* request,
    tfplugin6::ReadResource::Response* response) {
  return Handle("ReadResource", response, [&] {
    // Keep private state unless the read succeeds with a new one.
    response->set_private_(request->private_());
    const schema::Schema* s = ResourceSchemaOrError(
        *server_, request->type_name(), response->mutable_diagnostics());
    if (s == nullptr) return;
    Value current;
    if (!Decode(request->current_state(), s->ImpliedType(), "current state",
                &current, response->mutable_diagnostics())) {
      return;
    }
    framework::Server::ReadResult result = server_->ReadResource(
        request->type_name(), current, request->private_());
    ToDiagnostics(result.diagnostics, response->mutable_diagnostics());
    response->set_private_(result.private_state);
    Encode(result.new_state, s->ImpliedType(), "new state",
           response->mutable_new_state(), response->mutable_diagnostics());
  });
}

grpc::Status ProviderService::PlanResourceChange(
    grpc::ServerContext*, const tfplugin6::PlanResourceChange::Request* request,
    tfplugin6::PlanResourceChange::Response* response) {
  return Handle("PlanResourceChange", response, [&] {
    const schema::Schema* s = ResourceSchemaOrError(
        *server_, request->type_name(), response->mutable_diagnostics());
    if (s == nullptr) return;
    const values::Type type = s->ImpliedType();
    Value prior, proposed, config;
    auto* diags = response->mutable_diagnostics();
    if (!Decode(request->prior_state(), type, "prior state", &prior, diags) ||
        !Decode(request->proposed_new_state(), type, "proposed new state",
                &proposed, diags) ||
        !Decode(request->config(), type, "configuration", &config, diags)) {
      return;
    }
    framework::Server::PlanResult result =
        server_->PlanResourceChange(request->type_name(), prior, proposed,
                                    config, request->prior_private());
    ToDiagnostics(result.diagnostics, diags);
    if (result.diagnostics.HasError()) return;
    if (!Encode(result.planned_state, type, "planned state",
                response->mutable_planned_state(), diags)) {
      return;
    }
    for (const values::Path& p : result.requires_replace) {
      ToAttributePath(p, response->add_requires_replace());
    }
    response->set_planned_private(result.planned_private);
  });
}

grpc::Status ProviderService::ApplyResourceChange(
    grpc::ServerContext*,
    const tfplugin6::ApplyResourceChange::Request* request,
    tfplugin6::ApplyResourceChange::Response* response) {
  return Handle("ApplyResourceChange", response, [&] {
    const schema::Schema* s = ResourceSchemaOrError(
        *server_, request->type_name(), response->mutable_diagnostics());
    if (s == nullptr) return;
    const values::Type type = s->ImpliedType();
    Value prior, planned, config;
    auto* diags = response->mutable_diagnostics();
    if (!Decode(request->prior_state(), type, "prior state", &prior, diags) ||
        !Decode(request->planned_state(), type, "planned state", &planned,
                diags) ||
        !Decode(request->config(), type, "configuration", &config, diags)) {
      // Keep what Terraform knew rather than forgetting the object.
      *response->mutable_new_state() = request->prior_state();
      return;
    }
    framework::Server::ApplyResult result =
        server_->ApplyResourceChange(request->type_name(), prior, planned,
                                     config, request->planned_private());
    ToDiagnostics(result.diagnostics, diags);
    response->set_private_(result.private_state);
    Encode(result.new_state, type, "new state", response->mutable_new_state(),
           diags);
  });
}

grpc::Status ProviderService::ImportResourceState(
    grpc::ServerContext*,
    const tfplugin6::ImportResourceState::Request* request,
    tfplugin6::ImportResourceState::Response* response) {
  return Handle("ImportResourceState", response, [&] {
    const schema::Schema* s = ResourceSchemaOrError(
        *server_, request->type_name(), response->mutable_diagnostics());
    if (s == nullptr) return;
    framework::Server::ImportResult result =
        server_->ImportResourceState(request->type_name(), request->id());
    ToDiagnostics(result.diagnostics, response->mutable_diagnostics());
    if (result.diagnostics.HasError()) return;
    auto* imported = response->add_imported_resources();
    imported->set_type_name(request->type_name());
    imported->set_private_(result.private_state);
    Encode(result.state, s->ImpliedType(), "imported state",
           imported->mutable_state(), response->mutable_diagnostics());
  });
}

grpc::Status ProviderService::MoveResourceState(
    grpc::ServerContext*, const tfplugin6::MoveResourceState::Request* request,
    tfplugin6::MoveResourceState::Response* response) {
  return Handle("MoveResourceState", response, [&] {
    AddError(response->mutable_diagnostics(),
             "Move Resource State Not Supported",
             absl::StrCat(
                 "The cvm provider cannot move state from \"",
                 request->source_type_name(), "\" into \"",
                 request->target_type_name(),
                 "\". Remove the moved block and import the object instead."));
  });
}

grpc::Status ProviderService::ReadDataSource(
    grpc::ServerContext*, const tfplugin6::ReadDataSource::Request* request,
    tfplugin6::ReadDataSource::Response* response) {
  return Handle("ReadDataSource", response, [&] {
    const schema::Schema* s = server_->DataSourceSchema(request->type_name());
    if (s == nullptr) {
      ToDiagnostics(
          server_->ReadDataSource(request->type_name(), Value()).diagnostics,
          response->mutable_diagnostics());
      return;
    }
    Value config;
    if (!Decode(request->config(), s->ImpliedType(),
                "data source configuration", &config,
                response->mutable_diagnostics())) {
      return;
    }
    framework::Server::DataResult result =
        server_->ReadDataSource(request->type_name(), config);
    ToDiagnostics(result.diagnostics, response->mutable_diagnostics());
    if (result.diagnostics.HasError()) return;
    Encode(result.state, s->ImpliedType(), "data source state",
           response->mutable_state(), response->mutable_diagnostics());
  });
}

grpc::Status ProviderService::ValidateEphemeralResourceConfig(
    grpc::ServerContext*,
    const tfplugin6::ValidateEphemeralResourceConfig::Request* request,
    tfplugin6::ValidateEphemeralResourceConfig::Response* response) {
  return Handle("ValidateEphemeralResourceConfig", response, [&] {
    NoEphemeral(request->type_name(), response->mutable_diagnostics());
  });
}

grpc::Status ProviderService::OpenEphemeralResource(
    grpc::ServerContext*,
    const tfplugin6::OpenEphemeralResource::Request* request,
    tfplugin6::OpenEphemeralResource::Response* response) {
  return Handle("OpenEphemeralResource", response, [&] {
    NoEphemeral(request->type_name(), response->mutable_diagnostics());
  });
}

grpc::Status ProviderService::RenewEphemeralResource(
    grpc::ServerContext*,
    const tfplugin6::RenewEphemeralResource::Request* request,
    tfplugin6::RenewEphemeralResource::Response* response) {
  return Handle("RenewEphemeralResource", response, [&] {
    NoEphemeral(request->type_name(), response->mutable_diagnostics());
  });
}

grpc::Status ProviderService::CloseEphemeralResource(
    grpc::ServerContext*,
    const tfplugin6::CloseEphemeralResource::Request* request,
    tfplugin6::CloseEphemeralResource::Response* response) {
  return Handle("CloseEphemeralResource", response, [&] {
    NoEphemeral(request->type_name(), response->mutable_diagnostics());
  });
}

grpc::Status ProviderService::GetFunctions(
    grpc::ServerContext*, const tfplugin6::GetFunctions::Request*,
    tfplugin6::GetFunctions::Response* response) {
  // The provider defines no functions: an empty map, as in GetProviderSchema.
  return Handle("GetFunctions", response, [&] { response->Clear(); });
}

grpc::Status ProviderService::CallFunction(
    grpc::ServerContext*, const tfplugin6::CallFunction::Request* request,
    tfplugin6::CallFunction::Response* response) {
  // CallFunction reports failures as a FunctionError, not diagnostics, so
  // it has its own catch-all instead of Handle's.
  try {
    util::LogTrace("received request", {{"tf_rpc", "CallFunction"}});
    response->mutable_error()->set_text(absl::StrCat(
        "The cvm provider has no function named \"", request->name(), "\"."));
  } catch (...) {
    response->Clear();
    response->mutable_error()->set_text("CallFunction failed unexpectedly.");
  }
  return grpc::Status::OK;
}

grpc::Status ProviderService::StopProvider(
    grpc::ServerContext*, const tfplugin6::StopProvider::Request*,
    tfplugin6::StopProvider::Response* response) {
  try {
    server_->StopProvider();
  } catch (...) {
    response->set_error("stopping the provider failed unexpectedly");
  }
  return grpc::Status::OK;
}

}  // namespace cvm::protocol
