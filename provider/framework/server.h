// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// framework::Server: every provider RPC in framework-native types. It finds
// the resource or data source, runs the generic Terraform rules around the
// provider code (validation, plan, apply routing, import, state upgrade,
// consistency checks) and returns values and diagnostics. protocol/ turns
// wire messages into calls on this class and back. Part of framework/.
//
// Thread-safety: all methods may be called concurrently.

#ifndef CVM_PROVIDER_FRAMEWORK_SERVER_H_
#define CVM_PROVIDER_FRAMEWORK_SERVER_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "provider/framework/diagnostics.h"
#include "provider/framework/resource.h"
#include "provider/schema/schema.h"
#include "provider/values/value.h"

namespace cvm::framework {

class Server {
 public:
  // Borrows `provider`, which must outlive the Server. Checks every schema
  // once (Schema::Validate); a bad schema is reported by every RPC as an
  // error diagnostic rather than crashing Terraform.
  explicit Server(Provider* provider);

  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Schema problems found at construction (OK when none).
  const absl::Status& schema_status() const { return schema_status_; }

  const schema::Schema& ProviderSchema() const;
  // nullptr when the type is unknown.
  const schema::Schema* ResourceSchema(const std::string& type_name) const;
  const schema::Schema* DataSourceSchema(const std::string& type_name) const;
  const std::map<std::string, Resource*, std::less<>>& resources() const {
    return resources_;
  }
  const std::map<std::string, DataSource*, std::less<>>& data_sources() const {
    return data_sources_;
  }

  Diagnostics ValidateProviderConfig(const values::Value& config);
  Diagnostics ConfigureProvider(const values::Value& config,
                                std::string terraform_version);
  Diagnostics ValidateResourceConfig(const std::string& type_name,
                                     const values::Value& config);
  Diagnostics ValidateDataResourceConfig(const std::string& type_name,
                                         const values::Value& config);

  struct UpgradeResult {
    values::Value state;
    Diagnostics diagnostics;
  };
  // `raw_json` is RawState.json; `has_flatmap` tells that only the legacy
  // flatmap form was sent (which we reject with an explanation).
  UpgradeResult UpgradeResourceState(const std::string& type_name,
                                     int64_t version, std::string_view raw_json,
                                     bool has_flatmap);

  struct ReadResult {
    values::Value new_state;
    std::string private_state;
    Diagnostics diagnostics;
  };
  ReadResult ReadResource(const std::string& type_name,
                          const values::Value& current_state,
                          std::string private_state);

  struct PlanResult {
    values::Value planned_state;
    std::vector<values::Path> requires_replace;
    std::string planned_private;
    Diagnostics diagnostics;
  };
  PlanResult PlanResourceChange(const std::string& type_name,
                                const values::Value& prior_state,
                                const values::Value& proposed_new_state,
                                const values::Value& config,
                                std::string prior_private);

  struct ApplyResult {
    values::Value new_state;
    std::string private_state;
    Diagnostics diagnostics;
  };
  ApplyResult ApplyResourceChange(const std::string& type_name,
                                  const values::Value& prior_state,
                                  const values::Value& planned_state,
                                  const values::Value& config,
                                  std::string planned_private);

  struct ImportResult {
    values::Value state;
    std::string private_state;
    Diagnostics diagnostics;
  };
  ImportResult ImportResourceState(const std::string& type_name,
                                   std::string id);

  struct DataResult {
    values::Value state;
    Diagnostics diagnostics;
  };
  DataResult ReadDataSource(const std::string& type_name,
                            const values::Value& config);

  void StopProvider();

 private:
  Resource* FindResource(const std::string& type_name,
                         Diagnostics* diags) const;
  DataSource* FindDataSource(const std::string& type_name,
                             Diagnostics* diags) const;
  bool SchemaOk(Diagnostics* diags) const;

  Provider* provider_;
  std::map<std::string, Resource*, std::less<>> resources_;
  std::map<std::string, DataSource*, std::less<>> data_sources_;
  absl::Status schema_status_;
};

// "Unknown resource type" diagnostics share this summary.
inline constexpr char kUnknownTypeSummary[] = "Unknown Resource Type";

}  // namespace cvm::framework

#endif  // CVM_PROVIDER_FRAMEWORK_SERVER_H_
