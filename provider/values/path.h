// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Attribute paths: where in a value a diagnostic or a change points, as
// tfplugin6's AttributePath (attribute names, string keys, integer indexes).
// Part of values/.

#ifndef CVM_PROVIDER_VALUES_PATH_H_
#define CVM_PROVIDER_VALUES_PATH_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "provider/values/value.h"

namespace cvm::values {

struct AttributeStep {
  std::string name;
  bool operator==(const AttributeStep&) const = default;
};
struct KeyStep {  // map key (or a map-nested block's label)
  std::string key;
  bool operator==(const KeyStep&) const = default;
};
struct IndexStep {  // list/tuple index
  int64_t index;
  bool operator==(const IndexStep&) const = default;
};
using PathStep = std::variant<AttributeStep, KeyStep, IndexStep>;

// A path from the root of a resource's object. Value type.
class Path {
 public:
  Path() = default;
  explicit Path(std::vector<PathStep> steps) : steps_(std::move(steps)) {}

  // Shorthand for Path().Attr(name): Path::FromAttr("cpu").Attr("limit").
  // (A static Path::Attr cannot coexist with the member Attr below: C++
  // does not overload a static and a non-static member on the same
  // parameters.)
  static Path FromAttr(std::string name) {
    return Path().Attr(std::move(name));
  }

  // Copies of this path with one more step appended.
  Path Attr(std::string name) const;
  Path Key(std::string key) const;
  Path Index(int64_t index) const;

  const std::vector<PathStep>& steps() const { return steps_; }
  bool empty() const { return steps_.empty(); }
  // True if `prefix` is a prefix of (or equal to) this path.
  bool HasPrefix(const Path& prefix) const;

  // HCL-like rendering: cpu.limit, mounts[0].target, labels["app"].
  std::string ToString() const;

  bool operator==(const Path&) const = default;
  bool operator<(const Path& o) const { return ToString() < o.ToString(); }

 private:
  std::vector<PathStep> steps_;
};

// The value at `path` inside `root`; nullopt when a step does not exist
// (missing attribute or key, index out of range) or passes through a null
// or unknown value.
std::optional<Value> ValueAtPath(const Value& root, const Path& path);

}  // namespace cvm::values

#endif  // CVM_PROVIDER_VALUES_PATH_H_
