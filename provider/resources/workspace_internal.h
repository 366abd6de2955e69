// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Internal to resources/: what the units of cvm_workspace share. Only the
// workspace*.cc files of resources/ and their tests include it.
//
//   workspace.cc           the Resource class and the helpers below
//   workspace_plan.cc      ModifyPlan: computed values, plan-time checks
//   workspace_apply.cc     Create, Update, Delete
//   workspace_read.cc      Read and ImportState
//   workspace_manifest.cc  the cvm_workspace_manifest data source
//   workspace_pods.cc      the pods of Render (workspace_model.h)
//   workspace_pod_options.cc            the pod options: schema, rendering
//   workspace_pod_options_validate.cc   and their plan-time rules
//   workspace_affinity.cc               the affinity block
//   workspace_env_from.cc               the env_value_from blocks
//   workspace_volumes.cc                the volume blocks, the envbox block
//   workspace_overrides.cc              pod_overrides, the escape hatch
//
// The functions taking a CvmProvider borrow it for the call; they are
// thread-safe as the provider is.

#ifndef CVM_PROVIDER_RESOURCES_WORKSPACE_INTERNAL_H_
#define CVM_PROVIDER_RESOURCES_WORKSPACE_INTERNAL_H_

#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "provider/framework/diagnostics.h"
#include "provider/framework/resource.h"
#include "provider/kube/client.h"
#include "provider/resources/host_paths.h"
#include "provider/resources/provider.h"
#include "provider/resources/settings.h"
#include "provider/resources/workspace_model.h"
#include "provider/schema/schema.h"
#include "provider/values/path.h"
#include "provider/values/value.h"

namespace cvm::resources::workspace_internal {

inline constexpr char kWorkspaceTypeName[] = "cvm_workspace";

// The namespace's settings as read at plan or apply time.
struct LoadedSettings {
  ClusterSettings settings;
  bool stored = false;   // false: no ConfigMap, the defaults
  std::string platform;  // ConfigMap key "platform" when recorded there
};

// The workspace's three objects.
kube::ObjectRef PodRef(const WorkspaceSpec& s);
kube::ObjectRef ClaimRef(const WorkspaceSpec& s);
kube::ObjectRef SecretRef(const WorkspaceSpec& s);

// Reads namespace `ns`'s settings ConfigMap through the shared read cache.
// Returns the defaults (`stored` false) when there is none. Returns nullopt
// and adds an error diagnostic ("Unable to Read Cluster Settings") when
// there is no connection, the read fails or the ConfigMap does not parse.
std::optional<LoadedSettings> LoadSettings(const CvmProvider& provider,
                                           const std::string& ns,
                                           framework::Diagnostics* diags);

// The resource's private state: the settings `loaded` as read for
// namespace `ns`. Read and apply record it, and a plan renders from it (not
// from the ConfigMap as it is then), so Terraform's second plan during apply
// plans the same whatever changed in between.
std::string SettingsToPrivate(const std::string& ns,
                              const LoadedSettings& loaded);

// The settings SettingsToPrivate recorded for namespace `ns`; nullopt when
// `private_state` holds none for it (a state from before they were
// recorded, another namespace, or unparsable text).
std::optional<LoadedSettings> SettingsFromPrivate(
    const std::string& private_state, const std::string& ns);

// The pod_spec_hash of `planned`: the rendered pod's hash, combined with
// agent_token_sha256 when that is known, since a new token needs a new pod
// to reach the workspace.
std::string PodHash(const RenderedWorkspace& rendered,
                    const values::Value& planned);

// workspace_pods.cc

// The labels of each of the workspace's objects: the user's, and ours
// (managed-by, component, workspace), which win.
nlohmann::json WorkspaceLabels(const WorkspaceSpec& spec);

// The pod of envbox mode, without the spec-hash annotation: a privileged
// outer container running envbox with its CODER_* contract, the home
// volume's sub-paths, and the host paths of `settings` plus the GPU
// libraries, which it also stores in `host_paths`.
nlohmann::json EnvboxPod(const WorkspaceSpec& spec,
                         const ClusterSettings& settings,
                         std::vector<HostPathMount>* host_paths);

// The pod of sysbox mode, without the spec-hash annotation: the inner image
// itself with the settings' RuntimeClass and a user namespace, and an init
// container that gives the user its home and writable mounts.
nlohmann::json SysboxPod(const WorkspaceSpec& spec,
                         const ClusterSettings& settings);

// workspace_pod_options.cc

// The bytes of keys plus values home.annotations may take: the claim holds
// them twice (again in the recorded configuration).
inline constexpr size_t kMaxHomeAnnotationBytes = 64 * 1024;

// The pod-option arguments of both schemas: service_account_name,
// automount_service_account_token, image_pull_secrets,
// priority_class_name, runtime_class_name, termination_grace_period,
// dns_policy and host_aliases, with their attribute validators.
std::vector<schema::Attribute> PodOptionAttributes();
// The dns_config block.
schema::NestedBlock DnsConfigBlock();
// home.labels and home.annotations.
std::vector<schema::Attribute> HomeMetadataAttributes();

// Applies `element` to each known element of a list, naming the element's
// index in the message.
schema::Validator EachElement(schema::Validator element);

// The PodOptions of a cvm_workspace object (config, plan or state):
// unknown and null values are unset; a termination_grace_period that does
// not parse is unset (validation reports it).
PodOptions PodOptionsFromValue(const values::Value& object);

// Adds spec.pod_options to `pod` (a pod of EnvboxPod or SysboxPod):
// only what is set, so an unset option leaves the pod (and its hash) as
// before. imagePullSecrets already on the pod stay first, each name once;
// a dns_policy replaces the host-network default; a runtimeClassName
// already on the pod (sysbox mode) stays.
void AddPodOptions(const WorkspaceSpec& spec, nlohmann::json* pod);

// The home claim's labels: `labels`, then home.labels over them, then
// ours (WorkspaceLabels), which win.
nlohmann::json ClaimLabels(const WorkspaceSpec& spec);
// The home claim's annotations: home.annotations, and the recorded
// configuration under kConfigAnnotation (never a user's value of that key).
nlohmann::json ClaimAnnotations(const WorkspaceSpec& spec,
                                const std::string& config_annotation);

// workspace_affinity.cc

// The affinity block (node_affinity, pod_affinity, pod_anti_affinity), as
// hashicorp/kubernetes' kubernetes_pod names it, with its attribute
// validators (operators, label keys, weight 1 to 100).
schema::NestedBlock AffinityBlock();

// The pod's spec.affinity for the affinity block of `object` (config, plan
// or state): Kubernetes' field names, empty parts left out; null when the
// block is unset or empty. Unknown values are left out.
nlohmann::json AffinityFromValue(const values::Value& object);

// The plan-time rules of the affinity block of `config`: values per
// operator (In/NotIn at least one, Exists/DoesNotExist none, Gt/Lt one
// integer), a required node affinity with at least one term, terms and
// preferences with at least one expression, a preferred rule with its
// preference or pod_affinity_term. Skips unknown values.
void ValidateAffinity(const values::Value& config,
                      framework::Diagnostics* diags);

// workspace_env_from.cc

// The env_value_from block list: name, and secret_key_ref or
// config_map_key_ref { name, key, optional }.
schema::NestedBlock EnvValueFromBlock();

// The env_value_from blocks of `object` (config, plan or state), in order;
// a block with neither reference reads as a ConfigMap one (validation
// reports it).
std::vector<EnvValueFrom> EnvValueFromFromValue(const values::Value& object);

// Appends spec.pod_options.env_value_from to a container's `env` as
// valueFrom entries (secretKeyRef or configMapKeyRef).
void AppendEnvValueFrom(const WorkspaceSpec& spec, nlohmann::json* env);

// A variable name of the configuration, where it is set.
struct EnvName {
  std::string name;
  values::Path path;      // env["NAME"] or env_value_from[i].name
  const char* attribute;  // "env" or "env_value_from"
};
// Each variable name `config` sets (the keys of env, then the names of
// env_value_from), for the rules on names.
std::vector<EnvName> EnvNamesOf(const values::Value& config);

// The plan-time rules of env_value_from that the attribute validators
// cannot see: exactly one reference per block, and each name once across
// env_value_from, env and env_passthrough. Skips unknown values.
void ValidateEnvValueFrom(const values::Value& config,
                          framework::Diagnostics* diags);

// workspace_volumes.cc

// The volume block list: name, target, read_only and one source block
// (secret, config_map, persistent_volume_claim, nfs).
schema::NestedBlock VolumeBlock();
// The envbox block: extra_certs_volume/_file, docker_config_volume/_file,
// disable_idmapped_mount, inner_work_dir, inner_usr_lib_dir.
schema::NestedBlock EnvboxBlock();

// The volume blocks of `object` (config, plan or state), in order; Secrets
// and ConfigMaps read as read-only.
std::vector<WorkspaceVolume> VolumesFromValue(const values::Value& object);
// The envbox block of `object`; defaults when unset.
EnvboxOptions EnvboxOptionsFromValue(const values::Value& object);

// Where envbox mode mounts volume `name` on the envbox container: a direct
// child of /home/, so that envbox gives the mount point to the workspace
// user (its isHomeDir rule).
std::string EnvboxVolumePath(const std::string& name);

// envbox mode: appends each volume to the pod's `volumes` and its mount at
// EnvboxVolumePath to the envbox container's `mounts`.
void AddEnvboxVolumeMounts(const WorkspaceSpec& spec, nlohmann::json* volumes,
                           nlohmann::json* mounts);
// envbox mode: "<EnvboxVolumePath>:<target>[:ro]" of each volume with a
// target, appended to `coder_mounts` (CODER_MOUNTS entries).
void AppendVolumeCoderMounts(const WorkspaceSpec& spec,
                             std::vector<std::string>* coder_mounts);
// sysbox mode: appends each volume to the pod's `volumes` and its mount at
// its target to the workspace container's `mounts`.
void AddSysboxVolumeMounts(const WorkspaceSpec& spec, nlohmann::json* volumes,
                           nlohmann::json* mounts);
// sysbox mode: the writable claim volumes the home-owner init container
// chowns: their targets appended to `command`, their mounts to `mounts`.
void AddOwnedVolumes(const WorkspaceSpec& spec, nlohmann::json* command,
                     nlohmann::json* mounts);
// envbox mode: the CODER_* variables of spec.pod_options.envbox that are
// set, appended to `env`.
void AppendEnvboxOptionsEnv(const WorkspaceSpec& spec, nlohmann::json* env);

// The known volume targets of `config`, with their paths, for the mount
// target rules shared with `mounts`.
std::vector<std::pair<values::Path, std::string>> VolumeTargetsOf(
    const values::Value& config);

// The plan-time rules of the volume and envbox blocks: one source per
// volume, Secrets and ConfigMaps not writable, unique names, a target in
// sysbox mode; the envbox block in envbox mode only, naming existing
// volumes, a file only with its volume. Skips unknown values.
void ValidateVolumes(const values::Value& config, bool sysbox,
                     framework::Diagnostics* diags);

// workspace_overrides.cc

// The pod_overrides attribute: a JSON string, checked by CheckPodOverrides.
schema::Attribute PodOverridesAttribute();

// The rules pod_overrides must follow whatever the pod: an object of
// metadata (labels, annotations) and spec; no hostPath anywhere; no env or
// envFrom on container dev; no CODER_AGENT_TOKEN value. Returns
// kInvalidArgument with the reason.
absl::Status CheckPodOverrides(const nlohmann::json& overrides);

// Merges `overrides` into `pod` (a pod of EnvboxPod or SysboxPod): objects
// key by key, lists of objects by their merge key (name; mountPath for
// volumeMounts; containerPort for ports; ip for hostAliases), elements
// without it appended. Returns the paths it added, in order. Errors
// (kInvalidArgument, naming the field): CheckPodOverrides', a value of
// `pod` changed or nulled, and in `sysbox` mode a privileged container or
// spec.hostNetwork/hostPID/hostIPC/hostUsers. On error `pod` may be
// partly merged.
absl::StatusOr<std::vector<std::string>> ApplyPodOverrides(
    const nlohmann::json& overrides, bool sysbox, nlohmann::json* pod);

// The fields of `overrides` that `returned` (the pod as the API server
// answered a dry run) does not have: fields the server does not know and
// dropped, e.g. a misspelt name. Keys only (the server may normalise
// values); list elements matched by their merge key.
std::vector<std::string> DroppedOverrideFields(const nlohmann::json& overrides,
                                               const nlohmann::json& returned);

// The plan-time check of pod_overrides (config and names known): the merge
// into the pod as rendered now, against the `live` settings when read (an
// error on pod_overrides when it cannot be merged), a warning with what it
// adds when it differs from `prior`'s, and a server-side dry run of the
// merged pod under "<name>-cvm-dry-run" when the workspace runs and there
// is a connection. Only the server's rejection is an error (400/422, or a
// field not in its schema, or dropped by it); a missing namespace or
// ServiceAccount, or no connection, is left to apply. One API request.
void PlanPodOverrides(const CvmProvider& provider, const values::Value& config,
                      const values::Value& prior, const values::Value& planned,
                      const std::optional<LoadedSettings>& live,
                      framework::Diagnostics* diags);

// workspace_pod_options_validate.cc

// The plan-time rules of the pod options and home.labels/annotations
// that need no cluster; `sysbox` when mode is known to be "sysbox".
// Adds an attribute-path diagnostic per violation; skips unknown values.
void ValidatePodOptions(const values::Value& config, bool sysbox,
                        framework::Diagnostics* diags);

// workspace_plan.cc

// ModifyPlan: fills response->planned_state's computed values (names,
// token hash, devices and host paths from the namespace's settings, pod
// hash, node and phase) and adds the plan's diagnostics. Errors: home.size
// shrinking, unreadable settings, and the rules that need the settings or
// the cluster (GPU support, the namespace and its Pod Security level, the
// sysbox RuntimeClass). Warnings: adopted objects, pod recreation.
void PlanWorkspace(const CvmProvider& provider,
                   const framework::PlanRequest& request,
                   framework::PlanResponse* response);

// `planned` with node_name and phase as the live pod will have them: empty
// and "Stopped" for a stopped workspace, unknown for a new pod and for a
// phase not yet Running, else the prior values. A plan that changes
// nothing else keeps the prior values of both (no apply runs).
values::Value PlanLiveAttributes(const values::Value& prior,
                                 values::Value planned);

// The arguments that differ between `prior` and `planned` and reach the
// pod, comma-separated, for the recreation warning; "the pod
// specification" when no argument differs.
std::string ChangedArguments(const values::Value& prior,
                             const values::Value& planned);

// workspace_apply.cc

// Create and Update bring the cluster to the planned state, within
// timeouts.create / timeouts.update (default 10m). On failure the new
// state names what may exist, so nothing is orphaned: null when a create
// wrote nothing, else the planned objects (Terraform taints a failed
// create; the next refresh reads what is really there). Errors: no
// connection, settings changed since the plan, the API's, and a pod that
// does not become Ready (with its Warning events).
void CreateWorkspace(const CvmProvider& provider,
                     const framework::CreateRequest& request,
                     framework::ApplyResponse* response);
void UpdateWorkspace(const CvmProvider& provider,
                     const framework::UpdateRequest& request,
                     framework::ApplyResponse* response);

// Deletes the pod, the Secret and (unless home.keep_on_destroy) the claim,
// and waits until they are gone, within timeouts.delete (default 5m). A
// kept claim is relabelled as a retained home. Errors: the API's.
void DeleteWorkspace(const CvmProvider& provider,
                     const framework::DeleteRequest& request,
                     framework::DeleteResponse* response);

// The configuration recorded on the claim, so an import restores the
// arguments: every non-computed value of `planned`, as state JSON (without
// the annotations when they would make it larger than 64 KiB). Empty when
// it cannot be encoded.
std::string ConfigAnnotation(const values::Value& planned);

// workspace_read.cc

// Read: the state as the cluster has it (null when neither the claim nor
// the pod exists). A state without inner_image is an import: its
// arguments are restored from the claim's kConfigAnnotation. Errors: API
// errors other than NotFound, an import of a claim without a readable
// annotation, unreadable settings when an imported pod is stopped.
void ReadWorkspace(const CvmProvider& provider,
                   const framework::ReadRequest& request,
                   framework::ReadResponse* response);

// ImportState: "namespace/name" becomes a state with id, namespace and
// name, which ReadWorkspace completes. Error: "Invalid Import ID".
void ImportWorkspace(const framework::ImportRequest& request,
                     framework::ImportResponse* response);

// The map attribute `name` of `state` with each of its keys valued as the
// live object has it (keys gone there removed), so a label or annotation
// changed behind Terraform's back shows in the plan. Keys in `ours` are the
// provider's own and always win over the configuration; they are skipped.
// Returns the attribute unchanged when nothing differs.
values::Value MapDrift(const values::Value& state, const char* name,
                       const nlohmann::json& live,
                       std::initializer_list<const char*> ours);

// The image of container "dev" of `pod`; empty when there is none.
std::string ContainerImage(const nlohmann::json& pod);

}  // namespace cvm::resources::workspace_internal

#endif  // CVM_PROVIDER_RESOURCES_WORKSPACE_INTERNAL_H_
