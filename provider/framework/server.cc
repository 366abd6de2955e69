// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/framework/server.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "provider/framework/plan.h"
#include "provider/util/log.h"
#include "provider/values/json.h"

namespace cvm::framework {
namespace {

using values::Value;

// Unknowns cannot be stored in state: turn them into nulls (what Terraform
// would do) when a failed apply returns a partial object.
Value UnknownAsNull(const Value& v) {
  if (v.IsUnknown()) return Value::Null(v.type());
  if (!v.IsKnown()) return v;
  switch (v.type().kind()) {
    case values::Type::Kind::kObject: {
      std::map<std::string, Value> out;
      for (const auto& [k, e] : v.Entries()) out.emplace(k, UnknownAsNull(e));
      return Value::Object(std::move(out));
    }
    case values::Type::Kind::kMap: {
      std::map<std::string, Value> out;
      for (const auto& [k, e] : v.Entries()) out.emplace(k, UnknownAsNull(e));
      return Value::Map(v.type().element(), std::move(out));
    }
    case values::Type::Kind::kList:
    case values::Type::Kind::kSet:
    case values::Type::Kind::kTuple: {
      std::vector<Value> out;
      for (const Value& e : v.Elements()) out.push_back(UnknownAsNull(e));
      if (v.type().kind() == values::Type::Kind::kList) {
        return Value::List(v.type().element(), std::move(out));
      }
      if (v.type().kind() == values::Type::Kind::kSet) {
        return Value::Set(v.type().element(), std::move(out));
      }
      return Value::Tuple(std::move(out));
    }
    default:
      return v;
  }
}

}  // namespace

Server::Server(Provider* provider) : provider_(provider) {
  schema_status_ = provider_->GetSchema().Validate();
  for (Resource* r : provider_->Resources()) {
    if (!resources_.emplace(r->TypeName(), r).second && schema_status_.ok()) {
      schema_status_ = absl::InternalError(
          absl::StrCat(r->TypeName(), ": two resources share this type name"));
    }
    if (schema_status_.ok()) {
      schema_status_ = r->GetSchema().Validate();
      if (!schema_status_.ok()) {
        schema_status_ = absl::InternalError(
            absl::StrCat(r->TypeName(), ": ", schema_status_.message()));
      }
    }
  }
  for (DataSource* d : provider_->DataSources()) {
    if (!data_sources_.emplace(d->TypeName(), d).second &&
        schema_status_.ok()) {
      schema_status_ = absl::InternalError(absl::StrCat(
          "data ", d->TypeName(), ": two data sources share this type name"));
    }
    if (schema_status_.ok()) {
      schema_status_ = d->GetSchema().Validate();
      if (!schema_status_.ok()) {
        schema_status_ = absl::InternalError(absl::StrCat(
            "data ", d->TypeName(), ": ", schema_status_.message()));
      }
    }
  }
}

const schema::Schema& Server::ProviderSchema() const {
  return provider_->GetSchema();
}

const schema::Schema* Server::ResourceSchema(
    const std::string& type_name) const {
  auto it = resources_.find(type_name);
  return it == resources_.end() ? nullptr : &it->second->GetSchema();
}

const schema::Schema* Server::DataSourceSchema(
    const std::string& type_name) const {
  auto it = data_sources_.find(type_name);
  return it == data_sources_.end() ? nullptr : &it->second->GetSchema();
}

bool Server::SchemaOk(Diagnostics* diags) const {
  if (schema_status_.ok()) return true;
  diags->AddError(
      "Invalid Provider Schema",
      absl::StrCat(schema_status_.message(),
                   ". This is a bug in the provider; please report it."));
  return false;
}

Resource* Server::FindResource(const std::string& type_name,
                               Diagnostics* diags) const {
  auto it = resources_.find(type_name);
  if (it != resources_.end()) return it->second;
  std::vector<std::string> known;
  for (const auto& [name, r] : resources_) known.push_back(name);
  diags->AddError(
      kUnknownTypeSummary,
      absl::StrCat("This provider has no resource type \"", type_name,
                   "\". It has: ", absl::StrJoin(known, ", "), "."));
  return nullptr;
}

DataSource* Server::FindDataSource(const std::string& type_name,
                                   Diagnostics* diags) const {
  auto it = data_sources_.find(type_name);
  if (it != data_sources_.end()) return it->second;
  std::vector<std::string> known;
  for (const auto& [name, d] : data_sources_) known.push_back(name);
  diags->AddError(
      "Unknown Data Source Type",
      absl::StrCat("This provider has no data source \"", type_name,
                   "\". It has: ", absl::StrJoin(known, ", "), "."));
  return nullptr;
}

Diagnostics Server::ValidateProviderConfig(const Value& config) {
  Diagnostics diags;
  if (!SchemaOk(&diags)) return diags;
  ValidateConfigValue(provider_->GetSchema().block, config, &diags);
  provider_->ValidateConfig(config, &diags);
  return diags;
}

Diagnostics Server::ConfigureProvider(const Value& config,
                                      std::string terraform_version) {
  Diagnostics diags;
  if (!SchemaOk(&diags)) return diags;
  provider_->Configure({config, std::move(terraform_version)}, &diags);
  return diags;
}

Diagnostics Server::ValidateResourceConfig(const std::string& type_name,
                                           const Value& config) {
  Diagnostics diags;
  if (!SchemaOk(&diags)) return diags;
  Resource* r = FindResource(type_name, &diags);
  if (r == nullptr) return diags;
  ValidateConfigValue(r->GetSchema().block, config, &diags);
  r->ValidateConfig(config, &diags);
  return PointableAtConfig(r->GetSchema().block, diags);
}

Diagnostics Server::ValidateDataResourceConfig(const std::string& type_name,
                                               const Value& config) {
  Diagnostics diags;
  if (!SchemaOk(&diags)) return diags;
  DataSource* d = FindDataSource(type_name, &diags);
  if (d == nullptr) return diags;
  ValidateConfigValue(d->GetSchema().block, config, &diags);
  d->ValidateConfig(config, &diags);
  return PointableAtConfig(d->GetSchema().block, diags);
}

Server::UpgradeResult Server::UpgradeResourceState(const std::string& type_name,
                                                   int64_t version,
                                                   std::string_view raw_json,
                                                   bool has_flatmap) {
  UpgradeResult result;
  if (!SchemaOk(&result.diagnostics)) return result;
  Resource* r = FindResource(type_name, &result.diagnostics);
  if (r == nullptr) return result;
  const schema::Schema& s = r->GetSchema();
  if (version > s.version) {
    result.diagnostics.AddError(
        "Resource Instance Managed by Newer Provider Version",
        absl::StrCat("The state of this ", type_name,
                     " was written by schema version ", version,
                     ", newer than this provider's version ", s.version,
                     ". Upgrade the cvm provider to use this state."));
    return result;
  }
  if (raw_json.empty()) {
    result.diagnostics.AddError(
        "Unsupported State Format",
        has_flatmap
            ? "This state was written by Terraform older than 0.12 (flatmap). "
              "Apply it once with Terraform 0.12 or newer, or re-import it."
            : "The state of this resource is empty.");
    return result;
  }
  absl::StatusOr<Value> decoded;
  if (version == s.version) {
    decoded = values::DecodeJson(raw_json, s.ImpliedType(),
                                 /*ignore_unknown_attributes=*/true);
  } else {
    decoded = r->UpgradeState(version, raw_json);
  }
  if (!decoded.ok()) {
    result.diagnostics.AddStatus("Unable to Upgrade Resource State",
                                 decoded.status());
    return result;
  }
  result.state = NullWriteOnly(s.block, schema::Conform(s.block, *decoded));
  if (!result.state.IsWhollyKnown()) {
    // Terraform requires a wholly known upgraded state.
    result.diagnostics.AddError(
        "Provider Returned Unknown Value",
        absl::StrCat(
            "Upgrading the state of ", type_name, " from schema version ",
            version,
            " produced unknown values. This is a bug in the provider."));
    result.state = UnknownAsNull(result.state);
  }
  return result;
}

Server::ReadResult Server::ReadResource(const std::string& type_name,
                                        const Value& current_state,
                                        std::string private_state) {
  ReadResult result;
  result.new_state = current_state;
  result.private_state = std::move(private_state);
  if (!SchemaOk(&result.diagnostics)) return result;
  Resource* r = FindResource(type_name, &result.diagnostics);
  if (r == nullptr) return result;
  ReadResponse resp{current_state, result.private_state, {}};
  r->Read({current_state, result.private_state}, &resp);
  const schema::Block& block = r->GetSchema().block;
  result.diagnostics = std::move(resp.diagnostics);
  result.private_state = std::move(resp.private_state);
  if (resp.new_state.IsNull()) {
    result.new_state = Value::Null(block.ImpliedType());
    return result;
  }
  result.new_state =
      NullWriteOnly(block, schema::Conform(block, resp.new_state));
  if (!result.new_state.IsWhollyKnown()) {
    result.diagnostics.AddError(
        "Provider Returned Unknown Value",
        absl::StrCat(
            "Reading ", type_name,
            " produced unknown values. This is a bug in the provider."));
    result.new_state = UnknownAsNull(result.new_state);
  }
  return result;
}

Server::PlanResult Server::PlanResourceChange(const std::string& type_name,
                                              const Value& prior_state,
                                              const Value& proposed_new_state,
                                              const Value& config,
                                              std::string prior_private) {
  PlanResult result;
  result.planned_private = prior_private;
  if (!SchemaOk(&result.diagnostics)) return result;
  Resource* r = FindResource(type_name, &result.diagnostics);
  if (r == nullptr) return result;
  const schema::Block& block = r->GetSchema().block;
  PlanRequest request{config, prior_state, proposed_new_state,
                      std::move(prior_private)};

  if (proposed_new_state.IsNull()) {  // destroy
    PlanResponse resp{
        Value::Null(block.ImpliedType()), {}, request.prior_private, {}};
    if (!prior_state.IsNull()) r->PlanDestroy(request, &resp);
    result.planned_state = Value::Null(block.ImpliedType());
    result.planned_private = std::move(resp.planned_private);
    result.diagnostics = std::move(resp.diagnostics);
    return result;
  }

  GenericPlan generic =
      PlanChange(block, prior_state, proposed_new_state, config);
  PlanResponse resp{std::move(generic.planned_state),
                    std::move(generic.requires_replace),
                    request.prior_private,
                    {}};
  r->ModifyPlan(request, &resp);
  result.diagnostics = std::move(resp.diagnostics);
  if (result.diagnostics.HasError()) {
    result.planned_state = Value::Null(block.ImpliedType());
    return result;
  }
  // As for apply and read results: attributes the provider code left out
  // become null (blocks empty), write-only attributes null.
  resp.planned_state = PlanLiveAttributes(
      block, prior_state,
      NullWriteOnly(block, schema::Conform(block, resp.planned_state)));
  CheckPlanValid(block, prior_state, config, resp.planned_state,
                 &result.diagnostics);
  result.planned_state = std::move(resp.planned_state);
  if (!prior_state.IsNull())
    result.requires_replace = std::move(resp.requires_replace);
  result.planned_private = std::move(resp.planned_private);
  return result;
}

Server::ApplyResult Server::ApplyResourceChange(const std::string& type_name,
                                                const Value& prior_state,
                                                const Value& planned_state,
                                                const Value& config,
                                                std::string planned_private) {
  ApplyResult result;
  result.new_state = prior_state;
  result.private_state = planned_private;
  if (!SchemaOk(&result.diagnostics)) return result;
  Resource* r = FindResource(type_name, &result.diagnostics);
  if (r == nullptr) return result;
  const schema::Block& block = r->GetSchema().block;

  if (planned_state.IsNull()) {  // delete
    DeleteResponse resp;
    r->Delete({prior_state, std::move(planned_private)}, &resp);
    result.diagnostics = std::move(resp.diagnostics);
    // On failure keep the prior state so nothing is forgotten.
    result.new_state = result.diagnostics.HasError()
                           ? prior_state
                           : Value::Null(block.ImpliedType());
    return result;
  }

  ApplyResponse resp{planned_state, planned_private, {}};
  if (prior_state.IsNull()) {
    r->Create({config, planned_state, std::move(planned_private)}, &resp);
  } else {
    r->Update({config, prior_state, planned_state, std::move(planned_private)},
              &resp);
  }
  result.diagnostics = std::move(resp.diagnostics);
  result.private_state = std::move(resp.private_state);
  if (resp.new_state.IsNull()) {
    result.new_state = resp.new_state;
    if (!result.diagnostics.HasError()) {
      result.diagnostics.AddError(
          "Provider Returned Null Object",
          absl::StrCat("Applying ", type_name,
                       " produced no object. This is a bug in the provider."));
    }
    return result;
  }
  Value new_state = KeepPlannedLiveAttributes(
      block, planned_state,
      NullWriteOnly(block, schema::Conform(block, resp.new_state)));
  if (result.diagnostics.HasError()) {
    result.new_state = UnknownAsNull(new_state);
    return result;
  }
  CheckApplyConsistent(planned_state, new_state, &result.diagnostics);
  result.new_state = result.diagnostics.HasError() ? UnknownAsNull(new_state)
                                                   : std::move(new_state);
  return result;
}

Server::ImportResult Server::ImportResourceState(const std::string& type_name,
                                                 std::string id) {
  ImportResult result;
  if (!SchemaOk(&result.diagnostics)) return result;
  Resource* r = FindResource(type_name, &result.diagnostics);
  if (r == nullptr) return result;
  const schema::Block& block = r->GetSchema().block;
  ImportResponse resp;
  r->ImportState({std::move(id)}, &resp);
  result.diagnostics = std::move(resp.diagnostics);
  result.private_state = std::move(resp.private_state);
  if (result.diagnostics.HasError()) return result;
  if (!resp.state.IsKnown()) {
    result.diagnostics.AddError(
        "Import Returned No Object",
        "This is a bug in the provider; please report it.");
    return result;
  }
  result.state =
      UnknownAsNull(NullWriteOnly(block, schema::Conform(block, resp.state)));
  return result;
}

Server::DataResult Server::ReadDataSource(const std::string& type_name,
                                          const Value& config) {
  DataResult result;
  if (!SchemaOk(&result.diagnostics)) return result;
  DataSource* d = FindDataSource(type_name, &result.diagnostics);
  if (d == nullptr) return result;
  const schema::Block& block = d->GetSchema().block;
  DataReadResponse resp{config, {}};
  d->Read({config}, &resp);
  result.diagnostics = std::move(resp.diagnostics);
  if (result.diagnostics.HasError()) return result;
  if (resp.state.IsNull()) {
    // Terraform rejects a null data source result ("Provider produced null
    // object"); say which data source did it.
    result.diagnostics.AddError(
        "Provider Returned Null Object",
        absl::StrCat("Reading data source ", type_name,
                     " produced no object. This is a bug in the provider."));
    return result;
  }
  result.state = schema::Conform(block, resp.state);
  if (!result.state.IsWhollyKnown()) {
    result.diagnostics.AddError(
        "Provider Returned Unknown Value",
        absl::StrCat(
            "Reading data source ", type_name,
            " produced unknown values. This is a bug in the provider."));
    result.state = UnknownAsNull(result.state);
  }
  return result;
}

void Server::StopProvider() {
  util::LogInfo("StopProvider: cancelling in-flight operations");
  provider_->Stop();
}

}  // namespace cvm::framework
