// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/resources/yaml.h"

#include <regex>

namespace cvm::resources {
namespace {

std::string Scalar(const nlohmann::json& v) {
  // dump() of a string is a JSON string literal, valid YAML double-quoted.
  return v.dump();
}

std::string Key(const std::string& key) {
  static const std::regex kPlain("^[A-Za-z_][A-Za-z0-9_./-]*$");
  if (std::regex_match(key, kPlain) && key != "true" && key != "false" &&
      key != "null" && key != "yes" && key != "no" && key != "on" &&
      key != "off") {
    return key;
  }
  return nlohmann::json(key).dump();
}

bool IsEmptyCollection(const nlohmann::json& v) {
  return (v.is_object() || v.is_array()) && v.empty();
}

void Emit(const nlohmann::json& v, int indent, std::string* out);

void EmitValueAfterKey(const nlohmann::json& v, int indent, std::string* out) {
  if (IsEmptyCollection(v)) {
    *out += v.is_object() ? " {}\n" : " []\n";
  } else if (v.is_object()) {
    *out += "\n";
    Emit(v, indent + 2, out);
  } else if (v.is_array()) {
    *out += "\n";
    Emit(v, indent, out);
  } else {
    *out += " " + Scalar(v) + "\n";
  }
}

void Emit(const nlohmann::json& v, int indent, std::string* out) {
  const std::string pad(indent, ' ');
  if (v.is_object()) {
    for (auto it = v.begin(); it != v.end(); ++it) {
      *out += pad + Key(it.key()) + ":";
      EmitValueAfterKey(it.value(), indent, out);
    }
  } else if (v.is_array()) {
    for (const nlohmann::json& item : v) {
      if (item.is_object() && !item.empty()) {
        // First key on the dash line, the rest aligned under it.
        std::string nested;
        Emit(item, indent + 2, &nested);
        *out += pad + "- " + nested.substr(indent + 2);
      } else if (item.is_array() && !item.empty()) {
        *out += pad + "-\n";
        Emit(item, indent + 2, out);
      } else if (IsEmptyCollection(item)) {
        *out += pad + (item.is_object() ? "- {}\n" : "- []\n");
      } else {
        *out += pad + "- " + Scalar(item) + "\n";
      }
    }
  } else {
    *out += pad + Scalar(v) + "\n";
  }
}

}  // namespace

std::string ToYaml(const nlohmann::json& value) {
  std::string out;
  Emit(value, 0, &out);
  return out;
}

}  // namespace cvm::resources
