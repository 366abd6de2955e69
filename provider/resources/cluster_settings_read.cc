// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// cvm_cluster_settings refresh and import: the state as the cluster has it,
// so hand edits of the ConfigMap, the namespace labels or the RuntimeClass
// show up in the next plan.

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "provider/framework/value_access.h"
#include "provider/resources/cluster_settings.h"
#include "provider/resources/cluster_settings_internal.h"
#include "provider/resources/json_access.h"
#include "provider/resources/validators.h"

namespace cvm::resources::cluster_settings_internal {
namespace {

using framework::Attr;
using framework::Diagnostics;
using framework::StringAttr;
using values::Path;
using values::Type;
using values::Value;

constexpr char kReadSummary[] = "Unable to Read Cluster Settings";

// `state` with the settings the ConfigMap of `ns` holds (see
// WithStoredSettings). A ConfigMap that does not parse is a warning.
// Returns false, with an error, when the ConfigMap could not be read.
bool ReadConfigMap(const Connection& conn, const std::string& ns,
                   const kube::RequestOptions& opts, Value* state,
                   Diagnostics* diags) {
  absl::StatusOr<nlohmann::json> cm = conn.client->Get(ConfigMapRef(ns), opts);
  absl::StatusOr<ClusterSettings> stored = absl::NotFoundError("");
  if (cm.ok()) {
    stored = SettingsFromConfigMap(*cm);
    if (!stored.ok()) {
      diags->AddAttributeWarning(
          Path::FromAttr("namespace"),
          "Cluster Settings Edited Outside Terraform",
          absl::StrCat(
              stored.status().message(),
              ". The next apply writes the configured settings again."));
    }
  } else if (!absl::IsNotFound(cm.status())) {
    diags->AddStatus(kReadSummary, cm.status());
    return false;
  }
  *state = WithStoredSettings(stored, ns, *state);
  return true;
}

// `state`'s runtime_class block with the handler and node selector of the
// managed RuntimeClass `name`. Returns false, with an error, when it could
// not be read.
bool ReadRuntimeClass(const Connection& conn, const std::string& name,
                      const kube::RequestOptions& opts, Value* state,
                      Diagnostics* diags) {
  absl::StatusOr<nlohmann::json> rc =
      conn.client->Get(RuntimeClassRef(name), opts);
  Value block = Attr(*state, "runtime_class");
  if (absl::IsNotFound(rc.status())) {
    // Deleted by hand: the plan shows the handler being set again.
    block = std::move(block).WithAttr("handler", Value::Null(Type::String()));
  } else if (!rc.ok()) {
    diags->AddStatus(kReadSummary, rc.status());
    return false;
  } else {
    block =
        block.WithAttr("handler", Value::String(StringAt(*rc, {"handler"})));
    block = std::move(block).WithAttr(
        "node_selector", framework::StringMap(StringEntries(ObjectAt(
                             ObjectAt(*rc, "scheduling"), "nodeSelector"))));
  }
  *state = state->WithAttr("runtime_class", block);
  return true;
}

}  // namespace

void ReadSettings(const CvmProvider& provider,
                  const framework::ReadRequest& request,
                  framework::ReadResponse* response) {
  Diagnostics* diags = &response->diagnostics;
  Connection conn;
  if (!provider.GetConnection(kReadSummary, &conn, diags)) return;
  const std::string ns =
      StringAttr(request.current_state, "namespace").value_or("");
  const kube::RequestOptions opts{provider.clock()->Now() + kOperationTimeout,
                                  conn.cancel.get()};
  Value state = request.current_state;
  absl::StatusOr<nlohmann::json> namespace_object =
      conn.client->Get(NamespaceRef(ns), opts);
  if (absl::IsNotFound(namespace_object.status()) ||
      (namespace_object.ok() && Terminating(*namespace_object))) {
    // The namespace is gone (or going): so are the settings.
    response->new_state = Value::Null(ResourceSchema().ImpliedType());
    return;
  }
  if (!namespace_object.ok()) {
    diags->AddStatus(kReadSummary, namespace_object.status());
    return;
  }
  if (!ReadConfigMap(conn, ns, opts, &state, diags)) return;
  const ClusterSettings s = SettingsFromValue(state);
  state = std::move(state).WithAttr("id", Value::String(ns));
  state = std::move(state).WithAttr("namespace", Value::String(ns));
  if (s.manage_namespace) {
    state = std::move(state).WithAttr(
        "pod_security",
        PodSecurityFromLabels(
            ObjectAt(ObjectAt(*namespace_object, "metadata"), "labels"),
            s.pod_security));
  }
  if (s.manage_runtime_class && !Attr(state, "runtime_class").IsNull() &&
      !ReadRuntimeClass(conn, s.runtime_class_name, opts, &state, diags)) {
    return;
  }
  absl::StatusOr<ClusterFacts> facts = ProbeCluster(*conn.client, opts);
  if (!facts.ok()) {
    diags->AddStatus(kReadSummary, facts.status());
    return;
  }
  response->new_state = FactsValue(*facts, state);
}

void ImportSettings(const CvmProvider& provider,
                    const framework::ImportRequest& request,
                    framework::ImportResponse* response) {
  Value id = Value::String(request.id);
  if (!IsDnsLabel()(id).ok()) {
    response->diagnostics.AddError(
        "Invalid Import ID",
        absl::StrCat(
            "Import cvm_cluster_settings by namespace name, e.g. "
            "`terraform import cvm_cluster_settings.main workspaces`; got \"",
            request.id, "\"."));
    return;
  }
  // Only settings that exist can be imported; Read does the rest.
  Connection conn;
  if (!provider.GetConnection("Unable to Import Cluster Settings", &conn,
                              &response->diagnostics)) {
    return;
  }
  absl::StatusOr<nlohmann::json> cm = conn.client->Get(
      ConfigMapRef(request.id),
      {provider.clock()->Now() + kOperationTimeout, conn.cancel.get()});
  if (absl::IsNotFound(cm.status())) {
    response->diagnostics.AddError(
        "Cannot Import Cluster Settings",
        absl::StrCat(
            "Namespace ", request.id, " has no ", kSettingsConfigMapName,
            " ConfigMap, so there are no CVM settings to import. Apply a "
            "cvm_cluster_settings resource for it instead."));
    return;
  }
  if (!cm.ok()) {
    response->diagnostics.AddStatus("Unable to Import Cluster Settings",
                                    cm.status());
    return;
  }
  // Nothing was created by this resource: destroy keeps the namespace and
  // the RuntimeClass and only gives back what it applied.
  response->private_state = Ownership().Serialize();
  response->state = Value::Object({{"id", id}, {"namespace", id}});
}

}  // namespace cvm::resources::cluster_settings_internal
