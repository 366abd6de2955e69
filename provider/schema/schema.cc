// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/schema/schema.h"

#include <map>
#include <set>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace cvm::schema {

// Schemas are built in vectors: a cache must not turn their moves into
// copies.
static_assert(std::is_nothrow_move_constructible_v<Attribute>);
static_assert(std::is_nothrow_move_constructible_v<NestedBlock>);

namespace {

using values::Type;
using values::Value;

bool ValidName(std::string_view name) {
  if (name.empty()) return false;
  for (char c : name) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) {
      return false;
    }
  }
  return true;
}

bool ContainsWriteOnly(const std::vector<Attribute>& attrs) {
  for (const Attribute& a : attrs) {
    if (a.write_only) return true;
    if (a.nested && ContainsWriteOnly(a.nested->attributes)) return true;
  }
  return false;
}

bool BlockContainsWriteOnly(const Block& block) {
  if (ContainsWriteOnly(block.attributes)) return true;
  for (const NestedBlock& nb : block.block_types) {
    if (BlockContainsWriteOnly(nb.block)) return true;
  }
  return false;
}

absl::Status ValidateAttributes(const std::vector<Attribute>& attrs,
                                const std::string& where, bool in_set);

absl::Status ValidateAttribute(const Attribute& a, const std::string& where,
                               bool in_set) {
  const std::string path = absl::StrCat(where, a.name);
  auto fail = [&path](const std::string& why) {
    return absl::InternalError(
        absl::StrCat("invalid schema at ", path, ": ", why));
  };
  if (!ValidName(a.name)) return fail("name must match ^[a-z0-9_]+$");
  if (!a.required && !a.optional && !a.computed) {
    return fail("must be required, optional or computed");
  }
  if (a.required && a.optional)
    return fail("cannot be both required and optional");
  if (a.required && a.computed)
    return fail("cannot be both required and computed");
  if (a.default_value) {
    if (!(a.optional && a.computed))
      return fail("a default needs optional+computed");
    if (a.default_value->type() != a.ValueType()) {
      return fail(
          absl::StrCat("default is ", a.default_value->type().FriendlyName(),
                       ", attribute is ", a.ValueType().FriendlyName()));
    }
  }
  if (a.write_only && a.computed) return fail("write-only cannot be computed");
  if (in_set && (a.write_only || a.ValueType().HasDynamic())) {
    return fail("sets cannot contain dynamic or write-only attributes");
  }
  if (a.nested) {
    bool nested_in_set =
        in_set || a.nested->nesting == NestedObject::Nesting::kSet;
    return ValidateAttributes(a.nested->attributes, path + ".", nested_in_set);
  }
  if (a.ValueType().kind() == Type::Kind::kSet && a.ValueType().HasDynamic()) {
    return fail("sets cannot contain dynamic values");
  }
  return absl::OkStatus();
}

absl::Status ValidateAttributes(const std::vector<Attribute>& attrs,
                                const std::string& where, bool in_set) {
  std::set<std::string> seen;
  for (const Attribute& a : attrs) {
    if (!seen.insert(a.name).second) {
      return absl::InternalError(absl::StrCat("invalid schema at ", where,
                                              a.name, ": duplicate name"));
    }
    absl::Status s = ValidateAttribute(a, where, in_set);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

absl::Status ValidateBlock(const Block& block, const std::string& where,
                           bool in_set) {
  absl::Status s = ValidateAttributes(block.attributes, where, in_set);
  if (!s.ok()) return s;
  for (const NestedBlock& nb : block.block_types) {
    const std::string path = absl::StrCat(where, nb.type_name);
    auto fail = [&path](const std::string& why) {
      return absl::InternalError(
          absl::StrCat("invalid schema at ", path, ": ", why));
    };
    if (!ValidName(nb.type_name)) return fail("name must match ^[a-z0-9_]+$");
    if (block.FindAttribute(nb.type_name) != nullptr) {
      return fail("a block and an attribute share this name");
    }
    int count = 0;
    for (const NestedBlock& other : block.block_types) {
      if (other.type_name == nb.type_name) ++count;
    }
    if (count > 1) return fail("duplicate block name");
    switch (nb.nesting) {
      case NestedBlock::Nesting::kSingle:
        if (nb.min_items != nb.max_items || nb.min_items < 0 ||
            nb.min_items > 1) {
          return fail("single blocks need min_items == max_items, 0 or 1");
        }
        break;
      case NestedBlock::Nesting::kGroup:
      case NestedBlock::Nesting::kMap:
        if (nb.min_items != 0 || nb.max_items != 0) {
          return fail("group and map blocks cannot set item limits");
        }
        break;
      case NestedBlock::Nesting::kList:
      case NestedBlock::Nesting::kSet:
        if (nb.min_items < 0 || nb.max_items < 0 ||
            (nb.max_items != 0 && nb.min_items > nb.max_items)) {
          return fail("min_items must not exceed max_items");
        }
        break;
    }
    bool nested_in_set = in_set || nb.nesting == NestedBlock::Nesting::kSet;
    if (nested_in_set && (BlockContainsWriteOnly(nb.block) ||
                          nb.block.ImpliedType().HasDynamic())) {
      return fail("set blocks cannot contain dynamic or write-only attributes");
    }
    s = ValidateBlock(nb.block, path + ".", nested_in_set);
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

Value ConformAttribute(const Attribute& a, const Value& v);

Value ConformNestedElement(const NestedObject& nested, const Value& v) {
  if (!v.IsKnown() || v.type().kind() != Type::Kind::kObject) {
    return v.IsUnknown() ? Value::Unknown(nested.ObjectType())
                         : Value::Null(nested.ObjectType());
  }
  std::map<std::string, Value> out;
  for (const Attribute& a : nested.attributes) {
    auto it = v.Entries().find(a.name);
    out.emplace(a.name, it == v.Entries().end()
                            ? Value::Null(a.ValueType())
                            : ConformAttribute(a, it->second));
  }
  return Value::Object(std::move(out), nested.ObjectType());
}

Value ConformAttribute(const Attribute& a, const Value& v) {
  const Type want = a.ValueType();
  if (v.IsNull()) return Value::Null(want);
  if (v.IsUnknown()) return Value::Unknown(want, v.refinements());
  if (!a.nested) return v;
  const NestedObject& nested = *a.nested;
  switch (nested.nesting) {
    case NestedObject::Nesting::kSingle:
      return ConformNestedElement(nested, v);
    case NestedObject::Nesting::kList:
    case NestedObject::Nesting::kSet: {
      std::vector<Value> elems;
      for (const Value& e : v.Elements()) {
        elems.push_back(ConformNestedElement(nested, e));
      }
      return nested.nesting == NestedObject::Nesting::kList
                 ? Value::List(nested.ObjectType(), std::move(elems))
                 : Value::Set(nested.ObjectType(), std::move(elems));
    }
    case NestedObject::Nesting::kMap: {
      std::map<std::string, Value> elems;
      for (const auto& [k, e] : v.Entries()) {
        elems.emplace(k, ConformNestedElement(nested, e));
      }
      return Value::Map(nested.ObjectType(), std::move(elems));
    }
  }
  return v;
}

Value ConformBlockValue(const NestedBlock& nb, const Value* v) {
  const Type obj = nb.block.ImpliedType();
  switch (nb.nesting) {
    case NestedBlock::Nesting::kSingle:
      if (v == nullptr || v->IsNull()) return Value::Null(obj);
      if (v->IsUnknown()) return Value::Unknown(obj);
      return Conform(nb.block, *v);
    case NestedBlock::Nesting::kGroup:
      if (v == nullptr || !v->IsKnown()) return EmptyObject(nb.block);
      return Conform(nb.block, *v);
    case NestedBlock::Nesting::kList:
    case NestedBlock::Nesting::kSet: {
      const Type want = nb.ImpliedType();
      if (v != nullptr && v->IsUnknown()) return Value::Unknown(want);
      std::vector<Value> elems;
      if (v != nullptr && v->IsKnown()) {
        for (const Value& e : v->Elements()) {
          elems.push_back(e.IsKnown() ? Conform(nb.block, e) : e);
        }
      }
      if (want.IsDynamic()) return Value::Tuple(std::move(elems));
      return nb.nesting == NestedBlock::Nesting::kList
                 ? Value::List(obj, std::move(elems))
                 : Value::Set(obj, std::move(elems));
    }
    case NestedBlock::Nesting::kMap: {
      const Type want = nb.ImpliedType();
      if (v != nullptr && v->IsUnknown()) return Value::Unknown(want);
      std::map<std::string, Value> elems;
      if (v != nullptr && v->IsKnown()) {
        for (const auto& [k, e] : v->Entries()) {
          elems.emplace(k, e.IsKnown() ? Conform(nb.block, e) : e);
        }
      }
      if (want.IsDynamic()) return Value::Object(std::move(elems));
      return Value::Map(obj, std::move(elems));
    }
  }
  return Value::Null(obj);
}

}  // namespace

Attribute& Attribute::DescribeMarkdown(std::string md) {
  if (description.empty()) description = absl::StrReplaceAll(md, {{"`", ""}});
  markdown_description = std::move(md);
  return *this;
}

Type NestedObject::ObjectType() const {
  return object_type_cache.Get([this] {
    std::map<std::string, Type> types;
    for (const Attribute& a : attributes) types.emplace(a.name, a.ValueType());
    return Type::Object(std::move(types));
  });
}

Type Attribute::ValueType() const {
  if (!nested) return type;
  Type obj = nested->ObjectType();
  switch (nested->nesting) {
    case NestedObject::Nesting::kSingle:
      return obj;
    case NestedObject::Nesting::kList:
      return Type::List(obj);
    case NestedObject::Nesting::kSet:
      return Type::Set(obj);
    case NestedObject::Nesting::kMap:
      return Type::Map(obj);
  }
  return obj;
}

Type Block::ImpliedType() const {
  return implied_type_cache.Get([this] {
    std::map<std::string, Type> types;
    for (const Attribute& a : attributes) types.emplace(a.name, a.ValueType());
    for (const NestedBlock& nb : block_types) {
      types.emplace(nb.type_name, nb.ImpliedType());
    }
    return Type::Object(std::move(types));
  });
}

const Attribute* Block::FindAttribute(std::string_view name) const {
  for (const Attribute& a : attributes) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

const NestedBlock* Block::FindBlock(std::string_view name) const {
  for (const NestedBlock& nb : block_types) {
    if (nb.type_name == name) return &nb;
  }
  return nullptr;
}

Type NestedBlock::ImpliedType() const {
  return implied_type_cache.Get([this] {
    Type obj = block.ImpliedType();
    switch (nesting) {
      case Nesting::kSingle:
      case Nesting::kGroup:
        return obj;
      case Nesting::kList:
        // With dynamic parts the elements need not share one type:
        // Terraform decodes such blocks as a tuple (a map block as an
        // object), whose shape is only known per value, so the implied type
        // is dynamic (hcldec's BlockTupleSpec and BlockObjectSpec).
        return obj.HasDynamic() ? Type::Dynamic() : Type::List(obj);
      case Nesting::kSet:
        return Type::Set(obj);
      case Nesting::kMap:
        return obj.HasDynamic() ? Type::Dynamic() : Type::Map(obj);
    }
    return obj;
  });
}

absl::Status Schema::Validate() const {
  if (version < 0)
    return absl::InternalError("invalid schema: negative version");
  return ValidateBlock(block, "", false);
}

Value EmptyObject(const Block& block) {
  return Conform(block, Value::Object({}));
}

Value Conform(const Block& block, const Value& object) {
  if (!object.IsKnown()) {
    return object.IsUnknown() ? Value::Unknown(block.ImpliedType())
                              : Value::Null(block.ImpliedType());
  }
  std::map<std::string, Value> out;
  const auto& entries = object.Entries();
  for (const Attribute& a : block.attributes) {
    auto it = entries.find(a.name);
    out.emplace(a.name, it == entries.end() ? Value::Null(a.ValueType())
                                            : ConformAttribute(a, it->second));
  }
  for (const NestedBlock& nb : block.block_types) {
    auto it = entries.find(nb.type_name);
    out.emplace(
        nb.type_name,
        ConformBlockValue(nb, it == entries.end() ? nullptr : &it->second));
  }
  return Value::Object(std::move(out), block.ImpliedType());
}

}  // namespace cvm::schema
