// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The cty JSON encoding of values: DynamicValue.json and RawState.json (a
// resource's attributes as stored in the state file). Numbers keep their
// full precision in both directions. Dynamic positions use
// {"value": ..., "type": ...}. Part of values/.

#ifndef CVM_PROVIDER_VALUES_JSON_H_
#define CVM_PROVIDER_VALUES_JSON_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "provider/values/type.h"
#include "provider/values/value.h"

namespace cvm::values {

// Encodes a wholly known `value` of `type` as compact JSON. Errors:
// kInvalidArgument if the value contains unknowns (JSON has no unknowns),
// an infinity, or does not conform to `type`.
absl::StatusOr<std::string> EncodeJson(const Value& value, const Type& type);

// Decodes JSON against `type`. Object attributes missing from the JSON
// become null (as Terraform's state upgrade expects); attributes the type
// lacks are rejected unless `ignore_unknown_attributes` is true.
// Errors: kInvalidArgument naming the offending path.
absl::StatusOr<Value> DecodeJson(std::string_view json, const Type& type,
                                 bool ignore_unknown_attributes = false);

}  // namespace cvm::values

#endif  // CVM_PROVIDER_VALUES_JSON_H_
