// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/framework/resource.h"

#include "absl/strings/str_cat.h"

namespace cvm::framework {

void Resource::ImportState(const ImportRequest& request,
                           ImportResponse* response) {
  response->diagnostics.AddError(
      "Resource Import Not Implemented",
      absl::StrCat(TypeName(), " cannot be imported."));
}

absl::StatusOr<values::Value> Resource::UpgradeState(
    int64_t version, std::string_view raw_json) {
  return absl::FailedPreconditionError(absl::StrCat(
      TypeName(), " has no state upgrade from schema version ", version));
}

}  // namespace cvm::framework
