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
// Numbers, as cty does: an integer fitting int64 as the smallest msgpack int
// form (non-negative values in the positive fixint/uint family), else an
// exactly representable double (non-integers, infinities and e.g. 2^63) as
// float64, anything else as a decimal string (12345678901234567890 -> "...",
// 0.1 -> "0.1"). Unknowns: d4 00 00, or an ext-12 refinement map when
// refinements are present; a refinement payload is kept within Terraform's
// 1024-byte limit by shortening the string prefix or, failing that, by
// writing a plain unknown. Objects: every attribute, in name order. Dynamic
// positions: [bin8/16/32 type JSON, value] unless the value itself has type
// dynamic (null -> c0, unknown -> d4 00 00). Nulls and unknowns of type
// dynamic fit any position. Errors: kInvalidArgument (naming the path) when
// `value` does not conform to `type`.
absl::StatusOr<std::string> EncodeMsgpack(const Value& value, const Type& type);

// Decodes bytes produced by Terraform (or by EncodeMsgpack) against `type`.
// Accepts every int/uint/float width and decimal strings for numbers, str or
// bin for strings, ext type 0 or 12 for unknowns (refinements decoded).
// Errors: kInvalidArgument with a message naming the offending path for
// malformed input, wrong kinds, an object with missing or unknown
// attributes, trailing bytes, or nesting deeper than 256.
//
// Details, as cty/msgpack v1.16: nil is null of `type`; at a dynamic
// position nil is a null of type dynamic and anything else but an ext must
// be [bin-or-str type JSON, value]. Any ext with a 0/1-byte payload, and
// ext 0 with any payload, is a plain unknown; ext 12 carries a refinement
// map (keys 1..6; unknown keys ignored; a key that does not apply to the
// type, a payload over 1024 bytes, or one whose canonical re-encoding would
// exceed 1024 bytes is an error; key 1 = true yields a null); other ext
// types with longer payloads are errors. Duplicate map keys or object
// attributes are errors. Sets are deduplicated (Value::Set). Never reads
// out of bounds; recursion is bounded by the nesting limit.
absl::StatusOr<Value> DecodeMsgpack(std::string_view bytes, const Type& type);

}  // namespace cvm::values

#endif  // CVM_PROVIDER_VALUES_MSGPACK_H_
