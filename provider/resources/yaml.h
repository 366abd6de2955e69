// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// A small block-style YAML emitter for Kubernetes manifests (the
// cvm_workspace_manifest data source). Strings are always double-quoted
// with JSON escapes, which YAML accepts (plus \u escapes for the characters
// YAML does not allow raw), so no value is ever misread as a number,
// boolean or null; keys are plain only when no YAML 1.1 or 1.2 reader could
// take them for anything but a string. Part of resources/.

#ifndef CVM_PROVIDER_RESOURCES_YAML_H_
#define CVM_PROVIDER_RESOURCES_YAML_H_

#include <string>

#include "nlohmann/json.hpp"

namespace cvm::resources {

// Renders `value` as a YAML document (no leading "---"), ending in a newline.
// An empty object or array renders as "{}" or "[]".
std::string ToYaml(const nlohmann::json& value);

}  // namespace cvm::resources

#endif  // CVM_PROVIDER_RESOURCES_YAML_H_
