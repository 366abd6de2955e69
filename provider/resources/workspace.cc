// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/resources/workspace.h"

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "provider/framework/timeouts.h"
#include "provider/framework/value_access.h"
#include "provider/kube/errors.h"
#include "provider/resources/cluster_probe.h"
#include "provider/resources/provider.h"
#include "provider/resources/quantity.h"
#include "provider/resources/json_access.h"
#include "provider/resources/pod_status.h"
#include "provider/resources/validators.h"
#include "provider/resources/workspace_model.h"
#include "provider/resources/workspace_schema.h"
#include "provider/resources/yaml.h"
#include "provider/values/json.h"
#include "provider/values/path.h"

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

// The namespace's settings as read at plan or apply time.
struct LoadedSettings {
  ClusterSettings settings;
  bool stored = false;   // false: no ConfigMap, the defaults
  std::string platform;  // ConfigMap key "platform" when recorded there
};

kube::ObjectRef PodRef(const WorkspaceSpec& s) {
  return {"v1", "Pod", s.namespace_name, s.PodName()};
}
kube::ObjectRef ClaimRef(const WorkspaceSpec& s) {
  return {"v1", "PersistentVolumeClaim", s.namespace_name, s.ClaimName()};
}
kube::ObjectRef SecretRef(const WorkspaceSpec& s) {
  return {"v1", "Secret", s.namespace_name, s.SecretName()};
}

std::string ContainerImage(const nlohmann::json& pod) {
  for (const nlohmann::json& c : ArrayAt(ObjectAt(pod, "spec"), "containers")) {
    if (StringAt(c, {"name"}) == "dev") return StringAt(c, {"image"});
  }
  return "";
}

// The map attribute `name` of `state` with each of its keys valued as the
// live object has it (keys gone there removed), so a label or annotation
// changed behind Terraform's back shows in the plan. Keys in `ours` are the
// provider's own and always win over the configuration; they are skipped.
Value MapDrift(const Value& state, const char* name, const nlohmann::json& live,
               std::initializer_list<const char*> ours) {
  const std::optional<std::map<std::string, std::string>> mine =
      framework::StringMapAttr(state, name);
  if (!mine || mine->empty()) return Attr(state, name);
  std::map<std::string, std::string> seen;
  bool changed = false;
  for (const auto& [key, value] : *mine) {
    bool own = false;
    for (const char* o : ours) own = own || key == o;
    if (own) {
      seen[key] = value;
      continue;
    }
    auto it = live.find(key);
    if (it == live.end() || !it->is_string()) {
      changed = true;
      continue;
    }
    if (it->get<std::string>() != value) changed = true;
    seen[key] = it->get<std::string>();
  }
  return changed ? framework::StringMap(seen) : Attr(state, name);
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
      recorded =
          recorded.WithAttr(name, Value::Null(Attr(recorded, name).type()));
    }
  }
  absl::StatusOr<std::string> json =
      values::EncodeJson(schema::Conform(block, recorded), block.ImpliedType());
  // The pod's annotations may take up to the 256 KiB Kubernetes allows on
  // one object, and they would not fit on the claim a second time: a large
  // set is left out (an import then reads them back as drift from the pod).
  constexpr size_t kMaxRecordedBytes = 64 * 1024;
  if (json.ok() && json->size() > kMaxRecordedBytes) {
    recorded = recorded.WithAttr(
        "annotations", Value::Null(Attr(recorded, "annotations").type()));
    json = values::EncodeJson(schema::Conform(block, recorded),
                              block.ImpliedType());
  }
  return json.ok() ? *json : "";
}


class WorkspaceResource final : public framework::Resource {
 public:
  explicit WorkspaceResource(const CvmProvider* provider)
      : provider_(provider) {}

  std::string TypeName() const override { return kTypeName; }
  const schema::Schema& GetSchema() const override {
    return WorkspaceResourceSchema();
  }

  // `diags` already holds the attribute validators' findings.
  void ValidateConfig(const Value& config, Diagnostics* diags) override {
    ValidateWorkspaceConfig(config, diags);
  }

  void ModifyPlan(const framework::PlanRequest& request,
                  framework::PlanResponse* response) override {
    const Value& config = request.config;
    const Value& prior = request.prior_state;
    Value planned = response->planned_state;
    const WorkspaceSpec spec = SpecFromValue(planned);
    if (!prior.IsNull()) {
      const std::optional<std::string> before =
          StringAttr(Attr(prior, "home"), "size");
      const std::optional<std::string> after =
          StringAttr(Attr(planned, "home"), "size");
      absl::StatusOr<long double> old_bytes =
          ParseQuantity(before.value_or(""));
      absl::StatusOr<long double> new_bytes = ParseQuantity(after.value_or(""));
      if (before && after && old_bytes.ok() && new_bytes.ok() &&
          *new_bytes < *old_bytes) {
        response->diagnostics.AddAttributeError(
            values::Path().Attr("home").Attr("size"),
            "Home Volume Cannot Shrink",
            absl::StrCat(
                "Kubernetes cannot make a claim smaller: home.size is ",
                *before, " and cannot become ", *after,
                ". Keep the size, or recreate the workspace (which "
                "deletes its home volume)."));
        return;
      }
    }
    const bool names_known =
        Attr(planned, "name").IsKnown() && Attr(planned, "namespace").IsKnown();
    if (names_known) {
      planned = planned.WithAttr("id", Value::String(spec.Id()));
      planned = planned.WithAttr("pod_name", Value::String(spec.PodName()));
      planned =
          planned.WithAttr("home_claim_name", Value::String(spec.ClaimName()));
    }
    const Value& token = Attr(config, "agent_token");
    if (token.IsUnknown()) {
      planned = planned.WithAttr("agent_token_sha256",
                                 Value::Unknown(Type::String()));
      planned = planned.WithAttr("secret_name", Value::Unknown(Type::String()));
    } else if (token.IsNull()) {
      planned =
          planned.WithAttr("agent_token_sha256", Value::Null(Type::String()));
      planned = planned.WithAttr("secret_name", Value::Null(Type::String()));
    } else {
      planned = planned.WithAttr("agent_token_sha256",
                                 Value::String(Sha256Hex(token.AsString())));
      if (names_known) {
        planned =
            planned.WithAttr("secret_name", Value::String(spec.SecretName()));
      }
    }
    if (Attr(config, "inner_hostname").IsNull() &&
        Attr(planned, "name").IsKnown()) {
      planned = planned.WithAttr("inner_hostname", Value::String(spec.name));
    }

    // The namespace's cluster settings: from the reference when it is not
    // known yet (settings created in the same apply), else from the cluster.
    std::optional<LoadedSettings> settings;
    if (!Attr(config, "cluster_settings_id").IsUnknown() && names_known &&
        provider_->HasConnection()) {
      settings = LoadSettings(spec.namespace_name, &response->diagnostics);
      if (response->diagnostics.HasError()) return;
    }
    if (prior.IsNull() && settings) {
      WarnAboutAdoptedHome(spec, &response->diagnostics);
    }
    const bool mode_known = Attr(planned, "mode").IsKnown();
    for (const char* device : {"tun", "fuse"}) {
      if (!Attr(config, device).IsNull()) continue;
      planned = planned.WithAttr(
          device, settings ? Value::Bool(std::string(device) == "tun"
                                             ? settings->settings.tun
                                             : settings->settings.fuse)
                           : Value::Unknown(Type::Bool()));
    }
    if (settings && mode_known && Attr(config, "gpu").IsWhollyKnown()) {
      RenderedWorkspace rendered =
          Render(SpecFromValue(planned), settings->settings, std::nullopt, "");
      planned = planned.WithAttr("host_path_mounts",
                                 HostPathsValue(rendered.host_paths));
    } else {
      planned = planned.WithAttr(
          "host_path_mounts", Value::Unknown(Type::List(HostPathObjectType())));
    }
    if (settings && config.IsWhollyKnown()) {
      RenderedWorkspace rendered =
          Render(SpecFromValue(planned), settings->settings, std::nullopt, "");
      planned = planned.WithAttr("pod_spec_hash",
                                 Value::String(PodHash(rendered, planned)));
      CheckAgainstSettings(spec, *settings, &response->diagnostics);
    } else {
      planned =
          planned.WithAttr("pod_spec_hash", Value::Unknown(Type::String()));
    }

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
        planned = planned.WithAttr(
            name, Value::String(std::string(name) == "phase" ? "Stopped" : ""));
      } else if (new_pod || !running.has_value() ||
                 (std::string(name) == "phase" && !prior_running_phase)) {
        planned = planned.WithAttr(name, Value::Unknown(Type::String()));
      } else {
        planned = planned.WithAttr(name, Attr(prior, name));
      }
    }
    // Nothing else changes: no apply runs, so the live values stay as read
    // (a pod still starting after wait_for_ready = false is no change).
    if (!prior.IsNull()) {
      Value same = planned;
      for (const char* name : kVolatileAttributes) {
        same = same.WithAttr(name, Attr(prior, name));
      }
      if (same.EqualIgnoringRefinements(prior)) planned = same;
    }
    if (!prior.IsNull() && running.value_or(false) &&
        BoolAttr(prior, "running").value_or(false) &&
        Attr(planned, "pod_spec_hash").IsKnown() &&
        !Attr(planned, "pod_spec_hash")
             .EqualIgnoringRefinements(Attr(prior, "pod_spec_hash"))) {
      response->diagnostics.AddWarning(
          "Workspace Pod Will Be Recreated",
          absl::StrCat("Pod ", spec.Id(),
                       " must be recreated to apply changes of: ",
                       ChangedArguments(prior, planned),
                       ". Kubernetes cannot change these in a running pod; the "
                       "home volume and the Secret are kept."));
    } else if (!prior.IsNull() && running.value_or(false) &&
               Attr(config, "cluster_settings_id").IsUnknown()) {
      response->diagnostics.AddWarning(
          "Workspace Pod May Be Recreated",
          absl::StrCat(
              "The cluster settings of namespace ", spec.namespace_name,
              " change in this apply; if they change what the pod mounts or "
              "runs, pod ",
              spec.Id(),
              " is recreated (the home volume and the Secret are kept)."));
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
        provider_->clock()->Now() +
        framework::TimeoutOf(request.planned_state, "create", absl::Minutes(10));
    ApplyWorkspace(conn, Value(), request.planned_state, request.config,
                   deadline, "Unable to Create Workspace", response);
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
        provider_->clock()->Now() +
        framework::TimeoutOf(request.planned_state, "update", absl::Minutes(10));
    ApplyWorkspace(conn, request.prior_state, request.planned_state,
                   request.config, deadline, "Unable to Update Workspace",
                   response);
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
    const kube::RequestOptions opts{provider_->clock()->Now() + absl::Minutes(2),
                                    conn.cancel.get()};
    absl::StatusOr<nlohmann::json> claim =
        conn.client->Get(ClaimRef(spec), opts);
    absl::StatusOr<nlohmann::json> pod = conn.client->Get(PodRef(spec), opts);
    absl::StatusOr<nlohmann::json> secret =
        conn.client->Get(SecretRef(spec), opts);
    for (const absl::Status& st :
         {claim.status(), pod.status(), secret.status()}) {
      if (!st.ok() && !absl::IsNotFound(st)) {
        response->diagnostics.AddStatus("Unable to Read Workspace", st);
        return;
      }
    }
    if (!claim.ok() && !pod.ok()) {
      response->new_state = Value::Null(GetSchema().ImpliedType());
      return;
    }
    const bool imported = Attr(state, "inner_image").IsNull();
    if (imported) {
      // Imported: restore the arguments recorded on the claim.
      const std::string recorded =
          claim.ok() ? StringAt(*claim, {"metadata", "annotations",
                                           kConfigAnnotation})
                     : "";
      absl::StatusOr<Value> restored =
          values::DecodeJson(recorded, GetSchema().ImpliedType(),
                             /*ignore_unknown_attributes=*/true);
      if (recorded.empty() || !restored.ok()) {
        response->diagnostics.AddError(
            "Unable to Import Workspace",
            absl::StrCat(
                "PersistentVolumeClaim ", spec.ClaimName(), " in namespace ",
                spec.namespace_name,
                claim.ok() ? " has no readable " : " (with its ",
                kConfigAnnotation,
                claim.ok() ? " annotation" : " annotation) does not exist",
                "; only workspaces created by this provider can be imported."));
        return;
      }
      state = schema::Conform(GetSchema().block, *restored);
      spec = SpecFromValue(state);
    }
    state = state.WithAttr("id", Value::String(spec.Id()))
                .WithAttr("pod_name", Value::String(spec.PodName()))
                .WithAttr("home_claim_name", Value::String(spec.ClaimName()));
    // The token's hash as the Secret holds it: a Secret edited or deleted
    // behind Terraform's back shows in the plan.
    if (secret.ok()) {
      std::string token;
      absl::Base64Unescape(StringAt(*secret, {"data", kAgentTokenKey}),
                           &token);
      state =
          state.WithAttr("agent_token_sha256", Value::String(Sha256Hex(token)))
              .WithAttr("secret_name", Value::String(spec.SecretName()));
    } else {
      state = state.WithAttr("agent_token_sha256", Value::Null(Type::String()))
                  .WithAttr("secret_name", Value::Null(Type::String()));
    }
    if (claim.ok()) {
      const std::string size =
          StringAt(*claim, {"spec", "resources", "requests", "storage"});
      const Value& home = Attr(state, "home");
      if (home.IsKnown() && !size.empty() &&
          !QuantitiesEqual(size, StringAttr(home, "size").value_or(""))) {
        state =
            state.WithAttr("home", home.WithAttr("size", Value::String(size)));
      }
    }
    if (!pod.ok() || PodTerminated(*pod) || Terminating(*pod)) {
      // Stopped, or deleted or terminated behind Terraform's back: the plan
      // shows the pod coming back when running = true.
      state = state.WithAttr("running", Value::Bool(false))
                  .WithAttr("node_name", Value::String(""))
                  .WithAttr("phase", Value::String("Stopped"));
      if (imported) {
        // What a new pod would get (the hash only needs to be stable).
        std::optional<LoadedSettings> loaded =
            LoadSettings(spec.namespace_name, &response->diagnostics);
        if (!loaded) return;
        // From the state as restored, with the token's hash.
        WorkspaceSpec running_spec = SpecFromValue(state);
        running_spec.running = true;
        RenderedWorkspace rendered =
            Render(running_spec, loaded->settings, std::nullopt, "");
        state = state
                    .WithAttr("host_path_mounts",
                              HostPathsValue(rendered.host_paths))
                    .WithAttr("pod_spec_hash",
                              Value::String(PodHash(rendered, state)));
      }
    } else {
      const nlohmann::json& metadata = ObjectAt(*pod, "metadata");
      state =
          state.WithAttr("running", Value::Bool(true))
              .WithAttr("node_name",
                        Value::String(StringAt(*pod, {"spec", "nodeName"})))
              .WithAttr("phase",
                        Value::String(StringAt(*pod, {"status", "phase"})))
              .WithAttr("host_path_mounts",
                        HostPathsValue(HostPathsOfPod(*pod)))
              .WithAttr("pod_spec_hash",
                        Value::String(StringAt(
                            metadata, {"annotations", kSpecHashAnnotation})))
              .WithAttr(
                  "labels",
                  MapDrift(state, "labels", ObjectAt(metadata, "labels"),
                           {kManagedByLabel, kComponentLabel, kWorkspaceLabel}))
              .WithAttr("annotations",
                        MapDrift(state, "annotations",
                                 ObjectAt(metadata, "annotations"),
                                 {kSpecHashAnnotation, kCrioUsernsAnnotation}));
      const std::string image = ContainerImage(*pod);
      if (!image.empty()) {
        state = state.WithAttr(spec.mode == "sysbox" ? "inner_image" : "image",
                               Value::String(image));
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
        provider_->clock()->Now() + framework::TimeoutOf(request.prior_state, "delete", absl::Minutes(5));
    std::vector<kube::ObjectRef> refs = {PodRef(spec), SecretRef(spec)};
    if (!spec.keep_home_on_destroy) refs.push_back(ClaimRef(spec));
    // Delete all first, then wait, so the objects go away in parallel. The
    // answers say what is still there: no read before the waits.
    std::vector<nlohmann::json> answers;
    for (const kube::ObjectRef& ref : refs) {
      absl::StatusOr<nlohmann::json> answer =
          conn.client->Delete(ref, {}, {deadline, conn.cancel.get()});
      if (!answer.ok() && !absl::IsNotFound(answer.status())) {
        response->diagnostics.AddStatus("Unable to Delete Workspace",
                                        answer.status());
        return;
      }
      answers.push_back(answer.ok() ? *std::move(answer) : nullptr);
    }
    for (size_t i = 0; i < refs.size(); ++i) {
      absl::Status st = conn.client->WaitForDeletion(
          refs[i], deadline, conn.cancel.get(), answers[i]);
      if (!st.ok()) {
        response->diagnostics.AddStatus("Unable to Delete Workspace", st);
        return;
      }
    }
    // A claim already gone (deleted by hand) is not recreated by the apply.
    if (spec.keep_home_on_destroy &&
        conn.client->Get(ClaimRef(spec), {deadline, conn.cancel.get()}).ok()) {
      // The kept claim no longer belongs to a workspace, so it does not keep
      // the namespace's cluster settings from being destroyed. A separate
      // field manager takes just this label; the claim's spec is untouched.
      nlohmann::json relabel = {
          {"apiVersion", "v1"},
          {"kind", "PersistentVolumeClaim"},
          {"metadata",
           {{"name", spec.ClaimName()},
            {"namespace", spec.namespace_name},
            {"labels", {{kComponentLabel, kRetainedHomeComponent}}}}}};
      absl::StatusOr<nlohmann::json> st = conn.client->Apply(
          relabel, {conn.field_manager + "-retain", /*force=*/true, false},
          {deadline, conn.cancel.get()});
      if (!st.ok() && !absl::IsNotFound(st.status())) {
        response->diagnostics.AddStatus("Unable to Delete Workspace",
                                        st.status());
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
          absl::StrCat(
              "Import cvm_workspace as namespace/name, e.g. "
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
  // (`stored` false). Adds an error diagnostic for other failures.
  std::optional<LoadedSettings> LoadSettings(const std::string& ns,
                                             Diagnostics* diags) const {
    Connection conn;
    if (!provider_->GetConnection("Unable to Read Cluster Settings", &conn,
                                  diags)) {
      return std::nullopt;
    }
    absl::StatusOr<nlohmann::json> cm =
        conn.CachedGet({"v1", "ConfigMap", ns, kSettingsConfigMapName},
                       {provider_->clock()->Now() + absl::Minutes(1), conn.cancel.get()});
    LoadedSettings out;
    out.settings.namespace_name = ns;
    if (absl::IsNotFound(cm.status())) return out;
    if (!cm.ok()) {
      diags->AddStatus("Unable to Read Cluster Settings", cm.status());
      return std::nullopt;
    }
    absl::StatusOr<ClusterSettings> s = SettingsFromConfigMap(*cm);
    if (!s.ok()) {
      diags->AddStatus("Unable to Read Cluster Settings", s.status());
      return std::nullopt;
    }
    out.settings = *s;
    out.settings.namespace_name = ns;
    out.stored = true;
    out.platform = StringAt(*cm, {"data", "platform"});
    return out;
  }

  // A create whose home claim exists already: left by an apply that was
  // interrupted before it could record the workspace, or kept by
  // home.keep_on_destroy when a workspace of this name was destroyed. The
  // plan says so, since the apply adopts (server-side applies) what exists
  // rather than making new objects. One LIST of the namespace's claims per
  // process and kSharedObjectCacheTtl, however many workspaces are planned;
  // a failed LIST only loses the hint.
  void WarnAboutAdoptedHome(const WorkspaceSpec& spec,
                            Diagnostics* diags) const {
    Connection conn;
    Diagnostics ignored;
    if (!provider_->GetConnection("", &conn, &ignored)) return;
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
              {provider_->clock()->Now() + absl::Minutes(1), conn.cancel.get()});
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

  // The pod hash also covers the agent token, whose change needs a new pod
  // to reach the workspace.
  static std::string PodHash(const RenderedWorkspace& rendered,
                             const Value& planned) {
    const std::optional<std::string> token =
        StringAttr(planned, "agent_token_sha256");
    if (!token) return rendered.pod_spec_hash;
    return Sha256Hex(rendered.pod_spec_hash + *token).substr(0, 16);
  }

  static std::string ChangedArguments(const Value& prior,
                                      const Value& planned) {
    std::vector<std::string> changed;
    // Arguments that never reach the pod.
    auto skip = [](const std::string& name) {
      return name == "timeouts" || name == "wait_for_ready" ||
             name == "running" || name == "cluster_settings_id" ||
             name == "home";
    };
    for (const schema::Attribute& a :
         WorkspaceResourceSchema().block.attributes) {
      if ((a.computed && !a.optional) || skip(a.name)) continue;
      if (!Attr(prior, a.name)
               .EqualIgnoringRefinements(Attr(planned, a.name))) {
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

  // Plan-time rules that depend on the namespace's settings and on the
  // cluster. API calls: the Namespace (unless the settings manage its Pod
  // Security level), the RuntimeClass in sysbox mode, and for GPU
  // workspaces the nodes when the settings do not record the platform.
  void CheckAgainstSettings(const WorkspaceSpec& spec,
                            const LoadedSettings& loaded,
                            Diagnostics* diags) const {
    const ClusterSettings& settings = loaded.settings;
    Connection conn;
    if (!provider_->GetConnection("Unable to Check Workspace", &conn, diags))
      return;
    const kube::RequestOptions opts{provider_->clock()->Now() + absl::Minutes(1),
                                    conn.cancel.get()};
    if (spec.gpu_count > 0) {
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
    // The Pod Security level enforced on the namespace.
    std::string level;
    if (loaded.stored && settings.manage_namespace) {
      level = settings.pod_security;
    } else {
      absl::StatusOr<nlohmann::json> ns =
          conn.CachedGet({"v1", "Namespace", "", spec.namespace_name}, opts);
      if (absl::IsNotFound(ns.status())) {
        diags->AddAttributeError(
            Path::FromAttr("namespace"), "Namespace Not Found",
            absl::StrCat(
                "Namespace ", spec.namespace_name,
                " does not exist. Create it (or let a cvm_cluster_settings "
                "with manage_namespace = true create it, and set "
                "cluster_settings_id to its id)."));
        return;
      }
      // Unreadable (no permission): the API server decides at apply.
      if (ns.ok())
        level = StringAt(*ns, {"metadata", "labels", kPodSecurityEnforce});
    }
    if (spec.mode == "envbox") {
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
      return;
    }
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
              "sysbox mode needs the RuntimeClass ",
              settings.runtime_class_name,
              " (from the cluster settings of namespace ", spec.namespace_name,
              "), which does not exist. Install Sysbox on the nodes "
              "(sysbox-deploy-k8s) or set runtime_class { manage = true } in "
              "the namespace's cvm_cluster_settings."));
    } else if (!rc.ok() && !absl::IsPermissionDenied(rc.status())) {
      diags->AddStatus("Unable to Check Workspace", rc.status());
    }
  }

  // Brings the cluster to `planned` (create when `prior` is null). On
  // failure the state names what exists, so nothing is orphaned: null
  // when a create made nothing, otherwise the planned objects (Terraform
  // taints a failed create; the next refresh reads what is really there).
  void ApplyWorkspace(const Connection& conn, const Value& prior,
                      const Value& planned, const Value& config,
                      absl::Time deadline, const char* summary,
                      framework::ApplyResponse* response) {
    Diagnostics* diags = &response->diagnostics;
    const WorkspaceSpec spec = SpecFromValue(planned);
    bool touched = !prior.IsNull();  // objects may exist
    Value state =
        prior.IsNull() ? Value::Null(GetSchema().ImpliedType()) : prior;
    auto fail = [&]() {
      response->new_state =
          touched ? state : Value::Null(GetSchema().ImpliedType());
    };
    std::optional<LoadedSettings> loaded =
        LoadSettings(spec.namespace_name, diags);
    if (!loaded) return fail();
    const Value& token = Attr(config, "agent_token");
    std::optional<std::string> token_text;
    if (token.IsKnown()) token_text = token.AsString();
    RenderedWorkspace rendered =
        Render(spec, loaded->settings, token_text, ConfigAnnotation(planned));
    const Value planned_mounts = Attr(planned, "host_path_mounts");
    const std::string pod_hash = PodHash(rendered, planned);
    if ((planned_mounts.IsWhollyKnown() &&
         planned_mounts != HostPathsValue(rendered.host_paths)) ||
        (Attr(planned, "pod_spec_hash").IsKnown() &&
         StringAttr(planned, "pod_spec_hash") !=
             std::optional<std::string>(pod_hash))) {
      diags->AddError(
          summary,
          absl::StrCat("The cluster settings of namespace ",
                       spec.namespace_name,
                       " changed between plan and apply (ConfigMap ",
                       kSettingsConfigMapName,
                       "); run terraform plan again to see what they change."));
      return fail();
    }
    if (rendered.pod.is_object()) {
      rendered.pod["metadata"]["annotations"][kSpecHashAnnotation] = pod_hash;
    }
    const kube::RequestOptions opts{deadline, conn.cancel.get()};
    // The workspace's objects are the provider's (their names derive from
    // the workspace), so by default (force_conflicts) apply takes back
    // fields someone changed by hand instead of failing on the conflict:
    // that is the drift repair.
    const kube::ApplyOptions apply{conn.field_manager, conn.force_conflicts,
                                   /*dry_run=*/false};

    // From here on the state names every planned object; live fields are
    // filled in as they become known.
    state =
        planned.WithAttr("node_name", Value::String(""))
            .WithAttr("phase",
                      Value::String(spec.running ? "Pending" : "Stopped"))
            .WithAttr("pod_spec_hash", Value::String(pod_hash))
            .WithAttr("host_path_mounts", HostPathsValue(rendered.host_paths));
    // A write that failed this way may still have been carried out (the
    // server applied it, the answer was lost): the state then names the
    // object, so it is refreshed and adopted or deleted, never orphaned.
    auto note_write = [&](const absl::Status& st) {
      if (st.ok() || absl::IsDeadlineExceeded(st) || absl::IsUnavailable(st) ||
          absl::IsCancelled(st) || absl::IsUnknown(st) ||
          absl::IsInternal(st)) {
        touched = true;
      }
    };
    if (!spec.has_agent_token && !prior.IsNull() &&
        !Attr(prior, "secret_name").IsNull()) {
      absl::Status st = conn.client->Delete(SecretRef(spec), {}, opts).status();
      if (!st.ok() && !absl::IsNotFound(st)) {
        diags->AddStatus(summary, st);
        return fail();
      }
    }
    if (rendered.secret.is_object()) {
      absl::StatusOr<nlohmann::json> st =
          conn.client->Apply(rendered.secret, apply, opts);
      note_write(st.status());
      if (!st.ok()) {
        diags->AddStatus(summary, st.status());
        return fail();
      }
    }
    absl::StatusOr<nlohmann::json> claim =
        conn.client->Apply(rendered.claim, apply, opts);
    note_write(claim.status());
    if (!claim.ok()) {
      diags->AddStatus(summary, claim.status());
      return fail();
    }
    // Kubernetes changes labels, annotations and images of a running pod
    // in place; anything else needs a new pod.
    auto must_replace = [&](const nlohmann::json& p) {
      return !spec.running || PodTerminated(p) || Terminating(p) ||
             StringAt(p, {"metadata", "annotations", kSpecHashAnnotation}) !=
                 pod_hash;
    };
    // Deletes exactly the pod `p` (not a successor) and waits until it is
    // gone.
    auto remove_pod = [&](const nlohmann::json& p) -> absl::Status {
      kube::DeleteOptions only_this_pod;
      only_this_pod.uid = StringAt(p, {"metadata", "uid"});
      absl::StatusOr<nlohmann::json> answer =
          conn.client->Delete(PodRef(spec), only_this_pod, opts);
      if (answer.ok()) {
        return conn.client->WaitForDeletion(PodRef(spec), deadline,
                                            conn.cancel.get(), *answer);
      }
      if (!absl::IsNotFound(answer.status()) &&
          !absl::IsAborted(answer.status())) {
        return answer.status();
      }
      return conn.client->WaitForDeletion(PodRef(spec), deadline,
                                          conn.cancel.get());
    };
    // An update (or a stopped workspace) reads the pod first. A create of
    // a running workspace does not: its apply answers with the pod, which
    // tells whether one was already there (left by an interrupted apply,
    // and now adopted) that must be replaced.
    if (!prior.IsNull() || !spec.running) {
      absl::StatusOr<nlohmann::json> live =
          conn.client->Get(PodRef(spec), opts);
      if (!live.ok() && !absl::IsNotFound(live.status())) {
        diags->AddStatus(summary, live.status());
        return fail();
      }
      if (live.ok() && must_replace(*live)) {
        absl::Status st = remove_pod(*live);
        if (!st.ok()) {
          diags->AddStatus(summary, st);
          return fail();
        }
      }
    }
    if (!spec.running) {
      response->new_state = state;
      return;
    }
    absl::StatusOr<nlohmann::json> pod =
        conn.client->Apply(rendered.pod, apply, opts);
    if (prior.IsNull() && (pod.ok() || absl::IsInvalidArgument(pod.status()))) {
      // A pod of another specification: its fixed fields make the apply
      // fail (422), or it is finished or going away. Replace it.
      std::optional<nlohmann::json> existing;
      if (pod.ok() && must_replace(*pod)) {
        existing = *pod;
      } else if (!pod.ok()) {
        absl::StatusOr<nlohmann::json> live =
            conn.client->Get(PodRef(spec), opts);
        if (live.ok()) existing = *live;
      }
      if (existing.has_value()) {
        absl::Status st = remove_pod(*existing);
        if (!st.ok()) {
          diags->AddStatus(summary, st);
          return fail();
        }
        pod = conn.client->Apply(rendered.pod, apply, opts);
      }
    }
    note_write(pod.status());
    if (!pod.ok()) {
      diags->AddStatus(summary, pod.status());
      return fail();
    }
    auto with_pod = [&](const nlohmann::json& p) {
      const std::string phase = StringAt(p, {"status", "phase"});
      state = state
                  .WithAttr("node_name",
                            Value::String(StringAt(p, {"spec", "nodeName"})))
                  .WithAttr("phase",
                            Value::String(phase.empty() ? "Pending" : phase));
    };
    with_pod(*pod);
    if (spec.wait_for_ready) {
      absl::StatusOr<nlohmann::json> ready = conn.client->WaitFor(
          PodRef(spec), PodReady, deadline, conn.cancel.get(), *pod);
      if (!ready.ok()) {
        const std::string timeout =
            framework::TimeoutName(planned, prior.IsNull() ? "create" : "update", "10m");
        diags->AddError(summary,
                        WaitFailure(conn, spec, timeout, ready.status()));
        absl::StatusOr<nlohmann::json> now = conn.client->Get(
            PodRef(spec), {provider_->clock()->Now() + absl::Seconds(10), nullptr});
        if (now.ok()) with_pod(*now);
        return fail();
      }
      with_pod(*ready);
    }
    response->new_state = state;
  }

  // The error of a failed wait, with the pod's last Warning events.
  // `timeout` names the limit, e.g. "timeouts.create (15m)".
  static std::string WaitFailure(const Connection& conn,
                                 const WorkspaceSpec& spec,
                                 const std::string& timeout,
                                 const absl::Status& status) {
    std::string text =
        absl::IsDeadlineExceeded(status)
            ? absl::StrCat("Pod ", spec.Id(), " did not become Ready within ",
                           timeout, ": ", status.message())
            : absl::StrCat("Pod ", spec.Id(),
                           " did not become Ready: ", status.message());
    absl::StatusOr<std::vector<kube::Event>> events = conn.client->Events(
        PodRef(spec), {conn.clock->Now() + absl::Seconds(10), nullptr});
    if (events.ok()) {
      std::vector<kube::Event> warnings =
          kube::FilterEvents(*events, "Warning");
      if (!warnings.empty()) {
        absl::StrAppend(&text, "\nLast warning events:");
        const size_t first = warnings.size() > 3 ? warnings.size() - 3 : 0;
        for (size_t i = first; i < warnings.size(); ++i) {
          absl::StrAppend(&text, "\n  ", kube::FormatEvent(warnings[i]));
        }
      }
    }
    absl::StrAppend(&text,
                    "\nThe workspace's objects exist and are recorded in the "
                    "state; fix the cause and apply again.");
    return text;
  }

  const CvmProvider* provider_;
};

class WorkspaceManifestDataSource final : public framework::DataSource {
 public:
  explicit WorkspaceManifestDataSource(const CvmProvider*) {}
  std::string TypeName() const override { return "cvm_workspace_manifest"; }
  const schema::Schema& GetSchema() const override {
    return WorkspaceManifestSchema();
  }

  // `diags` already holds the attribute validators' findings.
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
    settings.auto_load_shiftfs =
        BoolAttr(cs, "auto_load_shiftfs").value_or(false);
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
      rendered.pod["metadata"]["annotations"][kSpecHashAnnotation] =
          rendered.pod_spec_hash;
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
    state = state.WithAttr(
        "pod_yaml",
        Value::String(rendered.pod.is_object() ? ToYaml(rendered.pod) : ""));
    state = state.WithAttr("objects", framework::StringList(compact));
    state =
        state.WithAttr("host_path_mounts", HostPathsValue(rendered.host_paths));
    if (Attr(state, "inner_hostname").IsNull()) {
      state = state.WithAttr("inner_hostname", Value::String(spec.name));
    }
    for (const char* device : {"tun", "fuse"}) {
      if (Attr(state, device).IsNull()) {
        state = state.WithAttr(
            device, Value::Bool(std::string(device) == "tun" ? settings.tun
                                                             : settings.fuse));
      }
    }
    response->state = state;
  }
};

}  // namespace

std::unique_ptr<framework::Resource> NewWorkspaceResource(
    const CvmProvider* provider) {
  return std::make_unique<WorkspaceResource>(provider);
}

std::unique_ptr<framework::DataSource> NewWorkspaceManifestDataSource(
    const CvmProvider* provider) {
  return std::make_unique<WorkspaceManifestDataSource>(provider);
}

}  // namespace cvm::resources
