// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// What a workspace pod's status says: whether it is Ready, can still become
// Ready, or has failed for good, and in words a user can act on. Part of
// resources/. Pure functions; thread-safe.

#ifndef CVM_PROVIDER_RESOURCES_POD_STATUS_H_
#define CVM_PROVIDER_RESOURCES_POD_STATUS_H_

#include <string>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"

namespace cvm::resources {

// True when the pod's phase is Failed or Succeeded.
bool PodTerminated(const nlohmann::json& pod);

// True for a container waiting `reason` (`message`) that no amount of
// waiting fixes: an invalid image name, a pull policy of Never, or a
// configuration error such as a missing Secret key. A kubelet that has not
// synced its Secret or ConfigMap cache yet also says
// CreateContainerConfigError ("failed to sync secret cache: timed out
// waiting for the condition"), and retries: that is not permanent.
bool PermanentWait(const std::string& reason, const std::string& message);

// Whether the pod is Ready. Errors: FailedPrecondition when it terminated
// (with each container that exited unsuccessfully: name, exit code, reason
// and message) or a container waits for a permanent reason; Aborted when it
// is being deleted.
absl::StatusOr<bool> PodReady(const nlohmann::json& pod);

}  // namespace cvm::resources

#endif  // CVM_PROVIDER_RESOURCES_POD_STATUS_H_
