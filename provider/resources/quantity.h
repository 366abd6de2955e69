// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Kubernetes resource quantities ("500m", "2", "4Gi", "4G", "1e3"): parsing
// for plan-time validation and comparison (request <= limit, minimum disk
// sizes) and semantic equality, so "1" and "1000m" are the same CPU and a
// server-normalised spelling is never drift. Part of resources/.

#ifndef CVM_PROVIDER_RESOURCES_QUANTITY_H_
#define CVM_PROVIDER_RESOURCES_QUANTITY_H_

#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cvm::resources {

// The value of a quantity in base units (cores, bytes). Errors:
// kInvalidArgument with a message showing valid spellings for text that is
// not a Kubernetes quantity, or for a negative value.
absl::StatusOr<long double> ParseQuantity(absl::string_view text);

// True when both are the same text, or both parse and denote the same
// amount ("1" and "1000m", "1Gi" and "1024Mi").
bool QuantitiesEqual(absl::string_view a, absl::string_view b);

}  // namespace cvm::resources

#endif  // CVM_PROVIDER_RESOURCES_QUANTITY_H_
