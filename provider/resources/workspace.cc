// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/resources/workspace.h"

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "provider/framework/value_access.h"
#include "provider/kube/errors.h"
#include "provider/resources/provider.h"
#include "provider/resources/quantity.h"
#include "provider/resources/validators.h"
#include "provider/resources/workspace_model.h"
#include "provider/resources/workspace_schema.h"
#include "provider/resources/yaml.h"
#include "provider/values/json.h"

namespace cvm::resources {
namespace {

using framework::Attr;
using framework::BoolAttr;
using framework::Diagnostics;
using framework::StringAttr;
using values::Path;
using values::Type;
using values::Value;

constexpr char kTypeName[] = "cvm_workspace";

// Attributes that describe the live pod rather than the configuration.
constexpr const char* kVolatileAttributes[] = {"node_name", "phase"};

absl::Duration Timeout(const Value& object, const char* which, absl::Duration fallback) {
  if (auto text = StringAttr(Attr(object, "timeouts"), which)) {
    absl::StatusOr<double> seconds = ParseDurationSeconds(*text);
    if (seconds.ok()) return absl::Seconds(*seconds);
  }
  return fallback;
}

Value HostPathsValue(const std::vector<HostPathMount>& mounts) {
  std::vector<Value> items;
  for (const HostPathMount& m : mounts) {
    items.push_back(Value::Object(
        {{"path", Value::String(m.path)}, {"read_only", Value::Bool(m.read_only)}}));
  }
  return Value::List(HostPathObjectType(), std::move(items));
}

kube::ObjectRef PodRef(const WorkspaceSpec& s) { return {"v1", "Pod", s.namespace_name, s.PodName()}; }
kube::ObjectRef ClaimRef(const WorkspaceSpec& s) {
  return {"v1", "PersistentVolumeClaim", s.namespace_name, s.ClaimName()};
}
kube::ObjectRef SecretRef(const WorkspaceSpec& s) {
  return {"v1", "Secret", s.namespace_name, s.SecretName()};
}

std::string JsonString(const nlohmann::json& j, std::initializer_list<const char*> path) {
  const nlohmann::json* cur = &j;
  for (const char* key : path) {
    if (!cur->is_object()) return "";
    auto it = cur->find(key);
    if (it == cur->end()) return "";
    cur = &*it;
  }
  return cur->is_string() ? cur->get<std::string>() : "";
}

std::string ContainerImage(const nlohmann::json& pod) {
  if (!pod.contains("spec") || !pod["spec"].contains("containers")) return "";
  for (const nlohmann::json& c : pod["spec"]["containers"]) {
    if (c.is_object() && c.value("name", "") == "dev") return c.value("image", "");
  }
  return "";
}

// Returns true when the pod is Ready; an error when it can never become
// Ready (terminated) or waits on an image that cannot be pulled.
absl::StatusOr<bool> PodReady(const nlohmann::json& pod) {
  const std::string phase = JsonString(pod, {"status", "phase"});
  if (phase == "Failed" || phase == "Succeeded") {
    return absl::FailedPreconditionError(absl::StrCat(
        "the pod terminated (phase ", phase, ")",
        JsonString(pod, {"status", "message"}).empty()
            ? ""
            : absl::StrCat(": ", JsonString(pod, {"status", "message"}))));
  }
  if (pod.contains("status") && pod["status"].contains("conditions") &&
      pod["status"]["conditions"].is_array()) {
    for (const nlohmann::json& c : pod["status"]["conditions"]) {
      if (c.is_object() && c.value("type", "") == "Ready" && c.value("status", "") == "True") {
        return true;
      }
    }
  }
  return false;
}

// The config recorded on the claim, so an import restores the arguments:
// every non-computed value of `planned`, as state JSON.
std::string ConfigAnnotation(const Value& planned) {
  const schema::Block& block = WorkspaceResourceSchema().block;
  Value recorded = planned;
  for (const schema::Attribute& a : block.attributes) {
    if (a.computed && !a.optional) {
      recorded = recorded.WithAttr(a.name, Value::Null(a.ValueType()));
    }
  }
  // inner_hostname and tun/fuse are optional+computed; keep what was planned
  // when known.
  for (const char* name : {"inner_hostname", "tun", "fuse"}) {
    if (Attr(recorded, name).IsUnknown()) {
      recorded = recorded.WithAttr(name, Value::Null(Attr(recorded, name).type()));
    }
  }
  absl::StatusOr<std::string> json =
      values::EncodeJson(schema::Conform(block, recorded), block.ImpliedType());
  return json.ok() ? *json : "";
}

class WorkspaceResource final : public framework::Resource {
 public:
  explicit WorkspaceResource(const CvmProvider* provider) : provider_(provider) {}

  std::string TypeName() const override { return kTypeName; }
  const schema::Schema& GetSchema() const override { return WorkspaceResourceSchema(); }

  void ValidateConfig(const Value& config, Diagnostics* diags) override {
    ValidateWorkspaceConfig(config, diags);
  }

  void ModifyPlan(const framework::PlanRequest& request,
                  framework::PlanResponse* response) override {
    const Value& config = request.config;
    const Value& prior = request.prior_state;
    Value planned = response->planned_state;
    const WorkspaceSpec spec = SpecFromValue(planned);
    const bool names_known = Attr(planned, "name").IsKnown() &&
                             Attr(planned, "namespace").IsKnown();
    if (names_known) {
      planned = planned.WithAttr("id", Value::String(spec.Id()));
      planned = planned.WithAttr("pod_name", Value::String(spec.PodName()));
      planned = planned.WithAttr("home_claim_name", Value::String(spec.ClaimName()));
    }
    const Value& token = Attr(config, "agent_token");
    if (token.IsUnknown()) {
      planned = planned.WithAttr("agent_token_sha256", Value::Unknown(Type::String()));
      planned = planned.WithAttr("secret_name", Value::Unknown(Type::String()));
    } else if (token.IsNull()) {
      planned = planned.WithAttr("agent_token_sha256", Value::Null(Type::String()));
      planned = planned.WithAttr("secret_name", Value::Null(Type::String()));
    } else {
      planned = planned.WithAttr("agent_token_sha256",
                                 Value::String(Sha256Hex(token.AsString())));
      if (names_known) {
        planned = planned.WithAttr("secret_name", Value::String(spec.SecretName()));
      }
    }
    if (Attr(config, "inner_hostname").IsNull() && Attr(planned, "name").IsKnown()) {
      planned = planned.WithAttr("inner_hostname", Value::String(spec.name));
    }

    // The namespace's cluster settings: from the reference when it is not
    // known yet (settings created in the same apply), else from the cluster.
    std::optional<ClusterSettings> settings;
    bool settings_stored = false;
    if (!Attr(config, "cluster_settings_id").IsUnknown() && names_known &&
        provider_->HasConnection()) {
      settings = LoadSettings(spec.namespace_name, &settings_stored, &response->diagnostics);
      if (response->diagnostics.HasError()) return;
    }
    const bool mode_known = Attr(planned, "mode").IsKnown();
    for (const char* device : {"tun", "fuse"}) {
      if (!Attr(config, device).IsNull()) continue;
      planned = planned.WithAttr(
          device, settings ? Value::Bool(std::string(device) == "tun" ? settings->tun
                                                                      : settings->fuse)
                           : Value::Unknown(Type::Bool()));
    }
    if (settings && mode_known && Attr(config, "gpu").IsWhollyKnown()) {
      RenderedWorkspace rendered = Render(SpecFromValue(planned), *settings, std::nullopt, "");
      planned = planned.WithAttr("host_path_mounts", HostPathsValue(rendered.host_paths));
    } else {
      planned = planned.WithAttr("host_path_mounts",
                                 Value::Unknown(Type::List(HostPathObjectType())));
    }
    if (settings && config.IsWhollyKnown()) {
      RenderedWorkspace rendered = Render(SpecFromValue(planned), *settings, std::nullopt, "");
      planned = planned.WithAttr("pod_spec_hash",
                                 Value::String(PodHash(rendered, planned)));
      CheckAgainstSettings(spec, *settings, settings_stored, &response->diagnostics);
    } else {
      planned = planned.WithAttr("pod_spec_hash", Value::Unknown(Type::String()));
    }

    // What the live pod will look like.
    const std::optional<bool> running = BoolAttr(planned, "running");
    const bool pod_replaced =
        prior.IsNull() || !Attr(planned, "pod_spec_hash").EqualIgnoringRefinements(
                              Attr(prior, "pod_spec_hash")) ||
        BoolAttr(prior, "running") != running ||
        StringAttr(prior, "phase") != std::optional<std::string>("Running");
    for (const char* name : kVolatileAttributes) {
      if (running == std::optional<bool>(false)) {
        planned = planned.WithAttr(
            name, Value::String(std::string(name) == "phase" ? "Stopped" : ""));
      } else if (pod_replaced || !running.has_value()) {
        planned = planned.WithAttr(name, Value::Unknown(Type::String()));
      } else {
        planned = planned.WithAttr(name, Attr(prior, name));
      }
    }
    if (!prior.IsNull() && running.value_or(false) && BoolAttr(prior, "running").value_or(false) &&
        Attr(planned, "pod_spec_hash").IsKnown() &&
        !Attr(planned, "pod_spec_hash").EqualIgnoringRefinements(Attr(prior, "pod_spec_hash"))) {
      response->diagnostics.AddWarning(
          "Workspace Pod Will Be Recreated",
          absl::StrCat("Pod ", spec.Id(), " must be recreated to apply changes of: ",
                       ChangedArguments(prior, planned),
                       ". The home volume and the Secret are kept."));
    }
    response->planned_state = planned;
  }

  void Create(const framework::CreateRequest& request,
              framework::ApplyResponse* response) override {
    Connection conn;
    if (!provider_->GetConnection("Unable to Create Workspace", &conn,
                                  &response->diagnostics)) {
      response->new_state = Value::Null(GetSchema().ImpliedType());
      return;
    }
    const absl::Time deadline =
        absl::Now() + Timeout(request.planned_state, "create", absl::Minutes(10));
    ApplyWorkspace(conn, Value(), request.planned_state, request.config, deadline,
                   "Unable to Create Workspace", response);
  }

  void Update(const framework::UpdateRequest& request,
              framework::ApplyResponse* response) override {
    Connection conn;
    if (!provider_->GetConnection("Unable to Update Workspace", &conn,
                                  &response->diagnostics)) {
      response->new_state = request.prior_state;
      return;
    }
    const absl::Time deadline =
        absl::Now() + Timeout(request.planned_state, "update", absl::Minutes(10));
    ApplyWorkspace(conn, request.prior_state, request.planned_state, request.config,
                   deadline, "Unable to Update Workspace", response);
  }

  void Read(const framework::ReadRequest& request,
            framework::ReadResponse* response) override {
    Connection conn;
    if (!provider_->GetConnection("Unable to Read Workspace", &conn,
                                  &response->diagnostics)) {
      return;
    }
    Value state = request.current_state;
    WorkspaceSpec spec = SpecFromValue(state);
    const kube::RequestOptions opts{absl::Now() + absl::Minutes(2), conn.cancel.get()};
    absl::StatusOr<nlohmann::json> claim = conn.client->Get(ClaimRef(spec), opts);
    absl::StatusOr<nlohmann::json> pod = conn.client->Get(PodRef(spec), opts);
    for (const absl::Status& st : {claim.status(), pod.status()}) {
      if (!st.ok() && !absl::IsNotFound(st)) {
        response->diagnostics.AddStatus("Unable to Read Workspace", st);
        return;
      }
    }
    if (!claim.ok() && !pod.ok()) {
      response->new_state = Value::Null(GetSchema().ImpliedType());
      return;
    }
    if (Attr(state, "inner_image").IsNull() && claim.ok()) {
      // Imported: restore the arguments recorded on the claim.
      const std::string recorded =
          JsonString(*claim, {"metadata", "annotations", kConfigAnnotation});
      absl::StatusOr<Value> restored = values::DecodeJson(
          recorded, GetSchema().ImpliedType(), /*ignore_unknown_attributes=*/true);
      if (recorded.empty() || !restored.ok()) {
        response->diagnostics.AddError(
            "Unable to Import Workspace",
            absl::StrCat("PersistentVolumeClaim ", spec.ClaimName(),
                         " has no readable ", kConfigAnnotation,
                         " annotation; only workspaces created by this provider can "
                         "be imported."));
        return;
      }
      state = schema::Conform(GetSchema().block, *restored);
      spec = SpecFromValue(state);
    }
    if (claim.ok()) {
      const std::string size = JsonString(*claim, {"spec", "resources", "requests", "storage"});
      const Value& home = Attr(state, "home");
      if (home.IsKnown() && !size.empty() &&
          !QuantitiesEqual(size, StringAttr(home, "size").value_or(""))) {
        state = state.WithAttr("home", home.WithAttr("size", Value::String(size)));
      }
    }
    if (!pod.ok()) {
      // Deleted behind Terraform's back (or stopped): the plan shows it
      // coming back when running = true.
      state = state.WithAttr("running", Value::Bool(false));
      state = state.WithAttr("node_name", Value::String(""));
      state = state.WithAttr("phase", Value::String("Stopped"));
    } else {
      state = state.WithAttr("running", Value::Bool(true));
      state = state.WithAttr("node_name", Value::String(JsonString(*pod, {"spec", "nodeName"})));
      state = state.WithAttr("phase", Value::String(JsonString(*pod, {"status", "phase"})));
      state = state.WithAttr("host_path_mounts", HostPathsValue(HostPathsOfPod(*pod)));
      state = state.WithAttr(
          "pod_spec_hash",
          Value::String(JsonString(*pod, {"metadata", "annotations", kSpecHashAnnotation})));
      const std::string image = ContainerImage(*pod);
      if (!image.empty()) {
        state = state.WithAttr(spec.mode == "sysbox" ? "inner_image" : "image",
                               Value::String(image));
      }
    }
    if (!Attr(state, "secret_name").IsNull()) {
      absl::StatusOr<nlohmann::json> secret = conn.client->Get(SecretRef(spec), opts);
      if (absl::IsNotFound(secret.status())) {
        state = state.WithAttr("agent_token_sha256", Value::Null(Type::String()));
      } else if (!secret.ok()) {
        response->diagnostics.AddStatus("Unable to Read Workspace", secret.status());
        return;
      }
    }
    response->new_state = state;
  }

  void Delete(const framework::DeleteRequest& request,
              framework::DeleteResponse* response) override {
    Connection conn;
    if (!provider_->GetConnection("Unable to Delete Workspace", &conn,
                                  &response->diagnostics)) {
      return;
    }
    const WorkspaceSpec spec = SpecFromValue(request.prior_state);
    const absl::Time deadline =
        absl::Now() + Timeout(request.prior_state, "delete", absl::Minutes(5));
    std::vector<kube::ObjectRef> refs = {PodRef(spec), SecretRef(spec)};
    if (!spec.keep_home_on_destroy) refs.push_back(ClaimRef(spec));
    // Delete all first, then wait, so the objects go away in parallel.
    for (const kube::ObjectRef& ref : refs) {
      absl::Status st = conn.client->Delete(ref, {}, {deadline, conn.cancel.get()});
      if (!st.ok() && !absl::IsNotFound(st)) {
        response->diagnostics.AddStatus("Unable to Delete Workspace", st);
        return;
      }
    }
    for (const kube::ObjectRef& ref : refs) {
      absl::Status st = conn.client->WaitForDeletion(ref, deadline, conn.cancel.get());
      if (!st.ok()) {
        response->diagnostics.AddStatus("Unable to Delete Workspace", st);
        return;
      }
    }
  }

  void ImportState(const framework::ImportRequest& request,
                   framework::ImportResponse* response) override {
    std::vector<std::string> parts = absl::StrSplit(request.id, '/');
    if (parts.size() != 2 || !IsDnsLabel()(Value::String(parts[0])).ok() ||
        !IsDnsLabel(57)(Value::String(parts[1])).ok()) {
      response->diagnostics.AddError(
          "Invalid Import ID",
          absl::StrCat("Import cvm_workspace as namespace/name, e.g. "
                       "`terraform import cvm_workspace.dev coder/dev-1`; got \"",
                       request.id, "\"."));
      return;
    }
    response->state = Value::Object({{"id", Value::String(request.id)},
                                     {"namespace", Value::String(parts[0])},
                                     {"name", Value::String(parts[1])}});
  }

 private:
  // Reads the namespace's settings ConfigMap; defaults when there is none
  // (`*stored` false). Adds an error diagnostic for other failures.
  std::optional<ClusterSettings> LoadSettings(const std::string& ns, bool* stored,
                                              Diagnostics* diags) const {
    Connection conn;
    if (!provider_->GetConnection("Unable to Read Cluster Settings", &conn, diags)) {
      return std::nullopt;
    }
    absl::StatusOr<nlohmann::json> cm = conn.client->Get(
        {"v1", "ConfigMap", ns, kSettingsConfigMapName},
        {absl::Now() + absl::Minutes(1), conn.cancel.get()});
    if (absl::IsNotFound(cm.status())) {
      ClusterSettings defaults;
      defaults.namespace_name = ns;
      *stored = false;
      return defaults;
    }
    if (!cm.ok()) {
      diags->AddStatus("Unable to Read Cluster Settings", cm.status());
      return std::nullopt;
    }
    absl::StatusOr<ClusterSettings> s = SettingsFromConfigMap(*cm);
    if (!s.ok()) {
      diags->AddStatus("Unable to Read Cluster Settings", s.status());
      return std::nullopt;
    }
    s->namespace_name = ns;
    *stored = true;
    return *s;
  }

  // The pod hash also covers the agent token, whose change needs a new pod
  // to reach the workspace.
  static std::string PodHash(const RenderedWorkspace& rendered, const Value& planned) {
    const std::optional<std::string> token = StringAttr(planned, "agent_token_sha256");
    if (!token) return rendered.pod_spec_hash;
    return Sha256Hex(rendered.pod_spec_hash + *token).substr(0, 16);
  }

  static std::string ChangedArguments(const Value& prior, const Value& planned) {
    std::vector<std::string> changed;
    for (const schema::Attribute& a : WorkspaceResourceSchema().block.attributes) {
      if (a.computed && !a.optional) continue;
      if (!Attr(prior, a.name).EqualIgnoringRefinements(Attr(planned, a.name))) {
        changed.push_back(a.name);
      }
    }
    for (const schema::NestedBlock& b : WorkspaceResourceSchema().block.block_types) {
      if (!Attr(prior, b.type_name).EqualIgnoringRefinements(Attr(planned, b.type_name))) {
        changed.push_back(b.type_name);
      }
    }
    if (!Attr(prior, "host_path_mounts").EqualIgnoringRefinements(
            Attr(planned, "host_path_mounts"))) {
      changed.push_back("host_path_mounts (the namespace's cluster settings changed)");
    }
    if (!Attr(prior, "agent_token_sha256").EqualIgnoringRefinements(
            Attr(planned, "agent_token_sha256"))) {
      changed.push_back("agent_token");
    }
    return changed.empty() ? "the pod specification" : absl::StrJoin(changed, ", ");
  }

  // Plan-time rules that depend on the namespace's settings.
  void CheckAgainstSettings(const WorkspaceSpec& spec, const ClusterSettings& settings,
                            bool settings_stored, Diagnostics* diags) const {
    if (spec.gpu_count > 0) {
      if (settings.caching) {
        diags->AddAttributeError(
            Path::FromAttr("gpu"), "GPUs Are Not Supported With Caching",
            absl::StrCat("Namespace ", spec.namespace_name,
                         " uses cached CVMs, and GPUs are not supported with cached "
                         "CVMs. Remove the gpu block or turn caching off."));
      }
      if (settings.gpu_vendor != "nvidia") {
        diags->AddAttributeError(
            Path::FromAttr("gpu"), "GPUs Not Enabled for the Namespace",
            absl::StrCat("The cluster settings of namespace ", spec.namespace_name,
                         " have gpu_vendor = \"", settings.gpu_vendor,
                         "\". Set gpu_vendor = \"nvidia\" in its cvm_cluster_settings "
                         "(bare-metal clusters only)."));
      }
    }
    Connection conn;
    if (!provider_->GetConnection("Unable to Check Workspace", &conn, diags)) return;
    const kube::RequestOptions opts{absl::Now() + absl::Minutes(1), conn.cancel.get()};
    if (spec.mode == "envbox") {
      std::string level;
      if (settings_stored && settings.manage_namespace) {
        level = settings.pod_security;
      } else if (!settings_stored) {
        absl::StatusOr<nlohmann::json> ns =
            conn.client->Get({"v1", "Namespace", "", spec.namespace_name}, opts);
        if (absl::IsNotFound(ns.status())) {
          diags->AddAttributeError(
              Path::FromAttr("namespace"), "Namespace Not Found",
              absl::StrCat("Namespace ", spec.namespace_name,
                           " does not exist. Create it (or let a cvm_cluster_settings "
                           "with manage_namespace = true create it)."));
          return;
        }
        if (ns.ok()) level = JsonString(*ns, {"metadata", "labels", kPodSecurityEnforce});
      }
      if (level == "baseline" || level == "restricted") {
        diags->AddAttributeError(
            Path::FromAttr("mode"), "Namespace Forbids Privileged Pods",
            absl::StrCat("Namespace ", spec.namespace_name, " enforces Pod Security \"",
                         level, "\", which rejects the privileged pod and hostPath "
                         "volumes envbox needs. Label it pod-security.kubernetes.io/"
                         "enforce=privileged (cvm_cluster_settings with "
                         "manage_namespace = true does), or use mode = \"sysbox\"."));
      }
    } else {
      absl::StatusOr<nlohmann::json> rc = conn.client->Get(
          {"node.k8s.io/v1", "RuntimeClass", "", settings.runtime_class_name}, opts);
      if (absl::IsNotFound(rc.status())) {
        diags->AddAttributeError(
            Path::FromAttr("mode"), "Sysbox RuntimeClass Missing",
            absl::StrCat("sysbox mode needs the RuntimeClass ", settings.runtime_class_name,
                         ", which does not exist. Install Sysbox on the nodes "
                         "(sysbox-deploy-k8s) or set runtime_class.manage = true in "
                         "the namespace's cvm_cluster_settings."));
      } else if (!rc.ok()) {
        diags->AddStatus("Unable to Check Workspace", rc.status());
      }
    }
  }

  // Brings the cluster to `planned` (create when `prior` is null).
  void ApplyWorkspace(const Connection& conn, const Value& prior, const Value& planned,
                      const Value& config, absl::Time deadline, const char* summary,
                      framework::ApplyResponse* response) {
    Diagnostics* diags = &response->diagnostics;
    const WorkspaceSpec spec = SpecFromValue(planned);
    bool stored = false;
    std::optional<ClusterSettings> settings =
        LoadSettings(spec.namespace_name, &stored, diags);
    // Nothing exists yet on a failed create; on update the prior objects do.
    Value state = prior.IsNull() ? Value::Null(GetSchema().ImpliedType()) : prior;
    auto fail = [&]() { response->new_state = state; };
    if (!settings) return fail();
    const Value& token = Attr(config, "agent_token");
    std::optional<std::string> token_text;
    if (token.IsKnown()) token_text = token.AsString();
    RenderedWorkspace rendered =
        Render(spec, *settings, token_text, ConfigAnnotation(planned));
    const Value planned_mounts = Attr(planned, "host_path_mounts");
    if (planned_mounts.IsWhollyKnown() &&
        planned_mounts != HostPathsValue(rendered.host_paths)) {
      diags->AddError(summary,
                      absl::StrCat("The cluster settings of namespace ", spec.namespace_name,
                                   " changed between plan and apply; run terraform "
                                   "plan again."));
      return fail();
    }
    const std::string pod_hash = PodHash(rendered, planned);
    if (rendered.pod.is_object()) {
      rendered.pod["metadata"]["annotations"][kSpecHashAnnotation] = pod_hash;
    }
    const kube::RequestOptions opts{deadline, conn.cancel.get()};
    const kube::ApplyOptions apply{conn.field_manager, conn.force_conflicts, false};

    // What exists is recorded as we go, so a failure leaves a state that
    // still names every object.
    state = planned.WithAttr("node_name", Value::String(""))
                .WithAttr("phase", Value::String("Pending"))
                .WithAttr("pod_spec_hash", Value::String(pod_hash))
                .WithAttr("host_path_mounts", HostPathsValue(rendered.host_paths));
    if (!spec.has_agent_token && !prior.IsNull() && !Attr(prior, "secret_name").IsNull()) {
      absl::Status st = conn.client->Delete(SecretRef(spec), {}, opts);
      if (!st.ok() && !absl::IsNotFound(st)) {
        diags->AddStatus(summary, st);
        return fail();
      }
    }
    if (rendered.secret.is_object()) {
      absl::StatusOr<nlohmann::json> st = conn.client->Apply(rendered.secret, apply, opts);
      if (!st.ok()) {
        diags->AddStatus(summary, st.status());
        return fail();
      }
    }
    absl::StatusOr<nlohmann::json> claim = conn.client->Apply(rendered.claim, apply, opts);
    if (!claim.ok()) {
      diags->AddStatus(summary, claim.status());
      return fail();
    }
    absl::StatusOr<nlohmann::json> live = conn.client->Get(PodRef(spec), opts);
    if (!live.ok() && !absl::IsNotFound(live.status())) {
      diags->AddStatus(summary, live.status());
      return fail();
    }
    const bool replace =
        live.ok() && (!spec.running ||
                      JsonString(*live, {"metadata", "annotations", kSpecHashAnnotation}) !=
                          pod_hash ||
                      !JsonString(*live, {"metadata", "deletionTimestamp"}).empty());
    if (replace) {
      kube::DeleteOptions only_this_pod;
      only_this_pod.uid = JsonString(*live, {"metadata", "uid"});
      absl::Status st = conn.client->Delete(PodRef(spec), only_this_pod, opts);
      if (!st.ok() && !absl::IsNotFound(st)) {
        diags->AddStatus(summary, st);
        return fail();
      }
      st = conn.client->WaitForDeletion(PodRef(spec), deadline, conn.cancel.get());
      if (!st.ok()) {
        diags->AddStatus(summary, st);
        return fail();
      }
    }
    if (!spec.running) {
      state = state.WithAttr("node_name", Value::String(""))
                  .WithAttr("phase", Value::String("Stopped"));
      response->new_state = state;
      return;
    }
    absl::StatusOr<nlohmann::json> pod = conn.client->Apply(rendered.pod, apply, opts);
    if (!pod.ok()) {
      diags->AddStatus(summary, pod.status());
      return fail();
    }
    state = state.WithAttr("node_name", Value::String(JsonString(*pod, {"spec", "nodeName"})))
                .WithAttr("phase", Value::String(JsonString(*pod, {"status", "phase"})));
    if (spec.wait_for_ready) {
      absl::StatusOr<nlohmann::json> ready =
          conn.client->WaitFor(PodRef(spec), PodReady, deadline, conn.cancel.get());
      if (!ready.ok()) {
        diags->AddError(summary, WaitFailure(conn, spec, ready.status()));
        absl::StatusOr<nlohmann::json> now = conn.client->Get(PodRef(spec), {});
        if (now.ok()) {
          state = state.WithAttr("node_name",
                                 Value::String(JsonString(*now, {"spec", "nodeName"})))
                      .WithAttr("phase", Value::String(JsonString(*now, {"status", "phase"})));
        }
        return fail();
      }
      pod = ready;
    }
    response->new_state =
        state.WithAttr("node_name", Value::String(JsonString(*pod, {"spec", "nodeName"})))
            .WithAttr("phase", Value::String(JsonString(*pod, {"status", "phase"}).empty()
                                                 ? "Pending"
                                                 : JsonString(*pod, {"status", "phase"})));
  }

  // The error of a failed wait, with the pod's last Warning events.
  static std::string WaitFailure(const Connection& conn, const WorkspaceSpec& spec,
                                 const absl::Status& status) {
    std::string text = absl::StrCat("Pod ", spec.Id(), " did not become Ready: ",
                                    status.message());
    absl::StatusOr<std::vector<kube::Event>> events =
        conn.client->Events(PodRef(spec), {absl::Now() + absl::Seconds(10), nullptr});
    if (events.ok()) {
      std::vector<kube::Event> warnings = kube::FilterEvents(*events, "Warning");
      if (!warnings.empty()) {
        absl::StrAppend(&text, "\nLast warning events:");
        const size_t first = warnings.size() > 3 ? warnings.size() - 3 : 0;
        for (size_t i = first; i < warnings.size(); ++i) {
          absl::StrAppend(&text, "\n  ", kube::FormatEvent(warnings[i]));
        }
      }
    }
    absl::StrAppend(&text, "\nThe workspace's objects exist and are recorded in the "
                           "state; fix the cause and apply again.");
    return text;
  }

  const CvmProvider* provider_;
};

class WorkspaceManifestDataSource final : public framework::DataSource {
 public:
  explicit WorkspaceManifestDataSource(const CvmProvider*) {}
  std::string TypeName() const override { return "cvm_workspace_manifest"; }
  const schema::Schema& GetSchema() const override { return WorkspaceManifestSchema(); }

  void ValidateConfig(const Value& config, Diagnostics* diags) override {
    ValidateWorkspaceConfig(config, diags);
  }

  void Read(const framework::DataReadRequest& request,
            framework::DataReadResponse* response) override {
    Value state = schema::Conform(GetSchema().block, request.config);
    // Defaults of optional attributes (data sources get no plan).
    for (const schema::Attribute& a : GetSchema().block.attributes) {
      if (a.default_value && Attr(state, a.name).IsNull()) {
        state = state.WithAttr(a.name, *a.default_value);
      }
    }
    WorkspaceSpec spec = SpecFromValue(state);
    spec.has_agent_token = BoolAttr(state, "agent_token_secret").value_or(true);
    ClusterSettings settings;
    settings.namespace_name = spec.namespace_name;
    const Value& cs = Attr(state, "cluster_settings");
    settings.caching = BoolAttr(cs, "caching").value_or(false);
    settings.auto_load_shiftfs = BoolAttr(cs, "auto_load_shiftfs").value_or(false);
    settings.docker_bridge_cidr =
        StringAttr(cs, "docker_bridge_cidr").value_or(kDefaultBridgeCidr);
    settings.runtime_class_name =
        StringAttr(cs, "runtime_class_name").value_or(kDefaultRuntimeClass);
    settings.tun = BoolAttr(cs, "tun").value_or(false);
    settings.fuse = BoolAttr(cs, "fuse").value_or(false);
    if (settings.auto_load_shiftfs && !settings.caching) {
      response->diagnostics.AddAttributeError(
          Path::FromAttr("cluster_settings").Attr("auto_load_shiftfs"),
          "auto_load_shiftfs Requires Caching",
          "shiftfs is only auto-loaded for cached CVMs; set caching = true.");
      return;
    }
    RenderedWorkspace rendered = Render(spec, settings, std::nullopt, "");
    if (rendered.pod.is_object()) {
      rendered.pod["metadata"]["annotations"][kSpecHashAnnotation] = rendered.pod_spec_hash;
    }
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
    state = state.WithAttr("yaml", Value::String(yaml));
    state = state.WithAttr("json", Value::String(array.dump(2)));
    state = state.WithAttr("pod_yaml", Value::String(rendered.pod.is_object()
                                                         ? ToYaml(rendered.pod)
                                                         : ""));
    state = state.WithAttr("objects", framework::StringList(compact));
    state = state.WithAttr("host_path_mounts", HostPathsValue(rendered.host_paths));
    if (Attr(state, "inner_hostname").IsNull()) {
      state = state.WithAttr("inner_hostname", Value::String(spec.name));
    }
    for (const char* device : {"tun", "fuse"}) {
      if (Attr(state, device).IsNull()) {
        state = state.WithAttr(device, Value::Bool(std::string(device) == "tun"
                                                       ? settings.tun
                                                       : settings.fuse));
      }
    }
    response->state = state;
  }
};

}  // namespace

std::unique_ptr<framework::Resource> NewWorkspaceResource(const CvmProvider* provider) {
  return std::make_unique<WorkspaceResource>(provider);
}

std::unique_ptr<framework::DataSource> NewWorkspaceManifestDataSource(
    const CvmProvider* provider) {
  return std::make_unique<WorkspaceManifestDataSource>(provider);
}

}  // namespace cvm::resources
