// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// cvm_workspace: one container-based VM workspace (pod, home claim, agent
// token Secret) with its full lifecycle, and cvm_workspace_manifest, the
// data source that renders the same objects as YAML/JSON with no API call.
// Part of resources/.

#ifndef CVM_PROVIDER_RESOURCES_WORKSPACE_H_
#define CVM_PROVIDER_RESOURCES_WORKSPACE_H_

#include <memory>

#include "provider/framework/resource.h"

namespace cvm::resources {

class CvmProvider;

// Both borrow `provider`, which must outlive them.
std::unique_ptr<framework::Resource> NewWorkspaceResource(const CvmProvider* provider);
std::unique_ptr<framework::DataSource> NewWorkspaceManifestDataSource(
    const CvmProvider* provider);

}  // namespace cvm::resources

#endif  // CVM_PROVIDER_RESOURCES_WORKSPACE_H_
