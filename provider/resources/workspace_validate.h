// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The configuration rules cvm_workspace and cvm_workspace_manifest share,
// those that need no cluster: GPU, mounts, reserved variables, quantities,
// home size, mode restrictions, image references. Part of resources/.
// Pure; thread-safe.

#ifndef CVM_PROVIDER_RESOURCES_WORKSPACE_VALIDATE_H_
#define CVM_PROVIDER_RESOURCES_WORKSPACE_VALIDATE_H_

#include "provider/framework/diagnostics.h"
#include "provider/values/value.h"

namespace cvm::resources {

// Applies each rule in order to `config` (an object of either schema) and
// adds an attribute-path diagnostic for each violation. Unknown values are
// skipped (never an error).
void ValidateWorkspaceConfig(const values::Value& config,
                             framework::Diagnostics* diags);

}  // namespace cvm::resources

#endif  // CVM_PROVIDER_RESOURCES_WORKSPACE_VALIDATE_H_
