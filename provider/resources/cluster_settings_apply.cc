// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// cvm_cluster_settings create and update: the namespace labels, the
// RuntimeClass and the settings ConfigMap, written in that order so the
// ConfigMap, which workspaces read, only names objects that exist.

#include <string>

#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "provider/framework/timeouts.h"
#include "provider/framework/value_access.h"
#include "provider/resources/cluster_settings.h"
#include "provider/resources/cluster_settings_internal.h"
#include "provider/resources/host_paths.h"
#include "provider/resources/json_access.h"

namespace cvm::resources::cluster_settings_internal {
namespace {

using framework::Diagnostics;
using framework::StringAttr;
using values::Path;
using values::Value;

constexpr char kApplySummary[] = "Unable to Apply Cluster Settings";
constexpr char kUpdateSummary[] = "Unable to Update Cluster Settings";

// The writes of one ApplySettings call, which share its connection, its
// deadline and what has been written so far. Each step returns false, with
// an error in `diags`, when the apply must stop.
class SettingsWriter {
 public:
  SettingsWriter(const Connection& conn, absl::Time deadline, Ownership* owned,
                 Diagnostics* diags)
      : conn_(conn),
        deadline_(deadline),
        opts_{deadline, conn.cancel.get()},
        apply_{conn.field_manager, conn.force_conflicts, false},
        owned_(owned),
        diags_(diags) {}

  // Checks the namespace exists (or may be created) and is not going away;
  // applies its labels when managed.
  bool ApplyNamespace(const ClusterSettings& s) {
    absl::StatusOr<nlohmann::json> ns =
        conn_.client->Get(NamespaceRef(s.namespace_name), opts_);
    if (absl::IsNotFound(ns.status()) && !s.manage_namespace) {
      diags_->AddAttributeError(
          Path::FromAttr("namespace"), "Namespace Not Found",
          absl::StrCat(
              "Namespace ", s.namespace_name,
              " does not exist. Create it, or set manage_namespace = true."));
      return false;
    }
    if (!ns.ok() && !absl::IsNotFound(ns.status())) {
      diags_->AddStatus(kApplySummary, ns.status());
      return false;
    }
    if (ns.ok() && Terminating(*ns)) {
      diags_->AddAttributeError(
          Path::FromAttr("namespace"), "Namespace Is Being Deleted",
          absl::StrCat("Namespace ", s.namespace_name,
                       " is being deleted; apply again once it is gone."));
      return false;
    }
    if (!s.manage_namespace) return true;
    if (absl::IsNotFound(ns.status())) owned_->created_namespace = true;
    return Write(NamespaceManifest(s));
  }

  // Applies the RuntimeClass when managed, replacing one we created whose
  // handler differs.
  bool ApplyRuntimeClass(const ClusterSettings& s) {
    if (!s.manage_runtime_class) return true;
    const kube::ObjectRef ref = RuntimeClassRef(s.runtime_class_name);
    absl::StatusOr<nlohmann::json> rc = conn_.client->Get(ref, opts_);
    if (rc.ok() && StringAt(*rc, {"handler"}) != s.runtime_class_handler) {
      if (!ReplaceRuntimeClass(s, ref, *rc)) return false;
      rc = absl::NotFoundError("replaced");
    }
    if (absl::IsNotFound(rc.status())) owned_->created_runtime_class = true;
    return Write(RuntimeClassManifest(s));
  }

  // Completes `new_state` (id, host paths, the facts not read at plan time)
  // and applies the ConfigMap with the platform it names.
  bool ApplyConfigMap(ClusterSettings s, Value* new_state) {
    *new_state =
        new_state->WithAttr("id", Value::String(s.namespace_name))
            .WithAttr("host_path_mounts", HostPathsValue(s.HostPaths()));
    if (!new_state->IsWhollyKnown()) {  // facts not read at plan time
      absl::StatusOr<ClusterFacts> facts = ProbeCluster(*conn_.client, opts_);
      if (!facts.ok()) {
        diags_->AddStatus(kApplySummary, facts.status());
        return false;
      }
      *new_state = FillUnknownFacts(*facts, *new_state);
    }
    // Workspaces planned from other states read the platform here for the
    // GPU bare-metal rule, without listing nodes themselves.
    s.platform = StringAttr(*new_state, "platform").value_or("");
    return Write(SettingsConfigMap(s));
  }

  bool wrote_anything() const { return wrote_anything_; }

 private:
  // The handler is immutable: a RuntimeClass we created is deleted (and
  // waited for) so it can be applied again; anyone else's is left alone
  // (the plan already said so).
  bool ReplaceRuntimeClass(const ClusterSettings& s, const kube::ObjectRef& ref,
                           const nlohmann::json& existing) {
    if (!owned_->created_runtime_class) {
      diags_->AddAttributeError(
          Path::FromAttr("runtime_class").Attr("handler"),
          "RuntimeClass Handler Mismatch",
          absl::StrCat("RuntimeClass ", s.runtime_class_name,
                       " exists with handler \"",
                       StringAt(existing, {"handler"}),
                       "\" and was not created by this resource; a "
                       "RuntimeClass handler cannot be changed."));
      return false;
    }
    const absl::Status st = DeleteAndWait(conn_, ref, opts_);
    if (!st.ok()) {
      diags_->AddStatus(kApplySummary, st);
      return false;
    }
    return true;
  }

  bool Write(const nlohmann::json& manifest) {
    absl::StatusOr<nlohmann::json> applied =
        conn_.client->Apply(manifest, apply_, opts_);
    if (!applied.ok()) {
      diags_->AddStatus(kApplySummary, applied.status());
      return false;
    }
    wrote_anything_ = true;
    return true;
  }

  const Connection& conn_;
  const absl::Time deadline_;
  const kube::RequestOptions opts_;
  const kube::ApplyOptions apply_;
  Ownership* owned_;
  Diagnostics* diags_;
  bool wrote_anything_ = false;
};

}  // namespace

// By default (force_conflicts) our objects are applied with force: a hand
// edit (which makes kubectl co-own the field) must not stop the next apply
// from restoring them. Only the fields in our manifests are touched; other
// labels and annotations stay.
void ApplySettings(const CvmProvider& provider, const Value& planned,
                   const char* operation, Ownership* owned,
                   framework::ApplyResponse* response) {
  Diagnostics* diags = &response->diagnostics;
  Connection conn;
  if (!provider.GetConnection(kApplySummary, &conn, diags)) {
    response->new_state = Value::Null(ResourceSchema().ImpliedType());
    return;
  }
  const ClusterSettings s = SettingsFromValue(planned);
  // Workspaces applied later in this process (those that reference these
  // settings) must see, and plan from, what is written here.
  absl::Cleanup forget_reads = [&conn, &provider, &s] {
    conn.reads->Invalidate();
    provider.NoteSettingsWritten(s.namespace_name);
  };
  const absl::Time deadline =
      provider.clock()->Now() +
      framework::TimeoutOf(planned, operation, kOperationTimeout);
  SettingsWriter writer(conn, deadline, owned, diags);
  if (writer.ApplyNamespace(s) && writer.ApplyRuntimeClass(s)) {
    writer.ApplyConfigMap(s, &response->new_state);
  }
  response->private_state = owned->Serialize();
  if (!diags->HasError()) return;
  if (!writer.wrote_anything()) {
    response->new_state = Value::Null(ResourceSchema().ImpliedType());
  } else {
    // Some objects exist: keep them in state so nothing is orphaned.
    response->new_state =
        response->new_state.WithAttr("id", Value::String(s.namespace_name));
  }
}

void UpdateSettings(const CvmProvider& provider,
                    const framework::UpdateRequest& request,
                    framework::ApplyResponse* response) {
  const ClusterSettings prior = SettingsFromValue(request.prior_state);
  const ClusterSettings next = SettingsFromValue(request.planned_state);
  Ownership owned = Ownership::Parse(request.planned_private);
  // A RuntimeClass we created under another name is deleted once the new
  // one exists. Stopping to manage the namespace or the RuntimeClass hands
  // it over: it stays on destroy.
  const bool drop_old_runtime_class =
      prior.manage_runtime_class && owned.created_runtime_class &&
      next.manage_runtime_class &&
      prior.runtime_class_name != next.runtime_class_name;
  if (drop_old_runtime_class || !next.manage_runtime_class) {
    owned.created_runtime_class = false;
  }
  if (!next.manage_namespace) owned.created_namespace = false;
  ApplySettings(provider, request.planned_state, "update", &owned, response);
  if (response->diagnostics.HasError()) return;
  const bool release_namespace =
      prior.manage_namespace && !next.manage_namespace;
  if (!drop_old_runtime_class && !release_namespace) return;
  Connection conn;
  if (!provider.GetConnection(kUpdateSummary, &conn, &response->diagnostics)) {
    return;
  }
  absl::Cleanup forget_reads = [&conn] { conn.reads->Invalidate(); };
  if (drop_old_runtime_class) {
    const absl::Time deadline =
        provider.clock()->Now() + framework::TimeoutOf(request.planned_state,
                                                       "update",
                                                       kOperationTimeout);
    const absl::Status st =
        DeleteAndWait(conn, RuntimeClassRef(prior.runtime_class_name),
                      {deadline, conn.cancel.get()});
    if (!st.ok() && !absl::IsNotFound(st)) {
      response->diagnostics.AddStatus(kUpdateSummary, st);
    }
  }
  // Stopping to manage the namespace gives its labels back.
  if (release_namespace) {
    ReleaseNamespaceLabels(provider, conn, next.namespace_name,
                           &response->diagnostics);
  }
}

void ReleaseNamespaceLabels(const CvmProvider& provider, const Connection& conn,
                            const std::string& ns, Diagnostics* diags) {
  kube::ApplyOptions apply{conn.field_manager, conn.force_conflicts, false};
  absl::StatusOr<nlohmann::json> st = conn.client->Apply(
      BareNamespace(ns), apply,
      {provider.clock()->Now() + kOperationTimeout, conn.cancel.get()});
  if (!st.ok() && !absl::IsNotFound(st.status())) {
    diags->AddStatus("Unable to Release Namespace Labels", st.status());
  }
}

}  // namespace cvm::resources::cluster_settings_internal
