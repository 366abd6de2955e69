// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// DecodeMsgpack (msgpack.h): cty's MessagePack, from Terraform or from
// EncodeMsgpack, against a schema type. Input is hostile: every read is
// bounds-checked and recursion is bounded by kMaxDepth.

#include <map>
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
using internal::msgpack::Format;
using internal::msgpack::FormatName;
using internal::msgpack::Header;
using internal::msgpack::IsExtByte;
using internal::msgpack::kMaxRefinementPayload;
using internal::msgpack::kRefinedUnknownExt;
using internal::msgpack::NumberFromHeader;
using internal::msgpack::Reader;

constexpr int kMaxDepth = 256;

class Decoder {
 public:
  explicit Decoder(std::string_view in) : r_(in) {}

  absl::StatusOr<Value> DecodeTop(const Type& t) {
    CVM_ASSIGN_OR_RETURN(Value v, Decode(t, 0));
    if (!r_.AtEnd()) {
      return absl::InvalidArgumentError(
          absl::StrCat("unexpected trailing bytes after the value (",
                       r_.remaining(), " bytes)"));
    }
    return v;
  }

 private:
  absl::Status Error(absl::string_view message) const {
    return absl::InvalidArgumentError(absl::StrCat(PathPrefix(path_), message));
  }
  absl::Status Truncated() const {
    return Error("truncated or malformed input");
  }
  absl::Status Required(absl::string_view what, const Header& h) const {
    return Error(absl::StrCat(what, " required, got ", FormatName(h.format)));
  }

  absl::StatusOr<Header> Next() {
    Header h;
    if (!r_.ReadHeader(&h)) return Truncated();
    return h;
  }

  absl::StatusOr<std::string_view> Payload(const Header& h) {
    std::string_view bytes;
    if (!r_.ReadBytes(h.length, &bytes)) return Truncated();
    return bytes;
  }

  absl::StatusOr<Value> Decode(const Type& t, int depth) {
    if (depth > kMaxDepth) {
      return Error(absl::StrCat("nesting deeper than ", kMaxDepth, " levels"));
    }
    if (r_.AtEnd()) return Error("unexpected end of input");
    uint8_t peek = r_.PeekByte();
    if (IsExtByte(peek)) return DecodeUnknown(t);
    if (peek == 0xc0) {
      CVM_ASSIGN_OR_RETURN(Header h, Next());
      (void)h;
      return Value::Null(t);
    }
    CVM_ASSIGN_OR_RETURN(Header h, Next());
    switch (t.kind()) {
      case Type::Kind::kDynamic:
        return DecodeDynamic(h, depth);
      case Type::Kind::kString: {
        if (h.format != Format::kStr && h.format != Format::kBin) {
          return Required("string", h);
        }
        CVM_ASSIGN_OR_RETURN(std::string_view s, Payload(h));
        return Value::String(std::string(s));
      }
      case Type::Kind::kNumber: {
        std::string_view text;
        if (h.format == Format::kStr || h.format == Format::kBin) {
          CVM_ASSIGN_OR_RETURN(text, Payload(h));
        }
        absl::StatusOr<Number> n = NumberFromHeader(h, text);
        if (!n.ok()) return Error(n.status().message());
        return Value::Number(*std::move(n));
      }
      case Type::Kind::kBool:
        if (h.format != Format::kBool) return Required("bool", h);
        return Value::Bool(h.boolean);
      case Type::Kind::kList:
      case Type::Kind::kSet: {
        bool is_set = t.kind() == Type::Kind::kSet;
        if (h.format != Format::kArray) {
          return Required(is_set ? "set" : "list", h);
        }
        CVM_ASSIGN_OR_RETURN(
            std::vector<Value> elements,
            DecodeElements(h.length, nullptr, &t.element(), depth));
        return is_set ? Value::Set(t.element(), std::move(elements))
                      : Value::List(t.element(), std::move(elements));
      }
      case Type::Kind::kTuple: {
        if (h.format != Format::kArray) return Required("tuple", h);
        const std::vector<Type>& types = t.tuple_elements();
        if (h.length != types.size()) {
          return Error(absl::StrCat("a tuple of length ", types.size(),
                                    " is required (", h.length, " given)"));
        }
        CVM_ASSIGN_OR_RETURN(std::vector<Value> elements,
                             DecodeElements(h.length, &types, nullptr, depth));
        return Value::Tuple(std::move(elements));
      }
      case Type::Kind::kMap:
        if (h.format != Format::kMap) return Required("map", h);
        return DecodeMap(h.length, t.element(), depth);
      case Type::Kind::kObject:
        if (h.format != Format::kMap) return Required("object", h);
        return DecodeObject(h.length, t, depth);
    }
    return Error("unsupported type");
  }

  // Decodes `n` array elements, each of `*element` or of (*types)[i].
  absl::StatusOr<std::vector<Value>> DecodeElements(
      uint64_t n, const std::vector<Type>* types, const Type* element,
      int depth) {
    if (n > r_.remaining()) return Truncated();  // each needs >= 1 byte
    std::vector<Value> elements;
    elements.reserve(static_cast<size_t>(n));
    for (uint64_t i = 0; i < n; ++i) {
      path_.emplace_back(IndexStep{static_cast<int64_t>(i)});
      CVM_ASSIGN_OR_RETURN(
          Value v, Decode(types ? (*types)[static_cast<size_t>(i)] : *element,
                          depth + 1));
      path_.pop_back();
      elements.push_back(std::move(v));
    }
    return elements;
  }

  // Reads a map key (str or bin, as cty's DecodeString accepts).
  absl::StatusOr<std::string> DecodeKey(absl::string_view what) {
    CVM_ASSIGN_OR_RETURN(Header h, Next());
    if (h.format != Format::kStr && h.format != Format::kBin) {
      return Error(absl::StrCat(what, " keys must be strings, got ",
                                FormatName(h.format)));
    }
    CVM_ASSIGN_OR_RETURN(std::string_view key, Payload(h));
    return std::string(key);
  }

  absl::StatusOr<Value> DecodeMap(uint64_t n, const Type& element, int depth) {
    if (n > r_.remaining() / 2) return Truncated();  // each pair >= 2 bytes
    std::map<std::string, Value> entries;
    for (uint64_t i = 0; i < n; ++i) {
      CVM_ASSIGN_OR_RETURN(std::string key, DecodeKey("map"));
      if (entries.count(key)) {
        return Error(absl::StrCat("duplicate map key \"", key, "\""));
      }
      path_.emplace_back(KeyStep{key});
      CVM_ASSIGN_OR_RETURN(Value v, Decode(element, depth + 1));
      path_.pop_back();
      entries.emplace(std::move(key), std::move(v));
    }
    return Value::Map(element, std::move(entries));
  }

  absl::StatusOr<Value> DecodeObject(uint64_t n, const Type& t, int depth) {
    const auto& attributes = t.attributes();
    if (n != attributes.size()) {
      return Error(absl::StrCat("an object with ", attributes.size(),
                                " attributes is required (", n, " given)"));
    }
    std::map<std::string, Value> values;
    for (uint64_t i = 0; i < n; ++i) {
      CVM_ASSIGN_OR_RETURN(std::string name, DecodeKey("object"));
      auto it = attributes.find(name);
      if (it == attributes.end()) {
        return Error(absl::StrCat("unsupported attribute \"", name, "\""));
      }
      if (values.count(name)) {
        return Error(absl::StrCat("duplicate attribute \"", name, "\""));
      }
      path_.emplace_back(AttributeStep{name});
      CVM_ASSIGN_OR_RETURN(Value v, Decode(it->second, depth + 1));
      path_.pop_back();
      values.emplace(std::move(name), std::move(v));
    }
    return Value::Object(std::move(values), t);
  }

  // [bin type-JSON, value]; nil and unknown were handled by the caller.
  absl::StatusOr<Value> DecodeDynamic(const Header& h, int depth) {
    if (h.format != Format::kArray || h.length != 2) {
      return Error(
          "a dynamic value must be an array of two elements [type, value]");
    }
    CVM_ASSIGN_OR_RETURN(Header th, Next());
    if (th.format != Format::kBin && th.format != Format::kStr) {
      return Error(
          absl::StrCat("the type of a dynamic value must be JSON "
                       "bytes, got ",
                       FormatName(th.format)));
    }
    CVM_ASSIGN_OR_RETURN(std::string_view json, Payload(th));
    absl::StatusOr<Type> type = Type::FromJson(json);
    if (!type.ok()) {
      return Error(absl::StrCat("dynamic value: ", type.status().message()));
    }
    return Decode(*type, depth + 1);
  }

  absl::StatusOr<Value> DecodeUnknown(const Type& t) {
    CVM_ASSIGN_OR_RETURN(Header h, Next());
    CVM_ASSIGN_OR_RETURN(std::string_view payload, Payload(h));
    // Zero- or one-byte payloads are plain unknowns whatever the ext type
    // (Terraform writes d4 00 00); ext 0 is a plain unknown at any length.
    if (h.length <= 1 || h.ext_type == 0) return Value::Unknown(t);
    if (h.ext_type != kRefinedUnknownExt) {
      static constexpr char kHex[] = "0123456789abcdef";
      uint8_t code = static_cast<uint8_t>(h.ext_type);
      return Error(absl::StrCat("unsupported extension type 0x",
                                std::string{kHex[code >> 4], kHex[code & 15]},
                                " with payload length ", h.length));
    }
    if (h.length > kMaxRefinementPayload) {
      return Error(absl::StrCat("oversize unknown value refinement (", h.length,
                                " bytes)"));
    }
    absl::StatusOr<Value> refined =
        internal::msgpack::DecodeRefinements(payload, t);
    if (!refined.ok()) return Error(refined.status().message());
    return refined;
  }

  Reader r_;
  std::vector<PathStep> path_;
};

}  // namespace

absl::StatusOr<Value> DecodeMsgpack(std::string_view bytes, const Type& type) {
  Decoder d(bytes);
  return d.DecodeTop(type);
}

}  // namespace cvm::values
