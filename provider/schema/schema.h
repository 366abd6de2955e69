// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Declarative schemas for the provider block, resources and data sources:
// attributes (required, optional, computed, sensitive, write-only, defaults,
// plain and markdown descriptions, deprecation), nested attribute objects and
// nested blocks, plus the plan behaviour the framework applies generically
// (requires-replace, stable computed values). Part of schema/: knows values/
// but nothing of the wire format.
//
// Example:
//   Schema s;
//   s.block.attributes = {
//       Attribute("name", Type::String()).Required().RequiresReplace()
//           .Describe("Name of the workspace."),
//       Attribute("id", Type::String()).Computed().UseStateForUnknown(),
//   };

#ifndef CVM_PROVIDER_SCHEMA_SCHEMA_H_
#define CVM_PROVIDER_SCHEMA_SCHEMA_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "provider/values/path.h"
#include "provider/values/type.h"
#include "provider/values/value.h"

namespace cvm::schema {

// Checks one known, non-null attribute value. Returns OK, or
// kInvalidArgument whose message tells the practitioner what is wrong and
// what to do; the framework attaches the attribute path.
using Validator = std::function<absl::Status(const values::Value&)>;

struct Attribute;

namespace internal {

// A type derived from a schema part, computed on its first use and kept:
// every plugin call decodes, conforms and encodes against it, and building
// it allocates a map per object. Copies and assignments start empty, so a
// copied part may be changed before its own first use. Get is thread-safe.
class CachedType {
 public:
  CachedType() = default;
  CachedType(const CachedType&) noexcept {}
  CachedType& operator=(const CachedType&) noexcept {
    Reset();
    return *this;
  }
  ~CachedType() { Reset(); }

  // The cached type, or `compute()` stored on the first call (when two
  // threads race, one result is kept and both return it).
  template <typename Compute>
  values::Type Get(const Compute& compute) const {
    if (const values::Type* t = type_.load(std::memory_order_acquire)) {
      return *t;
    }
    auto* fresh = new values::Type(compute());
    const values::Type* expected = nullptr;
    if (type_.compare_exchange_strong(expected, fresh,
                                      std::memory_order_acq_rel)) {
      return *fresh;
    }
    delete fresh;
    return *expected;
  }

 private:
  void Reset() { delete type_.exchange(nullptr); }

  mutable std::atomic<const values::Type*> type_{nullptr};
};

}  // namespace internal

// The object of an attribute with a nested type (Schema.Object).
struct NestedObject {
  enum class Nesting { kSingle, kList, kSet, kMap };
  Nesting nesting = Nesting::kSingle;
  std::vector<Attribute> attributes;

  // The object type of one element (computed once, see Block).
  values::Type ObjectType() const;

  internal::CachedType object_type_cache;
};

// One attribute. The chaining setters return *this so that schemas read as
// declarations.
struct Attribute {
  Attribute() = default;
  Attribute(std::string name, values::Type type)
      : name(std::move(name)), type(std::move(type)) {}

  std::string name;
  values::Type type;  // ignored when `nested` is set
  std::optional<NestedObject> nested;
  bool required = false;
  bool optional = false;
  bool computed = false;
  bool sensitive = false;
  bool write_only = false;
  std::string description;           // plain text
  std::string markdown_description;  // preferred on the wire when set
  std::string deprecation_message;   // non-empty: deprecated
  // Planned when the configuration leaves the attribute null.
  // REQUIRES: optional && computed.
  std::optional<values::Value> default_value;
  // A change of this attribute replaces the remote object.
  bool requires_replace = false;
  // Computed value that never changes once set: on update the prior value
  // is planned instead of unknown (terraform-plugin-framework's
  // UseStateForUnknown).
  bool use_state_for_unknown = false;
  // Computed value that reflects the live remote system (e.g. how many
  // nodes are ready), not the configuration. The framework never lets a
  // plan depend on it, so a plan saved and applied later plans the same
  // again whatever the system did meanwhile: it is planned unknown on
  // create and as the prior value on update, whatever ModifyPlan set, and
  // an update returns the planned value. Only Create and Read set it.
  // Top-level attributes only.
  bool live = false;
  std::vector<Validator> validators;

  Attribute& Required() {
    required = true;
    return *this;
  }
  Attribute& Optional() {
    optional = true;
    return *this;
  }
  Attribute& Computed() {
    computed = true;
    return *this;
  }
  Attribute& Sensitive() {
    sensitive = true;
    return *this;
  }
  Attribute& WriteOnly() {
    write_only = true;
    return *this;
  }
  Attribute& RequiresReplace() {
    requires_replace = true;
    return *this;
  }
  Attribute& UseStateForUnknown() {
    use_state_for_unknown = true;
    return *this;
  }
  Attribute& Live() {
    computed = live = true;
    return *this;
  }
  Attribute& Default(values::Value v) {
    optional = computed = true;
    default_value = std::move(v);
    return *this;
  }
  Attribute& Describe(std::string text) {
    description = std::move(text);
    return *this;
  }
  // Markdown description; the plain description is derived by stripping
  // backticks when none was given.
  Attribute& DescribeMarkdown(std::string md);
  Attribute& Deprecated(std::string message) {
    deprecation_message = std::move(message);
    return *this;
  }
  Attribute& Validate(Validator v) {
    validators.push_back(std::move(v));
    return *this;
  }
  Attribute& Nested(NestedObject::Nesting nesting,
                    std::vector<Attribute> attrs) {
    nested.emplace();
    nested->nesting = nesting;
    nested->attributes = std::move(attrs);
    return *this;
  }

  // The attribute's value type (derived from `nested` when set).
  values::Type ValueType() const;
};

struct NestedBlock;

struct Block {
  std::vector<Attribute> attributes;
  std::vector<NestedBlock> block_types;
  std::string description;
  std::string markdown_description;
  std::string deprecation_message;

  // The object type of one instance of this block. Computed on the first
  // call and kept: a Block (and anything in it) must not change after it
  // has been used (copies start afresh: copy, change, then use).
  values::Type ImpliedType() const;
  const Attribute* FindAttribute(std::string_view name) const;
  const NestedBlock* FindBlock(std::string_view name) const;

  internal::CachedType implied_type_cache;
};

struct NestedBlock {
  enum class Nesting { kSingle, kList, kSet, kMap, kGroup };
  std::string type_name;
  Block block;
  Nesting nesting = Nesting::kSingle;
  int64_t min_items = 0;
  int64_t max_items = 0;
  bool requires_replace = false;

  // The type of this block's attribute in the parent object: object for
  // single/group, list/set/map of object, as Terraform's configschema does.
  // A list or map block containing dynamic is dynamic: its values are a
  // tuple (list) or an object (map) of per-element object types. Computed
  // once, as Block's.
  values::Type ImpliedType() const;

  internal::CachedType implied_type_cache;
};

struct Schema {
  int64_t version = 0;
  Block block;

  values::Type ImpliedType() const { return block.ImpliedType(); }

  // Checks the rules Terraform enforces on provider schemas (every
  // attribute required/optional/computed; not required+optional or
  // required+computed; defaults only on optional+computed and of the
  // attribute's type; block and attribute names ^[a-z0-9_]+$ and distinct;
  // single/group/map block item limits; no dynamic or write-only inside
  // sets; non-negative version). Returns kInternal naming the offending
  // path, since a bad schema is a provider bug.
  absl::Status Validate() const;
};

// A null-or-empty value of the block type, as Terraform builds it for an
// absent object: attributes null, list/set/map blocks empty, single blocks
// null, group blocks present with their own empties.
values::Value EmptyObject(const Block& block);

// Fills a value decoded from state or built by a resource so that it
// conforms to the block's implied type: missing attributes become null,
// missing list/set/map blocks become empty collections.
values::Value Conform(const Block& block, const values::Value& object);

}  // namespace cvm::schema

#endif  // CVM_PROVIDER_SCHEMA_SCHEMA_H_
