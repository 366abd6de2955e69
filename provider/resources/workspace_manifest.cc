// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// cvm_workspace_manifest: the objects cvm_workspace would apply, rendered
// by the same code (Render) against settings given in the configuration,
// with no API call.

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "provider/framework/value_access.h"
#include "provider/resources/settings.h"
#include "provider/resources/workspace.h"
#include "provider/resources/workspace_model.h"
#include "provider/resources/workspace_schema.h"
#include "provider/resources/workspace_validate.h"
#include "provider/resources/yaml.h"
#include "provider/values/path.h"

namespace cvm::resources {
namespace {

using framework::Attr;
using framework::BoolAttr;
using framework::Diagnostics;
using framework::StringAttr;
using values::Path;
using values::Value;

// The settings of the data source's cluster_settings block (defaults of
// cvm_cluster_settings where unset).
ClusterSettings SettingsFromBlock(const Value& state,
                                  const WorkspaceSpec& spec) {
  ClusterSettings settings;
  settings.namespace_name = spec.namespace_name;
  const Value& cs = Attr(state, "cluster_settings");
  settings.caching = BoolAttr(cs, "caching").value_or(false);
  settings.auto_load_shiftfs =
      BoolAttr(cs, "auto_load_shiftfs").value_or(false);
  settings.docker_bridge_cidr =
      StringAttr(cs, "docker_bridge_cidr").value_or(kDefaultBridgeCidr);
  settings.runtime_class_name =
      StringAttr(cs, "runtime_class_name").value_or(kDefaultRuntimeClass);
  settings.tun = BoolAttr(cs, "tun").value_or(false);
  settings.fuse = BoolAttr(cs, "fuse").value_or(false);
  return settings;
}

// `state` with the rendered objects: yaml, json, pod_yaml, objects (pod
// first) and host_path_mounts.
Value WithRenderedObjects(Value state, const RenderedWorkspace& rendered) {
  std::vector<nlohmann::json> objects;
  if (rendered.pod.is_object()) objects.push_back(rendered.pod);
  objects.push_back(rendered.claim);
  std::vector<std::string> compact;
  nlohmann::json array = nlohmann::json::array();
  std::string yaml;
  for (const nlohmann::json& o : objects) {
    compact.push_back(o.dump());
    array.push_back(o);
    absl::StrAppend(&yaml, "---\n", ToYaml(o));
  }
  state = std::move(state).WithAttr("yaml", Value::String(yaml));
  state = std::move(state).WithAttr("json", Value::String(array.dump(2)));
  state = std::move(state).WithAttr(
      "pod_yaml",
      Value::String(rendered.pod.is_object() ? ToYaml(rendered.pod) : ""));
  state = std::move(state).WithAttr("objects", framework::StringList(compact));
  state =
      state.WithAttr("host_path_mounts", HostPathsValue(rendered.host_paths));
  return state;
}

class WorkspaceManifestDataSource final : public framework::DataSource {
 public:
  explicit WorkspaceManifestDataSource(const CvmProvider*) {}
  std::string TypeName() const override { return "cvm_workspace_manifest"; }
  const schema::Schema& GetSchema() const override {
    return WorkspaceManifestSchema();
  }

  // `diags` already holds the attribute validators' findings.
  void ValidateConfig(const Value& config, Diagnostics* diags) override {
    ValidateWorkspaceConfig(config, diags);
  }

  void Read(const framework::DataReadRequest& request,
            framework::DataReadResponse* response) override {
    Value state = schema::Conform(GetSchema().block, request.config);
    // Defaults of optional attributes (data sources get no plan).
    for (const schema::Attribute& a : GetSchema().block.attributes) {
      if (a.default_value && Attr(state, a.name).IsNull()) {
        state = std::move(state).WithAttr(a.name, *a.default_value);
      }
    }
    WorkspaceSpec spec = SpecFromValue(state);
    spec.has_agent_token = BoolAttr(state, "agent_token_secret").value_or(true);
    const ClusterSettings settings = SettingsFromBlock(state, spec);
    if (settings.auto_load_shiftfs && !settings.caching) {
      response->diagnostics.AddAttributeError(
          Path::FromAttr("cluster_settings").Attr("auto_load_shiftfs"),
          "auto_load_shiftfs Requires Caching",
          "shiftfs is only auto-loaded for cached CVMs; set caching = true.");
      return;
    }
    RenderedWorkspace rendered = Render(spec, settings, std::nullopt, "");
    if (!rendered.overrides_status.ok()) {
      response->diagnostics.AddAttributeError(
          Path::FromAttr("pod_overrides"), "Invalid Pod Overrides",
          std::string(rendered.overrides_status.message()));
      return;
    }
    if (rendered.pod.is_object()) {
      rendered.pod["metadata"]["annotations"][kSpecHashAnnotation] =
          rendered.pod_spec_hash;
    }
    state = WithRenderedObjects(state, rendered);
    if (Attr(state, "inner_hostname").IsNull()) {
      state =
          std::move(state).WithAttr("inner_hostname", Value::String(spec.name));
    }
    for (const char* device : {"tun", "fuse"}) {
      if (Attr(state, device).IsNull()) {
        state = std::move(state).WithAttr(
            device, Value::Bool(std::string(device) == "tun" ? settings.tun
                                                             : settings.fuse));
      }
    }
    response->state = state;
  }
};

}  // namespace

std::unique_ptr<framework::DataSource> NewWorkspaceManifestDataSource(
    const CvmProvider* provider) {
  return std::make_unique<WorkspaceManifestDataSource>(provider);
}

}  // namespace cvm::resources
