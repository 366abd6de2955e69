// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Internal to framework/: the null-tolerant lookups the plan walks
// (plan.cc, config_validation.cc, plan_checks.cc) use to step through prior,
// config and planned values side by side, where any of them may be null,
// unknown or shorter than the others. Not part of the folder's contract;
// other folders must not include this header.

#ifndef CVM_PROVIDER_FRAMEWORK_INTERNAL_VALUE_LOOKUP_H_
#define CVM_PROVIDER_FRAMEWORK_INTERNAL_VALUE_LOOKUP_H_

#include <cstddef>
#include <string>

#include "provider/values/value.h"

namespace cvm::framework::internal {

// A null of type dynamic that lives forever.
const values::Value& NullValue();

// The attribute `name` of `obj`, or a null when `obj` is not a known object.
const values::Value& Attr(const values::Value& obj, const std::string& name);

// Element i of a known list/tuple, or null.
const values::Value& Elem(const values::Value& coll, size_t i);

// Entry `key` of a known map/object, or null.
const values::Value& Entry(const values::Value& coll, const std::string& key);

}  // namespace cvm::framework::internal

#endif  // CVM_PROVIDER_FRAMEWORK_INTERNAL_VALUE_LOOKUP_H_
