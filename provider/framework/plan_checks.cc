// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Terraform's own checks of what a provider returns (plan.h:
// CheckPlanValid, CheckApplyConsistent), run before Terraform sees the
// result so that a provider bug is reported at the offending path.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "provider/framework/internal/value_lookup.h"
#include "provider/framework/plan.h"

namespace cvm::framework {
namespace {

using internal::Attr;
using internal::Elem;
using internal::Entry;
using schema::Attribute;
using schema::Block;
using schema::NestedBlock;
using schema::NestedObject;
using values::Path;
using values::Type;
using values::Value;

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
                     const Path& path, Diagnostics* diags);

// A list, set or map of blocks `nb` whose planned value `p` differs from
// its configuration `c`; `pr` is the prior value, `bp` the path.
void CheckBlockCollectionValid(const NestedBlock& nb, const Value& pr,
                               const Value& c, const Value& p, const Path& bp,
                               Diagnostics* diags) {
  if (p.IsNull()) {
    AddInvalidPlan(bp,
                   "a collection of blocks must be planned empty to mean "
                   "no blocks, not null",
                   diags);
    return;
  }
  if (c.Length() != p.Length()) {  // a null config counts as empty
    AddInvalidPlan(bp,
                   absl::StrCat("planned with ", p.Length(),
                                " blocks but configured with ", c.Length()),
                   diags);
    return;
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
        AddInvalidPlan(ep, "planned a block that is not configured", diags);
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
        CheckBlockCollectionValid(nb, pr, c, p, bp, diags);
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

}  // namespace cvm::framework
