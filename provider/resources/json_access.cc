// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/resources/json_access.h"

namespace cvm::resources {

std::string StringAt(const nlohmann::json& j,
                     std::initializer_list<const char*> path) {
  const nlohmann::json* cur = &j;
  for (const char* key : path) {
    if (!cur->is_object()) return "";
    auto it = cur->find(key);
    if (it == cur->end()) return "";
    cur = &*it;
  }
  return cur->is_string() ? cur->get<std::string>() : "";
}

const nlohmann::json& ObjectAt(const nlohmann::json& j, const char* key) {
  static const nlohmann::json* const kEmpty =
      new nlohmann::json(nlohmann::json::object());
  if (!j.is_object()) return *kEmpty;
  auto it = j.find(key);
  return it != j.end() && it->is_object() ? *it : *kEmpty;
}

const nlohmann::json& ArrayAt(const nlohmann::json& j, const char* key) {
  static const nlohmann::json* const kEmpty =
      new nlohmann::json(nlohmann::json::array());
  if (!j.is_object()) return *kEmpty;
  auto it = j.find(key);
  return it != j.end() && it->is_array() ? *it : *kEmpty;
}

std::map<std::string, std::string> StringEntries(const nlohmann::json& j) {
  std::map<std::string, std::string> out;
  if (!j.is_object()) return out;
  for (auto it = j.begin(); it != j.end(); ++it) {
    if (it.value().is_string()) out[it.key()] = it.value().get<std::string>();
  }
  return out;
}

bool Terminating(const nlohmann::json& object) {
  const nlohmann::json& metadata = ObjectAt(object, "metadata");
  auto it = metadata.find("deletionTimestamp");
  return it != metadata.end() && !it->is_null();
}

}  // namespace cvm::resources
