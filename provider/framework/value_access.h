// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Small typed accessors for reading configuration, plan and state objects in
// provider code. Each returns nullopt when the object is not a known object,
// the attribute is missing, null or unknown, or has another type, so callers
// decide what "unset" means. Part of framework/. Thread-safe (pure).

#ifndef CVM_PROVIDER_FRAMEWORK_VALUE_ACCESS_H_
#define CVM_PROVIDER_FRAMEWORK_VALUE_ACCESS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "provider/values/value.h"

namespace cvm::framework {

// The attribute, or a null Dynamic value when `object` is not a known object
// or lacks it. The reference stays valid as long as `object`.
const values::Value& Attr(const values::Value& object, std::string_view name);

std::optional<std::string> StringAttr(const values::Value& object,
                                      std::string_view name);
std::optional<bool> BoolAttr(const values::Value& object,
                             std::string_view name);
std::optional<int64_t> IntAttr(const values::Value& object,
                               std::string_view name);
std::optional<double> NumberAttr(const values::Value& object,
                                 std::string_view name);
// Every element of `list` (null and unknown ones included) when it is a
// known list, set or tuple; empty when it is null, unknown or of another
// type. Valid as long as `list`.
const std::vector<values::Value>& ElementsOf(const values::Value& list);
// A known list or set of known strings (null/unknown elements skipped).
std::optional<std::vector<std::string>> StringListAttr(
    const values::Value& object, std::string_view name);
// A known map of known strings.
std::optional<std::map<std::string, std::string>> StringMapAttr(
    const values::Value& object, std::string_view name);

// Builders for provider code.
values::Value StringList(const std::vector<std::string>& items);
values::Value StringMap(const std::map<std::string, std::string>& items);
values::Value OptionalString(const std::optional<std::string>& s);

}  // namespace cvm::framework

#endif  // CVM_PROVIDER_FRAMEWORK_VALUE_ACCESS_H_
