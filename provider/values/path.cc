// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/values/path.h"

#include <string>
#include <utility>

namespace cvm::values {

Path Path::Attr(std::string name) const {
  Path p = *this;
  p.steps_.emplace_back(AttributeStep{std::move(name)});
  return p;
}

Path Path::Key(std::string key) const {
  Path p = *this;
  p.steps_.emplace_back(KeyStep{std::move(key)});
  return p;
}

Path Path::Index(int64_t index) const {
  Path p = *this;
  p.steps_.emplace_back(IndexStep{index});
  return p;
}

bool Path::HasPrefix(const Path& prefix) const {
  if (prefix.steps_.size() > steps_.size()) return false;
  for (size_t i = 0; i < prefix.steps_.size(); ++i) {
    if (!(prefix.steps_[i] == steps_[i])) return false;
  }
  return true;
}

std::string Path::ToString() const {
  std::string out;
  for (const PathStep& step : steps_) {
    if (const auto* attr = std::get_if<AttributeStep>(&step)) {
      if (!out.empty()) out.push_back('.');
      out.append(attr->name);
    } else if (const auto* key = std::get_if<KeyStep>(&step)) {
      out.append("[\"");
      for (char c : key->key) {
        if (c == '"' || c == '\\') out.push_back('\\');
        out.push_back(c);
      }
      out.append("\"]");
    } else {
      out.push_back('[');
      out.append(std::to_string(std::get<IndexStep>(step).index));
      out.push_back(']');
    }
  }
  return out;
}

std::optional<Value> ValueAtPath(const Value& root, const Path& path) {
  Value current = root;
  for (const PathStep& step : path.steps()) {
    if (!current.IsKnown()) return std::nullopt;
    Type::Kind kind = current.type().kind();
    if (const auto* attr = std::get_if<AttributeStep>(&step)) {
      if (kind != Type::Kind::kObject) return std::nullopt;
      auto it = current.Entries().find(attr->name);
      if (it == current.Entries().end()) return std::nullopt;
      current = it->second;
    } else if (const auto* key = std::get_if<KeyStep>(&step)) {
      // Maps, and objects standing in for MAP blocks with dynamic content.
      if (kind != Type::Kind::kMap && kind != Type::Kind::kObject) {
        return std::nullopt;
      }
      auto it = current.Entries().find(key->key);
      if (it == current.Entries().end()) return std::nullopt;
      current = it->second;
    } else {
      if (kind != Type::Kind::kList && kind != Type::Kind::kTuple) {
        return std::nullopt;
      }
      int64_t index = std::get<IndexStep>(step).index;
      const std::vector<Value>& elements = current.Elements();
      if (index < 0 || static_cast<uint64_t>(index) >= elements.size()) {
        return std::nullopt;
      }
      current = elements[static_cast<size_t>(index)];
    }
  }
  return current;
}

}  // namespace cvm::values
