// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The schemas of cvm_workspace and cvm_workspace_manifest, and the
// configuration rules both share (domain.md V1-V28 that need no cluster:
// GPU, mounts, /tmp, quantities, names, sysbox-mode restrictions). Part of
// resources/.

#ifndef CVM_PROVIDER_RESOURCES_WORKSPACE_SCHEMA_H_
#define CVM_PROVIDER_RESOURCES_WORKSPACE_SCHEMA_H_

#include "provider/framework/diagnostics.h"
#include "provider/schema/schema.h"
#include "provider/values/value.h"

namespace cvm::resources {

const schema::Schema& WorkspaceResourceSchema();
const schema::Schema& WorkspaceManifestSchema();

// Adds an attribute-path diagnostic for each violated rule. Unknown values
// are skipped (never an error).
void ValidateWorkspaceConfig(const values::Value& config,
                             framework::Diagnostics* diags);

}  // namespace cvm::resources

#endif  // CVM_PROVIDER_RESOURCES_WORKSPACE_SCHEMA_H_
