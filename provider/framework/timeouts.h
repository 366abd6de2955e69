// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The `timeouts` block of a resource (as terraform-plugin-framework-
// timeouts): one optional Go duration per operation, and the limits read
// back from a plan or state. Part of framework/. Pure functions;
// thread-safe.

#ifndef CVM_PROVIDER_FRAMEWORK_TIMEOUTS_H_
#define CVM_PROVIDER_FRAMEWORK_TIMEOUTS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "provider/schema/schema.h"
#include "provider/values/value.h"

namespace cvm::framework {

// A Go duration ("30s", "10m", "1h30m", "1.5h", "500ms"). Errors:
// kInvalidArgument naming the text and how to write one.
absl::StatusOr<absl::Duration> ParseDuration(absl::string_view text);

// A validator of ParseDuration's syntax for a string attribute.
schema::Validator IsDuration();

struct OperationTimeout {
  std::string operation;     // "create", "update", "delete"
  std::string default_text;  // "10m"
  std::string note;          // appended to the description, may be empty
};

// The block "timeouts" (nesting single) with one optional duration per
// operation, described with its default.
schema::NestedBlock TimeoutsBlock(const std::vector<OperationTimeout>& ops);

// The limit of `op` configured in `object`'s timeouts block, else
// `fallback` (also for a value that does not parse).
absl::Duration TimeoutOf(const values::Value& object, const char* op,
                         absl::Duration fallback);

// "timeouts.create (10m)": how a message names the limit of `op`, with the
// configured text or `default_text`.
std::string TimeoutName(const values::Value& object, const char* op,
                        const char* default_text);

}  // namespace cvm::framework

#endif  // CVM_PROVIDER_FRAMEWORK_TIMEOUTS_H_
