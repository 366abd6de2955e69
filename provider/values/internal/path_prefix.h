// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Internal to values/: how the value codecs (json.cc, msgpack_encode.cc,
// msgpack_decode.cc) name the offending position in their error messages.
// Not part of the folder's contract; other folders must not include this
// header.

#ifndef CVM_PROVIDER_VALUES_INTERNAL_PATH_PREFIX_H_
#define CVM_PROVIDER_VALUES_INTERNAL_PATH_PREFIX_H_

#include <string>
#include <vector>

#include "provider/values/path.h"

namespace cvm::values::internal {

// "<path>: " for messages, with a leading '.' before an attribute name as
// Terraform writes it (".rule[0].port: number required"); "" at the root.
std::string PathPrefix(const std::vector<PathStep>& steps);

}  // namespace cvm::values::internal

#endif  // CVM_PROVIDER_VALUES_INTERNAL_PATH_PREFIX_H_
