// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/framework/value_access.h"

namespace cvm::framework {

using values::Type;
using values::Value;

const Value& Attr(const Value& object, std::string_view name) {
  static const Value* null_value = new Value();
  if (!object.IsKnown() || object.type().kind() != Type::Kind::kObject) {
    return *null_value;
  }
  auto it = object.Entries().find(std::string(name));
  return it == object.Entries().end() ? *null_value : it->second;
}

std::optional<std::string> StringAttr(const Value& object,
                                      std::string_view name) {
  const Value& v = Attr(object, name);
  if (!v.IsKnown() || v.type() != Type::String()) return std::nullopt;
  return v.AsString();
}

std::optional<bool> BoolAttr(const Value& object, std::string_view name) {
  const Value& v = Attr(object, name);
  if (!v.IsKnown() || v.type() != Type::Bool()) return std::nullopt;
  return v.AsBool();
}

std::optional<int64_t> IntAttr(const Value& object, std::string_view name) {
  const Value& v = Attr(object, name);
  if (!v.IsKnown() || v.type() != Type::Number()) return std::nullopt;
  return v.AsNumber().ToInt64();
}

std::optional<double> NumberAttr(const Value& object, std::string_view name) {
  const Value& v = Attr(object, name);
  if (!v.IsKnown() || v.type() != Type::Number()) return std::nullopt;
  return v.AsNumber().ToDouble();
}

const std::vector<Value>& ElementsOf(const Value& list) {
  static const std::vector<Value>* const kNone = new std::vector<Value>();
  if (!list.IsKnown() || list.IsNull()) return *kNone;
  const Type::Kind k = list.type().kind();
  if (k != Type::Kind::kList && k != Type::Kind::kSet &&
      k != Type::Kind::kTuple) {
    return *kNone;
  }
  return list.Elements();
}

std::optional<std::vector<std::string>> StringListAttr(const Value& object,
                                                       std::string_view name) {
  const Value& v = Attr(object, name);
  if (!v.IsKnown()) return std::nullopt;
  const Type::Kind k = v.type().kind();
  if (k != Type::Kind::kList && k != Type::Kind::kSet &&
      k != Type::Kind::kTuple) {
    return std::nullopt;
  }
  std::vector<std::string> out;
  for (const Value& e : v.Elements()) {
    if (e.IsKnown() && e.type() == Type::String()) out.push_back(e.AsString());
  }
  return out;
}

std::optional<std::map<std::string, std::string>> StringMapAttr(
    const Value& object, std::string_view name) {
  const Value& v = Attr(object, name);
  if (!v.IsKnown()) return std::nullopt;
  const Type::Kind k = v.type().kind();
  if (k != Type::Kind::kMap && k != Type::Kind::kObject) return std::nullopt;
  std::map<std::string, std::string> out;
  for (const auto& [key, e] : v.Entries()) {
    if (e.IsKnown() && e.type() == Type::String())
      out.emplace(key, e.AsString());
  }
  return out;
}

Value StringList(const std::vector<std::string>& items) {
  std::vector<Value> elems;
  elems.reserve(items.size());
  for (const std::string& s : items) elems.push_back(Value::String(s));
  return Value::List(Type::String(), std::move(elems));
}

Value StringMap(const std::map<std::string, std::string>& items) {
  std::map<std::string, Value> elems;
  for (const auto& [k, s] : items) elems.emplace(k, Value::String(s));
  return Value::Map(Type::String(), std::move(elems));
}

Value OptionalString(const std::optional<std::string>& s) {
  return s ? Value::String(*s) : Value::Null(Type::String());
}

}  // namespace cvm::framework
