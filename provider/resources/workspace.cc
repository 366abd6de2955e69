// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/resources/workspace.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "provider/framework/value_access.h"
#include "provider/resources/json_access.h"
#include "provider/resources/provider.h"
#include "provider/resources/settings.h"
#include "provider/resources/workspace_internal.h"
#include "provider/resources/workspace_model.h"
#include "provider/resources/workspace_schema.h"
#include "provider/resources/workspace_validate.h"

namespace cvm::resources {
namespace workspace_internal {

kube::ObjectRef PodRef(const WorkspaceSpec& s) {
  return {"v1", "Pod", s.namespace_name, s.PodName()};
}
kube::ObjectRef ClaimRef(const WorkspaceSpec& s) {
  return {"v1", "PersistentVolumeClaim", s.namespace_name, s.ClaimName()};
}
kube::ObjectRef SecretRef(const WorkspaceSpec& s) {
  return {"v1", "Secret", s.namespace_name, s.SecretName()};
}

std::optional<LoadedSettings> LoadSettings(const CvmProvider& provider,
                                           const std::string& ns,
                                           framework::Diagnostics* diags) {
  Connection conn;
  if (!provider.GetConnection("Unable to Read Cluster Settings", &conn,
                              diags)) {
    return std::nullopt;
  }
  absl::StatusOr<nlohmann::json> cm = conn.CachedGet(
      {"v1", "ConfigMap", ns, kSettingsConfigMapName},
      {provider.clock()->Now() + absl::Minutes(1), conn.cancel.get()});
  LoadedSettings out;
  out.settings.namespace_name = ns;
  if (absl::IsNotFound(cm.status())) return out;
  if (!cm.ok()) {
    diags->AddStatus("Unable to Read Cluster Settings", cm.status());
    return std::nullopt;
  }
  absl::StatusOr<ClusterSettings> s = SettingsFromConfigMap(*cm);
  if (!s.ok()) {
    diags->AddStatus("Unable to Read Cluster Settings", s.status());
    return std::nullopt;
  }
  out.settings = *s;
  out.settings.namespace_name = ns;
  out.stored = true;
  out.platform = StringAt(*cm, {"data", "platform"});
  return out;
}

std::string SettingsToPrivate(const std::string& ns,
                              const LoadedSettings& loaded) {
  nlohmann::json data = nullptr;  // no ConfigMap: the defaults
  if (loaded.stored) data = SettingsConfigMap(loaded.settings)["data"];
  return nlohmann::json{{"settings", {{"namespace", ns}, {"data", data}}}}
      .dump();
}

std::optional<LoadedSettings> SettingsFromPrivate(
    const std::string& private_state, const std::string& ns) {
  const nlohmann::json recorded =
      nlohmann::json::parse(private_state, nullptr, /*allow_exceptions=*/false);
  if (!recorded.is_object() || !recorded.contains("settings")) {
    return std::nullopt;
  }
  const nlohmann::json& settings = recorded["settings"];
  if (!settings.is_object() || StringAt(settings, {"namespace"}) != ns ||
      !settings.contains("data")) {
    return std::nullopt;
  }
  LoadedSettings out;
  out.settings.namespace_name = ns;
  if (settings["data"].is_null()) return out;
  absl::StatusOr<ClusterSettings> parsed =
      SettingsFromConfigMap({{"data", settings["data"]}});
  if (!parsed.ok()) return std::nullopt;
  out.settings = *std::move(parsed);
  out.settings.namespace_name = ns;
  out.stored = true;
  out.platform = out.settings.platform;
  return out;
}

std::string PodHash(const RenderedWorkspace& rendered,
                    const values::Value& planned) {
  const std::optional<std::string> token =
      framework::StringAttr(planned, "agent_token_sha256");
  if (!token) return rendered.pod_spec_hash;
  return Sha256Hex(rendered.pod_spec_hash + *token).substr(0, 16);
}

}  // namespace workspace_internal

namespace {

using framework::Diagnostics;
using values::Value;

// Each RPC is one unit's function (workspace_internal.h).
class WorkspaceResource final : public framework::Resource {
 public:
  explicit WorkspaceResource(const CvmProvider* provider)
      : provider_(provider) {}

  std::string TypeName() const override {
    return workspace_internal::kWorkspaceTypeName;
  }
  const schema::Schema& GetSchema() const override {
    return WorkspaceResourceSchema();
  }

  // `diags` already holds the attribute validators' findings.
  void ValidateConfig(const Value& config, Diagnostics* diags) override {
    ValidateWorkspaceConfig(config, diags);
  }

  void ModifyPlan(const framework::PlanRequest& request,
                  framework::PlanResponse* response) override {
    workspace_internal::PlanWorkspace(*provider_, request, response);
  }

  void Create(const framework::CreateRequest& request,
              framework::ApplyResponse* response) override {
    workspace_internal::CreateWorkspace(*provider_, request, response);
  }

  void Update(const framework::UpdateRequest& request,
              framework::ApplyResponse* response) override {
    workspace_internal::UpdateWorkspace(*provider_, request, response);
  }

  void Read(const framework::ReadRequest& request,
            framework::ReadResponse* response) override {
    workspace_internal::ReadWorkspace(*provider_, request, response);
  }

  void Delete(const framework::DeleteRequest& request,
              framework::DeleteResponse* response) override {
    workspace_internal::DeleteWorkspace(*provider_, request, response);
  }

  void ImportState(const framework::ImportRequest& request,
                   framework::ImportResponse* response) override {
    workspace_internal::ImportWorkspace(request, response);
  }

 private:
  const CvmProvider* provider_;
};

}  // namespace

std::unique_ptr<framework::Resource> NewWorkspaceResource(
    const CvmProvider* provider) {
  return std::make_unique<WorkspaceResource>(provider);
}

}  // namespace cvm::resources
