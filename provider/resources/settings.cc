// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/resources/settings.h"

#include "absl/strings/str_cat.h"

namespace cvm::resources {
namespace {

const char* Bool(bool b) { return b ? "true" : "false"; }

absl::Status ReadBool(const nlohmann::json& data, const char* key, bool* out) {
  auto it = data.find(key);
  if (it == data.end()) return absl::OkStatus();
  if (it->is_string() && it->get<std::string>() == "true") {
    *out = true;
  } else if (it->is_string() && it->get<std::string>() == "false") {
    *out = false;
  } else {
    return absl::InvalidArgumentError(absl::StrCat(
        "ConfigMap ", kSettingsConfigMapName, " key \"", key,
        "\" must be \"true\" or \"false\"; it was edited outside Terraform"));
  }
  return absl::OkStatus();
}

void ReadString(const nlohmann::json& data, const char* key, std::string* out) {
  auto it = data.find(key);
  if (it != data.end() && it->is_string()) *out = it->get<std::string>();
}

}  // namespace

nlohmann::json ManagedLabels(const std::string& component) {
  return {{kManagedByLabel, kManagedByValue}, {kComponentLabel, component}};
}

nlohmann::json SettingsConfigMap(const ClusterSettings& s) {
  nlohmann::json node_selector = nlohmann::json::object();
  for (const auto& [k, v] : s.runtime_class_node_selector) node_selector[k] = v;
  nlohmann::json mounts = nlohmann::json::array();
  for (const HostPathMount& m : s.HostPaths()) {
    mounts.push_back({{"path", m.path},
                      {"mount_path", m.mount_path},
                      {"read_only", m.read_only}});
  }
  nlohmann::json cm = {
      {"apiVersion", "v1"},
      {"kind", "ConfigMap"},
      {"metadata",
       {{"name", kSettingsConfigMapName},
        {"namespace", s.namespace_name},
        {"labels", ManagedLabels("cluster-settings")}}},
      {"data",
       {{"manage_namespace", Bool(s.manage_namespace)},
        {"pod_security", s.pod_security},
        {"caching", Bool(s.caching)},
        {"auto_load_shiftfs", Bool(s.auto_load_shiftfs)},
        {"gpu_vendor", s.gpu_vendor},
        {"docker_bridge_cidr", s.docker_bridge_cidr},
        {"tun", Bool(s.tun)},
        {"fuse", Bool(s.fuse)},
        {"runtime_class_name", s.runtime_class_name},
        {"runtime_class_handler", s.runtime_class_handler},
        {"runtime_class_node_selector", node_selector.dump()},
        {"runtime_class_manage", Bool(s.manage_runtime_class)},
        {"force_destroy", Bool(s.force_destroy)},
        // Informational: what envbox workspaces here mount.
        {"host_path_mounts", mounts.dump()}}},
  };
  if (!s.platform.empty()) cm["data"]["platform"] = s.platform;
  return cm;
}

absl::StatusOr<ClusterSettings> SettingsFromConfigMap(
    const nlohmann::json& cm) {
  ClusterSettings s;
  if (cm.contains("metadata") && cm["metadata"].is_object()) {
    ReadString(cm["metadata"], "namespace", &s.namespace_name);
  }
  static const nlohmann::json kEmpty = nlohmann::json::object();
  const nlohmann::json& data =
      cm.contains("data") && cm["data"].is_object() ? cm["data"] : kEmpty;
  absl::Status st;
  for (auto [key, field] : std::initializer_list<std::pair<const char*, bool*>>{
           {"manage_namespace", &s.manage_namespace},
           {"caching", &s.caching},
           {"auto_load_shiftfs", &s.auto_load_shiftfs},
           {"tun", &s.tun},
           {"fuse", &s.fuse},
           {"runtime_class_manage", &s.manage_runtime_class},
           {"force_destroy", &s.force_destroy}}) {
    st = ReadBool(data, key, field);
    if (!st.ok()) return st;
  }
  ReadString(data, "pod_security", &s.pod_security);
  ReadString(data, "gpu_vendor", &s.gpu_vendor);
  ReadString(data, "docker_bridge_cidr", &s.docker_bridge_cidr);
  ReadString(data, "platform", &s.platform);
  ReadString(data, "runtime_class_name", &s.runtime_class_name);
  ReadString(data, "runtime_class_handler", &s.runtime_class_handler);
  std::string selector;
  ReadString(data, "runtime_class_node_selector", &selector);
  if (!selector.empty()) {
    nlohmann::json parsed = nlohmann::json::parse(selector, nullptr, false);
    if (parsed.is_discarded() || !parsed.is_object()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "ConfigMap ", kSettingsConfigMapName,
          " key \"runtime_class_node_selector\" is not a JSON object; it was "
          "edited outside Terraform"));
    }
    s.runtime_class_node_selector.clear();
    for (auto it = parsed.begin(); it != parsed.end(); ++it) {
      if (it.value().is_string()) {
        s.runtime_class_node_selector[it.key()] = it.value().get<std::string>();
      }
    }
  }
  return s;
}

}  // namespace cvm::resources
