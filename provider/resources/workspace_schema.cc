// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/resources/workspace_schema.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "provider/framework/timeouts.h"
#include "provider/resources/validators.h"
#include "provider/resources/workspace_internal.h"
#include "provider/resources/workspace_model.h"

namespace cvm::resources {
namespace {

using schema::Attribute;
using schema::NestedBlock;
using schema::NestedObject;
using values::Type;
using values::Value;

Type MountType() {
  return Type::Object({{"source", Type::String()},
                       {"target", Type::String()},
                       {"read_only", Type::Bool()}});
}

Type TolerationType() {
  return Type::Object({{"key", Type::String()},
                       {"operator", Type::String()},
                       {"value", Type::String()},
                       {"effect", Type::String()},
                       {"toleration_seconds", Type::Number()}});
}

// The bytes (keys plus values) of the annotations Render puts on the pod
// beside the user's: the pod-spec hash (16 hex digits) and CRI-O's user
// namespace mode. They count against Kubernetes' 256 KiB as well.
constexpr size_t kProviderPodAnnotationBytes =
    (sizeof(kSpecHashAnnotation) - 1) + 16 +
    (sizeof(kCrioUsernsAnnotation) - 1) + (sizeof("auto:size=65536") - 1);

schema::Validator IsSubPath() {
  return [](const Value& v) -> absl::Status {
    const std::string& s = v.AsString();
    if (s.empty() || s[0] == '/' || absl::StrContains(s, "..") ||
        s.find_first_of(",:") != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat(QuoteValue(s),
                       " must be a relative directory inside the home volume, "
                       "without '..', ',' or ':' (e.g. \"projects\")"));
    }
    return absl::OkStatus();
  };
}

NestedBlock ResourcesBlock(const std::string& name, const std::string& what,
                           const std::string& example_request,
                           const std::string& example_limit) {
  NestedBlock b;
  b.type_name = name;
  b.nesting = NestedBlock::Nesting::kSingle;
  b.min_items = 1;
  b.max_items = 1;
  b.block.markdown_description = absl::StrCat(
      what,
      " of the workspace container (Kubernetes quantities). envbox passes "
      "the limit to the inner container through the downward API.");
  b.block.attributes = {
      Attribute("request", Type::String())
          .Optional()
          .Validate(IsQuantity())
          .DescribeMarkdown(absl::StrCat("Requested ", what, ", e.g. `",
                                         example_request,
                                         "`. At most `limit`.")),
      Attribute("limit", Type::String())
          .Required()
          .Validate(IsQuantity())
          .DescribeMarkdown(
              absl::StrCat(what, " limit, e.g. `", example_limit, "`.")),
  };
  return b;
}

// The resource replaces the workspace when `a` changes; the data source
// has nothing to replace.
Attribute Replacing(bool manifest, Attribute a) {
  if (!manifest) a.RequiresReplace();
  return a;
}

// What the workspace is: names, mode, images, user and hostname.
std::vector<Attribute> IdentityAttributes(bool manifest) {
  auto rr = [manifest](Attribute a) {
    return Replacing(manifest, std::move(a));
  };
  return {
      rr(Attribute("name", Type::String())
             .Required()
             .Validate(IsDnsLabel(57))
             .DescribeMarkdown(
                 "Workspace name: the pod is `<name>`, the claim "
                 "`<name>-home`, the Secret `<name>-agent`. At most "
                 "57 lowercase letters, digits and `-`.")),
      rr(Attribute("namespace", Type::String())
             .Required()
             .Validate(IsDnsLabel())
             .Describe("Namespace of the workspace. It may be created in the "
                       "same apply by another resource.")),
      rr(Attribute("mode", Type::String())
             .Default(Value::String("envbox"))
             .Validate(OneOf({"envbox", "sysbox"}))
             .DescribeMarkdown(
                 "`envbox` (default): privileged outer pod running "
                 "envbox, which starts `inner_image` with Sysbox. "
                 "`sysbox`: unprivileged pod with the Sysbox "
                 "RuntimeClass (Sysbox installed on the nodes).")),
      Attribute("image", Type::String())
          .Default(Value::String(kDefaultEnvboxImage))
          .Validate(IsImageReference())
          .DescribeMarkdown(
              "envbox image of the outer container (envbox mode)."),
      Attribute("inner_image", Type::String())
          .Required()
          .Validate(IsImageReference())
          .DescribeMarkdown("Image of the workspace itself, e.g. "
                            "`codercom/enterprise-base:ubuntu`."),
      Attribute("inner_username", Type::String())
          .Default(Value::String("coder"))
          .Validate(IsPosixUsername())
          .Describe("User of the workspace; must exist in the inner image."),
      Attribute("inner_hostname", Type::String())
          .Optional()
          .Computed()
          .Validate(IsDnsLabel())
          .Describe(
              "Hostname inside the workspace. Default: the workspace name."),
  };
}

// What runs in it: the agent, its environment and the extra mounts.
std::vector<Attribute> WorkloadAttributes() {
  return {
      Attribute("agent_url", Type::String())
          .Optional()
          .DescribeMarkdown("Coder deployment URL (`CODER_AGENT_URL`)."),
      Attribute("bootstrap_script", Type::String())
          .Optional()
          .DescribeMarkdown(
              "Script run in the workspace once it is up, usually "
              "`coder_agent.main.init_script`."),
      Attribute("env", Type::Map(Type::String()))
          .Optional()
          .Validate(IsEnvMap())
          .DescribeMarkdown(
              "Environment variables for the workspace. In `sysbox` mode "
              "with systemd, the agent's login shell sets `HOME`, `SHELL`, "
              "`USER`, `LOGNAME` and `PATH` itself."),
      Attribute("env_passthrough", Type::List(Type::String()))
          .Optional()
          .DescribeMarkdown("Names or `PREFIX*` patterns of outer-container "
                            "variables copied into the inner container (envbox "
                            "`CODER_INNER_ENVS`), e.g. `KUBERNETES_*`."),
      Attribute("mounts", Type::List(MountType()))
          .Optional()
          .Nested(NestedObject::Nesting::kList,
                  {Attribute("source", Type::String())
                       .Required()
                       .Validate(IsSubPath())
                       .Describe("Directory inside the home volume."),
                   Attribute("target", Type::String())
                       .Required()
                       .Validate(IsMountPath())
                       .DescribeMarkdown(
                           "Absolute path in the workspace; not under "
                           "`/tmp`, which is wiped when the CVM boots."),
                   Attribute("read_only", Type::Bool())
                       .Optional()
                       .Describe("Mount read-only.")})
          .Describe("Extra directories of the home volume mounted into the "
                    "workspace."),
  };
}

// The pod: started or not, devices, scheduling, labels and annotations.
std::vector<Attribute> PodAttributes() {
  return {
      Attribute("running", Type::Bool())
          .Default(Value::Bool(true))
          .DescribeMarkdown(
              "`false` deletes the pod and keeps the home volume and "
              "the Secret (Coder's stop, `start_count = 0`)."),
      Attribute("tun", Type::Bool())
          .Optional()
          .Computed()
          .DescribeMarkdown(
              "Add `/dev/net/tun` (envbox). Default: the namespace's "
              "cluster settings."),
      Attribute("fuse", Type::Bool())
          .Optional()
          .Computed()
          .DescribeMarkdown(
              "Add `/dev/fuse` (envbox). Default: the namespace's "
              "cluster settings."),
      Attribute("image_pull_secret", Type::String())
          .Optional()
          .Validate(IsDnsSubdomain())
          .DescribeMarkdown(
              "Name of a `kubernetes.io/dockerconfigjson` Secret for "
              "pulling `inner_image` from a private registry (envbox "
              "pulls it itself; in sysbox mode it is the pod's "
              "`imagePullSecrets`)."),
      Attribute("node_selector", Type::Map(Type::String()))
          .Optional()
          .Validate(IsLabelMap())
          .Describe("Node labels the pod must match."),
      Attribute("tolerations", Type::List(TolerationType()))
          .Optional()
          .Nested(NestedObject::Nesting::kList,
                  {Attribute("key", Type::String()).Optional(),
                   Attribute("operator", Type::String())
                       .Optional()
                       .Validate(OneOf({"Exists", "Equal"})),
                   Attribute("value", Type::String()).Optional(),
                   Attribute("effect", Type::String())
                       .Optional()
                       .Validate(OneOf(
                           {"NoSchedule", "PreferNoSchedule", "NoExecute"})),
                   Attribute("toleration_seconds", Type::Number()).Optional()})
          .Describe("Pod tolerations."),
      Attribute("labels", Type::Map(Type::String()))
          .Optional()
          .Validate(IsLabelMap())
          .Describe(
              "Extra labels on every object of the workspace. Values are "
              "empty or at most 63 letters, digits, '-', '_' or '.', starting "
              "and ending with a letter or digit."),
      Attribute("annotations", Type::Map(Type::String()))
          .Optional()
          .Validate(IsAnnotationMap(kProviderPodAnnotationBytes))
          .Describe(
              "Extra annotations on the pod. Kubernetes allows 256 KiB of "
              "annotations (keys plus values) per object, a few bytes of "
              "which the provider uses itself."),
  };
}

// The pod's access to the node and the sysbox-mode options.
std::vector<Attribute> HostAttributes() {
  return {
      Attribute("privileged", Type::Bool())
          .Optional()
          .DescribeMarkdown(
              "Only for validation of migrated templates: envbox "
              "pods are always privileged and sysbox pods never are; "
              "a contradicting value is an error."),
      Attribute("host_network", Type::Bool())
          .Optional()
          .DescribeMarkdown(
              "Run the pod in the node's network namespace (envbox "
              "only; not supported by Sysbox)."),
      Attribute("host_pid", Type::Bool())
          .Optional()
          .Describe("Share the node's PID namespace (envbox only)."),
      Attribute("host_ipc", Type::Bool())
          .Optional()
          .Describe("Share the node's IPC namespace (envbox only)."),
      Attribute("systemd", Type::Bool())
          .Default(Value::Bool(true))
          .DescribeMarkdown("sysbox mode: run `/sbin/init` as PID 1 and start "
                            "`bootstrap_script` once systemd is up."),
      Attribute("user_namespace", Type::String())
          .Default(Value::String("annotation"))
          .Validate(OneOf({"annotation", "host_users"}))
          .DescribeMarkdown(
              "sysbox mode: how the pod gets its user namespace: "
              "`annotation` (CRI-O `io.kubernetes.cri-o.userns-mode`) "
              "or `host_users` (`hostUsers: false`, Kubernetes >= "
              "1.30 with containerd >= 2.0.5)."),
      Attribute("host_path_mounts", Type::List(HostPathObjectType()))
          .Computed()
          .Nested(NestedObject::Nesting::kList, HostPathAttributes())
          .DescribeMarkdown(
              "Host paths the pod mounts, from the cluster settings' "
              "table (and the GPU library directory)."),
  };
}

// cvm_workspace_manifest: the rendered outputs and the settings block.
void AddManifestArguments(schema::Schema* s) {
  s->block.attributes.push_back(
      Attribute("agent_token_secret", Type::Bool())
          .Default(Value::Bool(true))
          .DescribeMarkdown("Reference the agent token from the Secret "
                            "`<name>-agent` (key `token`), which you create "
                            "outside the repository."));
  for (auto& [name, doc] : std::vector<std::pair<const char*, const char*>>{
           {"yaml", "All objects as one multi-document YAML stream."},
           {"json", "All objects as a JSON array."},
           {"pod_yaml", "The pod alone, as YAML."}}) {
    s->block.attributes.push_back(
        Attribute(name, Type::String()).Computed().Describe(doc));
  }
  s->block.attributes.push_back(
      Attribute("objects", Type::List(Type::String()))
          .Computed()
          .Describe("Each object as compact JSON, pod first."));
  NestedBlock settings;
  settings.type_name = "cluster_settings";
  settings.nesting = NestedBlock::Nesting::kSingle;
  settings.block.markdown_description =
      "The namespace's cluster settings to render against (the manifest data "
      "source never reads the cluster). Defaults match "
      "`cvm_cluster_settings`.";
  settings.block.attributes = {
      Attribute("caching", Type::Bool()).Default(Value::Bool(false)),
      Attribute("auto_load_shiftfs", Type::Bool()).Default(Value::Bool(false)),
      Attribute("docker_bridge_cidr", Type::String())
          .Default(Value::String(kDefaultBridgeCidr))
          .Validate(IsDockerBridgeCidr(30)),
      Attribute("runtime_class_name", Type::String())
          .Default(Value::String(kDefaultRuntimeClass))
          .Validate(IsDnsSubdomain()),
      Attribute("tun", Type::Bool()).Default(Value::Bool(false)),
      Attribute("fuse", Type::Bool()).Default(Value::Bool(false)),
  };
  s->block.block_types.push_back(std::move(settings));
}

// cvm_workspace: id, the agent token, the computed names and live values,
// timeouts.
void AddResourceArguments(schema::Schema* s) {
  s->block.attributes.insert(
      s->block.attributes.begin(),
      Attribute("id", Type::String())
          .Computed()
          .UseStateForUnknown()
          .DescribeMarkdown("`namespace/name` (the import ID)."));
  for (Attribute a : {
           Attribute("agent_token", Type::String())
               .Optional()
               .Sensitive()
               .WriteOnly()
               .DescribeMarkdown(
                   "Coder agent token (`coder_agent.main.token`). Write-only "
                   "(Terraform >= 1.11): it is stored only in the Secret "
                   "`<name>-agent` and reaches the container by "
                   "`secretKeyRef`; "
                   "never in the pod spec, the plan or the state."),
           Attribute("agent_token_sha256", Type::String())
               .Computed()
               .Describe(
                   "SHA-256 of the agent token, so a new token shows in the "
                   "plan without the token itself."),
           Attribute("cluster_settings_id", Type::String())
               .Optional()
               .DescribeMarkdown(
                   "Set to `cvm_cluster_settings.<x>.id` when the "
                   "settings are in the same configuration: the plan "
                   "then waits for them instead of reading the "
                   "cluster."),
           Attribute("wait_for_ready", Type::Bool())
               .Default(Value::Bool(true))
               .Describe(
                   "Wait (by watch) until the pod is Running and Ready. A "
                   "container that cannot start for good (its image does "
                   "not exist or may not be pulled, an invalid image name, "
                   "a missing Secret key) fails apply at once; other "
                   "causes are waited out up to the timeout."),
           Attribute("pod_name", Type::String())
               .Computed()
               .UseStateForUnknown()
               .Describe("Name of the pod."),
           Attribute("home_claim_name", Type::String())
               .Computed()
               .UseStateForUnknown()
               .Describe("Name of the home PersistentVolumeClaim."),
           Attribute("secret_name", Type::String())
               .Computed()
               .Describe(
                   "Name of the agent-token Secret (null without a token)."),
           Attribute("node_name", Type::String())
               .Computed()
               .Describe("Node the pod runs on (empty while stopped)."),
           Attribute("phase", Type::String())
               .Computed()
               .DescribeMarkdown(
                   "Pod phase, or `Stopped` while `running` is false."),
           Attribute("pod_spec_hash", Type::String())
               .Computed()
               .Describe("Hash of the pod settings Kubernetes cannot change in "
                         "place; a change means the pod is recreated."),
       }) {
    s->block.attributes.push_back(std::move(a));
  }
  s->block.block_types.push_back(framework::TimeoutsBlock(
      {{"create", "10m", "(includes waiting for Ready)"},
       {"update", "10m", ""},
       {"delete", "5m", ""}}));
}

NestedBlock HomeBlock(bool manifest) {
  auto rr = [manifest](Attribute a) {
    return Replacing(manifest, std::move(a));
  };
  NestedBlock home;
  home.type_name = "home";
  home.nesting = NestedBlock::Nesting::kSingle;
  home.block.markdown_description =
      "The home volume. It holds the user's home and the Docker caches "
      "(images and containers survive restarts), so size it generously.";
  home.block.attributes = {
      Attribute("size", Type::String())
          .Default(Value::String("10Gi"))
          .Validate(IsQuantity())
          .DescribeMarkdown(
              "Size of the claim; at least `10Gi`, 50-100Gi recommended."),
      rr(Attribute("storage_class", Type::String())
             .Optional()
             .Validate(IsDnsSubdomain())
             .Describe(
                 "Storage class; the cluster default when unset. Changing it "
                 "replaces the workspace and its volume.")),
      Attribute("keep_on_destroy", Type::Bool())
          .Default(Value::Bool(false))
          .Describe("Keep the claim when the workspace is destroyed."),
  };
  for (Attribute& a : workspace_internal::HomeMetadataAttributes()) {
    home.block.attributes.push_back(std::move(a));
  }
  return home;
}

NestedBlock GpuBlock() {
  NestedBlock gpu;
  gpu.type_name = "gpu";
  gpu.nesting = NestedBlock::Nesting::kSingle;
  gpu.block.markdown_description =
      "NVIDIA GPUs (envbox mode, bare-metal clusters, without caching; the "
      "namespace's settings need `gpu_vendor = \"nvidia\"`).";
  gpu.block.attributes = {
      Attribute("count", Type::Number())
          .Required()
          .Validate(IsIntInRange(1, 16))
          .DescribeMarkdown("Number of `nvidia.com/gpu`."),
      Attribute("host_lib_dir", Type::String())
          .Default(Value::String(kDefaultGpuLibDir))
          .Validate(IsMountPath())
          .DescribeMarkdown("Host directory with the NVIDIA driver libraries "
                            "(`/usr/lib64` on RHEL and Amazon Linux)."),
  };
  return gpu;
}

schema::Schema BuildSchema(bool manifest) {
  schema::Schema s;
  s.block.markdown_description =
      manifest
          ? "Renders the Kubernetes objects a `cvm_workspace` with the same "
            "arguments would create, as YAML and JSON, without any API call: "
            "for GitOps repositories that commit manifests. The rendering is "
            "the "
            "code the resource applies. The agent token Secret is referenced "
            "but not rendered, so no secret lands in a repository."
          : "A container-based VM workspace: a pod that can run Docker and "
            "systemd inside (envbox: a privileged outer pod running the inner "
            "container with Sysbox; sysbox: an unprivileged pod with the "
            "Sysbox "
            "RuntimeClass), its home PersistentVolumeClaim and its agent-token "
            "Secret, all created by server-side apply and removed together. "
            "Import with `namespace/name`.";
  s.block.attributes = IdentityAttributes(manifest);
  for (const std::vector<Attribute>& group :
       {WorkloadAttributes(), PodAttributes(),
        workspace_internal::PodOptionAttributes(), HostAttributes()}) {
    for (const Attribute& a : group) s.block.attributes.push_back(a);
  }
  if (manifest) {
    AddManifestArguments(&s);
  } else {
    AddResourceArguments(&s);
  }
  s.block.block_types.push_back(ResourcesBlock("cpu", "CPU", "500m", "2"));
  s.block.block_types.push_back(
      ResourcesBlock("memory", "Memory", "2Gi", "4Gi"));
  s.block.block_types.push_back(HomeBlock(manifest));
  s.block.block_types.push_back(GpuBlock());
  s.block.block_types.push_back(workspace_internal::DnsConfigBlock());
  s.block.block_types.push_back(workspace_internal::AffinityBlock());
  s.block.block_types.push_back(workspace_internal::EnvValueFromBlock());
  s.block.block_types.push_back(workspace_internal::VolumeBlock());
  s.block.block_types.push_back(workspace_internal::EnvboxBlock());
  return s;
}

}  // namespace

const schema::Schema& WorkspaceResourceSchema() {
  static const schema::Schema* s = new schema::Schema(BuildSchema(false));
  return *s;
}

const schema::Schema& WorkspaceManifestSchema() {
  static const schema::Schema* s = new schema::Schema(BuildSchema(true));
  return *s;
}

}  // namespace cvm::resources
