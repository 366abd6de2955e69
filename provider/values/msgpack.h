// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The cty MessagePack encoding of values, as used by tfplugin6's
// DynamicValue.msgpack (see docs/plugin-protocol/object-wire-format.md).
// Values are encoded against a type known from the schema; only "dynamic"
// positions carry their type ([bin type-JSON, value]). Part of values/.

#ifndef CVM_PROVIDER_VALUES_MSGPACK_H_
#define CVM_PROVIDER_VALUES_MSGPACK_H_

#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "provider/values/type.h"
#include "provider/values/value.h"

namespace cvm::values {

// Encodes `value` as it should appear at a position of type `type`.
// Numbers: an integer fitting int64/uint64 as msgpack int, an exact double
// as float64, anything else as a decimal string. Unknowns: d4 00 00, or an
// ext-12 refinement map when refinements are present. Objects: every
// attribute, in name order. Errors: kInvalidArgument when `value` does not
// conform to `type`.
absl::StatusOr<std::string> EncodeMsgpack(const Value& value, const Type& type);

// Decodes bytes produced by Terraform (or by EncodeMsgpack) against `type`.
// Accepts every int/uint/float width and decimal strings for numbers, str or
// bin for strings, ext type 0 or 12 for unknowns (refinements decoded).
// Errors: kInvalidArgument with a message naming the offending path for
// malformed input, wrong kinds, an object with missing or unknown
// attributes, trailing bytes, or nesting deeper than 256.
absl::StatusOr<Value> DecodeMsgpack(std::string_view bytes, const Type& type);

}  // namespace cvm::values

#endif  // CVM_PROVIDER_VALUES_MSGPACK_H_
