// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// EncodeMsgpack (msgpack.h): a Value against its schema type, to cty's
// MessagePack.

#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "provider/util/status_macros.h"
#include "provider/values/internal/msgpack_refinements.h"
#include "provider/values/internal/msgpack_wire.h"
#include "provider/values/internal/path_prefix.h"
#include "provider/values/msgpack.h"
#include "provider/values/path.h"

namespace cvm::values {
namespace {

using internal::PathPrefix;
using internal::msgpack::kMaxRefinementPayload;
using internal::msgpack::kRefinedUnknownExt;
using internal::msgpack::RefinementPayload;
using internal::msgpack::Writer;

// True if a value of type `have` may stand at a position of type `want`.
bool Conforms(const Type& have, const Type& want) {
  if (want.IsDynamic() || have.IsDynamic()) return true;
  if (have.kind() != want.kind()) return false;
  switch (want.kind()) {
    case Type::Kind::kList:
    case Type::Kind::kSet:
    case Type::Kind::kMap:
      return Conforms(have.element(), want.element());
    case Type::Kind::kObject: {
      const auto& ha = have.attributes();
      const auto& wa = want.attributes();
      if (ha.size() != wa.size()) return false;
      for (auto hi = ha.begin(), wi = wa.begin(); hi != ha.end(); ++hi, ++wi) {
        if (hi->first != wi->first || !Conforms(hi->second, wi->second)) {
          return false;
        }
      }
      return true;
    }
    case Type::Kind::kTuple: {
      const auto& he = have.tuple_elements();
      const auto& we = want.tuple_elements();
      if (he.size() != we.size()) return false;
      for (size_t i = 0; i < he.size(); ++i) {
        if (!Conforms(he[i], we[i])) return false;
      }
      return true;
    }
    default:
      return true;
  }
}

class Encoder {
 public:
  absl::Status Encode(const Value& v, const Type& t) {
    if (t.IsDynamic()) return EncodeAtDynamic(v);
    if (v.IsNull() || v.IsUnknown()) {
      if (!Conforms(v.type(), t)) return Mismatch(v, t);
      if (v.IsNull()) {
        w_.Nil();
      } else {
        WriteUnknown(v.refinements(), t);
      }
      return absl::OkStatus();
    }
    if (v.type().kind() != t.kind()) return Mismatch(v, t);
    switch (t.kind()) {
      case Type::Kind::kString:
        w_.Str(v.AsString());
        return absl::OkStatus();
      case Type::Kind::kNumber:
        w_.Number(v.AsNumber());
        return absl::OkStatus();
      case Type::Kind::kBool:
        w_.Bool(v.AsBool());
        return absl::OkStatus();
      case Type::Kind::kList:
      case Type::Kind::kSet:
        return EncodeElements(v, t);
      case Type::Kind::kMap:
        return EncodeMap(v, t);
      case Type::Kind::kObject:
        return EncodeObject(v, t);
      case Type::Kind::kTuple:
        return EncodeTuple(v, t);
      case Type::Kind::kDynamic:
        break;
    }
    return Error("unsupported type");
  }

  std::string Take() { return std::move(w_.out()); }

 private:
  // A value at a dynamic position: [type JSON, value], or the plain null or
  // unknown of type dynamic.
  absl::Status EncodeAtDynamic(const Value& v) {
    if (!v.type().IsDynamic()) {
      w_.ArrayHeader(2);
      w_.Bin(v.type().ToJson());
      return Encode(v, v.type());
    }
    if (v.IsUnknown()) {
      w_.PlainUnknown();  // cty.DynamicVal never has refinements
      return absl::OkStatus();
    }
    if (v.IsNull()) {
      w_.Nil();
      return absl::OkStatus();
    }
    return Error("a known value cannot have type dynamic");
  }

  // A known list or set.
  absl::Status EncodeElements(const Value& v, const Type& t) {
    const std::vector<Value>& elements = v.Elements();
    w_.ArrayHeader(elements.size());
    for (size_t i = 0; i < elements.size(); ++i) {
      path_.emplace_back(IndexStep{static_cast<int64_t>(i)});
      CVM_RETURN_IF_ERROR(Encode(elements[i], t.element()));
      path_.pop_back();
    }
    return absl::OkStatus();
  }

  absl::Status EncodeMap(const Value& v, const Type& t) {
    const auto& entries = v.Entries();
    w_.MapHeader(entries.size());
    for (const auto& [key, e] : entries) {
      path_.emplace_back(KeyStep{key});
      w_.Str(key);
      CVM_RETURN_IF_ERROR(Encode(e, t.element()));
      path_.pop_back();
    }
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
    w_.MapHeader(attributes.size());
    for (const auto& [name, attr_type] : attributes) {
      auto it = entries.find(name);
      if (it == entries.end()) {
        return Error(absl::StrCat("attribute \"", name, "\" is required"));
      }
      path_.emplace_back(AttributeStep{name});
      w_.Str(name);
      CVM_RETURN_IF_ERROR(Encode(it->second, attr_type));
      path_.pop_back();
    }
    return absl::OkStatus();
  }

  absl::Status EncodeTuple(const Value& v, const Type& t) {
    const std::vector<Value>& elements = v.Elements();
    const std::vector<Type>& types = t.tuple_elements();
    if (elements.size() != types.size()) {
      return Error(absl::StrCat("a tuple of length ", types.size(),
                                " is required (", elements.size(), " given)"));
    }
    w_.ArrayHeader(elements.size());
    for (size_t i = 0; i < elements.size(); ++i) {
      path_.emplace_back(IndexStep{static_cast<int64_t>(i)});
      CVM_RETURN_IF_ERROR(Encode(elements[i], types[i]));
      path_.pop_back();
    }
    return absl::OkStatus();
  }

  void WriteUnknown(const Refinements& r, const Type& t) {
    // Terraform rejects refinement payloads over 1 KiB; shorten the string
    // prefix (a shorter prefix is still true) or, failing that, drop the
    // refinements altogether (an unrefined unknown is always true).
    size_t limit = std::numeric_limits<size_t>::max();
    std::string payload = RefinementPayload(r, t, limit);
    if (payload.size() > kMaxRefinementPayload && r.string_prefix) {
      size_t excess = payload.size() - kMaxRefinementPayload;
      // The prefix's header may shrink too, so a few bytes of slack suffice.
      limit = r.string_prefix->size() > excess + 8
                  ? r.string_prefix->size() - excess - 8
                  : 0;
      payload = RefinementPayload(r, t, limit);
    }
    if (payload.empty() || payload.size() > kMaxRefinementPayload) {
      w_.PlainUnknown();
      return;
    }
    w_.Ext(kRefinedUnknownExt, payload);
  }

  absl::Status Error(absl::string_view message) const {
    return absl::InvalidArgumentError(absl::StrCat(PathPrefix(path_), message));
  }

  absl::Status Mismatch(const Value& v, const Type& t) const {
    return Error(absl::StrCat(t.FriendlyName(), " required, got ",
                              v.type().FriendlyName()));
  }

  Writer w_;
  std::vector<PathStep> path_;
};

}  // namespace

absl::StatusOr<std::string> EncodeMsgpack(const Value& value,
                                          const Type& type) {
  Encoder e;
  CVM_RETURN_IF_ERROR(e.Encode(value, type));
  return e.Take();
}

}  // namespace cvm::values
