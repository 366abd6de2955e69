// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/values/type.h"

#include <iterator>
#include <optional>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "provider/util/json_string.h"
#include "provider/util/status_macros.h"
#include "provider/values/internal/json_text.h"

namespace cvm::values {

struct Type::Rep {
  Kind kind = Kind::kDynamic;
  std::optional<Type> element;             // list, set, map
  std::map<std::string, Type> attributes;  // object
  std::set<std::string> optional;          // object
  std::vector<Type> tuple;                 // tuple
  bool has_dynamic = false;
};

namespace {

using internal::JsonNode;

const char* CollectionName(Type::Kind kind) {
  switch (kind) {
    case Type::Kind::kList:
      return "list";
    case Type::Kind::kSet:
      return "set";
    default:
      return "map";
  }
}

absl::Status TypeJsonError(absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("invalid type JSON: ", what));
}

}  // namespace

// Members create the representations, since Rep is private.
Type::Type() : Type(Dynamic()) {}
Type::Type(std::shared_ptr<const Rep> rep) : rep_(std::move(rep)) {}

#define CVM_VALUES_PRIMITIVE_TYPE(Name, kind_value)               \
  Type Type::Name() {                                             \
    /* Leaked on purpose: only trivially destructible statics. */ \
    static const auto* const kRep = [] {                          \
      auto rep = std::make_shared<Rep>();                         \
      rep->kind = kind_value;                                     \
      rep->has_dynamic = kind_value == Kind::kDynamic;            \
      return new std::shared_ptr<const Rep>(std::move(rep));      \
    }();                                                          \
    return Type(*kRep);                                           \
  }
CVM_VALUES_PRIMITIVE_TYPE(String, Kind::kString)
CVM_VALUES_PRIMITIVE_TYPE(Number, Kind::kNumber)
CVM_VALUES_PRIMITIVE_TYPE(Bool, Kind::kBool)
CVM_VALUES_PRIMITIVE_TYPE(Dynamic, Kind::kDynamic)
#undef CVM_VALUES_PRIMITIVE_TYPE

Type Type::List(Type element) {
  auto rep = std::make_shared<Rep>();
  rep->kind = Kind::kList;
  rep->has_dynamic = element.HasDynamic();
  rep->element = std::move(element);
  return Type(std::move(rep));
}
Type Type::Set(Type element) {
  auto rep = std::make_shared<Rep>();
  rep->kind = Kind::kSet;
  rep->has_dynamic = element.HasDynamic();
  rep->element = std::move(element);
  return Type(std::move(rep));
}
Type Type::Map(Type element) {
  auto rep = std::make_shared<Rep>();
  rep->kind = Kind::kMap;
  rep->has_dynamic = element.HasDynamic();
  rep->element = std::move(element);
  return Type(std::move(rep));
}

Type Type::Object(std::map<std::string, Type> attributes,
                  std::set<std::string> optional) {
  auto rep = std::make_shared<Rep>();
  rep->kind = Kind::kObject;
  for (const auto& [name, type] : attributes) {
    if (type.HasDynamic()) rep->has_dynamic = true;
  }
  // Optional names that are not attributes are dropped (see header).
  for (auto it = optional.begin(); it != optional.end();) {
    it = attributes.count(*it) ? std::next(it) : optional.erase(it);
  }
  rep->attributes = std::move(attributes);
  rep->optional = std::move(optional);
  return Type(std::move(rep));
}

Type Type::Tuple(std::vector<Type> elements) {
  auto rep = std::make_shared<Rep>();
  rep->kind = Kind::kTuple;
  for (const Type& t : elements) {
    if (t.HasDynamic()) rep->has_dynamic = true;
  }
  rep->tuple = std::move(elements);
  return Type(std::move(rep));
}

Type::Kind Type::kind() const { return rep_->kind; }

bool Type::IsPrimitive() const {
  Kind k = kind();
  return k == Kind::kString || k == Kind::kNumber || k == Kind::kBool;
}

bool Type::IsCollection() const {
  Kind k = kind();
  return k == Kind::kList || k == Kind::kSet || k == Kind::kMap;
}

const Type& Type::element() const {
  static const Type* const kDynamicType = new Type();
  return rep_->element ? *rep_->element : *kDynamicType;
}

const std::map<std::string, Type>& Type::attributes() const {
  return rep_->attributes;
}

const std::set<std::string>& Type::optional_attributes() const {
  return rep_->optional;
}

const std::vector<Type>& Type::tuple_elements() const { return rep_->tuple; }

bool Type::HasDynamic() const { return rep_->has_dynamic; }

bool Type::operator==(const Type& other) const {
  if (rep_ == other.rep_) return true;
  if (kind() != other.kind()) return false;
  switch (kind()) {
    case Kind::kList:
    case Kind::kSet:
    case Kind::kMap:
      return element() == other.element();
    case Kind::kObject:
      return rep_->attributes == other.rep_->attributes &&
             rep_->optional == other.rep_->optional;
    case Kind::kTuple:
      return rep_->tuple == other.rep_->tuple;
    default:
      return true;  // primitives and dynamic
  }
}

namespace {

void AppendTypeJson(const Type& t, std::string* out) {
  switch (t.kind()) {
    case Type::Kind::kString:
      out->append("\"string\"");
      return;
    case Type::Kind::kNumber:
      out->append("\"number\"");
      return;
    case Type::Kind::kBool:
      out->append("\"bool\"");
      return;
    case Type::Kind::kDynamic:
      out->append("\"dynamic\"");
      return;
    case Type::Kind::kList:
    case Type::Kind::kSet:
    case Type::Kind::kMap:
      out->append("[\"");
      out->append(CollectionName(t.kind()));
      out->append("\",");
      AppendTypeJson(t.element(), out);
      out->push_back(']');
      return;
    case Type::Kind::kObject: {
      out->append("[\"object\",{");
      bool first = true;
      for (const auto& [name, attr] : t.attributes()) {
        if (!first) out->push_back(',');
        first = false;
        util::AppendJsonString(name, out);
        out->push_back(':');
        AppendTypeJson(attr, out);
      }
      out->push_back('}');
      if (!t.optional_attributes().empty()) {
        out->append(",[");
        first = true;
        for (const std::string& name : t.optional_attributes()) {
          if (!first) out->push_back(',');
          first = false;
          util::AppendJsonString(name, out);
        }
        out->push_back(']');
      }
      out->push_back(']');
      return;
    }
    case Type::Kind::kTuple: {
      out->append("[\"tuple\",[");
      bool first = true;
      for (const Type& e : t.tuple_elements()) {
        if (!first) out->push_back(',');
        first = false;
        AppendTypeJson(e, out);
      }
      out->append("]]");
      return;
    }
  }
}

}  // namespace

absl::StatusOr<Type> internal::TypeFromJsonNode(const JsonNode& node) {
  if (node.kind == JsonNode::Kind::kString) {
    if (node.text == "string") return Type::String();
    if (node.text == "number") return Type::Number();
    if (node.text == "bool") return Type::Bool();
    if (node.text == "dynamic") return Type::Dynamic();
    return TypeJsonError(absl::StrCat("unknown type \"", node.text, "\""));
  }
  if (node.kind != JsonNode::Kind::kArray) {
    return TypeJsonError(
        absl::StrCat("a type must be a string or an array, not ",
                     internal::JsonKindName(node.kind)));
  }
  if (node.elements.empty() ||
      node.elements[0].kind != JsonNode::Kind::kString) {
    return TypeJsonError("a type array must start with a type kind string");
  }
  const std::string& kind = node.elements[0].text;
  if (kind == "list" || kind == "set" || kind == "map") {
    if (node.elements.size() != 2) {
      return TypeJsonError(
          absl::StrCat("a ", kind, " type needs exactly one element type"));
    }
    CVM_ASSIGN_OR_RETURN(Type element,
                         internal::TypeFromJsonNode(node.elements[1]));
    if (kind == "list") return Type::List(std::move(element));
    if (kind == "set") return Type::Set(std::move(element));
    return Type::Map(std::move(element));
  }
  if (kind == "object") {
    if (node.elements.size() != 2 && node.elements.size() != 3) {
      return TypeJsonError(
          "an object type needs an attribute object and optionally a list "
          "of optional attributes");
    }
    const JsonNode& attrs = node.elements[1];
    if (attrs.kind != JsonNode::Kind::kObject) {
      return TypeJsonError("object attributes must be a JSON object");
    }
    std::map<std::string, Type> attributes;
    for (size_t i = 0; i < attrs.keys.size(); ++i) {
      CVM_ASSIGN_OR_RETURN(Type t,
                           internal::TypeFromJsonNode(attrs.elements[i]));
      attributes.emplace(attrs.keys[i], std::move(t));
    }
    std::set<std::string> optional;
    if (node.elements.size() == 3) {
      const JsonNode& opt = node.elements[2];
      if (opt.kind != JsonNode::Kind::kArray) {
        return TypeJsonError("optional attributes must be a JSON array");
      }
      for (const JsonNode& name : opt.elements) {
        if (name.kind != JsonNode::Kind::kString) {
          return TypeJsonError("optional attribute names must be strings");
        }
        if (!attributes.count(name.text)) {
          return TypeJsonError(absl::StrCat("optional attribute \"", name.text,
                                            "\" is not an attribute"));
        }
        optional.insert(name.text);
      }
    }
    return Type::Object(std::move(attributes), std::move(optional));
  }
  if (kind == "tuple") {
    if (node.elements.size() != 2 ||
        node.elements[1].kind != JsonNode::Kind::kArray) {
      return TypeJsonError("a tuple type needs an array of element types");
    }
    std::vector<Type> elements;
    elements.reserve(node.elements[1].elements.size());
    for (const JsonNode& e : node.elements[1].elements) {
      CVM_ASSIGN_OR_RETURN(Type t, internal::TypeFromJsonNode(e));
      elements.push_back(std::move(t));
    }
    return Type::Tuple(std::move(elements));
  }
  return TypeJsonError(absl::StrCat("unknown type kind \"", kind, "\""));
}

std::string Type::ToJson() const {
  std::string out;
  AppendTypeJson(*this, &out);
  return out;
}

absl::StatusOr<Type> Type::FromJson(std::string_view json) {
  absl::StatusOr<JsonNode> node = internal::ParseJson(json);
  if (!node.ok()) {
    return TypeJsonError(node.status().message());
  }
  return internal::TypeFromJsonNode(*node);
}

std::string Type::FriendlyName() const {
  switch (kind()) {
    case Kind::kString:
      return "string";
    case Kind::kNumber:
      return "number";
    case Kind::kBool:
      return "bool";
    case Kind::kDynamic:
      return "dynamic";
    case Kind::kList:
    case Kind::kSet:
    case Kind::kMap:
      return absl::StrCat(CollectionName(kind()), " of ",
                          element().FriendlyName());
    case Kind::kObject:
      return "object";
    case Kind::kTuple:
      return "tuple";
  }
  return "dynamic";
}

}  // namespace cvm::values
