// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Create, Update and Delete of cvm_workspace (see workspace_internal.h).

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "provider/framework/timeouts.h"
#include "provider/framework/value_access.h"
#include "provider/resources/json_access.h"
#include "provider/resources/pod_status.h"
#include "provider/resources/workspace_internal.h"
#include "provider/resources/workspace_schema.h"
#include "provider/values/json.h"
#include "provider/values/path.h"

namespace cvm::resources::workspace_internal {
namespace {

using framework::Attr;
using framework::Diagnostics;
using framework::StringAttr;
using values::Path;
using values::Value;

// What the apply reads of the objects a server-side apply answers with:
// of the pod, what MustReplace, WithPod, RemovePod and the wait for Ready
// (pod_status.cc) read; of the Secret and the claim, nothing. The rest (a
// pod's containers, a Secret's data) is not parsed.
const kube::FieldSet& PodFieldsAfterApply() {
  static const kube::FieldSet* const fields = new kube::FieldSet(
      {"apiVersion", "kind", "metadata", "spec.nodeName", "status"});
  return *fields;
}
const kube::FieldSet& NoFieldsAfterApply() {
  static const kube::FieldSet* const fields =
      new kube::FieldSet({"apiVersion", "kind"});
  return *fields;
}

// The error detail of a failed wait for the pod to become Ready: what
// ended it, then what the pod says and its last warning events
// (WaitFailureDetails). `timeout` names the limit, e.g. "timeouts.create
// (15m)"; `pod` is the pod as it is now (null when it could not be read).
std::string WaitFailure(const Connection& conn, const WorkspaceSpec& spec,
                        const std::string& timeout, const absl::Status& status,
                        const PodReadiness& readiness,
                        const nlohmann::json& pod) {
  std::string text =
      absl::IsDeadlineExceeded(status)
          ? absl::StrCat("Pod ", spec.Id(), " did not become Ready within ",
                         timeout, ": ", status.message())
          : absl::StrCat("Pod ", spec.Id(),
                         " did not become Ready: ", status.message());
  absl::StatusOr<std::vector<kube::Event>> events = conn.client->Events(
      PodRef(spec), {conn.clock->Now() + absl::Seconds(10), nullptr});
  absl::StrAppend(
      &text,
      WaitFailureDetails(status, readiness, pod,
                         events.ok() ? *events : std::vector<kube::Event>()));
  absl::StrAppend(&text,
                  "\nThe workspace's objects exist and are recorded in the "
                  "state; fix the cause and apply again.");
  return text;
}

// One Create or Update: brings the cluster to `planned` (create when
// `prior` is null), writing the Secret, the claim and the pod in that
// order. The state it leaves on failure names every object that may
// exist (Fail).
class ApplyRun {
 public:
  ApplyRun(const CvmProvider& provider, const Connection& conn,
           const Value& prior, const Value& planned, absl::Time deadline,
           const char* summary, framework::ApplyResponse* response)
      : provider_(provider),
        conn_(conn),
        prior_(prior),
        planned_(planned),
        spec_(SpecFromValue(planned)),
        deadline_(deadline),
        summary_(summary),
        response_(response),
        diags_(&response->diagnostics),
        touched_(!prior.IsNull()),  // objects may exist
        state_(prior.IsNull()
                   ? Value::Null(WorkspaceResourceSchema().ImpliedType())
                   : prior),
        opts_{deadline, conn.cancel.get()},
        // The workspace's objects are the provider's (their names derive
        // from the workspace), so by default (force_conflicts) apply takes
        // back fields someone changed by hand instead of failing on the
        // conflict: that is the drift repair.
        apply_{conn.field_manager, conn.force_conflicts,
               /*dry_run=*/false} {}

  void Run(const Value& config) {
    if (!RenderObjects(config)) return Fail();
    // From here on the state names every planned object; live fields are
    // filled in as they become known.
    state_ =
        planned_.WithAttr("node_name", Value::String(""))
            .WithAttr("phase",
                      Value::String(spec_.running ? "Pending" : "Stopped"))
            .WithAttr("pod_spec_hash", Value::String(pod_hash_))
            .WithAttr("host_path_mounts", HostPathsValue(rendered_.host_paths))
            .WithAttr("tun", DeviceValue("tun", settings_.tun))
            .WithAttr("fuse", DeviceValue("fuse", settings_.fuse));
    if (!RemoveUnusedSecret() || !ApplySecretAndClaim() || !ReplaceLivePod()) {
      return Fail();
    }
    if (!spec_.running) {
      response_->new_state = state_;
      return;
    }
    absl::StatusOr<nlohmann::json> pod = conn_.client->Apply(
        rendered_.pod, apply_, opts_, PodFieldsAfterApply());
    if (prior_.IsNull() &&
        (pod.ok() || absl::IsInvalidArgument(pod.status()))) {
      if (!ReplaceAdoptedPod(&pod)) return Fail();
    }
    NoteWrite(pod.status());
    if (!pod.ok()) {
      diags_->AddStatus(summary_, pod.status());
      return Fail();
    }
    WithPod(*pod);
    if (spec_.wait_for_ready && !WaitForReady(*pod)) return Fail();
    response_->new_state = state_;
  }

 private:
  // Renders the objects against the namespace's settings as they are now.
  // False, after an error, when the settings cannot be read or render
  // other host paths or another pod than the plan showed.
  bool RenderObjects(const Value& config) {
    std::optional<LoadedSettings> loaded =
        LoadSettings(provider_, spec_.namespace_name, diags_);
    if (!loaded) return false;
    response_->private_state = SettingsToPrivate(spec_.namespace_name, *loaded);
    settings_ = loaded->settings;
    const Value& token = Attr(config, "agent_token");
    std::optional<std::string> token_text;
    if (token.IsKnown()) token_text = token.AsString();
    // The claim records the arguments for import, with the devices the
    // settings gave.
    const Value recorded =
        planned_.WithAttr("tun", DeviceValue("tun", settings_.tun))
            .WithAttr("fuse", DeviceValue("fuse", settings_.fuse));
    rendered_ =
        Render(spec_, loaded->settings, token_text, ConfigAnnotation(recorded));
    if (!rendered_.overrides_status.ok()) {
      diags_->AddAttributeError(
          Path::FromAttr("pod_overrides"), "Invalid Pod Overrides",
          std::string(rendered_.overrides_status.message()));
      return false;
    }
    const Value planned_mounts = Attr(planned_, "host_path_mounts");
    pod_hash_ = PodHash(rendered_, planned_);
    if ((planned_mounts.IsWhollyKnown() &&
         planned_mounts != HostPathsValue(rendered_.host_paths)) ||
        (Attr(planned_, "pod_spec_hash").IsKnown() &&
         StringAttr(planned_, "pod_spec_hash") !=
             std::optional<std::string>(pod_hash_))) {
      diags_->AddError(
          summary_,
          absl::StrCat("The cluster settings of namespace ",
                       spec_.namespace_name,
                       " changed between plan and apply (ConfigMap ",
                       kSettingsConfigMapName,
                       "); run terraform plan again to see what they change."));
      return false;
    }
    if (rendered_.pod.is_object()) {
      rendered_.pod["metadata"]["annotations"][kSpecHashAnnotation] = pod_hash_;
    }
    return true;
  }

  // The planned value of device `name`, or the settings' (`fallback`)
  // when the plan left it to them.
  Value DeviceValue(const char* name, bool fallback) const {
    const Value& planned = Attr(planned_, name);
    return planned.IsUnknown() ? Value::Bool(fallback) : planned;
  }

  // Deletes the Secret of a workspace whose agent token was removed.
  bool RemoveUnusedSecret() {
    if (!spec_.has_agent_token && !prior_.IsNull() &&
        !Attr(prior_, "secret_name").IsNull()) {
      absl::Status st =
          conn_.client->Delete(SecretRef(spec_), {}, opts_).status();
      if (!st.ok() && !absl::IsNotFound(st)) {
        diags_->AddStatus(summary_, st);
        return false;
      }
    }
    return true;
  }

  bool ApplySecretAndClaim() {
    if (rendered_.secret.is_object()) {
      absl::StatusOr<nlohmann::json> st = conn_.client->Apply(
          rendered_.secret, apply_, opts_, NoFieldsAfterApply());
      NoteWrite(st.status());
      if (!st.ok()) {
        ReportWriteError(st.status());
        return false;
      }
    }
    absl::StatusOr<nlohmann::json> claim = conn_.client->Apply(
        rendered_.claim, apply_, opts_, NoFieldsAfterApply());
    NoteWrite(claim.status());
    if (!claim.ok()) {
      ReportWriteError(claim.status());
      return false;
    }
    return true;
  }

  // A server-side apply answers NotFound only when the namespace is
  // missing (it creates the object otherwise): the plan allowed for a
  // namespace created in the same apply, which did not happen.
  void ReportWriteError(const absl::Status& status) {
    if (!absl::IsNotFound(status)) {
      diags_->AddStatus(summary_, status);
      return;
    }
    diags_->AddAttributeError(
        values::Path::FromAttr("namespace"), "Namespace Not Found",
        absl::StrCat("Namespace ", spec_.namespace_name,
                     " does not exist, so the workspace's objects cannot be "
                     "created (",
                     status.message(),
                     "). Create it first: with the resource that makes it "
                     "referenced by `namespace` or named in depends_on, or "
                     "with a cvm_cluster_settings with manage_namespace = "
                     "true whose id is this workspace's "
                     "cluster_settings_id."));
  }

  // An update (or a stopped workspace) reads the pod first and removes it
  // when it must be replaced. A create of a running workspace does not:
  // its apply answers with the pod, which tells whether one was already
  // there (left by an interrupted apply, and now adopted) that must be
  // replaced (ReplaceAdoptedPod).
  bool ReplaceLivePod() {
    if (!prior_.IsNull() || !spec_.running) {
      absl::StatusOr<nlohmann::json> live =
          conn_.client->Get(PodRef(spec_), opts_);
      if (!live.ok() && !absl::IsNotFound(live.status())) {
        diags_->AddStatus(summary_, live.status());
        return false;
      }
      if (live.ok() && MustReplace(*live)) {
        absl::Status st = RemovePod(*live);
        if (!st.ok()) {
          diags_->AddStatus(summary_, st);
          return false;
        }
      }
    }
    return true;
  }

  // A create met a pod of another specification: its fixed fields make
  // the apply fail (422), or it is finished or going away. Replaces it and
  // applies `*pod` again. False, after an error, when it cannot be removed.
  bool ReplaceAdoptedPod(absl::StatusOr<nlohmann::json>* pod) {
    std::optional<nlohmann::json> existing;
    if (pod->ok() && MustReplace(**pod)) {
      existing = **pod;
    } else if (!pod->ok()) {
      absl::StatusOr<nlohmann::json> live =
          conn_.client->Get(PodRef(spec_), opts_);
      if (live.ok()) existing = *live;
    }
    if (existing.has_value()) {
      absl::Status st = RemovePod(*existing);
      if (!st.ok()) {
        diags_->AddStatus(summary_, st);
        return false;
      }
      *pod = conn_.client->Apply(rendered_.pod, apply_, opts_,
                                 PodFieldsAfterApply());
    }
    return true;
  }

  // Waits for `pod` to become Ready (WaitForPodReady: a permanent pull
  // error fails it at once). False, after an error naming the timeout, the
  // container statuses and the pod's warning events, when it does not.
  bool WaitForReady(const nlohmann::json& pod) {
    PodReadiness readiness;
    absl::StatusOr<nlohmann::json> ready =
        WaitForPodReady(*conn_.client, PodRef(spec_), pod, deadline_,
                        conn_.cancel.get(), &readiness);
    if (!ready.ok()) {
      const std::string timeout = framework::TimeoutName(
          planned_, prior_.IsNull() ? "create" : "update", "10m");
      absl::StatusOr<nlohmann::json> now = conn_.client->Get(
          PodRef(spec_),
          {provider_.clock()->Now() + absl::Seconds(10), nullptr});
      diags_->AddError(summary_,
                       WaitFailure(conn_, spec_, timeout, ready.status(),
                                   readiness, now.ok() ? *now : nullptr));
      if (now.ok()) WithPod(*now);
      return false;
    }
    WithPod(*ready);
    return true;
  }

  // Kubernetes changes labels, annotations and images of a running pod
  // in place; anything else needs a new pod.
  bool MustReplace(const nlohmann::json& p) const {
    return !spec_.running || PodTerminated(p) || Terminating(p) ||
           StringAt(p, {"metadata", "annotations", kSpecHashAnnotation}) !=
               pod_hash_;
  }

  // Deletes exactly the pod `p` (not a successor) and waits until it is
  // gone.
  absl::Status RemovePod(const nlohmann::json& p) {
    kube::DeleteOptions only_this_pod;
    only_this_pod.uid = StringAt(p, {"metadata", "uid"});
    absl::StatusOr<nlohmann::json> answer =
        conn_.client->Delete(PodRef(spec_), only_this_pod, opts_);
    if (answer.ok()) {
      return conn_.client->WaitForDeletion(PodRef(spec_), deadline_,
                                           conn_.cancel.get(), *answer);
    }
    if (!absl::IsNotFound(answer.status()) &&
        !absl::IsAborted(answer.status())) {
      return answer.status();
    }
    return conn_.client->WaitForDeletion(PodRef(spec_), deadline_,
                                         conn_.cancel.get());
  }

  // The state's live fields from pod `p`.
  void WithPod(const nlohmann::json& p) {
    const std::string phase = StringAt(p, {"status", "phase"});
    state_ = state_
                 .WithAttr("node_name",
                           Value::String(StringAt(p, {"spec", "nodeName"})))
                 .WithAttr("phase",
                           Value::String(phase.empty() ? "Pending" : phase));
  }

  // A write that failed this way may still have been carried out (the
  // server applied it, the answer was lost): the state then names the
  // object, so it is refreshed and adopted or deleted, never orphaned.
  void NoteWrite(const absl::Status& st) {
    if (st.ok() || absl::IsDeadlineExceeded(st) || absl::IsUnavailable(st) ||
        absl::IsCancelled(st) || absl::IsUnknown(st) || absl::IsInternal(st)) {
      touched_ = true;
    }
  }

  // The state of a failed apply: null when a create wrote nothing,
  // otherwise the planned objects (Terraform taints a failed create; the
  // next refresh reads what is really there).
  void Fail() {
    response_->new_state =
        touched_ ? state_
                 : Value::Null(WorkspaceResourceSchema().ImpliedType());
  }

  const CvmProvider& provider_;
  const Connection& conn_;
  const Value prior_;
  const Value planned_;
  const WorkspaceSpec spec_;
  ClusterSettings settings_;  // as read by RenderObjects
  const absl::Time deadline_;
  const char* const summary_;
  framework::ApplyResponse* const response_;
  Diagnostics* const diags_;
  bool touched_;
  Value state_;
  const kube::RequestOptions opts_;
  const kube::ApplyOptions apply_;
  RenderedWorkspace rendered_;
  std::string pod_hash_;
};

// The kept claim no longer belongs to a workspace, so it does not keep
// the namespace's cluster settings from being destroyed. A separate field
// manager takes just this label; the claim's spec is untouched.
void MarkHomeRetained(const Connection& conn, const WorkspaceSpec& spec,
                      absl::Time deadline, Diagnostics* diags) {
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
    diags->AddStatus("Unable to Delete Workspace", st.status());
  }
}

}  // namespace

void CreateWorkspace(const CvmProvider& provider,
                     const framework::CreateRequest& request,
                     framework::ApplyResponse* response) {
  Connection conn;
  if (!provider.GetConnection("Unable to Create Workspace", &conn,
                              &response->diagnostics)) {
    response->new_state = Value::Null(WorkspaceResourceSchema().ImpliedType());
    return;
  }
  const absl::Time deadline =
      provider.clock()->Now() +
      framework::TimeoutOf(request.planned_state, "create", absl::Minutes(10));
  ApplyRun(provider, conn, Value(), request.planned_state, deadline,
           "Unable to Create Workspace", response)
      .Run(request.config);
}

void UpdateWorkspace(const CvmProvider& provider,
                     const framework::UpdateRequest& request,
                     framework::ApplyResponse* response) {
  Connection conn;
  if (!provider.GetConnection("Unable to Update Workspace", &conn,
                              &response->diagnostics)) {
    response->new_state = request.prior_state;
    return;
  }
  const absl::Time deadline =
      provider.clock()->Now() +
      framework::TimeoutOf(request.planned_state, "update", absl::Minutes(10));
  ApplyRun(provider, conn, request.prior_state, request.planned_state, deadline,
           "Unable to Update Workspace", response)
      .Run(request.config);
}

void DeleteWorkspace(const CvmProvider& provider,
                     const framework::DeleteRequest& request,
                     framework::DeleteResponse* response) {
  Connection conn;
  if (!provider.GetConnection("Unable to Delete Workspace", &conn,
                              &response->diagnostics)) {
    return;
  }
  const WorkspaceSpec spec = SpecFromValue(request.prior_state);
  const absl::Time deadline =
      provider.clock()->Now() +
      framework::TimeoutOf(request.prior_state, "delete", absl::Minutes(5));
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
    MarkHomeRetained(conn, spec, deadline, &response->diagnostics);
  }
}

std::string ConfigAnnotation(const Value& planned) {
  const schema::Block& block = WorkspaceResourceSchema().block;
  Value recorded = planned;
  for (const schema::Attribute& a : block.attributes) {
    if (a.computed && !a.optional) {
      recorded =
          std::move(recorded).WithAttr(a.name, Value::Null(a.ValueType()));
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
    recorded = std::move(recorded).WithAttr(
        "annotations", Value::Null(Attr(recorded, "annotations").type()));
    json = values::EncodeJson(schema::Conform(block, recorded),
                              block.ImpliedType());
  }
  return json.ok() ? *json : "";
}

}  // namespace cvm::resources::workspace_internal
