// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/framework/internal/value_lookup.h"

namespace cvm::framework::internal {

using values::Type;
using values::Value;

const Value& NullValue() {
  static const Value* v = new Value();
  return *v;
}

const Value& Attr(const Value& obj, const std::string& name) {
  if (!obj.IsKnown() || obj.type().kind() != Type::Kind::kObject) {
    return NullValue();
  }
  auto it = obj.Entries().find(name);
  return it == obj.Entries().end() ? NullValue() : it->second;
}

const Value& Elem(const Value& coll, size_t i) {
  if (!coll.IsKnown()) return NullValue();
  const Type::Kind k = coll.type().kind();
  if (k != Type::Kind::kList && k != Type::Kind::kTuple) return NullValue();
  return i < coll.Elements().size() ? coll.Elements()[i] : NullValue();
}

const Value& Entry(const Value& coll, const std::string& key) {
  if (!coll.IsKnown()) return NullValue();
  auto it = coll.Entries().find(key);
  return it == coll.Entries().end() ? NullValue() : it->second;
}

}  // namespace cvm::framework::internal
