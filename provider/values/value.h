// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Terraform's values: every value has a Type and is null, unknown (possibly
// refined), or known. Known collections and structures hold further values.
// Part of values/.
//
// tfplugin6 carries no value marks on the wire (sensitivity is a property of
// the schema, applied by Terraform), so Values carry none either.
//
// Example:
//   Value v = Value::Object({{"name", Value::String("dev")},
//                            {"size", Value::Null(Type::Number())}});
//   v.GetAttr("name").AsString();  // "dev"

#ifndef CVM_PROVIDER_VALUES_VALUE_H_
#define CVM_PROVIDER_VALUES_VALUE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "provider/values/number.h"
#include "provider/values/type.h"

namespace cvm::values {

// What is known about an unknown value (cty "refinements", msgpack ext 12).
// Every member is optional; an empty Refinements is a plain unknown.
struct Refinements {
  std::optional<bool> not_null;  // key 1 (true: definitely not null)
  std::optional<std::string> string_prefix;  // key 2
  std::optional<std::pair<Number, bool>>
      number_lower;  // key 3: bound, inclusive
  std::optional<std::pair<Number, bool>> number_upper;  // key 4
  std::optional<int64_t> length_lower;                  // key 5
  std::optional<int64_t> length_upper;                  // key 6

  bool empty() const {
    return !not_null && !string_prefix && !number_lower && !number_upper &&
           !length_lower && !length_upper;
  }
  bool operator==(const Refinements& o) const = default;
};

// An immutable Terraform value. Copies share their contents, so copying is
// cheap; safe to share between threads.
class Value {
 public:
  // A null value of type Dynamic.
  Value();

  static Value Null(Type type);
  // Refinements are kept in canonical form, so that equal knowledge compares
  // equal and survives an encode/decode round trip: only those applicable
  // to `type` are kept (none for Dynamic; not_null for every other type;
  // string_prefix for String; number bounds for Number; length bounds for
  // List, Set and Map), not_null == false ("may be null", the default) is
  // dropped, and so is an empty string_prefix.
  static Value Unknown(Type type, Refinements refinements = {});

  static Value String(std::string s);
  static Value Number(values::Number n);
  static Value Int(int64_t n) { return Number(values::Number::FromInt64(n)); }
  static Value Bool(bool b);
  // Elements must all have type `element_type` (or be null/unknown of it).
  static Value List(Type element_type, std::vector<Value> elements);
  // Duplicates are removed; elements are kept in a canonical order so that
  // equal sets compare equal.
  static Value Set(Type element_type, std::vector<Value> elements);
  static Value Map(Type element_type, std::map<std::string, Value> elements);
  // The object type is derived from the attribute values' types.
  static Value Object(std::map<std::string, Value> attributes);
  // The same value as Object(attributes); its type is `expected` itself
  // (shared, not built again) when `expected` is an object type with
  // exactly the attribute values' types, as a decoder or a schema usually
  // knows.
  static Value Object(std::map<std::string, Value> attributes,
                      const Type& expected);
  static Value Tuple(std::vector<Value> elements);

  const Type& type() const { return type_; }
  bool IsNull() const { return state_ == State::kNull; }
  bool IsUnknown() const { return state_ == State::kUnknown; }
  bool IsKnown() const { return state_ == State::kKnown; }
  // Known, and every nested value known too (nulls count as known).
  bool IsWhollyKnown() const;
  // REQUIRES: IsUnknown().
  const Refinements& refinements() const { return *refinements_; }

  // Accessors for known values. REQUIRES: IsKnown() and the matching kind.
  const std::string& AsString() const;
  const values::Number& AsNumber() const;
  bool AsBool() const;
  // List, set and tuple elements.
  const std::vector<Value>& Elements() const;
  // Map elements and object attributes, by name.
  const std::map<std::string, Value>& Entries() const;

  // Object attribute by name; a null of Dynamic type when absent.
  // REQUIRES: IsKnown() and type().kind() == kObject.
  const Value& GetAttr(const std::string& name) const;
  // A copy with attribute `name` replaced (or added, changing the type).
  // REQUIRES: IsKnown() and an object.
  // The rvalue form (`v = std::move(v).WithAttr(...)`) updates this value's
  // attributes in place when nothing else shares them, so a loop setting k
  // attributes of an n-attribute object copies it once, not k times.
  Value WithAttr(const std::string& name, Value v) const&;
  Value WithAttr(const std::string& name, Value v) &&;

  // Number of elements of a known collection, tuple or object.
  size_t Length() const;

  // Structural equality: same type, same nullness/unknownness, equal
  // contents. Unknowns are equal when their types and refinements are.
  bool operator==(const Value& other) const;
  bool operator!=(const Value& other) const { return !(*this == other); }

  // Equality that ignores refinements on unknowns (the comparison Terraform
  // uses when it checks plans).
  bool EqualIgnoringRefinements(const Value& other) const;

  // A compact human-readable rendering for messages and tests, e.g.
  // {"a" = 1, "b" = ["x", (unknown)]}. Never used for secrets.
  std::string DebugString() const;

 private:
  enum class State { kNull, kUnknown, kKnown };
  struct Known;

  Type type_;
  State state_ = State::kNull;
  std::shared_ptr<const Refinements> refinements_;
  std::shared_ptr<const Known> known_;
};

}  // namespace cvm::values

#endif  // CVM_PROVIDER_VALUES_VALUE_H_
