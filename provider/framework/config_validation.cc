// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// ValidateConfigValue (plan.h): attribute validators, deprecation warnings
// and block item counts, walked over a configuration value.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "provider/framework/internal/value_lookup.h"
#include "provider/framework/plan.h"

namespace cvm::framework {
namespace {

using internal::Attr;
using schema::Attribute;
using schema::Block;
using schema::NestedBlock;
using schema::NestedObject;
using values::Path;
using values::Value;

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

}  // namespace

void ValidateConfigValue(const Block& block, const Value& config,
                         Diagnostics* diags) {
  ValidateBlockAt(block, config, Path(), diags);
}

}  // namespace cvm::framework
