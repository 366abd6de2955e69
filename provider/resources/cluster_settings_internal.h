// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Internal to resources/: the pieces the cvm_cluster_settings resource and
// data source share across their files. The schema
// (cluster_settings_schema.cc); the settings as Terraform values
// (cluster_settings_values.cc); the Kubernetes objects, the private-state
// codec and the listings (cluster_settings_objects.cc); and the resource's
// operations, one file each: apply (create and update), read and import,
// delete. Not part of the folder's contract: only cluster_settings*.cc and
// their tests include it.

#ifndef CVM_PROVIDER_RESOURCES_CLUSTER_SETTINGS_INTERNAL_H_
#define CVM_PROVIDER_RESOURCES_CLUSTER_SETTINGS_INTERNAL_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "provider/framework/diagnostics.h"
#include "provider/framework/resource.h"
#include "provider/kube/client.h"
#include "provider/resources/cluster_probe.h"
#include "provider/resources/provider.h"
#include "provider/resources/settings.h"
#include "provider/schema/schema.h"
#include "provider/values/value.h"

namespace cvm::resources::cluster_settings_internal {

inline constexpr char kTypeName[] = "cvm_cluster_settings";
// Reads (refresh, import, the data source); writes take `timeouts`.
inline constexpr absl::Duration kOperationTimeout = absl::Minutes(5);

// --- Schema (cluster_settings_schema.cc) -----------------------------------

// The resource's schema; the data source's, where every setting is
// computed and there is neither force_destroy nor timeouts. Built once.
const schema::Schema& ResourceSchema();
const schema::Schema& DataSourceSchema();

// --- Terraform values (cluster_settings_values.cc) -------------------------

// `object` with kubernetes_version, sysbox_ready_nodes, platform and
// warnings set from `facts`.
values::Value FactsValue(const ClusterFacts& facts, values::Value object);

// `object` with only its unknown fact attributes filled from `facts`: a
// create fills them (its plan leaves these live attributes unknown); an
// update keeps the state's (the next refresh brings newer ones).
values::Value FillUnknownFacts(const ClusterFacts& facts, values::Value object);

// `base` with id, namespace, every setting and host_path_mounts from `s`.
// The runtime_class block is written when `keep_runtime_block` or when `s`
// differs from its defaults; otherwise `base`'s is left as it is.
values::Value WithSettings(const ClusterSettings& s, values::Value base,
                           bool keep_runtime_block);

// `state` (refreshed, of namespace `ns`) with the settings the ConfigMap
// holds (`stored`; the runtime_class block kept when `state` has one). When
// there are none (`stored` is an error: the ConfigMap was deleted or
// mangled by hand) the settings it held read as unset, so the next plan
// shows them being written again.
values::Value WithStoredSettings(const absl::StatusOr<ClusterSettings>& stored,
                                 const std::string& ns, values::Value state);

// True when a setting that shapes workspace pods differs between `prior` and
// `planned` (or is not known yet).
bool WorkspacesSeeChange(const values::Value& prior,
                         const values::Value& planned);

// --- Kubernetes objects (cluster_settings_objects.cc) ----------------------

kube::ObjectRef NamespaceRef(const std::string& ns);
kube::ObjectRef ConfigMapRef(const std::string& ns);  // the settings
kube::ObjectRef RuntimeClassRef(const std::string& name);

// The Namespace with the three Pod Security labels at `s.pod_security`.
nlohmann::json NamespaceManifest(const ClusterSettings& s);

// The Namespace with only its name: applied, it gives up every field our
// field manager owned (the Pod Security labels), leaving other managers'
// fields alone.
nlohmann::json BareNamespace(const std::string& ns);

// The RuntimeClass `s` describes, labelled as ours; scheduling only when
// the node selector is not empty.
nlohmann::json RuntimeClassManifest(const ClusterSettings& s);

// What this resource created (so destroy removes only that), kept in the
// resource's private state. Plain value.
struct Ownership {
  bool created_namespace = false;
  bool created_runtime_class = false;

  // Never fails: an empty, malformed or non-object text owns nothing.
  static Ownership Parse(const std::string& private_state);
  std::string Serialize() const;
};

// Deletes `ref` and waits until it is gone (by `opts.deadline`). Returns OK
// when it was already gone. Errors: those of Delete and WaitForDeletion.
absl::Status DeleteAndWait(const Connection& conn, const kube::ObjectRef& ref,
                           const kube::RequestOptions& opts);

// The Pod Security level the namespace's labels give, as pod_security reads
// back: `applied` (the level in state) while the enforce, warn and audit
// labels all carry it; otherwise the first of them that differs (null when
// it is missing), so a hand edit of any of the three shows up as a change
// of pod_security.
values::Value PodSecurityFromLabels(const nlohmann::json& labels,
                                    const std::string& applied);

// Workspaces (by their label, else the object's name) that still have pods
// or claims in `ns`, sorted and unique. Errors: those of the List calls.
absl::StatusOr<std::vector<std::string>> WorkspacesIn(
    kube::Client& client, const std::string& ns,
    const kube::RequestOptions& opts);

// Home claims kept after their workspace was destroyed
// (home.keep_on_destroy relabels them "retained-home"), by claim name.
// Errors: those of the List call.
absl::StatusOr<std::vector<std::string>> RetainedHomesIn(
    kube::Client& client, const std::string& ns,
    const kube::RequestOptions& opts);

// --- Operations of the resource --------------------------------------------
// Each reports failures in the response's diagnostics and borrows
// `provider` for the call.

// cluster_settings_apply.cc. Applies the namespace labels, the RuntimeClass
// and the ConfigMap of `planned`, recording in `owned` what it created;
// `operation` ("create" or "update") names the timeout that bounds the
// writes. On error, new_state is null if nothing was written, else it
// keeps the objects (id set) so nothing is orphaned. Sets private_state.
void ApplySettings(const CvmProvider& provider, const values::Value& planned,
                   const char* operation, Ownership* owned,
                   framework::ApplyResponse* response);

// cluster_settings_apply.cc. ApplySettings for a change from the prior
// state, then the clean-up the change asks for: deleting a RuntimeClass we
// created under the old name, giving back the namespace labels when the
// namespace is no longer managed.
void UpdateSettings(const CvmProvider& provider,
                    const framework::UpdateRequest& request,
                    framework::ApplyResponse* response);

// cluster_settings_apply.cc. Gives up the Pod Security labels of `ns` (a
// missing namespace is fine). Errors: "Unable to Release Namespace Labels".
void ReleaseNamespaceLabels(const CvmProvider& provider, const Connection& conn,
                            const std::string& ns,
                            framework::Diagnostics* diags);

// cluster_settings_read.cc. Refresh: the settings as the cluster has them
// (drift included), or a null state when the namespace is gone or going.
void ReadSettings(const CvmProvider& provider,
                  const framework::ReadRequest& request,
                  framework::ReadResponse* response);

// cluster_settings_read.cc. The state `terraform import` starts from (Read
// does the rest), when `request.id` is a namespace holding the settings
// ConfigMap. Errors: "Invalid Import ID", "Cannot Import Cluster Settings".
void ImportSettings(const CvmProvider& provider,
                    const framework::ImportRequest& request,
                    framework::ImportResponse* response);

// cluster_settings_delete.cc. Removes the ConfigMap and whatever this
// resource created; refuses while workspaces use the namespace unless
// force_destroy. A namespace still holding workspace data is kept (with a
// warning); one we did not create only loses its labels.
void DeleteSettings(const CvmProvider& provider,
                    const framework::DeleteRequest& request,
                    framework::DeleteResponse* response);

}  // namespace cvm::resources::cluster_settings_internal

#endif  // CVM_PROVIDER_RESOURCES_CLUSTER_SETTINGS_INTERNAL_H_
