// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The schemas of cvm_workspace and cvm_workspace_manifest: one table, the
// data source's without the resource's computed live values and with the
// rendered outputs and a cluster_settings block instead. The rules that
// span attributes are in workspace_validate.h. Part of resources/.

#ifndef CVM_PROVIDER_RESOURCES_WORKSPACE_SCHEMA_H_
#define CVM_PROVIDER_RESOURCES_WORKSPACE_SCHEMA_H_

#include "provider/schema/schema.h"

namespace cvm::resources {

const schema::Schema& WorkspaceResourceSchema();
const schema::Schema& WorkspaceManifestSchema();

}  // namespace cvm::resources

#endif  // CVM_PROVIDER_RESOURCES_WORKSPACE_SCHEMA_H_
