// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The generic plan (plan.h: PlanChange, NullWriteOnly): defaults, computed
// values, write-only nulls and requires-replace paths, each a walk over the
// schema with prior, proposed and config side by side.

#include "provider/framework/plan.h"

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "provider/framework/internal/value_lookup.h"

namespace cvm::framework {
namespace {

using internal::Attr;
using internal::Elem;
using internal::Entry;
using internal::NullValue;
using schema::Attribute;
using schema::Block;
using schema::NestedBlock;
using schema::NestedObject;
using values::Path;
using values::Type;
using values::Value;

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
      out = std::move(out).WithAttr(a.name, *a.default_value);
    } else if (a.nested && c.IsKnown()) {
      out = std::move(out).WithAttr(a.name,
                                    DefaultsInNested(a, Attr(out, a.name), c));
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
        out = std::move(out).WithAttr(nb.type_name,
                                      DefaultsInBlock(nb.block, p, c));
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
        out = std::move(out).WithAttr(nb.type_name,
                                      RebuildMap(p, std::move(elems)));
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
    if (!create && (a.use_state_for_unknown || a.live) && !prior.IsNull())
      return prior;
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
    out = std::move(out).WithAttr(
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
        out = std::move(out).WithAttr(
            nb.type_name, ComputedInBlock(nb.block, p, pr, c, create));
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
        out = std::move(out).WithAttr(nb.type_name,
                                      RebuildMap(p, std::move(elems)));
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
      out = std::move(out).WithAttr(a.name, Value::Null(a.ValueType()));
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

}  // namespace

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

Value PlanLiveAttributes(const Block& block, const Value& prior,
                         Value planned) {
  if (!planned.IsKnown() || planned.IsNull()) return planned;
  for (const Attribute& a : block.attributes) {
    if (!a.live) continue;
    planned = std::move(planned).WithAttr(
        a.name,
        prior.IsNull() ? Value::Unknown(a.ValueType()) : Attr(prior, a.name));
  }
  return planned;
}

Value KeepPlannedLiveAttributes(const Block& block, const Value& planned,
                                Value actual) {
  if (!actual.IsKnown() || actual.IsNull()) return actual;
  for (const Attribute& a : block.attributes) {
    if (a.live && Attr(planned, a.name).IsWhollyKnown()) {
      actual = std::move(actual).WithAttr(a.name, Attr(planned, a.name));
    }
  }
  return actual;
}

Value NullWriteOnly(const Block& block, const Value& v) {
  Value out = NullWriteOnlyAttrs(block.attributes, v);
  if (!out.IsKnown()) return out;
  for (const NestedBlock& nb : block.block_types) {
    if (!BlockHasWriteOnly(nb.block)) continue;
    const Value& b = Attr(out, nb.type_name);
    if (!b.IsKnown()) continue;
    const Block& inner = nb.block;
    out = std::move(out).WithAttr(
        nb.type_name, nb.nesting == NestedBlock::Nesting::kSingle ||
                              nb.nesting == NestedBlock::Nesting::kGroup
                          ? NullWriteOnly(inner, b)
                          : MapElements(b, [&inner](const Value& e) {
                              return NullWriteOnly(inner, e);
                            }));
  }
  return out;
}

}  // namespace cvm::framework
