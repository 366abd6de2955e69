// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Reading Kubernetes objects as nlohmann::json without exceptions: each
// accessor returns an empty value when a key is missing or has another
// type. Part of resources/. Pure functions; thread-safe.

#ifndef CVM_PROVIDER_RESOURCES_JSON_ACCESS_H_
#define CVM_PROVIDER_RESOURCES_JSON_ACCESS_H_

#include <initializer_list>
#include <map>
#include <string>

#include "nlohmann/json.hpp"

namespace cvm::resources {

// The string at `path` ({"metadata", "name"}), or "".
std::string StringAt(const nlohmann::json& j,
                     std::initializer_list<const char*> path);

// j[key] when it is an object (array), else a static empty one.
const nlohmann::json& ObjectAt(const nlohmann::json& j, const char* key);
const nlohmann::json& ArrayAt(const nlohmann::json& j, const char* key);

// The string-valued entries of object `j` (labels, annotations, data).
std::map<std::string, std::string> StringEntries(const nlohmann::json& j);

// True when the object has a deletionTimestamp: it is being deleted.
bool Terminating(const nlohmann::json& object);

}  // namespace cvm::resources

#endif  // CVM_PROVIDER_RESOURCES_JSON_ACCESS_H_
