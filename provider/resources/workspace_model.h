// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The workspace model: WorkspaceSpec (what a cvm_workspace asks for, read
// from its configuration, plan or state) and Render, which turns a spec and
// the namespace's cluster settings into the exact Kubernetes objects: the
// pod (envbox: privileged outer pod with the CODER_* contract and the host
// paths of the settings table; sysbox: unprivileged pod with the Sysbox
// RuntimeClass and a user namespace), the home PersistentVolumeClaim and the
// agent-token Secret. The resource applies these objects and the
// cvm_workspace_manifest data source prints them: one code path. Part of
// resources/. Pure functions; thread-safe.

#ifndef CVM_PROVIDER_RESOURCES_WORKSPACE_MODEL_H_
#define CVM_PROVIDER_RESOURCES_WORKSPACE_MODEL_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "nlohmann/json.hpp"
#include "provider/resources/host_paths.h"
#include "provider/resources/settings.h"
#include "provider/values/value.h"

namespace cvm::resources {

inline constexpr char kDefaultEnvboxImage[] = "ghcr.io/coder/envbox:0.6.7";
inline constexpr char kDefaultGpuLibDir[] = "/usr/lib/x86_64-linux-gnu";
inline constexpr char kEnvboxGpuLibMount[] = "/var/coder/usr/lib";
inline constexpr char kSpecHashAnnotation[] = "cvm.coder.com/pod-spec-hash";
inline constexpr char kConfigAnnotation[] = "cvm.coder.com/workspace-config";
inline constexpr char kCrioUsernsAnnotation[] =
    "io.kubernetes.cri-o.userns-mode";
inline constexpr char kAgentTokenKey[] = "token";

struct WorkspaceMount {
  std::string source;  // sub-path of the home volume
  std::string target;  // absolute path in the inner container
  bool read_only = false;
};

struct Toleration {
  std::string key, op, value, effect;
  std::optional<int64_t> seconds;
};

struct HostAlias {
  std::string ip;
  std::vector<std::string> hostnames;
};

struct DnsOption {
  std::string name;
  std::optional<std::string> value;
};

struct DnsConfig {
  std::vector<std::string> nameservers, searches;
  std::vector<DnsOption> options;
};

// A workspace variable from a key of a Secret or a ConfigMap.
struct EnvValueFrom {
  std::string name;
  bool secret = true;  // else a ConfigMap
  std::string object, key;
  std::optional<bool> optional;
};

// A Kubernetes volume mounted into the workspace at `target` (envbox mode:
// through CODER_MOUNTS; sysbox mode: on the workspace container).
struct WorkspaceVolume {
  enum class Kind { kSecret, kConfigMap, kClaim, kNfs };
  std::string name;    // unique among the volumes; the pod volume's suffix
  std::string target;  // absolute path in the workspace; empty: envbox only
  bool read_only = false;  // always true for Secrets and ConfigMaps
  Kind kind = Kind::kSecret;
  std::string source;  // the Secret, ConfigMap or claim; NFS: the export path
  std::string server;  // NFS only
  std::optional<bool> optional;  // Secret and ConfigMap only
};

// envbox's own settings beyond the CODER_* contract the provider renders
// (envbox mode only). A file setting names one of the workspace's volumes.
struct EnvboxOptions {
  std::string extra_certs_volume, extra_certs_file;  // CODER_EXTRA_CERTS_PATH
  std::string docker_config_volume,
      docker_config_file = ".dockerconfigjson";  // CODER_DOCKER_CONFIG
  bool disable_idmapped_mount = false;  // CODER_DISABLE_IDMAPPED_MOUNT
  std::string inner_work_dir;           // CODER_INNER_WORK_DIR
  std::string inner_usr_lib_dir;        // CODER_INNER_USR_LIB_DIR
};

// The pod-level Kubernetes settings a template sets directly (both modes
// unless noted). Empty and unset fields are left out of the pod, so
// Kubernetes' defaults apply.
struct PodOptions {
  std::string service_account_name;
  std::optional<bool> automount_service_account_token;
  std::vector<std::string> image_pull_secrets;
  std::string priority_class_name;
  std::string runtime_class_name;  // envbox mode only
  std::optional<int64_t> termination_grace_period_seconds;
  std::string dns_policy;  // empty: Kubernetes' (ClusterFirstWithHostNet
                           // with host_network)
  std::optional<DnsConfig> dns_config;
  std::vector<HostAlias> host_aliases;
  // The pod's spec.affinity as rendered (null when unset): the affinity
  // block maps field for field onto it, so it is kept as the JSON.
  nlohmann::json affinity;
  // Set on the container that runs the workspace (envbox: the outer one,
  // which passes them on), after `env`.
  std::vector<EnvValueFrom> env_value_from;
  std::vector<WorkspaceVolume> volumes;
  EnvboxOptions envbox;
  // pod_overrides, parsed; null when unset (or not JSON: validation
  // reports it).
  nlohmann::json overrides;
};

// Plain value. Unset optional attributes take the documented defaults.
struct WorkspaceSpec {
  std::string name;
  std::string namespace_name;
  std::string mode = "envbox";  // or "sysbox"
  std::string image;            // envbox image (envbox mode)
  std::string inner_image;
  std::string inner_username = "coder";
  std::string inner_hostname;  // default: name
  bool has_agent_token = false;
  std::string agent_url;
  std::string bootstrap_script;
  std::map<std::string, std::string> env;
  std::vector<std::string> env_passthrough;
  std::vector<WorkspaceMount> mounts;
  std::string cpu_request, cpu_limit, memory_request, memory_limit;
  std::string home_size = "10Gi";
  std::string home_storage_class;
  bool keep_home_on_destroy = false;
  std::map<std::string, std::string> home_labels, home_annotations;
  bool running = true;
  int64_t gpu_count = 0;
  std::string gpu_lib_dir = kDefaultGpuLibDir;
  std::optional<bool> tun, fuse;  // unset: the cluster settings' default
  std::string image_pull_secret;
  std::map<std::string, std::string> node_selector;
  std::vector<Toleration> tolerations;
  std::map<std::string, std::string> labels, annotations;
  // envbox mode only (rejected for sysbox at plan time).
  bool host_network = false, host_pid = false, host_ipc = false;
  bool systemd = true;  // sysbox mode
  std::string user_namespace =
      "annotation";  // sysbox: "host_users" or "annotation"
  bool wait_for_ready = true;
  PodOptions pod_options;

  std::string PodName() const { return name; }
  std::string ClaimName() const { return name + "-home"; }
  std::string SecretName() const { return name + "-agent"; }
  std::string Id() const { return namespace_name + "/" + name; }
};

// Reads a cvm_workspace object (config, plan or state; unknown and null
// attributes take defaults). REQUIRES: a known object.
WorkspaceSpec SpecFromValue(const values::Value& object);

struct RenderedWorkspace {
  nlohmann::json pod;  // null when !spec.running
  nlohmann::json claim;
  nlohmann::json secret;      // null without an agent token
  std::string pod_spec_hash;  // of what Kubernetes cannot change in place
  std::vector<HostPathMount> host_paths;  // what the pod mounts from the node
  // pod_overrides: what it added to the pod (paths such as
  // "spec.initContainers[name=setup]"), or why it could not be merged (the
  // pod is then not to be applied).
  std::vector<std::string> overrides_added;
  absl::Status overrides_status;
};

// Renders the objects. `agent_token` fills the Secret (nullopt: the Secret
// is rendered without data, for manifests). `config_annotation` is stored on
// the claim so an import can restore the configuration.
RenderedWorkspace Render(const WorkspaceSpec& spec,
                         const ClusterSettings& settings,
                         const std::optional<std::string>& agent_token,
                         const std::string& config_annotation);

// The hash stored on the pod: SHA-256 over the pod with the fields
// Kubernetes can change in place (labels, annotations, the images of
// containers and init containers) removed, as 16 hex digits.
std::string PodSpecHash(const nlohmann::json& pod);

// Lower-case hex SHA-256 of `text`.
std::string Sha256Hex(std::string_view text);

// The host-path mounts of a live pod (hostPath volumes and their mounts in
// container "dev"), in volume order.
std::vector<HostPathMount> HostPathsOfPod(const nlohmann::json& pod);

}  // namespace cvm::resources

#endif  // CVM_PROVIDER_RESOURCES_WORKSPACE_MODEL_H_
