// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/resources/yaml.h"

#include <regex>
#include <set>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace cvm::resources {
namespace {

// The JSON text of `v`. A string becomes a JSON string literal, which is a
// valid YAML double-quoted scalar once the characters YAML does not allow
// raw (DEL, C1 controls, BOM, U+FFFE/U+FFFF) or reads as line breaks
// (NEL, U+2028, U+2029 in YAML 1.1) are escaped too. Invalid UTF-8 becomes
// U+FFFD instead of throwing.
std::string Scalar(const nlohmann::json& v) {
  const std::string json =
      v.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  if (!v.is_string()) return json;
  std::string out;
  out.reserve(json.size());
  for (size_t i = 0; i < json.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(json[i]);
    const auto next = [&](size_t k) {
      return i + k < json.size() ? static_cast<unsigned char>(json[i + k]) : 0;
    };
    if (c == 0x7F) {
      out += "\\u007f";
    } else if (c == 0xC2 && next(1) >= 0x80 && next(1) <= 0x9F) {
      absl::StrAppend(&out, "\\u00", absl::Hex(next(1), absl::kZeroPad2));
      i += 1;
    } else if (c == 0xE2 && next(1) == 0x80 &&
               (next(2) == 0xA8 || next(2) == 0xA9)) {
      out += next(2) == 0xA8 ? "\\u2028" : "\\u2029";
      i += 2;
    } else if (c == 0xEF && next(1) == 0xBB && next(2) == 0xBF) {
      out += "\\ufeff";
      i += 2;
    } else if (c == 0xEF && next(1) == 0xBF &&
               (next(2) == 0xBE || next(2) == 0xBF)) {
      out += next(2) == 0xBE ? "\\ufffe" : "\\uffff";
      i += 2;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  return out;
}

// YAML 1.1 reads these plain scalars as booleans or null (as y, Y, yes,
// Yes, YES, ...), so keys spelled like them in any case are quoted.
bool IsYaml11Special(const std::string& key) {
  static const std::set<std::string> kSpecial = {
      "y", "yes", "n", "no", "true", "false", "on", "off", "null"};
  return kSpecial.count(absl::AsciiStrToLower(key)) > 0;
}

std::string Key(const std::string& key) {
  static const std::regex kPlain("^[A-Za-z_][A-Za-z0-9_./-]*$");
  if (std::regex_match(key, kPlain) && !IsYaml11Special(key)) return key;
  return Scalar(nlohmann::json(key));
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
  // An empty document would read as null.
  if (IsEmptyCollection(value)) return value.is_object() ? "{}\n" : "[]\n";
  std::string out;
  Emit(value, 0, &out);
  return out;
}

}  // namespace cvm::resources
