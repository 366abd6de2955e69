// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Terraform's (cty's) type system: the primitives string, number and bool;
// the collections list, set and map; the structural object (with optional
// attributes) and tuple; and the dynamic pseudo-type "any". Part of values/.

#ifndef CVM_PROVIDER_VALUES_TYPE_H_
#define CVM_PROVIDER_VALUES_TYPE_H_

#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace cvm::values {

// A Terraform type. An immutable value type: cheap to copy (shared
// representation), safe to share between threads.
class Type {
 public:
  enum class Kind {
    kString,
    kNumber,
    kBool,
    kDynamic,
    kList,
    kSet,
    kMap,
    kObject,
    kTuple,
  };

  // Default-constructed Type is Dynamic.
  Type();

  static Type String();
  static Type Number();
  static Type Bool();
  static Type Dynamic();
  static Type List(Type element);
  static Type Set(Type element);
  static Type Map(Type element);
  // `optional` names attributes that may be omitted in a type constraint
  // (only meaningful in function parameters); each must be a key of
  // `attributes`.
  static Type Object(std::map<std::string, Type> attributes,
                     std::set<std::string> optional = {});
  static Type Tuple(std::vector<Type> elements);

  Kind kind() const;
  bool IsPrimitive() const;
  bool IsCollection() const;  // list, set or map
  bool IsDynamic() const { return kind() == Kind::kDynamic; }

  // REQUIRES: IsCollection().
  const Type& element() const;
  // REQUIRES: kind() == kObject. Attributes in name order.
  const std::map<std::string, Type>& attributes() const;
  // REQUIRES: kind() == kObject.
  const std::set<std::string>& optional_attributes() const;
  // REQUIRES: kind() == kTuple.
  const std::vector<Type>& tuple_elements() const;

  // True if this type contains Dynamic anywhere.
  bool HasDynamic() const;

  bool operator==(const Type& other) const;
  bool operator!=(const Type& other) const { return !(*this == other); }

  // The cty JSON encoding used in schemas and for dynamic values, e.g.
  // "string", ["list","string"], ["object",{"a":"number"}] (with a third
  // element listing optional attributes when there are any).
  std::string ToJson() const;

  // Parses the cty JSON encoding. Errors: kInvalidArgument for malformed
  // JSON or an unknown type name.
  static absl::StatusOr<Type> FromJson(std::string_view json);

  // A short name for diagnostics: "string", "list of string",
  // "object", "map of number", ...
  std::string FriendlyName() const;

 private:
  struct Rep;
  explicit Type(std::shared_ptr<const Rep> rep);
  std::shared_ptr<const Rep> rep_;
};

}  // namespace cvm::values

#endif  // CVM_PROVIDER_VALUES_TYPE_H_
