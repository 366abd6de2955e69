// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The plan of cvm_workspace (see workspace_internal.h).

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "provider/framework/value_access.h"
#include "provider/resources/cluster_probe.h"
#include "provider/resources/json_access.h"
#include "provider/resources/quantity.h"
#include "provider/resources/workspace_internal.h"
#include "provider/resources/workspace_schema.h"
#include "provider/values/path.h"

namespace cvm::resources::workspace_internal {
namespace {

using framework::Attr;
using framework::BoolAttr;
using framework::Diagnostics;
using framework::StringAttr;
using values::Path;
using values::Type;
using values::Value;

// Attributes that describe the live pod rather than the configuration.
constexpr const char* kVolatileAttributes[] = {"node_name", "phase"};

// Adds an error and returns true when an update would make home.size
// smaller, which a claim cannot be.
bool HomeShrinks(const Value& prior, const Value& planned, Diagnostics* diags) {
  const std::optional<std::string> before =
      StringAttr(Attr(prior, "home"), "size");
  const std::optional<std::string> after =
      StringAttr(Attr(planned, "home"), "size");
  absl::StatusOr<long double> old_bytes = ParseQuantity(before.value_or(""));
  absl::StatusOr<long double> new_bytes = ParseQuantity(after.value_or(""));
  if (before && after && old_bytes.ok() && new_bytes.ok() &&
      *new_bytes < *old_bytes) {
    diags->AddAttributeError(
        values::Path().Attr("home").Attr("size"), "Home Volume Cannot Shrink",
        absl::StrCat("Kubernetes cannot make a claim smaller: home.size is ",
                     *before, " and cannot become ", *after,
                     ". Keep the size, or recreate the workspace (which "
                     "deletes its home volume)."));
    return true;
  }
  return false;
}

// `planned` with the values that follow from the configuration alone: the
// object names, the token's hash and Secret, the default inner hostname.
Value PlanIdentity(const Value& config, const WorkspaceSpec& spec,
                   bool names_known, Value planned) {
  if (names_known) {
    planned = std::move(planned).WithAttr("id", Value::String(spec.Id()));
    planned =
        std::move(planned).WithAttr("pod_name", Value::String(spec.PodName()));
    planned =
        planned.WithAttr("home_claim_name", Value::String(spec.ClaimName()));
  }
  const Value& token = Attr(config, "agent_token");
  if (token.IsUnknown()) {
    planned =
        planned.WithAttr("agent_token_sha256", Value::Unknown(Type::String()));
    planned = std::move(planned).WithAttr("secret_name",
                                          Value::Unknown(Type::String()));
  } else if (token.IsNull()) {
    planned =
        planned.WithAttr("agent_token_sha256", Value::Null(Type::String()));
    planned =
        std::move(planned).WithAttr("secret_name", Value::Null(Type::String()));
  } else {
    planned = std::move(planned).WithAttr(
        "agent_token_sha256", Value::String(Sha256Hex(token.AsString())));
    if (names_known) {
      planned =
          planned.WithAttr("secret_name", Value::String(spec.SecretName()));
    }
  }
  if (Attr(config, "inner_hostname").IsNull() &&
      Attr(planned, "name").IsKnown()) {
    planned =
        std::move(planned).WithAttr("inner_hostname", Value::String(spec.name));
  }
  return planned;
}

// A create whose home claim exists already: left by an apply that was
// interrupted before it could record the workspace, or kept by
// home.keep_on_destroy when a workspace of this name was destroyed. The
// plan says so, since the apply adopts (server-side applies) what exists
// rather than making new objects. One LIST of the namespace's claims per
// process and kSharedObjectCacheTtl, however many workspaces are planned;
// a failed LIST only loses the hint.
void WarnAboutAdoptedHome(const CvmProvider& provider,
                          const WorkspaceSpec& spec, Diagnostics* diags) {
  Connection conn;
  Diagnostics ignored;
  if (!provider.GetConnection("", &conn, &ignored)) return;
  const std::string& ns = spec.namespace_name;
  absl::StatusOr<nlohmann::json> claims = conn.reads->Get(
      {"v1", "PersistentVolumeClaim", ns, ""},
      [&]() -> absl::StatusOr<nlohmann::json> {
        // Only names and components, a page at a time: each claim
        // carries its workspace's recorded configuration, and a long
        // apply of hundreds of workspaces repeats this LIST.
        nlohmann::json components = nlohmann::json::object();
        kube::ListOptions list;
        list.label_selector =
            absl::StrCat(kManagedByLabel, "=", kManagedByValue);
        list.page_size = 100;
        list.identity_only = true;
        list.on_item = [&components](nlohmann::json claim) {
          components[StringAt(claim, {"metadata", "name"})] =
              StringAt(claim, {"metadata", "labels", kComponentLabel});
        };
        absl::StatusOr<kube::ListResult> found = conn.client->List(
            "v1", "PersistentVolumeClaim", ns, list,
            {provider.clock()->Now() + absl::Minutes(1), conn.cancel.get()});
        if (!found.ok()) return found.status();
        return components;
      });
  if (!claims.ok() || !claims->contains(spec.ClaimName())) return;
  const bool kept =
      claims->at(spec.ClaimName()) == std::string(kRetainedHomeComponent);
  diags->AddWarning(
      "Workspace Objects Exist and Will Be Adopted",
      absl::StrCat(
          "The home volume claim ", ns, "/", spec.ClaimName(),
          " of this new workspace exists already",
          kept ? ", kept (home.keep_on_destroy) when a workspace of this "
                 "name was destroyed"
               : ", probably left by an apply that was interrupted before "
                 "it could record the workspace in the state",
          ". The apply adopts it, and the workspace's pod and Secret if "
          "they exist, instead of creating new ones; the home's data is "
          "kept. To start from an empty home, delete the claim first."));
}

// The GPU rules: no caching, an NVIDIA-enabled namespace, a bare-metal
// cluster (from the settings, else probed from the nodes).
void CheckGpuSupport(const Connection& conn, const kube::RequestOptions& opts,
                     const WorkspaceSpec& spec, const LoadedSettings& loaded,
                     Diagnostics* diags) {
  const ClusterSettings& settings = loaded.settings;
  if (settings.caching) {
    diags->AddAttributeError(
        Path::FromAttr("gpu"), "GPUs Are Not Supported With Caching",
        absl::StrCat(
            "Namespace ", spec.namespace_name,
            " uses cached CVMs (caching = true in its cluster settings), "
            "and "
            "GPUs are not supported with cached CVMs. Remove the gpu block "
            "or turn caching off."));
  }
  if (settings.gpu_vendor != "nvidia") {
    diags->AddAttributeError(
        Path::FromAttr("gpu"), "GPUs Not Enabled for the Namespace",
        absl::StrCat(
            "The cluster settings of namespace ", spec.namespace_name,
            loaded.stored ? "" : " (none stored: the defaults)",
            " have gpu_vendor = \"", settings.gpu_vendor,
            "\". CVMs support NVIDIA GPUs only: set gpu_vendor = "
            "\"nvidia\" "
            "in its cvm_cluster_settings (bare-metal clusters only)."));
  }
  std::string platform = loaded.platform;
  if (platform.empty()) {
    absl::StatusOr<ClusterFacts> facts = ProbeCluster(*conn.client, opts);
    if (facts.ok()) platform = facts->platform;
  }
  if (!platform.empty() && platform != kBareMetal) {
    diags->AddAttributeError(
        Path::FromAttr("gpu"), "GPUs Need a Bare-Metal Cluster",
        absl::StrCat(
            "The cluster runs on ", platform,
            " (node providerID). GPUs in CVMs are supported on bare-metal "
            "clusters only; remove the gpu block or use a bare-metal "
            "cluster."));
  }
}

// The Pod Security level enforced on the namespace: from the settings when
// they manage the namespace, else from its label (empty when unreadable,
// or missing, with a warning: the API server decides at apply).
std::string PodSecurityLevel(const Connection& conn,
                                            const kube::RequestOptions& opts,
                                            const WorkspaceSpec& spec,
                                            const LoadedSettings& loaded,
                                            Diagnostics* diags) {
  std::string level;
  if (loaded.stored && loaded.settings.manage_namespace) {
    level = loaded.settings.pod_security;
  } else {
    absl::StatusOr<nlohmann::json> ns =
        conn.CachedGet({"v1", "Namespace", "", spec.namespace_name}, opts);
    if (absl::IsNotFound(ns.status())) {
      // Another resource may create it in this apply (Terraform users make
      // namespaces with hashicorp/kubernetes): plan on, apply tells.
      diags->AddAttributeWarning(
          Path::FromAttr("namespace"), "Namespace Does Not Exist Yet",
          absl::StrCat(
              "Namespace ", spec.namespace_name,
              " does not exist. The plan assumes it is created before this "
              "workspace is applied, by a resource this one references or "
              "names in depends_on, and that it has no CVM settings (the "
              "defaults) unless they are written first; what depends on "
              "them is known after apply. The apply fails if the namespace "
              "still does not exist then."));
      return "";
    }
    // Unreadable (no permission): the API server decides at apply.
    if (ns.ok())
      level = StringAt(*ns, {"metadata", "labels", kPodSecurityEnforce});
  }
  return level;
}

void CheckEnvboxPodSecurity(const WorkspaceSpec& spec, const std::string& level,
                            Diagnostics* diags) {
  if (level == "baseline" || level == "restricted") {
    diags->AddAttributeError(
        Path::FromAttr("namespace"), "Namespace Forbids Privileged Pods",
        absl::StrCat(
            "Namespace ", spec.namespace_name, " enforces Pod Security \"",
            level,
            "\", which rejects the privileged pod and hostPath "
            "volumes envbox needs. Label it pod-security.kubernetes.io/"
            "enforce=privileged (cvm_cluster_settings with "
            "manage_namespace = true does), or use mode = \"sysbox\"."));
  }
}

// Sysbox pods run as root (systemd) and need the settings' RuntimeClass.
void CheckSysboxNamespace(const Connection& conn,
                          const kube::RequestOptions& opts,
                          const WorkspaceSpec& spec,
                          const ClusterSettings& settings,
                          const std::string& level, Diagnostics* diags) {
  if (level == "restricted") {
    diags->AddAttributeError(
        Path::FromAttr("namespace"), "Namespace Forbids Root Pods",
        absl::StrCat(
            "Namespace ", spec.namespace_name,
            " enforces Pod Security \"restricted\", which rejects the "
            "root (systemd) pod of a sysbox workspace. Use \"baseline\" or "
            "\"privileged\" for the namespace."));
  }
  absl::StatusOr<nlohmann::json> rc = conn.CachedGet(
      {"node.k8s.io/v1", "RuntimeClass", "", settings.runtime_class_name},
      opts);
  if (absl::IsNotFound(rc.status())) {
    diags->AddAttributeError(
        Path::FromAttr("mode"), "Sysbox RuntimeClass Missing",
        absl::StrCat(
            "sysbox mode needs the RuntimeClass ", settings.runtime_class_name,
            " (from the cluster settings of namespace ", spec.namespace_name,
            "), which does not exist. Install Sysbox on the nodes "
            "(sysbox-deploy-k8s) or set runtime_class { manage = true } in "
            "the namespace's cvm_cluster_settings."));
  } else if (!rc.ok() && !absl::IsPermissionDenied(rc.status())) {
    diags->AddStatus("Unable to Check Workspace", rc.status());
  }
}

// Plan-time rules that depend on the namespace's settings and on the
// cluster. API calls: the Namespace (unless the settings manage its Pod
// Security level), the RuntimeClass in sysbox mode, and for GPU
// workspaces the nodes when the settings do not record the platform.
void CheckAgainstSettings(const CvmProvider& provider,
                          const WorkspaceSpec& spec,
                          const LoadedSettings& loaded, Diagnostics* diags) {
  Connection conn;
  if (!provider.GetConnection("Unable to Check Workspace", &conn, diags))
    return;
  const kube::RequestOptions opts{provider.clock()->Now() + absl::Minutes(1),
                                  conn.cancel.get()};
  if (spec.gpu_count > 0) CheckGpuSupport(conn, opts, spec, loaded, diags);
  const std::string level = PodSecurityLevel(conn, opts, spec, loaded, diags);
  if (spec.mode == "envbox") {
    CheckEnvboxPodSecurity(spec, level, diags);
    return;
  }
  CheckSysboxNamespace(conn, opts, spec, loaded.settings, level, diags);
}

// `planned` with what the namespace's settings decide: the devices left
// to them, the host paths and the pod hash; unknown while the settings or
// the values they combine with are.
Value PlanFromSettings(const Value& config,
                       const std::optional<LoadedSettings>& settings,
                       Value planned) {
  const bool mode_known = Attr(planned, "mode").IsKnown();
  for (const char* device : {"tun", "fuse"}) {
    if (!Attr(config, device).IsNull()) continue;
    planned = std::move(planned).WithAttr(
        device, settings ? Value::Bool(std::string(device) == "tun"
                                           ? settings->settings.tun
                                           : settings->settings.fuse)
                         : Value::Unknown(Type::Bool()));
  }
  if (settings && mode_known && Attr(config, "gpu").IsWhollyKnown()) {
    RenderedWorkspace rendered =
        Render(SpecFromValue(planned), settings->settings, std::nullopt, "");
    planned = std::move(planned).WithAttr("host_path_mounts",
                                          HostPathsValue(rendered.host_paths));
  } else {
    planned = std::move(planned).WithAttr(
        "host_path_mounts", Value::Unknown(Type::List(HostPathObjectType())));
  }
  if (settings && config.IsWhollyKnown()) {
    RenderedWorkspace rendered =
        Render(SpecFromValue(planned), settings->settings, std::nullopt, "");
    planned = std::move(planned).WithAttr(
        "pod_spec_hash", Value::String(PodHash(rendered, planned)));
  } else {
    planned = std::move(planned).WithAttr("pod_spec_hash",
                                          Value::Unknown(Type::String()));
  }
  return planned;
}

// Warns when an update recreates a running pod, or may (the settings
// change in the same apply).
void WarnAboutPodRecreation(const Value& config, const Value& prior,
                            const Value& planned, const WorkspaceSpec& spec,
                            Diagnostics* diags) {
  const std::optional<bool> running = BoolAttr(planned, "running");
  if (!prior.IsNull() && running.value_or(false) &&
      BoolAttr(prior, "running").value_or(false) &&
      Attr(planned, "pod_spec_hash").IsKnown() &&
      !Attr(planned, "pod_spec_hash")
           .EqualIgnoringRefinements(Attr(prior, "pod_spec_hash"))) {
    diags->AddWarning(
        "Workspace Pod Will Be Recreated",
        absl::StrCat("Pod ", spec.Id(),
                     " must be recreated to apply changes of: ",
                     ChangedArguments(prior, planned),
                     ". Kubernetes cannot change these in a running pod; the "
                     "home volume and the Secret are kept."));
  } else if (!prior.IsNull() && running.value_or(false) &&
             Attr(config, "cluster_settings_id").IsUnknown()) {
    diags->AddWarning(
        "Workspace Pod May Be Recreated",
        absl::StrCat(
            "The cluster settings of namespace ", spec.namespace_name,
            " change in this apply; if they change what the pod mounts or "
            "runs, pod ",
            spec.Id(),
            " is recreated (the home volume and the Secret are kept)."));
  }
}

}  // namespace

void PlanWorkspace(const CvmProvider& provider,
                   const framework::PlanRequest& request,
                   framework::PlanResponse* response) {
  const Value& config = request.config;
  const Value& prior = request.prior_state;
  Diagnostics* diags = &response->diagnostics;
  Value planned = response->planned_state;
  const WorkspaceSpec spec = SpecFromValue(planned);
  if (!prior.IsNull() && HomeShrinks(prior, planned, diags)) return;
  const bool names_known =
      Attr(planned, "name").IsKnown() && Attr(planned, "namespace").IsKnown();
  planned = PlanIdentity(config, spec, names_known, planned);

  // The namespace's cluster settings as they are now (`live`), for the
  // checks; none when the reference is not known yet (settings changed in
  // the same apply). The values they decide are planned from the settings
  // the last refresh or apply recorded, not from `live`: Terraform plans
  // again during apply, and a known value must come out the same however
  // the ConfigMap changed in between (apply then refuses, see
  // workspace_apply.cc). Except when this process wrote the settings this
  // workspace references: that is the plan during apply, after the
  // settings, of a workspace whose first plan left these values unknown. A
  // create has none recorded, so they are known after apply.
  std::optional<LoadedSettings> live;
  std::optional<LoadedSettings> recorded;
  if (!Attr(config, "cluster_settings_id").IsUnknown() && names_known &&
      provider.HasConnection()) {
    live = LoadSettings(provider, spec.namespace_name, diags);
    if (diags->HasError()) return;
    if (!prior.IsNull()) {
      recorded =
          !Attr(config, "cluster_settings_id").IsNull() &&
                  provider.SettingsWritten(spec.namespace_name)
              ? live
              : SettingsFromPrivate(request.prior_private, spec.namespace_name);
    }
  }
  if (prior.IsNull() && live) {
    WarnAboutAdoptedHome(provider, spec, diags);
  }
  planned = PlanFromSettings(config, recorded, planned);
  if (live && config.IsWhollyKnown()) {
    CheckAgainstSettings(provider, spec, *live, diags);
  }
  if (names_known && config.IsWhollyKnown() &&
      !Attr(config, "pod_overrides").IsNull()) {
    PlanPodOverrides(provider, config, prior, planned, live, diags);
  }
  planned = PlanLiveAttributes(prior, planned);
  WarnAboutPodRecreation(config, prior, planned, spec, diags);
  response->planned_state = planned;
}

Value PlanLiveAttributes(const Value& prior, Value planned) {
  // What the live pod will look like. A new pod (create, changed hash,
  // start, or a pod that is gone) has no node and phase yet; a pod that
  // stays keeps them unless apply will wait for it to change.
  const std::optional<bool> running = BoolAttr(planned, "running");
  const bool new_pod =
      prior.IsNull() ||
      !Attr(planned, "pod_spec_hash")
           .EqualIgnoringRefinements(Attr(prior, "pod_spec_hash")) ||
      BoolAttr(prior, "running") != std::optional<bool>(true);
  const bool prior_running_phase =
      StringAttr(prior, "phase") == std::optional<std::string>("Running");
  for (const char* name : kVolatileAttributes) {
    if (running == std::optional<bool>(false)) {
      planned = std::move(planned).WithAttr(
          name, Value::String(std::string(name) == "phase" ? "Stopped" : ""));
    } else if (new_pod || !running.has_value() ||
               (std::string(name) == "phase" && !prior_running_phase)) {
      planned =
          std::move(planned).WithAttr(name, Value::Unknown(Type::String()));
    } else {
      planned = std::move(planned).WithAttr(name, Attr(prior, name));
    }
  }
  // Nothing else changes: no apply runs, so the live values stay as read
  // (a pod still starting after wait_for_ready = false is no change).
  if (!prior.IsNull()) {
    Value same = planned;
    for (const char* name : kVolatileAttributes) {
      same = std::move(same).WithAttr(name, Attr(prior, name));
    }
    if (same.EqualIgnoringRefinements(prior)) planned = same;
  }
  return planned;
}

std::string ChangedArguments(const Value& prior, const Value& planned) {
  std::vector<std::string> changed;
  // Arguments that never reach the pod.
  auto skip = [](const std::string& name) {
    return name == "timeouts" || name == "wait_for_ready" ||
           name == "running" || name == "cluster_settings_id" || name == "home";
  };
  for (const schema::Attribute& a :
       WorkspaceResourceSchema().block.attributes) {
    if ((a.computed && !a.optional) || skip(a.name)) continue;
    if (!Attr(prior, a.name).EqualIgnoringRefinements(Attr(planned, a.name))) {
      changed.push_back(a.name);
    }
  }
  for (const schema::NestedBlock& b :
       WorkspaceResourceSchema().block.block_types) {
    if (skip(b.type_name)) continue;
    if (!Attr(prior, b.type_name)
             .EqualIgnoringRefinements(Attr(planned, b.type_name))) {
      changed.push_back(b.type_name);
    }
  }
  if (!Attr(prior, "host_path_mounts")
           .EqualIgnoringRefinements(Attr(planned, "host_path_mounts"))) {
    changed.push_back(
        "host_path_mounts (from the namespace's cluster settings)");
  }
  if (!Attr(prior, "agent_token_sha256")
           .EqualIgnoringRefinements(Attr(planned, "agent_token_sha256"))) {
    changed.push_back("agent_token");
  }
  return changed.empty() ? "the pod specification"
                         : absl::StrJoin(changed, ", ");
}

}  // namespace cvm::resources::workspace_internal
