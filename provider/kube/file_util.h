// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Small file helpers for kube/ (kubeconfig, service account, token files).
// Internal to kube/.

#ifndef CVM_PROVIDER_KUBE_FILE_UTIL_H_
#define CVM_PROVIDER_KUBE_FILE_UTIL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace cvm::kube::internal {

// Reads a whole file. kNotFound when it does not exist; kPermissionDenied
// when it cannot be opened for lack of rights; kInvalidArgument when it is
// larger than 16 MiB or a directory; kUnavailable for other read errors.
// `what` names the file's role in messages ("kubeconfig", "token file").
absl::StatusOr<std::string> ReadFile(const std::string& path,
                                     absl::string_view what);

// The directory part of `path` ("." when it has none).
std::string DirName(absl::string_view path);

// `path` when absolute or empty, else `base_dir`/`path`.
std::string ResolvePath(absl::string_view base_dir, absl::string_view path);

// True when `text` contains a PEM block header ("-----BEGIN ").
bool LooksLikePem(absl::string_view text);

}  // namespace cvm::kube::internal

#endif  // CVM_PROVIDER_KUBE_FILE_UTIL_H_
