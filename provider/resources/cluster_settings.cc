// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The cvm_cluster_settings resource: validation and the plan, with the
// checks that need the cluster. Apply, read and delete are in their own
// files (cluster_settings_internal.h).

#include "provider/resources/cluster_settings.h"

#include <memory>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "provider/framework/value_access.h"
#include "provider/resources/cluster_settings_internal.h"
#include "provider/resources/host_paths.h"
#include "provider/resources/json_access.h"
#include "provider/resources/provider.h"

namespace cvm::resources {
namespace {

using cluster_settings_internal::kOperationTimeout;
using cluster_settings_internal::kTypeName;
using cluster_settings_internal::Ownership;
using cluster_settings_internal::ResourceSchema;
using framework::Attr;
using framework::BoolAttr;
using framework::Diagnostics;
using framework::StringAttr;
using values::Path;
using values::Type;
using values::Value;

class ClusterSettingsResource final : public framework::Resource {
 public:
  explicit ClusterSettingsResource(const CvmProvider* provider)
      : provider_(provider) {}

  std::string TypeName() const override { return kTypeName; }
  const schema::Schema& GetSchema() const override { return ResourceSchema(); }

  void ValidateConfig(const Value& config, Diagnostics* diags) override {
    const std::optional<bool> caching = BoolAttr(config, "caching");
    const std::optional<bool> shiftfs = BoolAttr(config, "auto_load_shiftfs");
    const std::optional<std::string> gpu = StringAttr(config, "gpu_vendor");
    if (shiftfs.value_or(false) && !Attr(config, "caching").IsUnknown() &&
        !caching.value_or(false)) {
      diags->AddAttributeError(
          Path::FromAttr("auto_load_shiftfs"),
          "auto_load_shiftfs Requires Caching",
          "shiftfs is only auto-loaded for cached CVMs (Coder's CVM matrix has "
          "auto-load as a sub-option of caching). Set caching = true, or "
          "remove "
          "auto_load_shiftfs.");
    }
    if (shiftfs.value_or(false) && caching.value_or(false)) {
      diags->AddAttributeWarning(
          Path::FromAttr("auto_load_shiftfs"), "Kernel Headers and Secure Boot",
          "Auto-loading shiftfs builds a kernel module on the node: the nodes "
          "need "
          "kernel headers under /usr/src and Secure Boot disabled.");
    }
    if (gpu == "nvidia" && caching.value_or(false)) {
      diags->AddAttributeError(
          Path::FromAttr("gpu_vendor"), "GPUs Are Not Supported With Caching",
          "GPUs are not supported with cached CVMs. Set caching = false or "
          "gpu_vendor = \"none\".");
    }
    const std::optional<std::string> level = StringAttr(config, "pod_security");
    if (BoolAttr(config, "manage_namespace").value_or(false) && level &&
        *level != "privileged") {
      diags->AddAttributeWarning(
          Path::FromAttr("pod_security"),
          "envbox Workspaces Need Privileged Pods",
          absl::StrCat(
              "Pod Security level \"", *level,
              "\" forbids privileged pods and hostPath volumes, so envbox "
              "workspaces in this namespace will be rejected; only "
              "sysbox-mode workspaces can run."));
    }
  }

  void ModifyPlan(const framework::PlanRequest& request,
                  framework::PlanResponse* response) override {
    Value planned = response->planned_state;
    const Value& config = request.config;
    // id stays unknown until the settings exist, so workspaces that
    // reference it (cluster_settings_id) plan from the reference instead of
    // reading settings that are not written yet.
    const std::optional<bool> caching = BoolAttr(planned, "caching");
    const std::optional<bool> shiftfs = BoolAttr(planned, "auto_load_shiftfs");
    if (caching && shiftfs) {
      planned =
          planned.WithAttr("host_path_mounts",
                           HostPathsValue(HostPathMounts(*caching, *shiftfs)));
    }
    if (!request.prior_state.IsNull() &&
        cluster_settings_internal::WorkspacesSeeChange(request.prior_state,
                                                       planned)) {
      // Workspaces that reference the id (cluster_settings_id) then plan
      // from the reference and pick the new settings up in the same apply,
      // instead of planning against the ConfigMap that is about to change.
      planned =
          std::move(planned).WithAttr("id", Value::Unknown(Type::String()));
    }
    response->planned_state = planned;
    // The facts (kubernetes_version, sysbox_ready_nodes, ...) are live
    // attributes: the plan carries none of what is read here, only the
    // diagnostics, so a saved plan applies whatever the nodes did since.
    if (!config.IsWhollyKnown() || !provider_->HasConnection()) return;
    CheckCluster(SettingsFromValue(planned),
                 !Attr(config, "runtime_class").IsNull(),
                 Ownership::Parse(request.prior_private),
                 &response->diagnostics);
  }

  void Create(const framework::CreateRequest& request,
              framework::ApplyResponse* response) override {
    Ownership owned;
    cluster_settings_internal::ApplySettings(*provider_, request.planned_state,
                                             "create", &owned, response);
  }

  void Update(const framework::UpdateRequest& request,
              framework::ApplyResponse* response) override {
    cluster_settings_internal::UpdateSettings(*provider_, request, response);
  }

  void Read(const framework::ReadRequest& request,
            framework::ReadResponse* response) override {
    cluster_settings_internal::ReadSettings(*provider_, request, response);
  }

  void Delete(const framework::DeleteRequest& request,
              framework::DeleteResponse* response) override {
    cluster_settings_internal::DeleteSettings(*provider_, request, response);
  }

  void ImportState(const framework::ImportRequest& request,
                   framework::ImportResponse* response) override {
    cluster_settings_internal::ImportSettings(*provider_, request, response);
  }

 private:
  // Plan-time checks that need the cluster. Adds diagnostics; never writes.
  // `sysbox_wanted`: the configuration has a runtime_class block, so a
  // missing RuntimeClass deserves a warning (envbox-only users need none).
  // Returns the facts it read, or nullopt (with an error) when it could not.
  std::optional<ClusterFacts> CheckCluster(const ClusterSettings& s,
                                           bool sysbox_wanted,
                                           const Ownership& owned,
                                           Diagnostics* diags) {
    Connection conn;
    if (!provider_->GetConnection("Unable to Check Cluster", &conn, diags))
      return std::nullopt;
    const kube::RequestOptions opts{
        provider_->clock()->Now() + kOperationTimeout, conn.cancel.get()};
    absl::StatusOr<ClusterFacts> facts = ProbeCluster(*conn.client, opts);
    if (!facts.ok()) {
      diags->AddStatus("Unable to Check Cluster", facts.status());
      return std::nullopt;
    }
    absl::StatusOr<nlohmann::json> rc = conn.client->Get(
        cluster_settings_internal::RuntimeClassRef(s.runtime_class_name), opts);
    if (!rc.ok() && !absl::IsNotFound(rc.status())) {
      diags->AddStatus("Unable to Check Cluster", rc.status());
      return std::nullopt;
    }
    CheckAgainstCluster(s, *facts, rc, sysbox_wanted,
                        owned.created_runtime_class, diags);
    return *std::move(facts);
  }

  const CvmProvider* provider_;
};

}  // namespace

void CheckAgainstCluster(const ClusterSettings& s, const ClusterFacts& facts,
                         const absl::StatusOr<nlohmann::json>& rc,
                         bool sysbox_wanted, bool owns_runtime_class,
                         Diagnostics* diags) {
  if (facts.major < 1 ||
      (facts.major == 1 && facts.minor < kMinKubernetesMinor)) {
    diags->AddError(
        "Kubernetes Version Not Supported",
        absl::StrCat("The cluster runs Kubernetes ", facts.kubernetes_version,
                     "; CVM workspaces need Kubernetes 1.18 or newer (Coder's "
                     "CVM requirement). Upgrade the cluster."));
  }
  if (s.gpu_vendor == "nvidia" && facts.platform != kBareMetal) {
    diags->AddAttributeError(
        Path::FromAttr("gpu_vendor"), "GPUs Need a Bare-Metal Cluster",
        absl::StrCat("NVIDIA GPUs in CVMs are supported on bare-metal clusters "
                     "only, and this cluster's nodes run on \"",
                     facts.platform,
                     "\" (from their providerID). Set gpu_vendor = "
                     "\"none\"."));
  }
  for (const std::string& w : facts.warnings) {
    diags->AddWarning("Cluster Check", w);
  }
  if (rc.ok()) {
    const std::string handler = StringAt(*rc, {"handler"});
    if (handler != s.runtime_class_handler &&
        !(s.manage_runtime_class && owns_runtime_class)) {
      diags->AddAttributeError(
          Path::FromAttr("runtime_class").Attr("handler"),
          "RuntimeClass Handler Mismatch",
          s.manage_runtime_class
              ? absl::StrCat("RuntimeClass ", s.runtime_class_name,
                             " exists with handler \"", handler, "\", not \"",
                             s.runtime_class_handler,
                             "\", and was not created by this resource; a "
                             "RuntimeClass handler cannot be changed. Set "
                             "runtime_class.handler = \"",
                             handler, "\", or use another runtime_class.name.")
              : absl::StrCat(
                    "RuntimeClass ", s.runtime_class_name,
                    " exists with handler \"", handler, "\", not \"",
                    s.runtime_class_handler,
                    "\": pods using it would not run under Sysbox. Set "
                    "runtime_class.handler to match the nodes' runtime, or "
                    "use another runtime_class.name."));
    }
  } else if (absl::IsNotFound(rc.status()) && !s.manage_runtime_class &&
             sysbox_wanted) {
    diags->AddAttributeWarning(
        Path::FromAttr("runtime_class"), "Sysbox RuntimeClass Missing",
        absl::StrCat("RuntimeClass ", s.runtime_class_name,
                     " does not exist: sysbox-mode workspaces will fail until "
                     "Sysbox is installed or runtime_class.manage = true."));
  }
}

std::unique_ptr<framework::Resource> NewClusterSettingsResource(
    const CvmProvider* provider) {
  return std::make_unique<ClusterSettingsResource>(provider);
}

}  // namespace cvm::resources
