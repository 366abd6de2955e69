// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The cvm_cluster_settings data source: the settings ConfigMap of a
// namespace and the cluster's facts, for templates kept in another
// Terraform state.

#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "provider/framework/value_access.h"
#include "provider/resources/cluster_settings.h"
#include "provider/resources/cluster_settings_internal.h"
#include "provider/resources/provider.h"

namespace cvm::resources {
namespace {

using cluster_settings_internal::ConfigMapRef;
using cluster_settings_internal::DataSourceSchema;
using cluster_settings_internal::FactsValue;
using cluster_settings_internal::kOperationTimeout;
using cluster_settings_internal::kTypeName;
using cluster_settings_internal::WithSettings;
using framework::StringAttr;
using values::Path;
using values::Value;

class ClusterSettingsDataSource final : public framework::DataSource {
 public:
  explicit ClusterSettingsDataSource(const CvmProvider* provider)
      : provider_(provider) {}
  std::string TypeName() const override { return kTypeName; }
  const schema::Schema& GetSchema() const override {
    return DataSourceSchema();
  }

  void Read(const framework::DataReadRequest& request,
            framework::DataReadResponse* response) override {
    Connection conn;
    if (!provider_->GetConnection("Unable to Read Cluster Settings", &conn,
                                  &response->diagnostics)) {
      return;
    }
    const std::string ns = StringAttr(request.config, "namespace").value_or("");
    const kube::RequestOptions opts{
        provider_->clock()->Now() + kOperationTimeout, conn.cancel.get()};
    absl::StatusOr<nlohmann::json> cm =
        conn.client->Get(ConfigMapRef(ns), opts);
    if (absl::IsNotFound(cm.status())) {
      response->diagnostics.AddAttributeError(
          Path::FromAttr("namespace"), "No Cluster Settings",
          absl::StrCat("Namespace ", ns, " has no ", kSettingsConfigMapName,
                       " ConfigMap: apply a cvm_cluster_settings resource for "
                       "it first."));
      return;
    }
    if (!cm.ok()) {
      response->diagnostics.AddStatus("Unable to Read Cluster Settings",
                                      cm.status());
      return;
    }
    absl::StatusOr<ClusterSettings> s = SettingsFromConfigMap(*cm);
    if (!s.ok()) {
      response->diagnostics.AddStatus("Unable to Read Cluster Settings",
                                      s.status());
      return;
    }
    s->namespace_name = ns;
    Value state = WithSettings(*s, request.config, /*keep_runtime_block=*/true);
    absl::StatusOr<ClusterFacts> facts = ProbeCluster(*conn.client, opts);
    if (!facts.ok()) {
      response->diagnostics.AddStatus("Unable to Read Cluster Settings",
                                      facts.status());
      return;
    }
    response->state = FactsValue(*facts, state);
  }

 private:
  const CvmProvider* provider_;
};

}  // namespace

std::unique_ptr<framework::DataSource> NewClusterSettingsDataSource(
    const CvmProvider* provider) {
  return std::make_unique<ClusterSettingsDataSource>(provider);
}

}  // namespace cvm::resources
