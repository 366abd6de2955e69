// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The interfaces provider code implements (Provider, Resource, DataSource)
// and the request/response structs the framework hands them. Requests are
// read-only; responses arrive pre-filled by the framework (see each struct)
// and the provider code completes them. Part of framework/: framework-native
// types only, no wire types.
//
// Thread-safety: Terraform runs up to 10 operations concurrently in one
// provider process, so every method of every implementation may be called
// concurrently from several threads.

#ifndef CVM_PROVIDER_FRAMEWORK_RESOURCE_H_
#define CVM_PROVIDER_FRAMEWORK_RESOURCE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "provider/framework/diagnostics.h"
#include "provider/schema/schema.h"
#include "provider/values/path.h"
#include "provider/values/value.h"

namespace cvm::framework {

struct PlanRequest {
  values::Value config;              // may contain unknowns; null on destroy
  values::Value prior_state;         // null on create
  values::Value proposed_new_state;  // Terraform's merge of config and prior
  std::string prior_private;
};

struct PlanResponse {
  // Pre-filled by the generic rules: defaults applied, computed attributes
  // unknown where they may change, write-only attributes null; null on
  // destroy.
  values::Value planned_state;
  // Pre-filled with the changed attributes marked requires_replace.
  std::vector<values::Path> requires_replace;
  std::string planned_private;  // pre-filled with prior_private
  Diagnostics diagnostics;
};

struct CreateRequest {
  values::Value config;
  values::Value planned_state;
  std::string planned_private;
};

struct UpdateRequest {
  values::Value config;
  values::Value prior_state;
  values::Value planned_state;
  std::string planned_private;
};

// Response of Create and Update.
struct ApplyResponse {
  // Pre-filled with the planned state; the provider replaces every unknown
  // with the real value. On failure, set it to what exists (a create that
  // made some objects returns a state naming them, so nothing is orphaned)
  // or to null when nothing was created.
  values::Value new_state;
  std::string private_state;  // pre-filled with planned_private
  Diagnostics diagnostics;
};

struct ReadRequest {
  values::Value current_state;
  std::string private_state;
};

struct ReadResponse {
  // Pre-filled with current_state. Set to null when the remote object is
  // gone (Terraform then plans a create).
  values::Value new_state;
  std::string private_state;  // pre-filled with the request's
  Diagnostics diagnostics;
};

struct DeleteRequest {
  values::Value prior_state;
  std::string private_state;
};

struct DeleteResponse {
  // On failure, the framework keeps the prior state in Terraform.
  Diagnostics diagnostics;
};

struct ImportRequest {
  std::string id;
};

struct ImportResponse {
  // An object with at least the attributes Read needs; the framework fills
  // the rest with nulls. Terraform calls Read right after.
  values::Value state;
  std::string private_state;
  Diagnostics diagnostics;
};

class Resource {
 public:
  virtual ~Resource() = default;

  // The resource type name, e.g. "cvm_workspace".
  virtual std::string TypeName() const = 0;
  // The schema. REQUIRES: the same object for the life of the resource.
  virtual const schema::Schema& GetSchema() const = 0;

  // Resource-specific checks of a configuration that may contain unknown
  // values (which must not cause errors). Attribute validators and
  // deprecations have already run.
  virtual void ValidateConfig(const values::Value& config, Diagnostics* diags) {
  }

  // Adjusts a plan after the generic rules ran (create/update only; not
  // called on destroy unless PlanDestroy is overridden).
  virtual void ModifyPlan(const PlanRequest& request, PlanResponse* response) {}
  // Checks a planned destroy (prior non-null, config null) and may add
  // diagnostics, e.g. refusing to destroy something still in use.
  virtual void PlanDestroy(const PlanRequest& request, PlanResponse* response) {
  }

  virtual void Create(const CreateRequest& request,
                      ApplyResponse* response) = 0;
  virtual void Read(const ReadRequest& request, ReadResponse* response) = 0;
  virtual void Update(const UpdateRequest& request,
                      ApplyResponse* response) = 0;
  virtual void Delete(const DeleteRequest& request,
                      DeleteResponse* response) = 0;

  // Default: an error saying the resource cannot be imported.
  virtual void ImportState(const ImportRequest& request,
                           ImportResponse* response);

  // Upgrades state written under schema `version` (< the current version)
  // from its raw JSON. Default: kFailedPrecondition (no older versions).
  virtual absl::StatusOr<values::Value> UpgradeState(int64_t version,
                                                     std::string_view raw_json);
};

struct DataReadRequest {
  values::Value config;  // wholly known
};

struct DataReadResponse {
  values::Value state;  // pre-filled with config; provider fills computed
  Diagnostics diagnostics;
};

class DataSource {
 public:
  virtual ~DataSource() = default;
  virtual std::string TypeName() const = 0;
  virtual const schema::Schema& GetSchema() const = 0;
  virtual void ValidateConfig(const values::Value& config, Diagnostics* diags) {
  }
  virtual void Read(const DataReadRequest& request,
                    DataReadResponse* response) = 0;
};

struct ConfigureRequest {
  values::Value config;  // may contain unknowns during plan
  std::string terraform_version;
};

class Provider {
 public:
  virtual ~Provider() = default;
  virtual const schema::Schema& GetSchema() const = 0;
  virtual void ValidateConfig(const values::Value& config, Diagnostics* diags) {
  }
  // May be called more than once per process (debug/reattach mode).
  virtual void Configure(const ConfigureRequest& request,
                         Diagnostics* diags) = 0;
  // The provider's resources and data sources; owned by the provider and
  // alive as long as it is.
  virtual std::vector<Resource*> Resources() = 0;
  virtual std::vector<DataSource*> DataSources() = 0;
  // Terraform's StopProvider: abort in-flight work promptly. Thread-safe.
  virtual void Stop() {}
};

}  // namespace cvm::framework

#endif  // CVM_PROVIDER_FRAMEWORK_RESOURCE_H_
