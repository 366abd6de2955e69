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

// Encodes a wholly known `value` of `type` as compact JSON, as cty/json
// does: numbers in full precision (Number::ToString), strings escaped as Go's
// encoding/json escapes them, map keys and object attributes in sorted
// order (every attribute, nulls included), dynamic positions as
// {"value":...,"type":...} unless the value has type dynamic (then null).
// Errors: kInvalidArgument (naming the path) if the value contains unknowns
// (JSON has no unknowns), an infinity, a string, map key or attribute name
// that is not valid UTF-8 (it could not round-trip), or does not conform to
// `type`.
absl::StatusOr<std::string> EncodeJson(const Value& value, const Type& type);

// Decodes JSON against `type`. Object attributes missing from the JSON
// become null (as Terraform's state upgrade expects); attributes the type
// lacks are rejected unless `ignore_unknown_attributes` is true. As in
// cty/json, a string may stand for a number or a bool ("true"/"false"), and
// a number or bool for a string; a dynamic position needs
// {"value":...,"type":...} (both keys) or null. Numbers keep their full
// precision (no double rounding). Errors: kInvalidArgument naming the
// offending path, for malformed JSON, duplicate object keys, nesting deeper
// than 256, or a value that does not fit `type`.
absl::StatusOr<Value> DecodeJson(std::string_view json, const Type& type,
                                 bool ignore_unknown_attributes = false);

}  // namespace cvm::values

#endif  // CVM_PROVIDER_VALUES_JSON_H_
