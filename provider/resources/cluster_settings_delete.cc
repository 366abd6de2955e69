// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// cvm_cluster_settings destroy: only what this resource created goes, and
// never while workspaces (or, for the namespace, their data) still need it.

#include <string>
#include <utility>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "provider/framework/timeouts.h"
#include "provider/framework/value_access.h"
#include "provider/resources/cluster_settings.h"
#include "provider/resources/cluster_settings_internal.h"

namespace cvm::resources::cluster_settings_internal {
namespace {

using framework::BoolAttr;
using framework::Diagnostics;
using framework::StringAttr;
using values::Value;

constexpr char kDeleteSummary[] = "Unable to Delete Cluster Settings";

// Adds an error and returns false while workspaces use the namespace and
// force_destroy is off. `in_use` receives the workspaces found.
bool CheckNoWorkspaces(const CvmProvider& provider, const Value& prior,
                       Diagnostics* diags, std::vector<std::string>* in_use) {
  Connection conn;
  if (!provider.GetConnection("Unable to Check Workspaces", &conn, diags)) {
    return false;
  }
  const std::string ns = StringAttr(prior, "namespace").value_or("");
  absl::StatusOr<std::vector<std::string>> workspaces = WorkspacesIn(
      *conn.client, ns,
      {provider.clock()->Now() + kOperationTimeout, conn.cancel.get()});
  if (!workspaces.ok()) {
    diags->AddStatus("Unable to Check Workspaces", workspaces.status());
    return false;
  }
  *in_use = *workspaces;
  if (workspaces->empty() || BoolAttr(prior, "force_destroy").value_or(false)) {
    return true;
  }
  diags->AddError(
      "Cluster Settings Still in Use",
      absl::StrCat("Namespace ", ns, " still has ", workspaces->size(),
                   " CVM workspace(s) using these settings: ",
                   absl::StrJoin(*workspaces, ", "),
                   ". Destroy them first, or set force_destroy = true."));
  return false;
}

// Deletes `ref` and waits until it is gone (already gone is fine). Returns
// false, with an error, when it could not.
bool Remove(const Connection& conn, const kube::ObjectRef& ref,
            const kube::RequestOptions& opts, Diagnostics* diags) {
  const absl::Status st = DeleteAndWait(conn, ref, opts);
  if (!st.ok()) {
    diags->AddStatus(kDeleteSummary, st);
    return false;
  }
  return true;
}

// The managed namespace: deleted when we created it and no workspace data
// is left in it (`in_use`, plus the retained homes found here), kept with a
// warning when some is, and only relieved of its labels when it was not
// ours.
void RemoveNamespace(const CvmProvider& provider, const Connection& conn,
                     const ClusterSettings& s, const Ownership& owned,
                     const kube::RequestOptions& opts,
                     std::vector<std::string> in_use, Diagnostics* diags) {
  if (owned.created_namespace) {
    // Home volumes kept by destroyed workspaces (home.keep_on_destroy) do
    // not block the settings, but deleting the namespace would take them.
    absl::StatusOr<std::vector<std::string>> kept =
        RetainedHomesIn(*conn.client, s.namespace_name, opts);
    if (!kept.ok()) {
      diags->AddStatus(kDeleteSummary, kept.status());
      return;
    }
    in_use.insert(in_use.end(), kept->begin(), kept->end());
  }
  if (owned.created_namespace && !in_use.empty()) {
    // force_destroy lets the settings go, never the workspaces' data.
    diags->AddWarning(
        "Namespace Kept",
        absl::StrCat("Namespace ", s.namespace_name,
                     " was created by these settings but still holds "
                     "workspace data (",
                     absl::StrJoin(in_use, ", "),
                     "), so it was not deleted. Delete it by hand if that "
                     "is what you want."));
  } else if (owned.created_namespace) {
    Remove(conn, NamespaceRef(s.namespace_name), opts, diags);
  } else {
    ReleaseNamespaceLabels(provider, conn, s.namespace_name, diags);
  }
}

}  // namespace

void DeleteSettings(const CvmProvider& provider,
                    const framework::DeleteRequest& request,
                    framework::DeleteResponse* response) {
  Diagnostics* diags = &response->diagnostics;
  Connection conn;
  if (!provider.GetConnection(kDeleteSummary, &conn, diags)) return;
  // Workspaces planned or applied later in this process must not see the
  // settings as they were.
  absl::Cleanup forget_reads = [&conn] { conn.reads->Invalidate(); };
  std::vector<std::string> in_use;
  if (!CheckNoWorkspaces(provider, request.prior_state, diags, &in_use)) {
    return;
  }
  const ClusterSettings s = SettingsFromValue(request.prior_state);
  const Ownership owned = Ownership::Parse(request.private_state);
  const absl::Time deadline =
      provider.clock()->Now() +
      framework::TimeoutOf(request.prior_state, "delete", kOperationTimeout);
  const kube::RequestOptions opts{deadline, conn.cancel.get()};
  if (!Remove(conn, ConfigMapRef(s.namespace_name), opts, diags)) return;
  if (s.manage_runtime_class && owned.created_runtime_class &&
      !Remove(conn, RuntimeClassRef(s.runtime_class_name), opts, diags)) {
    return;
  }
  if (s.manage_namespace) {
    RemoveNamespace(provider, conn, s, owned, opts, std::move(in_use), diags);
  }
}

}  // namespace cvm::resources::cluster_settings_internal
