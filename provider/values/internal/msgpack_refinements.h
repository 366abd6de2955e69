// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Internal to values/: the refinement payload of a cty unknown (msgpack ext
// type 12, cty msgpack/unknown.go), written by msgpack_encode.cc and read by
// msgpack_decode.cc. Not part of the folder's contract; other folders must
// not include this header.

#ifndef CVM_PROVIDER_VALUES_INTERNAL_MSGPACK_REFINEMENTS_H_
#define CVM_PROVIDER_VALUES_INTERNAL_MSGPACK_REFINEMENTS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "provider/values/type.h"
#include "provider/values/value.h"

namespace cvm::values::internal::msgpack {

// Terraform rejects refinement payloads longer than this.
inline constexpr size_t kMaxRefinementPayload = 1024;
// The ext type of an unknown with refinements.
inline constexpr int8_t kRefinedUnknownExt = 12;

// The refinement payload (a msgpack map) for an unknown at a position of
// type `t`, with the string prefix cut to `prefix_limit` bytes (never inside
// a UTF-8 sequence). Empty when there is nothing to say.
std::string RefinementPayload(const Refinements& r, const Type& t,
                              size_t prefix_limit);

// The unknown of type `t` that the ext-12 `payload` describes (see
// DecodeMsgpack in msgpack.h for the rules). Errors: kInvalidArgument with
// a message that does not name the value's path (the caller adds it).
absl::StatusOr<Value> DecodeRefinements(std::string_view payload,
                                        const Type& t);

}  // namespace cvm::values::internal::msgpack

#endif  // CVM_PROVIDER_VALUES_INTERNAL_MSGPACK_REFINEMENTS_H_
