// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Small status-propagation macros (Debian's Abseil 20220623 has no
// status_macros.h). Part of util/: no Terraform or Kubernetes knowledge.

#ifndef CVM_PROVIDER_UTIL_STATUS_MACROS_H_
#define CVM_PROVIDER_UTIL_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define CVM_STATUS_CONCAT_INNER_(a, b) a##b
#define CVM_STATUS_CONCAT_(a, b) CVM_STATUS_CONCAT_INNER_(a, b)

// CVM_RETURN_IF_ERROR(expr)
//
// Evaluates `expr` (an absl::Status) and returns it from the enclosing
// function when it is not OK.
#define CVM_RETURN_IF_ERROR(expr)                                      \
  do {                                                                 \
    ::absl::Status cvm_status_macro_status_ = (expr);                  \
    if (!cvm_status_macro_status_.ok()) return cvm_status_macro_status_; \
  } while (0)

// CVM_ASSIGN_OR_RETURN(lhs, expr)
//
// Evaluates `expr` (an absl::StatusOr<T>); on error returns its status from
// the enclosing function, otherwise moves the value into `lhs`, which may be a
// declaration (`auto x`) or an existing variable.
#define CVM_ASSIGN_OR_RETURN(lhs, expr) \
  CVM_ASSIGN_OR_RETURN_IMPL_(CVM_STATUS_CONCAT_(cvm_statusor_, __LINE__), lhs, expr)

#define CVM_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, expr) \
  auto statusor = (expr);                               \
  if (!statusor.ok()) return std::move(statusor).status(); \
  lhs = std::move(statusor).value()

namespace cvm::util {

// Returns `status` with `context + ": "` prepended to its message, keeping
// its code and payloads. OK stays OK.
absl::Status Annotate(const absl::Status& status, absl::string_view context);

}  // namespace cvm::util

#endif  // CVM_PROVIDER_UTIL_STATUS_MACROS_H_
