// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// ClusterSettings: the per-namespace CVM settings as one plain struct, and
// their home in the cluster, the ConfigMap "cvm-cluster-settings", so that
// workspaces planned from other Terraform states read the same truth.
// Also the labels every object the provider writes carries. Part of
// resources/.

#ifndef CVM_PROVIDER_RESOURCES_SETTINGS_H_
#define CVM_PROVIDER_RESOURCES_SETTINGS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "provider/resources/host_paths.h"

namespace cvm::resources {

inline constexpr char kSettingsConfigMapName[] = "cvm-cluster-settings";
inline constexpr char kManagedByLabel[] = "app.kubernetes.io/managed-by";
inline constexpr char kManagedByValue[] = "terraform-provider-cvm";
inline constexpr char kComponentLabel[] = "cvm.coder.com/component";
inline constexpr char kWorkspaceLabel[] = "cvm.coder.com/workspace";
// kComponentLabel of a home claim kept after its workspace was destroyed.
inline constexpr char kRetainedHomeComponent[] = "retained-home";
inline constexpr char kPodSecurityEnforce[] =
    "pod-security.kubernetes.io/enforce";
inline constexpr char kPodSecurityWarn[] = "pod-security.kubernetes.io/warn";
inline constexpr char kPodSecurityAudit[] = "pod-security.kubernetes.io/audit";
inline constexpr char kDefaultBridgeCidr[] = "172.19.0.0/30";
inline constexpr char kDefaultRuntimeClass[] = "sysbox-runc";

// Plain value.
struct ClusterSettings {
  std::string namespace_name;
  bool manage_namespace = false;
  std::string pod_security = "privileged";  // enforce level when managed
  bool caching = false;
  bool auto_load_shiftfs = false;
  std::string gpu_vendor = "none";
  std::string docker_bridge_cidr = kDefaultBridgeCidr;
  bool tun = false;
  bool fuse = false;
  std::string runtime_class_name = kDefaultRuntimeClass;
  std::string runtime_class_handler = kDefaultRuntimeClass;
  std::map<std::string, std::string> runtime_class_node_selector = {
      {"sysbox-runtime", "running"}};
  bool manage_runtime_class = false;
  bool force_destroy = false;
  // Not a setting: "bare-metal" or the cloud, recorded at apply so workspace
  // plans can apply the GPU rule without listing nodes. Empty if unknown.
  std::string platform;

  std::vector<HostPathMount> HostPaths() const {
    return HostPathMounts(caching, auto_load_shiftfs);
  }
  bool operator==(const ClusterSettings&) const = default;
};

// The ConfigMap holding `settings`, labelled as ours.
nlohmann::json SettingsConfigMap(const ClusterSettings& settings);

// Parses the ConfigMap written by SettingsConfigMap (unknown keys ignored,
// missing keys take their defaults). Errors: kInvalidArgument when a value
// is malformed (the message names the key and says the map was edited).
absl::StatusOr<ClusterSettings> SettingsFromConfigMap(
    const nlohmann::json& config_map);

// metadata.labels for an object of `component` ("cluster-settings",
// "workspace").
nlohmann::json ManagedLabels(const std::string& component);

}  // namespace cvm::resources

#endif  // CVM_PROVIDER_RESOURCES_SETTINGS_H_
