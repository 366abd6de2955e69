// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/framework/plan.h"

#include <map>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace cvm::framework {
namespace {

using schema::Attribute;
using schema::Block;
using schema::NestedBlock;
using schema::NestedObject;
using values::Path;
using values::Type;
using values::Value;

const Value& NullValue() {
  static const Value* v = new Value();
  return *v;
}

// The attribute `name` of `obj`, or a null when `obj` is not a known object.
const Value& Attr(const Value& obj, const std::string& name) {
  if (!obj.IsKnown() || obj.type().kind() != Type::Kind::kObject) {
    return NullValue();
  }
  auto it = obj.Entries().find(name);
  return it == obj.Entries().end() ? NullValue() : it->second;
}

// Element i of a known list/tuple, or null.
const Value& Elem(const Value& coll, size_t i) {
  if (!coll.IsKnown()) return NullValue();
  const Type::Kind k = coll.type().kind();
  if (k != Type::Kind::kList && k != Type::Kind::kTuple) return NullValue();
  return i < coll.Elements().size() ? coll.Elements()[i] : NullValue();
}

// Entry `key` of a known map/object, or null.
const Value& Entry(const Value& coll, const std::string& key) {
  if (!coll.IsKnown()) return NullValue();
  auto it = coll.Entries().find(key);
  return it == coll.Entries().end() ? NullValue() : it->second;
}

Value RebuildCollection(const Value& like, std::vector<Value> elems) {
  switch (like.type().kind()) {
    case Type::Kind::kList:
      return Value::List(like.type().element(), std::move(elems));
    case Type::Kind::kSet:
      return Value::Set(like.type().element(), std::move(elems));
    default:
      return Value::Tuple(std::move(elems));
  }
}

Value RebuildMap(const Value& like, std::map<std::string, Value> elems) {
  if (like.type().kind() == Type::Kind::kMap) {
    return Value::Map(like.type().element(), std::move(elems));
  }
  return Value::Object(std::move(elems));
}

// ---- defaults -----------------------------------------------------------

Value DefaultsInAttrs(const std::vector<Attribute>& attrs, const Value& planned,
                      const Value& config);
Value DefaultsInBlock(const Block& block, const Value& planned,
                      const Value& config);

Value DefaultsInNested(const Attribute& a, const Value& planned,
                       const Value& config) {
  if (!planned.IsKnown() || !config.IsKnown()) return planned;
  const auto& attrs = a.nested->attributes;
  switch (a.nested->nesting) {
    case NestedObject::Nesting::kSingle:
      return DefaultsInAttrs(attrs, planned, config);
    case NestedObject::Nesting::kList: {
      std::vector<Value> out;
      for (size_t i = 0; i < planned.Elements().size(); ++i) {
        out.push_back(
            DefaultsInAttrs(attrs, planned.Elements()[i], Elem(config, i)));
      }
      return RebuildCollection(planned, std::move(out));
    }
    case NestedObject::Nesting::kSet: {
      std::vector<Value> out;
      for (const Value& e : planned.Elements()) {
        out.push_back(DefaultsInAttrs(attrs, e, e));
      }
      return RebuildCollection(planned, std::move(out));
    }
    case NestedObject::Nesting::kMap: {
      std::map<std::string, Value> out;
      for (const auto& [k, e] : planned.Entries()) {
        out.emplace(k, DefaultsInAttrs(attrs, e, Entry(config, k)));
      }
      return RebuildMap(planned, std::move(out));
    }
  }
  return planned;
}

Value DefaultsInAttrs(const std::vector<Attribute>& attrs, const Value& planned,
                      const Value& config) {
  if (!planned.IsKnown()) return planned;
  Value out = planned;
  for (const Attribute& a : attrs) {
    const Value& c = Attr(config, a.name);
    if (a.default_value && c.IsNull()) {
      out = out.WithAttr(a.name, *a.default_value);
    } else if (a.nested && c.IsKnown()) {
      out = out.WithAttr(a.name, DefaultsInNested(a, Attr(out, a.name), c));
    }
  }
  return out;
}

Value DefaultsInBlock(const Block& block, const Value& planned,
                      const Value& config) {
  if (!planned.IsKnown()) return planned;
  Value out = DefaultsInAttrs(block.attributes, planned, config);
  for (const NestedBlock& nb : block.block_types) {
    const Value& p = Attr(out, nb.type_name);
    const Value& c = Attr(config, nb.type_name);
    if (!p.IsKnown()) continue;
    switch (nb.nesting) {
      case NestedBlock::Nesting::kSingle:
      case NestedBlock::Nesting::kGroup:
        out = out.WithAttr(nb.type_name, DefaultsInBlock(nb.block, p, c));
        break;
      case NestedBlock::Nesting::kList: {
        std::vector<Value> elems;
        for (size_t i = 0; i < p.Elements().size(); ++i) {
          elems.push_back(
              DefaultsInBlock(nb.block, p.Elements()[i], Elem(c, i)));
        }
        out =
            out.WithAttr(nb.type_name, RebuildCollection(p, std::move(elems)));
        break;
      }
      case NestedBlock::Nesting::kSet: {
        std::vector<Value> elems;
        for (const Value& e : p.Elements()) {
          elems.push_back(DefaultsInBlock(nb.block, e, e));
        }
        out =
            out.WithAttr(nb.type_name, RebuildCollection(p, std::move(elems)));
        break;
      }
      case NestedBlock::Nesting::kMap: {
        std::map<std::string, Value> elems;
        for (const auto& [k, e] : p.Entries()) {
          elems.emplace(k, DefaultsInBlock(nb.block, e, Entry(c, k)));
        }
        out = out.WithAttr(nb.type_name, RebuildMap(p, std::move(elems)));
        break;
      }
    }
  }
  return out;
}

// ---- computed values ----------------------------------------------------

Value ComputedInAttrs(const std::vector<Attribute>& attrs, const Value& planned,
                      const Value& prior, const Value& config, bool create);

Value ComputedValue(const Attribute& a, const Value& planned,
                    const Value& prior, const Value& config, bool create) {
  if (config.IsNull() && a.computed && !a.default_value) {
    if (!create && a.use_state_for_unknown && !prior.IsNull()) return prior;
    return Value::Unknown(a.ValueType());
  }
  if (!a.nested || !planned.IsKnown() || !config.IsKnown()) return planned;
  const auto& attrs = a.nested->attributes;
  switch (a.nested->nesting) {
    case NestedObject::Nesting::kSingle:
      return ComputedInAttrs(attrs, planned, prior, config, create);
    case NestedObject::Nesting::kList: {
      std::vector<Value> out;
      for (size_t i = 0; i < planned.Elements().size(); ++i) {
        out.push_back(ComputedInAttrs(attrs, planned.Elements()[i],
                                      Elem(prior, i), Elem(config, i), create));
      }
      return RebuildCollection(planned, std::move(out));
    }
    case NestedObject::Nesting::kSet: {
      std::vector<Value> out;
      for (const Value& e : planned.Elements()) {
        out.push_back(ComputedInAttrs(attrs, e, NullValue(), e, true));
      }
      return RebuildCollection(planned, std::move(out));
    }
    case NestedObject::Nesting::kMap: {
      std::map<std::string, Value> out;
      for (const auto& [k, e] : planned.Entries()) {
        out.emplace(k, ComputedInAttrs(attrs, e, Entry(prior, k),
                                       Entry(config, k), create));
      }
      return RebuildMap(planned, std::move(out));
    }
  }
  return planned;
}

Value ComputedInAttrs(const std::vector<Attribute>& attrs, const Value& planned,
                      const Value& prior, const Value& config, bool create) {
  if (!planned.IsKnown()) return planned;
  Value out = planned;
  for (const Attribute& a : attrs) {
    out = out.WithAttr(
        a.name, ComputedValue(a, Attr(planned, a.name), Attr(prior, a.name),
                              Attr(config, a.name), create));
  }
  return out;
}

Value ComputedInBlock(const Block& block, const Value& planned,
                      const Value& prior, const Value& config, bool create) {
  if (!planned.IsKnown()) return planned;
  Value out = ComputedInAttrs(block.attributes, planned, prior, config, create);
  for (const NestedBlock& nb : block.block_types) {
    const Value& p = Attr(out, nb.type_name);
    const Value& pr = Attr(prior, nb.type_name);
    const Value& c = Attr(config, nb.type_name);
    if (!p.IsKnown()) continue;
    switch (nb.nesting) {
      case NestedBlock::Nesting::kSingle:
      case NestedBlock::Nesting::kGroup:
        out = out.WithAttr(nb.type_name,
                           ComputedInBlock(nb.block, p, pr, c, create));
        break;
      case NestedBlock::Nesting::kList: {
        std::vector<Value> elems;
        for (size_t i = 0; i < p.Elements().size(); ++i) {
          elems.push_back(ComputedInBlock(nb.block, p.Elements()[i],
                                          Elem(pr, i), Elem(c, i), create));
        }
        out =
            out.WithAttr(nb.type_name, RebuildCollection(p, std::move(elems)));
        break;
      }
      case NestedBlock::Nesting::kSet: {
        std::vector<Value> elems;
        for (const Value& e : p.Elements()) {
          elems.push_back(ComputedInBlock(nb.block, e, NullValue(), e, true));
        }
        out =
            out.WithAttr(nb.type_name, RebuildCollection(p, std::move(elems)));
        break;
      }
      case NestedBlock::Nesting::kMap: {
        std::map<std::string, Value> elems;
        for (const auto& [k, e] : p.Entries()) {
          elems.emplace(k, ComputedInBlock(nb.block, e, Entry(pr, k),
                                           Entry(c, k), create));
        }
        out = out.WithAttr(nb.type_name, RebuildMap(p, std::move(elems)));
        break;
      }
    }
  }
  return out;
}

// ---- write-only ---------------------------------------------------------

// Applies `fn` to every element of a known list, set, tuple or map (or an
// object standing for a map block), keeping the collection's kind.
template <typename Fn>
Value MapElements(const Value& coll, Fn fn) {
  if (!coll.IsKnown()) return coll;
  switch (coll.type().kind()) {
    case Type::Kind::kList:
    case Type::Kind::kSet:
    case Type::Kind::kTuple: {
      std::vector<Value> out;
      out.reserve(coll.Elements().size());
      for (const Value& e : coll.Elements()) out.push_back(fn(e));
      return RebuildCollection(coll, std::move(out));
    }
    case Type::Kind::kMap:
    case Type::Kind::kObject: {
      std::map<std::string, Value> out;
      for (const auto& [k, e] : coll.Entries()) out.emplace(k, fn(e));
      return RebuildMap(coll, std::move(out));
    }
    default:
      return coll;
  }
}

bool AttrsHaveWriteOnly(const std::vector<Attribute>& attrs) {
  for (const Attribute& a : attrs) {
    if (a.write_only) return true;
    if (a.nested && AttrsHaveWriteOnly(a.nested->attributes)) return true;
  }
  return false;
}

bool BlockHasWriteOnly(const Block& block) {
  if (AttrsHaveWriteOnly(block.attributes)) return true;
  for (const NestedBlock& nb : block.block_types) {
    if (BlockHasWriteOnly(nb.block)) return true;
  }
  return false;
}

Value NullWriteOnlyAttrs(const std::vector<Attribute>& attrs, const Value& v) {
  if (!v.IsKnown()) return v;
  Value out = v;
  for (const Attribute& a : attrs) {
    if (a.write_only) {
      out = out.WithAttr(a.name, Value::Null(a.ValueType()));
      continue;
    }
    if (!a.nested || !AttrsHaveWriteOnly(a.nested->attributes)) continue;
    const std::vector<Attribute>& inner = a.nested->attributes;
    const Value& cur = Attr(v, a.name);
    out =
        out.WithAttr(a.name, a.nested->nesting == NestedObject::Nesting::kSingle
                                 ? NullWriteOnlyAttrs(inner, cur)
                                 : MapElements(cur, [&inner](const Value& e) {
                                     return NullWriteOnlyAttrs(inner, e);
                                   }));
  }
  return out;
}

// ---- requires replace ---------------------------------------------------

void ReplaceInBlock(const Block& block, const Value& prior,
                    const Value& planned, const Path& path,
                    std::vector<Path>* out);

void ReplaceInAttrs(const std::vector<Attribute>& attrs, const Value& prior,
                    const Value& planned, const Path& path,
                    std::vector<Path>* out) {
  for (const Attribute& a : attrs) {
    const Value& pr = Attr(prior, a.name);
    const Value& pl = Attr(planned, a.name);
    if (a.requires_replace) {
      if (!pr.EqualIgnoringRefinements(pl)) out->push_back(path.Attr(a.name));
      continue;
    }
    if (!a.nested || !pr.IsKnown() || !pl.IsKnown()) continue;
    if (a.nested->nesting == NestedObject::Nesting::kSingle) {
      ReplaceInAttrs(a.nested->attributes, pr, pl, path.Attr(a.name), out);
    } else if (a.nested->nesting == NestedObject::Nesting::kList) {
      size_t n = std::min(pr.Elements().size(), pl.Elements().size());
      for (size_t i = 0; i < n; ++i) {
        ReplaceInAttrs(a.nested->attributes, pr.Elements()[i], pl.Elements()[i],
                       path.Attr(a.name).Index(static_cast<int64_t>(i)), out);
      }
    }
  }
}

void ReplaceInBlock(const Block& block, const Value& prior,
                    const Value& planned, const Path& path,
                    std::vector<Path>* out) {
  ReplaceInAttrs(block.attributes, prior, planned, path, out);
  for (const NestedBlock& nb : block.block_types) {
    const Value& pr = Attr(prior, nb.type_name);
    const Value& pl = Attr(planned, nb.type_name);
    if (nb.requires_replace) {
      if (!pr.EqualIgnoringRefinements(pl))
        out->push_back(path.Attr(nb.type_name));
      continue;
    }
    if (!pr.IsKnown() || !pl.IsKnown()) continue;
    switch (nb.nesting) {
      case NestedBlock::Nesting::kSingle:
      case NestedBlock::Nesting::kGroup:
        ReplaceInBlock(nb.block, pr, pl, path.Attr(nb.type_name), out);
        break;
      case NestedBlock::Nesting::kList: {
        size_t n = std::min(pr.Elements().size(), pl.Elements().size());
        for (size_t i = 0; i < n; ++i) {
          ReplaceInBlock(nb.block, pr.Elements()[i], pl.Elements()[i],
                         path.Attr(nb.type_name).Index(static_cast<int64_t>(i)),
                         out);
        }
        break;
      }
      default:
        break;
    }
  }
}

// ---- validation -----------------------------------------------------------

void ValidateAttrs(const std::vector<Attribute>& attrs, const Value& obj,
                   const Path& path, Diagnostics* diags);

void ValidateAttrValue(const Attribute& a, const Value& v, const Path& path,
                       Diagnostics* diags) {
  if (!v.IsKnown()) return;
  for (const schema::Validator& validate : a.validators) {
    absl::Status s = validate(v);
    if (!s.ok()) {
      diags->AddAttributeError(path, "Invalid Attribute Value",
                               std::string(s.message()));
    }
  }
  if (!a.nested) return;
  const auto& attrs = a.nested->attributes;
  switch (a.nested->nesting) {
    case NestedObject::Nesting::kSingle:
      ValidateAttrs(attrs, v, path, diags);
      break;
    case NestedObject::Nesting::kList:
      for (size_t i = 0; i < v.Elements().size(); ++i) {
        ValidateAttrs(attrs, v.Elements()[i],
                      path.Index(static_cast<int64_t>(i)), diags);
      }
      break;
    case NestedObject::Nesting::kSet:
      for (const Value& e : v.Elements()) ValidateAttrs(attrs, e, path, diags);
      break;
    case NestedObject::Nesting::kMap:
      for (const auto& [k, e] : v.Entries()) {
        ValidateAttrs(attrs, e, path.Key(k), diags);
      }
      break;
  }
}

void ValidateAttrs(const std::vector<Attribute>& attrs, const Value& obj,
                   const Path& path, Diagnostics* diags) {
  if (!obj.IsKnown()) return;
  for (const Attribute& a : attrs) {
    const Value& v = Attr(obj, a.name);
    if (v.IsNull()) continue;
    if (!a.deprecation_message.empty()) {
      diags->AddAttributeWarning(path.Attr(a.name), "Deprecated Attribute",
                                 a.deprecation_message);
    }
    ValidateAttrValue(a, v, path.Attr(a.name), diags);
  }
}

void ValidateBlockAt(const Block& block, const Value& obj, const Path& path,
                     Diagnostics* diags) {
  if (!obj.IsKnown()) return;
  ValidateAttrs(block.attributes, obj, path, diags);
  for (const NestedBlock& nb : block.block_types) {
    const Value& v = Attr(obj, nb.type_name);
    const Path p = path.Attr(nb.type_name);
    if (!v.IsKnown()) continue;
    // An absent group block is still an object (of nulls and empty
    // collections), so it counts as present only when something is set.
    bool present = true;
    if (nb.nesting == NestedBlock::Nesting::kGroup) {
      present = !v.EqualIgnoringRefinements(schema::EmptyObject(nb.block));
    } else if (nb.nesting != NestedBlock::Nesting::kSingle) {
      present = v.Length() > 0;
    }
    if (present && !nb.block.deprecation_message.empty()) {
      diags->AddAttributeWarning(p, "Deprecated Block",
                                 nb.block.deprecation_message);
    }
    switch (nb.nesting) {
      case NestedBlock::Nesting::kSingle:
      case NestedBlock::Nesting::kGroup:
        ValidateBlockAt(nb.block, v, p, diags);
        break;
      case NestedBlock::Nesting::kList:
      case NestedBlock::Nesting::kSet: {
        const int64_t n = static_cast<int64_t>(v.Elements().size());
        bool all_known = true;
        for (const Value& e : v.Elements())
          all_known = all_known && e.IsKnown();
        if (all_known && n < nb.min_items) {
          diags->AddAttributeError(
              p, "Too Few Blocks",
              absl::StrCat("At least ", nb.min_items, " \"", nb.type_name,
                           "\" block(s) are required; ", n, " given."));
        }
        if (all_known && nb.max_items > 0 && n > nb.max_items) {
          diags->AddAttributeError(
              p, "Too Many Blocks",
              absl::StrCat("At most ", nb.max_items, " \"", nb.type_name,
                           "\" block(s) are allowed; ", n, " given."));
        }
        for (size_t i = 0; i < v.Elements().size(); ++i) {
          ValidateBlockAt(nb.block, v.Elements()[i],
                          nb.nesting == NestedBlock::Nesting::kList
                              ? p.Index(static_cast<int64_t>(i))
                              : p,
                          diags);
        }
        break;
      }
      case NestedBlock::Nesting::kMap:
        for (const auto& [k, e] : v.Entries()) {
          ValidateBlockAt(nb.block, e, p.Key(k), diags);
        }
        break;
    }
  }
}

// ---- plan validity --------------------------------------------------------
// Follows objchange.AssertPlanValid: assertPlannedValueValid for attributes
// (recursing into nested attribute objects as assertPlannedObjectValid
// does) and assertPlanValid for nested blocks.

void AddInvalidPlan(const Path& path, absl::string_view why,
                    Diagnostics* diags) {
  diags->AddAttributeError(
      path, "Provider Produced Invalid Plan",
      absl::StrCat("The provider planned an invalid value for ",
                   path.empty() ? "the resource" : path.ToString(), ": ", why,
                   ". This is a bug in the provider; please report it."));
}

void CheckAttrsValid(const std::vector<Attribute>& attrs, const Value& prior,
                     const Value& config, const Value& planned,
                     const Path& path, Diagnostics* diags);

// A nested attribute object that is configured (config non-null) and whose
// planned value differs from config.
void CheckNestedValid(const NestedObject& nested, const Value& prior,
                      const Value& config, const Value& planned,
                      const Path& path, Diagnostics* diags) {
  if (planned.IsNull()) {
    AddInvalidPlan(path, "planned null although the configuration sets it",
                   diags);
    return;
  }
  if (!config.IsKnown()) return;  // nothing to compare against
  if (!planned.IsKnown()) {
    AddInvalidPlan(path, "planned unknown for a configured value", diags);
    return;
  }
  const auto& attrs = nested.attributes;
  switch (nested.nesting) {
    case NestedObject::Nesting::kSingle:
      CheckAttrsValid(attrs, prior, config, planned, path, diags);
      return;
    case NestedObject::Nesting::kList:
    case NestedObject::Nesting::kSet:
      if (planned.Length() != config.Length()) {
        AddInvalidPlan(
            path,
            absl::StrCat("planned with ", planned.Length(),
                         " elements but configured with ", config.Length()),
            diags);
        return;
      }
      // Set elements cannot be correlated; only their count is checked.
      if (nested.nesting == NestedObject::Nesting::kSet) return;
      for (size_t i = 0; i < planned.Elements().size(); ++i) {
        const Path ep = path.Index(static_cast<int64_t>(i));
        const Value& pe = planned.Elements()[i];
        if (!pe.IsKnown()) {
          AddInvalidPlan(ep, "an element must not be planned null or unknown",
                         diags);
          continue;
        }
        CheckAttrsValid(attrs, Elem(prior, i), config.Elements()[i], pe, ep,
                        diags);
      }
      return;
    case NestedObject::Nesting::kMap:
      for (const auto& [k, pe] : planned.Entries()) {
        if (config.Entries().count(k) == 0) {
          AddInvalidPlan(path.Key(k),
                         "planned an element that is not configured", diags);
        }
      }
      for (const auto& [k, ce] : config.Entries()) {
        auto it = planned.Entries().find(k);
        if (it == planned.Entries().end()) {
          AddInvalidPlan(path.Key(k),
                         "a configured element is missing from the plan",
                         diags);
          continue;
        }
        if (!it->second.IsKnown()) {
          AddInvalidPlan(path.Key(k),
                         "an element must not be planned null or unknown",
                         diags);
          continue;
        }
        CheckAttrsValid(attrs, Entry(prior, k), ce, it->second, path.Key(k),
                        diags);
      }
      return;
  }
}

void CheckAttrValid(const Attribute& a, const Value& prior, const Value& config,
                    const Value& planned, const Path& path,
                    Diagnostics* diags) {
  if (a.write_only) {
    if (!planned.IsNull()) {
      AddInvalidPlan(path, "write-only attributes must be planned as null",
                     diags);
    }
    return;
  }
  if (planned.EqualIgnoringRefinements(config)) return;
  // The provider kept the prior value of a configured attribute: the two are
  // functionally equivalent (normalisation).
  if (!prior.IsNull() && !config.IsNull() &&
      planned.EqualIgnoringRefinements(prior)) {
    return;
  }
  if (a.computed && !a.optional) return;
  if (a.computed && config.IsNull()) return;
  if (config.IsNull()) {
    AddInvalidPlan(
        path, "planned value for a non-computed attribute must be null", diags);
    return;
  }
  if (a.nested) {
    CheckNestedValid(*a.nested, prior, config, planned, path, diags);
    return;
  }
  AddInvalidPlan(path, "planned value does not match the configured value",
                 diags);
}

void CheckAttrsValid(const std::vector<Attribute>& attrs, const Value& prior,
                     const Value& config, const Value& planned,
                     const Path& path, Diagnostics* diags) {
  for (const Attribute& a : attrs) {
    CheckAttrValid(a, Attr(prior, a.name), Attr(config, a.name),
                   Attr(planned, a.name), path.Attr(a.name), diags);
  }
}

void CheckBlockValid(const Block& block, const Value& prior,
                     const Value& config, const Value& planned,
                     const Path& path, Diagnostics* diags) {
  CheckAttrsValid(block.attributes, prior, config, planned, path, diags);
  for (const NestedBlock& nb : block.block_types) {
    const Value& pr = Attr(prior, nb.type_name);
    const Value& c = Attr(config, nb.type_name);
    const Value& p = Attr(planned, nb.type_name);
    const Path bp = path.Attr(nb.type_name);
    if (p.EqualIgnoringRefinements(c)) continue;
    if (c.IsUnknown()) {
      // A dynamic block whose for_each is unknown: the provider cannot know
      // what to plan.
      AddInvalidPlan(
          bp, "planned a value for a block whose configuration is unknown",
          diags);
      continue;
    }
    if (p.IsUnknown()) {
      AddInvalidPlan(bp,
                     "a block must not be planned unknown as a whole; plan its "
                     "attributes unknown instead",
                     diags);
      continue;
    }
    switch (nb.nesting) {
      case NestedBlock::Nesting::kSingle:
      case NestedBlock::Nesting::kGroup:
        if (c.IsNull() != p.IsNull()) {
          AddInvalidPlan(bp,
                         c.IsNull()
                             ? "planned a block that is not configured"
                             : "planned no block although one is configured",
                         diags);
          break;
        }
        CheckBlockValid(nb.block, pr, c, p, bp, diags);
        break;
      case NestedBlock::Nesting::kList:
      case NestedBlock::Nesting::kSet:
      case NestedBlock::Nesting::kMap:
        if (p.IsNull()) {
          AddInvalidPlan(bp,
                         "a collection of blocks must be planned empty to mean "
                         "no blocks, not null",
                         diags);
          break;
        }
        if (c.Length() != p.Length()) {  // a null config counts as empty
          AddInvalidPlan(
              bp,
              absl::StrCat("planned with ", p.Length(),
                           " blocks but configured with ", c.Length()),
              diags);
          break;
        }
        if (nb.nesting == NestedBlock::Nesting::kList) {
          for (size_t i = 0; i < p.Elements().size(); ++i) {
            const Path ep = bp.Index(static_cast<int64_t>(i));
            const Value& pe = p.Elements()[i];
            if (!pe.IsKnown()) {
              AddInvalidPlan(ep, "a block must not be planned null or unknown",
                             diags);
              continue;
            }
            CheckBlockValid(nb.block, Elem(pr, i), Elem(c, i), pe, ep, diags);
          }
        } else if (nb.nesting == NestedBlock::Nesting::kMap) {
          for (const auto& [k, pe] : p.Entries()) {
            const Path ep = bp.Key(k);
            if (c.Entries().count(k) == 0) {
              AddInvalidPlan(ep, "planned a block that is not configured",
                             diags);
              continue;
            }
            if (!pe.IsKnown()) {
              AddInvalidPlan(ep, "a block must not be planned null or unknown",
                             diags);
              continue;
            }
            CheckBlockValid(nb.block, Entry(pr, k), Entry(c, k), pe, ep, diags);
          }
        }
        // Set elements cannot be correlated; only their count is checked.
        break;
    }
  }
}

void CheckCompatible(const Value& planned, const Value& actual,
                     const Path& path, Diagnostics* diags) {
  auto fail = [&](std::string why) {
    diags->AddAttributeError(
        path, "Provider Produced Inconsistent Result After Apply",
        absl::StrCat(
            "When applying changes, the provider produced an unexpected "
            "new value for ",
            path.empty() ? "the resource" : path.ToString(), ": ", why,
            ". This is a bug in the provider; please report it."));
  };
  if (!actual.IsWhollyKnown()) {
    if (actual.IsUnknown()) {
      fail("the value is still unknown");
      return;
    }
  }
  if (planned.IsUnknown()) return;
  if (planned.IsNull() || actual.IsNull()) {
    if (planned.IsNull() != actual.IsNull()) {
      fail(absl::StrCat("was ", planned.DebugString(), ", but now ",
                        actual.DebugString()));
    }
    return;
  }
  const Type::Kind kind = planned.type().kind();
  switch (kind) {
    case Type::Kind::kObject:
      for (const auto& [name, pv] : planned.Entries()) {
        CheckCompatible(pv, Entry(actual, name), path.Attr(name), diags);
      }
      return;
    case Type::Kind::kMap:
      if (planned.Length() != actual.Length()) {
        fail(absl::StrCat("was ", planned.DebugString(), ", but now ",
                          actual.DebugString()));
        return;
      }
      for (const auto& [key, pv] : planned.Entries()) {
        CheckCompatible(pv, Entry(actual, key), path.Key(key), diags);
      }
      return;
    case Type::Kind::kList:
    case Type::Kind::kTuple:
      if (planned.Length() != actual.Length()) {
        fail(absl::StrCat("was ", planned.DebugString(), ", but now ",
                          actual.DebugString()));
        return;
      }
      for (size_t i = 0; i < planned.Elements().size(); ++i) {
        CheckCompatible(planned.Elements()[i], actual.Elements()[i],
                        path.Index(static_cast<int64_t>(i)), diags);
      }
      return;
    case Type::Kind::kSet:
      if (planned.IsWhollyKnown() ? !planned.EqualIgnoringRefinements(actual)
                                  : planned.Length() != actual.Length()) {
        fail(absl::StrCat("was ", planned.DebugString(), ", but now ",
                          actual.DebugString()));
      }
      return;
    default:
      if (!planned.EqualIgnoringRefinements(actual)) {
        fail(absl::StrCat("was ", planned.DebugString(), ", but now ",
                          actual.DebugString()));
      }
  }
}

void FindUnknowns(const Value& v, const Path& path, Diagnostics* diags) {
  if (v.IsUnknown()) {
    diags->AddAttributeError(
        path, "Provider Returned Unknown Value",
        absl::StrCat(
            "The provider left ", path.empty() ? "the object" : path.ToString(),
            " unknown after apply. This is a bug in the provider; please "
            "report it."));
    return;
  }
  if (!v.IsKnown()) return;
  switch (v.type().kind()) {
    case Type::Kind::kObject:
    case Type::Kind::kMap:
      for (const auto& [k, e] : v.Entries()) {
        FindUnknowns(
            e,
            v.type().kind() == Type::Kind::kObject ? path.Attr(k) : path.Key(k),
            diags);
      }
      break;
    case Type::Kind::kList:
    case Type::Kind::kTuple:
      for (size_t i = 0; i < v.Elements().size(); ++i) {
        FindUnknowns(v.Elements()[i], path.Index(static_cast<int64_t>(i)),
                     diags);
      }
      break;
    case Type::Kind::kSet:
      // Set elements have no index a path could name: point at the set.
      for (const Value& e : v.Elements()) {
        if (!e.IsWhollyKnown()) {
          FindUnknowns(Value::Unknown(v.type()), path, diags);
          break;
        }
      }
      break;
    default:
      break;
  }
}

}  // namespace

void ValidateConfigValue(const Block& block, const Value& config,
                         Diagnostics* diags) {
  ValidateBlockAt(block, config, Path(), diags);
}

GenericPlan PlanChange(const Block& block, const Value& prior,
                       const Value& proposed, const Value& config) {
  GenericPlan plan;
  Value planned = DefaultsInBlock(block, proposed, config);
  const bool create = prior.IsNull();
  // Write-only values come from config on every run and are never stored,
  // so they are left out of the comparison with prior.
  if (!create &&
      NullWriteOnly(block, planned).EqualIgnoringRefinements(prior)) {
    plan.planned_state = prior;
    return plan;
  }
  planned = ComputedInBlock(block, planned, prior, config, create);
  plan.planned_state = NullWriteOnly(block, planned);
  if (!create) {
    ReplaceInBlock(block, prior, plan.planned_state, Path(),
                   &plan.requires_replace);
  }
  return plan;
}

void CheckPlanValid(const Block& block, const Value& prior, const Value& config,
                    const Value& planned, Diagnostics* diags) {
  if (config.IsNull() || planned.IsNull()) {
    if (config.IsNull() != planned.IsNull()) {
      diags->AddError(
          "Provider Produced Invalid Plan",
          "The planned object must be null exactly when the "
          "configuration is (destroy). This is a bug in the provider.");
    }
    return;
  }
  if (planned.IsUnknown()) {
    diags->AddError(
        "Provider Produced Invalid Plan",
        "The planned object must not be unknown as a whole. This is "
        "a bug in the provider.");
    return;
  }
  CheckBlockValid(block, prior, config, planned, Path(), diags);
}

void CheckApplyConsistent(const Value& planned, const Value& actual,
                          Diagnostics* diags) {
  // Only this check's own findings decide whether to go on: `diags` may
  // already hold errors from the provider.
  Diagnostics found;
  FindUnknowns(actual, Path(), &found);
  if (!found.HasError()) CheckCompatible(planned, actual, Path(), &found);
  diags->Append(found);
}

Value NullWriteOnly(const Block& block, const Value& v) {
  Value out = NullWriteOnlyAttrs(block.attributes, v);
  if (!out.IsKnown()) return out;
  for (const NestedBlock& nb : block.block_types) {
    if (!BlockHasWriteOnly(nb.block)) continue;
    const Value& b = Attr(out, nb.type_name);
    if (!b.IsKnown()) continue;
    const Block& inner = nb.block;
    out = out.WithAttr(nb.type_name,
                       nb.nesting == NestedBlock::Nesting::kSingle ||
                               nb.nesting == NestedBlock::Nesting::kGroup
                           ? NullWriteOnly(inner, b)
                           : MapElements(b, [&inner](const Value& e) {
                               return NullWriteOnly(inner, e);
                             }));
  }
  return out;
}

}  // namespace cvm::framework
