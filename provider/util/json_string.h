// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// JSON string literals as Go's encoding/json writes them: the one escaper
// for everything the provider writes as JSON (Terraform values, hclog log
// lines, the reattach handshake), so the bytes match Terraform's and a log
// line is always one valid line. Part of util/. Pure functions; thread-safe.

#ifndef CVM_PROVIDER_UTIL_JSON_STRING_H_
#define CVM_PROVIDER_UTIL_JSON_STRING_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace cvm::util {

// Appends `s` to `*out` as a quoted JSON string, escaping as Go's
// encoding/json does: '"', '\\', control characters, '<', '>', '&', U+2028
// and U+2029. Invalid UTF-8 bytes are written as U+FFFD. REQUIRES: out !=
// nullptr.
void AppendJsonString(std::string_view s, std::string* out);

// Length of the valid UTF-8 sequence starting at s[i], or 0 when the bytes
// there are not valid UTF-8. REQUIRES: i < s.size().
size_t Utf8SequenceLength(std::string_view s, size_t i);

}  // namespace cvm::util

#endif  // CVM_PROVIDER_UTIL_JSON_STRING_H_
