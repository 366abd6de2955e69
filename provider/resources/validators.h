// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Attribute validators shared by the cvm resources. Each returns a
// schema::Validator whose error message says what is wrong and what to write
// instead; the framework attaches the attribute path. Validators only see
// known, non-null values. Part of resources/.

#ifndef CVM_PROVIDER_RESOURCES_VALIDATORS_H_
#define CVM_PROVIDER_RESOURCES_VALIDATORS_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "provider/framework/diagnostics.h"
#include "provider/framework/timeouts.h"
#include "provider/schema/schema.h"

namespace cvm::resources {

// A string from `allowed`; `rejected` maps known-but-unsupported values to
// the reason they are refused (e.g. {"amd", "AMD GPUs are not supported..."}).
schema::Validator OneOf(
    std::vector<std::string> allowed,
    std::vector<std::pair<std::string, std::string>> rejected = {});
using framework::IsDuration;  // framework/timeouts.h
using framework::QuoteValue;  // framework/diagnostics.h

// A Kubernetes quantity (ParseQuantity) that fits a 64-bit count of
// milli-units (at most about 9.2e15 cores or bytes).
schema::Validator IsQuantity();
// An RFC 1123 label: lowercase alphanumerics and '-', at most `max_length`.
schema::Validator IsDnsLabel(size_t max_length = 63);
// An RFC 1123 subdomain, at most 253 characters.
schema::Validator IsDnsSubdomain();
// Kubernetes' limit on the annotations of one object: all keys plus all
// values, in bytes (TotalAnnotationSizeLimitB, 256 KiB).
inline constexpr size_t kTotalAnnotationSizeLimit = 256 * 1024;

// A label map (labels, node selectors): keys are valid Kubernetes qualified
// names and values valid label values (empty, or at most 63 letters, digits,
// '-', '_' or '.', starting and ending with a letter or digit). The message
// names the offending key, as the framework only attaches the attribute's
// path. Unknown values are skipped.
schema::Validator IsLabelMap();
// A label key (a Kubernetes qualified name: [prefix/]name), e.g. of a
// selector requirement or an affinity's topology key.
schema::Validator IsLabelKey();
// An environment map: every key a Kubernetes environment variable name
// (letters, digits, '_', '-' and '.', not starting with a digit), which
// also keeps it out of the lists the pod joins names into (CODER_INNER_ENVS,
// the sysbox hook's kept variables). Unknown values are skipped.
schema::Validator IsEnvMap();
// One environment variable name, by the rules of IsEnvMap's keys.
schema::Validator IsEnvName();
// A key of a Secret or ConfigMap: at most 253 letters, digits, '-', '_' or
// '.', not "." or "..".
schema::Validator IsConfigKey();
// An annotation map: keys are valid Kubernetes qualified names and all keys
// plus all known values take at most kTotalAnnotationSizeLimit -
// `reserved_bytes` bytes (`reserved_bytes`: what the provider adds to the
// same object itself).
schema::Validator IsAnnotationMap(size_t reserved_bytes = 0);
// True if `value` is a valid Kubernetes label value.
bool IsLabelValue(absl::string_view value);
// An IPv4 CIDR with a prefix of at most /`max_prefix`, outside
// 172.17.0.0/16 (Docker's default bridge inside the workspace).
schema::Validator IsDockerBridgeCidr(int max_prefix = 30);
// A Docker image reference (name[:tag][@digest]).
schema::Validator IsImageReference();
// An absolute path below / without ',' or ':' (CODER_MOUNTS separators),
// in plain form: no empty, '.' or '..' components and no trailing '/', so
// prefix rules (/tmp, envbox's private paths) cannot be sidestepped.
schema::Validator IsMountPath();
// A POSIX user name of at most 32 characters.
schema::Validator IsPosixUsername();
// A number that is a whole number within [min, max].
schema::Validator IsIntInRange(int64_t min, int64_t max);

// Image reference parts, for checks beyond syntax.
struct ImageReference {
  std::string registry;  // empty when none was written (Docker Hub implied)
  std::string repository;
  std::string tag;  // empty when none was written ("latest" implied)
  std::string digest;
};
absl::StatusOr<ImageReference> ParseImageReference(absl::string_view text);

}  // namespace cvm::resources

#endif  // CVM_PROVIDER_RESOURCES_VALIDATORS_H_
