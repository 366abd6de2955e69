// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/resources/workspace_schema.h"

#include <cmath>
#include <set>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "provider/framework/timeouts.h"
#include "provider/framework/value_access.h"
#include "provider/resources/quantity.h"
#include "provider/resources/validators.h"
#include "provider/resources/workspace_model.h"

namespace cvm::resources {
namespace {

using framework::Attr;
using framework::BoolAttr;
using framework::Diagnostics;
using framework::StringAttr;
using schema::Attribute;
using schema::NestedBlock;
using schema::NestedObject;
using values::Path;
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
  auto rr = [manifest](Attribute a) {
    if (!manifest) a.RequiresReplace();
    return a;
  };
  s.block.attributes = {
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
             .Describe("Namespace of the workspace; it must exist.")),
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
  if (manifest) {
    s.block.attributes.push_back(
        Attribute("agent_token_secret", Type::Bool())
            .Default(Value::Bool(true))
            .DescribeMarkdown("Reference the agent token from the Secret "
                              "`<name>-agent` (key `token`), which you create "
                              "outside the repository."));
    for (auto& [name, doc] : std::vector<std::pair<const char*, const char*>>{
             {"yaml", "All objects as one multi-document YAML stream."},
             {"json", "All objects as a JSON array."},
             {"pod_yaml", "The pod alone, as YAML."}}) {
      s.block.attributes.push_back(
          Attribute(name, Type::String()).Computed().Describe(doc));
    }
    s.block.attributes.push_back(
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
        Attribute("auto_load_shiftfs", Type::Bool())
            .Default(Value::Bool(false)),
        Attribute("docker_bridge_cidr", Type::String())
            .Default(Value::String(kDefaultBridgeCidr))
            .Validate(IsDockerBridgeCidr(30)),
        Attribute("runtime_class_name", Type::String())
            .Default(Value::String(kDefaultRuntimeClass))
            .Validate(IsDnsSubdomain()),
        Attribute("tun", Type::Bool()).Default(Value::Bool(false)),
        Attribute("fuse", Type::Bool()).Default(Value::Bool(false)),
    };
    s.block.block_types.push_back(std::move(settings));
  } else {
    s.block.attributes.insert(
        s.block.attributes.begin(),
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
                     "Wait (by watch) until the pod is Running and Ready."),
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
                 .Describe(
                     "Hash of the pod settings Kubernetes cannot change in "
                     "place; a change means the pod is recreated."),
         }) {
      s.block.attributes.push_back(std::move(a));
    }
    s.block.block_types.push_back(framework::TimeoutsBlock(
        {{"create", "10m", "(includes waiting for Ready)"},
         {"update", "10m", ""},
         {"delete", "5m", ""}}));
  }
  s.block.block_types.push_back(ResourcesBlock("cpu", "CPU", "500m", "2"));
  s.block.block_types.push_back(
      ResourcesBlock("memory", "Memory", "2Gi", "4Gi"));
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
  s.block.block_types.push_back(std::move(home));
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
  s.block.block_types.push_back(std::move(gpu));
  return s;
}

constexpr const char* kPrivateTargets[] = {
    "/var/lib/docker", "/var/lib/containers", "/var/lib/sysbox", "/lib/modules",
    "/usr/src",        "/var/lib/coder"};

// Environment variables the provider renders itself, and the argument that
// sets each. A user value would shadow ours (and CODER_AGENT_TOKEN would put
// the token into the pod spec in clear).
struct ReservedEnv {
  const char* name;
  const char* argument;
};
constexpr ReservedEnv kReservedEnvAlways[] = {
    {"CODER_AGENT_TOKEN", "agent_token"},
    {"CODER_AGENT_URL", "agent_url"},
};
constexpr ReservedEnv kReservedEnvEnvbox[] = {
    {"CODER_INNER_IMAGE", "inner_image"},
    {"CODER_INNER_USERNAME", "inner_username"},
    {"CODER_INNER_HOSTNAME", "inner_hostname"},
    {"CODER_BOOTSTRAP_SCRIPT", "bootstrap_script"},
    {"CODER_MOUNTS", "mounts"},
    {"CODER_INNER_ENVS", "env_passthrough"},
    {"CODER_DOCKER_BRIDGE_CIDR",
     "docker_bridge_cidr of the namespace's cvm_cluster_settings"},
    {"CODER_ADD_TUN", "tun"},
    {"CODER_ADD_FUSE", "fuse"},
    {"CODER_ADD_GPU", "the gpu block"},
    {"CODER_USR_LIB_DIR", "gpu.host_lib_dir"},
    {"CODER_CPUS", "cpu.limit"},
    {"CODER_MEMORY", "memory.limit"},
    {"CODER_IMAGE_PULL_SECRET", "image_pull_secret"},
};
constexpr ReservedEnv kReservedEnvSysbox[] = {
    {"CVM_BOOTSTRAP", "bootstrap_script"},
};

bool UnderPath(const std::string& path, const std::string& root) {
  return path == root || absl::StartsWith(path, root + "/");
}

void CheckQuantities(const Value& config, const std::string& block, bool cpu,
                     bool envbox, Diagnostics* diags) {
  const Value& b = Attr(config, block);
  const std::optional<std::string> request = StringAttr(b, "request");
  const std::optional<std::string> limit = StringAttr(b, "limit");
  if (!limit) return;
  absl::StatusOr<long double> l = ParseQuantity(*limit);
  if (!l.ok()) return;  // The attribute validator reports it.
  if (*l <= 0) {
    diags->AddAttributeError(Path::FromAttr(block).Attr("limit"),
                             "Invalid Limit",
                             "The limit must be greater than zero.");
  }
  if (request) {
    absl::StatusOr<long double> r = ParseQuantity(*request);
    if (r.ok() && *r > *l) {
      diags->AddAttributeError(
          Path::FromAttr(block).Attr("request"), "Request Exceeds Limit",
          absl::StrCat(block, ".request (", *request, ") is larger than ",
                       block, ".limit (", *limit,
                       "); lower the request or raise the limit."));
    }
  }
  if (cpu && envbox && std::fabs(*l - std::round(*l)) > 1e-9L) {
    diags->AddAttributeWarning(
        Path::FromAttr(block).Attr("limit"),
        "CPU Limit Rounded Up Inside the Workspace",
        absl::StrCat(
            "envbox gives the inner container a whole number of cores "
            "(CODER_CPUS is an integer from the downward API), so a limit of ",
            *limit, " becomes ", static_cast<long long>(std::ceil(*l)),
            " inside. Use a whole number of cores to avoid the surprise."));
  }
  if (!cpu && (absl::EndsWith(*limit, "G") || absl::EndsWith(*limit, "M"))) {
    diags->AddAttributeWarning(
        Path::FromAttr(block).Attr("limit"), "Decimal Memory Unit",
        absl::StrCat(QuoteValue(*limit),
                     " uses a decimal unit (1G = 10^9 bytes); write \"", *limit,
                     "i\" for binary units if that is what you meant."));
  }
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

void ValidateWorkspaceConfig(const Value& config, Diagnostics* diags) {
  const std::optional<std::string> mode = StringAttr(config, "mode");
  const bool mode_known = mode.has_value() || Attr(config, "mode").IsNull();
  const bool envbox = mode.value_or("envbox") == "envbox";
  const bool sysbox = mode_known && !envbox;
  const Value& gpu = Attr(config, "gpu");

  if (sysbox && !gpu.IsNull()) {
    diags->AddAttributeError(
        Path::FromAttr("gpu"), "GPUs Need envbox Mode",
        "Sysbox has no GPU passthrough (nestybox/sysbox#50), so sysbox-mode "
        "workspaces cannot use GPUs. Remove the gpu block or set mode = "
        "\"envbox\".");
  }
  if (auto lib = StringAttr(gpu, "host_lib_dir")) {
    if (*lib == "/" || *lib == "/usr" || *lib == "/lib") {
      diags->AddAttributeError(Path::FromAttr("gpu").Attr("host_lib_dir"),
                               "Invalid GPU Library Directory",
                               "Point host_lib_dir at the directory holding "
                               "the NVIDIA libraries, e.g. "
                               "/usr/lib/x86_64-linux-gnu or /usr/lib64.");
    }
  }
  const Value& mounts = Attr(config, "mounts");
  if (mounts.IsKnown()) {
    const Value& user = Attr(config, "inner_username");
    std::optional<std::string> home;
    if (user.IsNull()) home = "/home/coder";
    if (auto name = StringAttr(config, "inner_username"))
      home = "/home/" + *name;
    std::set<std::string> seen;
    for (size_t i = 0; i < mounts.Elements().size(); ++i) {
      const std::optional<std::string> target =
          StringAttr(mounts.Elements()[i], "target");
      if (!target) continue;
      const Path path = Path::FromAttr("mounts")
                            .Index(static_cast<int64_t>(i))
                            .Attr("target");
      if (!seen.insert(*target).second) {
        diags->AddAttributeError(
            path, "Duplicate Mount Target",
            absl::StrCat("Another mount already targets ", QuoteValue(*target),
                         "; give each mount its own target."));
      }
      if (home && *target == *home) {
        diags->AddAttributeError(
            path, "Mount Target Is the Home Directory",
            absl::StrCat(
                *home,
                " is the workspace's home, already mounted from the home "
                "volume; mount below it (e.g. \"",
                *home, "/projects\") or elsewhere."));
      }
      if (UnderPath(*target, "/tmp")) {
        diags->AddAttributeError(
            path, "Mount Target Under /tmp",
            absl::StrCat(
                "Files placed in /tmp of a CVM vanish once it boots (systemd "
                "mounts a fresh /tmp). Mount ",
                QuoteValue(*target),
                " somewhere else, e.g. under /opt or /home."));
      }
      for (const char* priv : kPrivateTargets) {
        if (UnderPath(*target, priv)) {
          diags->AddAttributeError(
              path, "Mount Target Is Private to envbox",
              absl::StrCat("envbox uses ", priv,
                           " itself (Docker and Sysbox data, "
                           "kernel files); choose another target than ",
                           QuoteValue(*target), "."));
        }
      }
    }
  }
  if (auto env = framework::StringMapAttr(config, "env")) {
    auto check = [&](const ReservedEnv& r) {
      if (env->count(r.name) == 0) return;
      diags->AddAttributeError(
          Path::FromAttr("env").Key(r.name), "Reserved Environment Variable",
          absl::StrCat(r.name, " is set by the provider; use ", r.argument,
                       " instead and remove it from env."));
    };
    for (const ReservedEnv& r : kReservedEnvAlways) check(r);
    if (envbox && mode_known) {
      for (const ReservedEnv& r : kReservedEnvEnvbox) check(r);
    }
    if (sysbox) {
      for (const ReservedEnv& r : kReservedEnvSysbox) check(r);
    }
  }
  CheckQuantities(config, "cpu", /*cpu=*/true, envbox, diags);
  CheckQuantities(config, "memory", /*cpu=*/false, envbox, diags);
  const Value& home = Attr(config, "home");
  if (auto size = StringAttr(home, "size")) {
    absl::StatusOr<long double> bytes = ParseQuantity(*size);
    const long double gib = 1024.0L * 1024 * 1024;
    if (bytes.ok() && *bytes < 10 * gib) {
      diags->AddAttributeError(
          Path::FromAttr("home").Attr("size"), "Home Volume Too Small",
          absl::StrCat(
              "The home volume holds the home directory, the inner image and "
              "Docker's data; ",
              *size, " is below the 10Gi minimum."));
    } else if (bytes.ok() && *bytes < 50 * gib) {
      diags->AddAttributeWarning(
          Path::FromAttr("home").Attr("size"), "Small Home Volume",
          "50-100Gi is recommended: the inner image and /var/lib/docker count "
          "against the home volume, and a full disk slows envbox down.");
    }
  }
  if (envbox && mode_known) {
    if (BoolAttr(config, "privileged") == std::optional<bool>(false)) {
      diags->AddAttributeError(
          Path::FromAttr("privileged"), "envbox Needs a Privileged Pod",
          "Sysbox inside envbox needs true root on the node "
          "(nestybox/sysbox#891); "
          "remove privileged = false, or use mode = \"sysbox\".");
    }
    if (auto image = StringAttr(config, "image")) {
      absl::StatusOr<ImageReference> ref = ParseImageReference(*image);
      if (ref.ok() && ref->digest.empty() &&
          (ref->tag.empty() || ref->tag == "latest")) {
        diags->AddAttributeWarning(Path::FromAttr("image"),
                                   "Unpinned envbox Image",
                                   "Pin the envbox image to a release (e.g. "
                                   "ghcr.io/coder/envbox:0.6.7) so "
                                   "workspaces do not change under you.");
      }
    }
  }
  if (sysbox) {
    for (const char* attr :
         {"privileged", "host_network", "host_pid", "host_ipc"}) {
      if (BoolAttr(config, attr).value_or(false)) {
        diags->AddAttributeError(
            Path::FromAttr(attr), "Not Supported in sysbox Mode",
            absl::StrCat(
                attr,
                " breaks the isolation Sysbox provides and is not "
                "supported for Sysbox pods (and Kubernetes rejects host "
                "namespaces with a user namespace). Remove it, or use "
                "mode = \"envbox\"."));
      }
    }
    for (const char* attr : {"tun", "fuse"}) {
      if (BoolAttr(config, attr).value_or(false)) {
        diags->AddAttributeError(
            Path::FromAttr(attr), "Not Supported in sysbox Mode",
            absl::StrCat("Sysbox pods cannot create device nodes, so ", attr,
                         " works only in envbox mode."));
      }
    }
  }
  if (auto inner = StringAttr(config, "inner_image")) {
    absl::StatusOr<ImageReference> ref = ParseImageReference(*inner);
    if (ref.ok() && ref->registry.empty() && envbox) {
      diags->AddAttributeWarning(
          Path::FromAttr("inner_image"), "Image Without Registry",
          "envbox pulls the inner image itself and finds credentials and CA "
          "certificates by registry host; write the registry explicitly, e.g. "
          "docker.io/codercom/enterprise-base:ubuntu.");
    }
  }
}

}  // namespace cvm::resources
