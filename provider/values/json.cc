// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/values/json.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "provider/util/json_string.h"
#include "provider/util/status_macros.h"
#include "provider/values/internal/json_text.h"
#include "provider/values/internal/path_prefix.h"
#include "provider/values/path.h"

namespace cvm::values {
namespace {

using internal::JsonNode;
using internal::PathPrefix;

bool IsValidUtf8(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    size_t n = util::Utf8SequenceLength(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

class Encoder {
 public:
  absl::Status Encode(const Value& v, const Type& t) {
    if (t.IsDynamic() && !v.type().IsDynamic()) {
      out_.append("{\"value\":");
      CVM_RETURN_IF_ERROR(Encode(v, v.type()));
      out_.append(",\"type\":");
      out_.append(v.type().ToJson());
      out_.push_back('}');
      return absl::OkStatus();
    }
    if (v.IsNull()) {
      if (!t.IsDynamic() && !v.type().IsDynamic() &&
          v.type().kind() != t.kind()) {
        return Mismatch(v, t);
      }
      out_.append("null");
      return absl::OkStatus();
    }
    if (v.IsUnknown()) return Error("value is not known");
    if (v.type().kind() != t.kind()) return Mismatch(v, t);
    switch (t.kind()) {
      case Type::Kind::kString:
        if (!IsValidUtf8(v.AsString())) {
          return Error("string is not valid UTF-8");
        }
        util::AppendJsonString(v.AsString(), &out_);
        return absl::OkStatus();
      case Type::Kind::kNumber:
        if (v.AsNumber().IsInfinity()) {
          return Error("infinity cannot be represented in JSON");
        }
        out_.append(v.AsNumber().ToString());
        return absl::OkStatus();
      case Type::Kind::kBool:
        out_.append(v.AsBool() ? "true" : "false");
        return absl::OkStatus();
      case Type::Kind::kList:
      case Type::Kind::kSet:
      case Type::Kind::kTuple:
        return EncodeElements(v, t);
      case Type::Kind::kMap:
        return EncodeMap(v, t);
      case Type::Kind::kObject:
        return EncodeObject(v, t);
      case Type::Kind::kDynamic:
        break;
    }
    return Error("a known value cannot have type dynamic");
  }

  std::string Take() { return std::move(out_); }

 private:
  // A known list, set or tuple, as a JSON array.
  absl::Status EncodeElements(const Value& v, const Type& t) {
    const std::vector<Value>& elements = v.Elements();
    if (t.kind() == Type::Kind::kTuple &&
        elements.size() != t.tuple_elements().size()) {
      return Error(absl::StrCat("a tuple of length ", t.tuple_elements().size(),
                                " is required (", elements.size(), " given)"));
    }
    out_.push_back('[');
    for (size_t i = 0; i < elements.size(); ++i) {
      if (i > 0) out_.push_back(',');
      path_.emplace_back(IndexStep{static_cast<int64_t>(i)});
      const Type& et =
          t.kind() == Type::Kind::kTuple ? t.tuple_elements()[i] : t.element();
      CVM_RETURN_IF_ERROR(Encode(elements[i], et));
      path_.pop_back();
    }
    out_.push_back(']');
    return absl::OkStatus();
  }

  absl::Status EncodeMap(const Value& v, const Type& t) {
    out_.push_back('{');
    bool first = true;
    for (const auto& [key, e] : v.Entries()) {
      if (!IsValidUtf8(key)) {
        return Error("map key is not valid UTF-8");
      }
      if (!first) out_.push_back(',');
      first = false;
      util::AppendJsonString(key, &out_);
      out_.push_back(':');
      path_.emplace_back(KeyStep{key});
      CVM_RETURN_IF_ERROR(Encode(e, t.element()));
      path_.pop_back();
    }
    out_.push_back('}');
    return absl::OkStatus();
  }

  absl::Status EncodeObject(const Value& v, const Type& t) {
    const auto& entries = v.Entries();
    const auto& attributes = t.attributes();
    for (const auto& [name, e] : entries) {
      if (!attributes.count(name)) {
        return Error(absl::StrCat("unsupported attribute \"", name, "\""));
      }
    }
    out_.push_back('{');
    bool first = true;
    for (const auto& [name, attr_type] : attributes) {
      auto it = entries.find(name);
      if (it == entries.end()) {
        return Error(absl::StrCat("attribute \"", name, "\" is required"));
      }
      if (!IsValidUtf8(name)) {
        return Error("attribute name is not valid UTF-8");
      }
      if (!first) out_.push_back(',');
      first = false;
      util::AppendJsonString(name, &out_);
      out_.push_back(':');
      path_.emplace_back(AttributeStep{name});
      CVM_RETURN_IF_ERROR(Encode(it->second, attr_type));
      path_.pop_back();
    }
    out_.push_back('}');
    return absl::OkStatus();
  }

  absl::Status Error(absl::string_view message) const {
    return absl::InvalidArgumentError(absl::StrCat(PathPrefix(path_), message));
  }
  absl::Status Mismatch(const Value& v, const Type& t) const {
    return Error(absl::StrCat(t.FriendlyName(), " required, got ",
                              v.type().FriendlyName()));
  }

  std::string out_;
  std::vector<PathStep> path_;
};

class Decoder {
 public:
  explicit Decoder(bool ignore_unknown_attributes)
      : ignore_unknown_attributes_(ignore_unknown_attributes) {}

  absl::StatusOr<Value> Decode(const JsonNode& node, const Type& t) {
    if (node.kind == JsonNode::Kind::kNull) return Value::Null(t);
    switch (t.kind()) {
      case Type::Kind::kDynamic:
        return DecodeDynamic(node);
      case Type::Kind::kString:
        // cty also accepts numbers and bools where a string is expected.
        switch (node.kind) {
          case JsonNode::Kind::kString:
          case JsonNode::Kind::kNumber:
            return Value::String(node.text);
          case JsonNode::Kind::kBool:
            return Value::String(node.boolean ? "true" : "false");
          default:
            return Required("string", node);
        }
      case Type::Kind::kNumber: {
        // cty also accepts a string holding a number.
        if (node.kind != JsonNode::Kind::kNumber &&
            node.kind != JsonNode::Kind::kString) {
          return Required("number", node);
        }
        absl::StatusOr<Number> n = Number::Parse(node.text);
        if (!n.ok()) return Error(n.status().message());
        return Value::Number(*std::move(n));
      }
      case Type::Kind::kBool:
        if (node.kind == JsonNode::Kind::kBool)
          return Value::Bool(node.boolean);
        if (node.kind == JsonNode::Kind::kString) {
          if (node.text == "true") return Value::Bool(true);
          if (node.text == "false") return Value::Bool(false);
          return Error(absl::StrCat("a bool is required, got string \"",
                                    node.text, "\""));
        }
        return Required("bool", node);
      case Type::Kind::kList:
      case Type::Kind::kSet:
        return DecodeElements(node, t);
      case Type::Kind::kTuple:
        return DecodeTuple(node, t);
      case Type::Kind::kMap:
        return DecodeMap(node, t);
      case Type::Kind::kObject:
        return DecodeObject(node, t);
    }
    return Error("unsupported type");
  }

 private:
  // A list or set.
  absl::StatusOr<Value> DecodeElements(const JsonNode& node, const Type& t) {
    bool is_set = t.kind() == Type::Kind::kSet;
    if (node.kind != JsonNode::Kind::kArray) {
      return Required(is_set ? "set" : "list", node);
    }
    std::vector<Value> elements;
    elements.reserve(node.elements.size());
    for (size_t i = 0; i < node.elements.size(); ++i) {
      path_.emplace_back(IndexStep{static_cast<int64_t>(i)});
      CVM_ASSIGN_OR_RETURN(Value v, Decode(node.elements[i], t.element()));
      path_.pop_back();
      elements.push_back(std::move(v));
    }
    return is_set ? Value::Set(t.element(), std::move(elements))
                  : Value::List(t.element(), std::move(elements));
  }

  absl::StatusOr<Value> DecodeTuple(const JsonNode& node, const Type& t) {
    if (node.kind != JsonNode::Kind::kArray) return Required("tuple", node);
    const std::vector<Type>& types = t.tuple_elements();
    if (node.elements.size() != types.size()) {
      return Error(absl::StrCat("a tuple of length ", types.size(),
                                " is required (", node.elements.size(),
                                " given)"));
    }
    std::vector<Value> elements;
    elements.reserve(types.size());
    for (size_t i = 0; i < types.size(); ++i) {
      path_.emplace_back(IndexStep{static_cast<int64_t>(i)});
      CVM_ASSIGN_OR_RETURN(Value v, Decode(node.elements[i], types[i]));
      path_.pop_back();
      elements.push_back(std::move(v));
    }
    return Value::Tuple(std::move(elements));
  }

  absl::StatusOr<Value> DecodeMap(const JsonNode& node, const Type& t) {
    if (node.kind != JsonNode::Kind::kObject) return Required("map", node);
    std::map<std::string, Value> entries;
    for (size_t i = 0; i < node.keys.size(); ++i) {
      path_.emplace_back(KeyStep{node.keys[i]});
      CVM_ASSIGN_OR_RETURN(Value v, Decode(node.elements[i], t.element()));
      path_.pop_back();
      entries.emplace(node.keys[i], std::move(v));
    }
    return Value::Map(t.element(), std::move(entries));
  }

  absl::StatusOr<Value> DecodeObject(const JsonNode& node, const Type& t) {
    if (node.kind != JsonNode::Kind::kObject) {
      return Required("object", node);
    }
    const auto& attributes = t.attributes();
    std::map<std::string, Value> values;
    for (size_t i = 0; i < node.keys.size(); ++i) {
      const std::string& name = node.keys[i];
      auto it = attributes.find(name);
      if (it == attributes.end()) {
        if (ignore_unknown_attributes_) continue;
        return Error(absl::StrCat("unsupported attribute \"", name, "\""));
      }
      path_.emplace_back(AttributeStep{name});
      CVM_ASSIGN_OR_RETURN(Value v, Decode(node.elements[i], it->second));
      path_.pop_back();
      values.emplace(name, std::move(v));
    }
    // Attributes missing from the JSON (e.g. added to the schema since
    // the state was written) are null.
    for (const auto& [name, attr_type] : attributes) {
      if (!values.count(name)) values.emplace(name, Value::Null(attr_type));
    }
    return Value::Object(std::move(values), t);
  }

  absl::StatusOr<Value> DecodeDynamic(const JsonNode& node) {
    if (node.kind != JsonNode::Kind::kObject) {
      return Error(absl::StrCat(
          "a dynamic value must be an object {\"value\": ..., \"type\": ...}, "
          "got ",
          internal::JsonKindName(node.kind)));
    }
    const JsonNode* value = nullptr;
    const JsonNode* type = nullptr;
    for (size_t i = 0; i < node.keys.size(); ++i) {
      if (node.keys[i] == "value") {
        value = &node.elements[i];
      } else if (node.keys[i] == "type") {
        type = &node.elements[i];
      } else {
        return Error(absl::StrCat("invalid key \"", node.keys[i],
                                  "\" in a dynamic value"));
      }
    }
    if (type == nullptr) return Error("missing type in a dynamic value");
    if (value == nullptr) return Error("missing value in a dynamic value");
    absl::StatusOr<Type> t = internal::TypeFromJsonNode(*type);
    if (!t.ok()) return Error(t.status().message());
    return Decode(*value, *t);
  }

  absl::Status Error(absl::string_view message) const {
    return absl::InvalidArgumentError(absl::StrCat(PathPrefix(path_), message));
  }
  absl::Status Required(absl::string_view what, const JsonNode& node) const {
    return Error(absl::StrCat(what, " required, got ",
                              internal::JsonKindName(node.kind)));
  }

  bool ignore_unknown_attributes_;
  std::vector<PathStep> path_;
};

}  // namespace

absl::StatusOr<std::string> EncodeJson(const Value& value, const Type& type) {
  Encoder e;
  CVM_RETURN_IF_ERROR(e.Encode(value, type));
  return e.Take();
}

absl::StatusOr<Value> DecodeJson(std::string_view json, const Type& type,
                                 bool ignore_unknown_attributes) {
  CVM_ASSIGN_OR_RETURN(JsonNode node, internal::ParseJson(json));
  Decoder d(ignore_unknown_attributes);
  return d.Decode(node, type);
}

}  // namespace cvm::values
