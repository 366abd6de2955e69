// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// cvm_cluster_settings (resource and data source): how CVM workspaces run in
// one namespace. The resource owns the settings ConfigMap, optionally the
// Sysbox RuntimeClass and the namespace's Pod Security labels; it checks
// the cluster at plan time (version, GPU platform, RuntimeClass handler)
// and refuses to be destroyed while workspaces still use it unless
// force_destroy is set. Part of resources/.

#ifndef CVM_PROVIDER_RESOURCES_CLUSTER_SETTINGS_H_
#define CVM_PROVIDER_RESOURCES_CLUSTER_SETTINGS_H_

#include <memory>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "provider/framework/diagnostics.h"
#include "provider/framework/resource.h"
#include "provider/resources/cluster_probe.h"
#include "provider/resources/settings.h"
#include "provider/values/value.h"

namespace cvm::resources {

class CvmProvider;

// Both borrow `provider`, which must outlive them.
std::unique_ptr<framework::Resource> NewClusterSettingsResource(
    const CvmProvider* provider);
std::unique_ptr<framework::DataSource> NewClusterSettingsDataSource(
    const CvmProvider* provider);

// The settings a cvm_cluster_settings object (config, plan or state) asks
// for, with defaults for unset attributes. REQUIRES: a known object.
ClusterSettings SettingsFromValue(const values::Value& object);

// The plan-time checks of `settings` against the cluster (pure; the
// resource feeds it ProbeCluster's facts and a GET of the RuntimeClass):
// Kubernetes older than 1.18, an NVIDIA GPU on a cloud platform, an
// existing RuntimeClass whose handler differs (with manage = false, or with
// manage = true when this resource did not create it, since the handler is
// immutable), a missing RuntimeClass when `sysbox_wanted`, and the facts'
// warnings. `runtime_class` is the RuntimeClass named by the settings or
// kNotFound. `owns_runtime_class`: this resource created it. Errors and
// warnings name the attribute they are about.
void CheckAgainstCluster(const ClusterSettings& settings,
                         const ClusterFacts& facts,
                         const absl::StatusOr<nlohmann::json>& runtime_class,
                         bool sysbox_wanted, bool owns_runtime_class,
                         framework::Diagnostics* diags);

}  // namespace cvm::resources

#endif  // CVM_PROVIDER_RESOURCES_CLUSTER_SETTINGS_H_
