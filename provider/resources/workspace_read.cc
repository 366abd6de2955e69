// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Read and ImportState of cvm_workspace (see workspace_internal.h).

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/time.h"
#include "provider/framework/value_access.h"
#include "provider/resources/json_access.h"
#include "provider/resources/pod_status.h"
#include "provider/resources/quantity.h"
#include "provider/resources/validators.h"
#include "provider/resources/workspace_internal.h"
#include "provider/resources/workspace_schema.h"
#include "provider/values/json.h"

namespace cvm::resources::workspace_internal {
namespace {

using framework::Attr;
using framework::Diagnostics;
using framework::StringAttr;
using values::Type;
using values::Value;

// The workspace's objects as the API returned them (NotFound included).
struct LiveObjects {
  absl::StatusOr<nlohmann::json> claim;
  absl::StatusOr<nlohmann::json> pod;
  absl::StatusOr<nlohmann::json> secret;
};

// The pod's fields that Read uses (RunningState and what it calls,
// PodTerminated, Terminating); the rest of a pod (the containers' env and
// security context, the status's conditions) is not parsed.
const kube::FieldSet& PodFieldsRead() {
  static const kube::FieldSet* const fields = new kube::FieldSet({
      "apiVersion",
      "kind",
      "metadata",
      "spec.nodeName",
      "spec.volumes.name",
      "spec.volumes.hostPath",
      "spec.containers.name",
      "spec.containers.image",
      "spec.containers.volumeMounts",
      "status.phase",
  });
  return *fields;
}

// Reads the claim, the pod and the Secret, in that order. Returns the
// first error other than NotFound.
absl::Status GetLiveObjects(const CvmProvider& provider, const Connection& conn,
                            const WorkspaceSpec& spec, LiveObjects* live) {
  const kube::RequestOptions opts{provider.clock()->Now() + absl::Minutes(2),
                                  conn.cancel.get()};
  live->claim = conn.client->Get(ClaimRef(spec), opts);
  live->pod = conn.client->Get(PodRef(spec), opts, PodFieldsRead());
  live->secret = conn.client->Get(SecretRef(spec), opts);
  for (const absl::Status& st :
       {live->claim.status(), live->pod.status(), live->secret.status()}) {
    if (!st.ok() && !absl::IsNotFound(st)) return st;
  }
  return absl::OkStatus();
}

// The state of an import: the arguments recorded on the claim. nullopt,
// after an error, when the claim or its annotation is missing or
// unreadable.
std::optional<Value> RestoreImportedState(
    const WorkspaceSpec& spec, const absl::StatusOr<nlohmann::json>& claim,
    Diagnostics* diags) {
  const schema::Schema& schema = WorkspaceResourceSchema();
  const std::string recorded =
      claim.ok()
          ? StringAt(*claim, {"metadata", "annotations", kConfigAnnotation})
          : "";
  absl::StatusOr<Value> restored =
      values::DecodeJson(recorded, schema.ImpliedType(),
                         /*ignore_unknown_attributes=*/true);
  if (recorded.empty() || !restored.ok()) {
    diags->AddError(
        "Unable to Import Workspace",
        absl::StrCat(
            "PersistentVolumeClaim ", spec.ClaimName(), " in namespace ",
            spec.namespace_name,
            claim.ok() ? " has no readable " : " (with its ", kConfigAnnotation,
            claim.ok() ? " annotation" : " annotation) does not exist",
            "; only workspaces created by this provider can be imported."));
    return std::nullopt;
  }
  return schema::Conform(schema.block, *restored);
}

// `home` with its labels and annotations as claim `claim` has them (see
// MapDrift), so a change made behind Terraform's back shows in the plan.
Value HomeMetadataDrift(const Value& home, const nlohmann::json& claim) {
  if (!home.IsKnown() || home.IsNull()) return home;
  const nlohmann::json& metadata = ObjectAt(claim, "metadata");
  return home
      .WithAttr("labels",
                MapDrift(home, "labels", ObjectAt(metadata, "labels"),
                         {kManagedByLabel, kComponentLabel, kWorkspaceLabel}))
      .WithAttr("annotations",
                MapDrift(home, "annotations", ObjectAt(metadata, "annotations"),
                         {kConfigAnnotation}));
}

// `state` with the object names, the token's hash as the Secret holds it
// (a Secret edited or deleted behind Terraform's back shows in the plan)
// and the claim's size, labels and annotations.
Value WithNamesSecretAndClaim(Value state, const WorkspaceSpec& spec,
                              const LiveObjects& live) {
  state = std::move(state)
              .WithAttr("id", Value::String(spec.Id()))
              .WithAttr("pod_name", Value::String(spec.PodName()))
              .WithAttr("home_claim_name", Value::String(spec.ClaimName()));
  if (live.secret.ok()) {
    std::string token;
    absl::Base64Unescape(StringAt(*live.secret, {"data", kAgentTokenKey}),
                         &token);
    state =
        state.WithAttr("agent_token_sha256", Value::String(Sha256Hex(token)))
            .WithAttr("secret_name", Value::String(spec.SecretName()));
  } else {
    state = std::move(state)
                .WithAttr("agent_token_sha256", Value::Null(Type::String()))
                .WithAttr("secret_name", Value::Null(Type::String()));
  }
  if (live.claim.ok()) {
    const std::string size =
        StringAt(*live.claim, {"spec", "resources", "requests", "storage"});
    const Value& home = Attr(state, "home");
    if (home.IsKnown() && !size.empty() &&
        !QuantitiesEqual(size, StringAttr(home, "size").value_or(""))) {
      state =
          state.WithAttr("home", home.WithAttr("size", Value::String(size)));
    }
    state = std::move(state).WithAttr(
        "home", HomeMetadataDrift(Attr(state, "home"), *live.claim));
  }
  return state;
}

// Stopped, or deleted or terminated behind Terraform's back: the plan
// shows the pod coming back when running = true. An import also gets what
// a new pod would (the hash only needs to be stable); nullopt, after an
// error, when the namespace's settings cannot be read for it.
std::optional<Value> StoppedState(const CvmProvider& provider, Value state,
                                  const WorkspaceSpec& spec, bool imported,
                                  Diagnostics* diags) {
  state = std::move(state)
              .WithAttr("running", Value::Bool(false))
              .WithAttr("node_name", Value::String(""))
              .WithAttr("phase", Value::String("Stopped"));
  if (imported) {
    std::optional<LoadedSettings> loaded =
        LoadSettings(provider, spec.namespace_name, diags);
    if (!loaded) return std::nullopt;
    // From the state as restored, with the token's hash.
    WorkspaceSpec running_spec = SpecFromValue(state);
    running_spec.running = true;
    RenderedWorkspace rendered =
        Render(running_spec, loaded->settings, std::nullopt, "");
    state =
        state.WithAttr("host_path_mounts", HostPathsValue(rendered.host_paths))
            .WithAttr("pod_spec_hash", Value::String(PodHash(rendered, state)));
  }
  return state;
}

// `state` with the live values of running pod `pod`: node, phase, host
// paths, hash, drifted labels and annotations, and the image.
Value RunningState(Value state, const WorkspaceSpec& spec,
                   const nlohmann::json& pod) {
  const nlohmann::json& metadata = ObjectAt(pod, "metadata");
  state =
      state.WithAttr("running", Value::Bool(true))
          .WithAttr("node_name",
                    Value::String(StringAt(pod, {"spec", "nodeName"})))
          .WithAttr("phase", Value::String(StringAt(pod, {"status", "phase"})))
          .WithAttr("host_path_mounts", HostPathsValue(HostPathsOfPod(pod)))
          .WithAttr("pod_spec_hash",
                    Value::String(StringAt(
                        metadata, {"annotations", kSpecHashAnnotation})))
          .WithAttr(
              "labels",
              MapDrift(state, "labels", ObjectAt(metadata, "labels"),
                       {kManagedByLabel, kComponentLabel, kWorkspaceLabel}))
          .WithAttr(
              "annotations",
              MapDrift(state, "annotations", ObjectAt(metadata, "annotations"),
                       {kSpecHashAnnotation, kCrioUsernsAnnotation}));
  const std::string image = ContainerImage(pod);
  if (!image.empty()) {
    state = std::move(state).WithAttr(
        spec.mode == "sysbox" ? "inner_image" : "image", Value::String(image));
  }
  return state;
}

}  // namespace

void ReadWorkspace(const CvmProvider& provider,
                   const framework::ReadRequest& request,
                   framework::ReadResponse* response) {
  Connection conn;
  if (!provider.GetConnection("Unable to Read Workspace", &conn,
                              &response->diagnostics)) {
    return;
  }
  Value state = request.current_state;
  WorkspaceSpec spec = SpecFromValue(state);
  LiveObjects live;
  if (absl::Status st = GetLiveObjects(provider, conn, spec, &live); !st.ok()) {
    response->diagnostics.AddStatus("Unable to Read Workspace", st);
    return;
  }
  if (!live.claim.ok() && !live.pod.ok()) {
    response->new_state = Value::Null(WorkspaceResourceSchema().ImpliedType());
    return;
  }
  const bool imported = Attr(state, "inner_image").IsNull();
  if (imported) {
    std::optional<Value> restored =
        RestoreImportedState(spec, live.claim, &response->diagnostics);
    if (!restored) return;
    state = *restored;
    spec = SpecFromValue(state);
  }
  state = WithNamesSecretAndClaim(state, spec, live);
  if (!live.pod.ok() || PodTerminated(*live.pod) || Terminating(*live.pod)) {
    std::optional<Value> stopped =
        StoppedState(provider, state, spec, imported, &response->diagnostics);
    if (!stopped) return;
    state = *stopped;
  } else {
    state = RunningState(state, spec, *live.pod);
  }
  response->new_state = state;
  // The settings the next plan renders from (SettingsFromPrivate). When
  // they cannot be read the recorded ones stay: the plan's checks and the
  // apply read them again and report why.
  framework::Diagnostics unread;
  if (std::optional<LoadedSettings> settings =
          LoadSettings(provider, spec.namespace_name, &unread)) {
    response->private_state = SettingsToPrivate(spec.namespace_name, *settings);
  }
}

void ImportWorkspace(const framework::ImportRequest& request,
                     framework::ImportResponse* response) {
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

std::string ContainerImage(const nlohmann::json& pod) {
  for (const nlohmann::json& c : ArrayAt(ObjectAt(pod, "spec"), "containers")) {
    if (StringAt(c, {"name"}) == "dev") return StringAt(c, {"image"});
  }
  return "";
}

}  // namespace cvm::resources::workspace_internal
