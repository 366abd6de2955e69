// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The Kubernetes side of cvm_cluster_settings: the objects it writes, what
// it remembers having created, and what it lists before a destroy.

#include <set>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "provider/resources/cluster_settings_internal.h"
#include "provider/resources/json_access.h"

namespace cvm::resources::cluster_settings_internal {

using values::Type;
using values::Value;

kube::ObjectRef NamespaceRef(const std::string& ns) {
  return {"v1", "Namespace", "", ns};
}
kube::ObjectRef ConfigMapRef(const std::string& ns) {
  return {"v1", "ConfigMap", ns, kSettingsConfigMapName};
}
kube::ObjectRef RuntimeClassRef(const std::string& name) {
  return {"node.k8s.io/v1", "RuntimeClass", "", name};
}

nlohmann::json NamespaceManifest(const ClusterSettings& s) {
  nlohmann::json labels = {{kPodSecurityEnforce, s.pod_security},
                           {kPodSecurityWarn, s.pod_security},
                           {kPodSecurityAudit, s.pod_security}};
  return {{"apiVersion", "v1"},
          {"kind", "Namespace"},
          {"metadata", {{"name", s.namespace_name}, {"labels", labels}}}};
}

nlohmann::json BareNamespace(const std::string& ns) {
  return {{"apiVersion", "v1"},
          {"kind", "Namespace"},
          {"metadata", {{"name", ns}}}};
}

nlohmann::json RuntimeClassManifest(const ClusterSettings& s) {
  nlohmann::json selector = nlohmann::json::object();
  for (const auto& [k, v] : s.runtime_class_node_selector) selector[k] = v;
  nlohmann::json rc = {{"apiVersion", "node.k8s.io/v1"},
                       {"kind", "RuntimeClass"},
                       {"metadata",
                        {{"name", s.runtime_class_name},
                         {"labels", ManagedLabels("cluster-settings")}}},
                       {"handler", s.runtime_class_handler}};
  if (!selector.empty()) rc["scheduling"] = {{"nodeSelector", selector}};
  return rc;
}

Ownership Ownership::Parse(const std::string& private_state) {
  Ownership o;
  nlohmann::json j = nlohmann::json::parse(private_state, nullptr, false);
  if (!j.is_discarded() && j.is_object()) {
    o.created_namespace = j.value("created_namespace", false);
    o.created_runtime_class = j.value("created_runtime_class", false);
  }
  return o;
}

std::string Ownership::Serialize() const {
  return nlohmann::json{{"created_namespace", created_namespace},
                        {"created_runtime_class", created_runtime_class}}
      .dump();
}

absl::Status DeleteAndWait(const Connection& conn, const kube::ObjectRef& ref,
                           const kube::RequestOptions& opts) {
  absl::StatusOr<nlohmann::json> answer = conn.client->Delete(ref, {}, opts);
  if (absl::IsNotFound(answer.status())) return absl::OkStatus();
  if (!answer.ok()) return answer.status();
  return conn.client->WaitForDeletion(ref, opts.deadline, conn.cancel.get(),
                                      *answer);
}

Value PodSecurityFromLabels(const nlohmann::json& labels,
                            const std::string& applied) {
  for (const char* key :
       {kPodSecurityEnforce, kPodSecurityWarn, kPodSecurityAudit}) {
    const std::string level = StringAt(labels, {key});
    if (level.empty()) return Value::Null(Type::String());
    if (level != applied) return Value::String(level);
  }
  return Value::String(applied);
}

absl::StatusOr<std::vector<std::string>> WorkspacesIn(
    kube::Client& client, const std::string& ns,
    const kube::RequestOptions& opts) {
  std::set<std::string> names;
  kube::ListOptions list;
  list.label_selector = absl::StrCat(kComponentLabel, "=workspace");
  list.page_size = 100;  // names only: one page of pods held at a time
  list.identity_only = true;
  list.on_item = [&names](nlohmann::json item) {
    const nlohmann::json& metadata = ObjectAt(item, "metadata");
    const nlohmann::json& labels = ObjectAt(metadata, "labels");
    const std::string workspace = StringAt(labels, {kWorkspaceLabel});
    names.insert(workspace.empty() ? StringAt(metadata, {"name"}) : workspace);
  };
  for (const char* kind : {"Pod", "PersistentVolumeClaim"}) {
    absl::StatusOr<kube::ListResult> items =
        client.List("v1", kind, ns, list, opts);
    if (!items.ok()) return items.status();
  }
  return std::vector<std::string>(names.begin(), names.end());
}

absl::StatusOr<std::vector<std::string>> RetainedHomesIn(
    kube::Client& client, const std::string& ns,
    const kube::RequestOptions& opts) {
  std::vector<std::string> names;
  kube::ListOptions list;
  list.label_selector =
      absl::StrCat(kComponentLabel, "=", kRetainedHomeComponent);
  list.page_size = 100;
  list.identity_only = true;
  list.on_item = [&names](nlohmann::json item) {
    names.push_back(StringAt(ObjectAt(item, "metadata"), {"name"}));
  };
  absl::StatusOr<kube::ListResult> claims =
      client.List("v1", "PersistentVolumeClaim", ns, list, opts);
  if (!claims.ok()) return claims.status();
  return names;
}

}  // namespace cvm::resources::cluster_settings_internal
