// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/resources/pod_status.h"

#include <string_view>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "provider/resources/json_access.h"

namespace cvm::resources {
namespace {

// "; init container home-owner exited 1 (Error): chown: invalid spec" for
// each container of `pod` that terminated unsuccessfully.
std::string FailedContainers(const nlohmann::json& pod) {
  std::string out;
  const nlohmann::json& status = ObjectAt(pod, "status");
  for (const char* list : {"initContainerStatuses", "containerStatuses"}) {
    for (const nlohmann::json& c : ArrayAt(status, list)) {
      const nlohmann::json& t = ObjectAt(ObjectAt(c, "state"), "terminated");
      const auto code = t.find("exitCode");
      if (code == t.end() || !code->is_number_integer() || *code == 0) {
        continue;
      }
      const std::string message = StringAt(t, {"message"});
      absl::StrAppend(
          &out, "; ",
          std::string_view(list) == "initContainerStatuses" ? "init container "
                                                            : "container ",
          StringAt(c, {"name"}), " exited ", code->get<int64_t>(), " (",
          StringAt(t, {"reason"}), ")", message.empty() ? "" : ": ", message);
    }
  }
  return out;
}

}  // namespace

bool PodTerminated(const nlohmann::json& pod) {
  const std::string phase = StringAt(pod, {"status", "phase"});
  return phase == "Failed" || phase == "Succeeded";
}

bool PermanentWait(const std::string& reason, const std::string& message) {
  if (reason == "InvalidImageName" || reason == "ErrImageNeverPull") {
    return true;
  }
  return reason == "CreateContainerConfigError" &&
         !absl::StrContains(message, "failed to sync");
}

absl::StatusOr<bool> PodReady(const nlohmann::json& pod) {
  if (PodTerminated(pod)) {
    const std::string message = StringAt(pod, {"status", "message"});
    return absl::FailedPreconditionError(absl::StrCat(
        "the pod terminated (phase ", StringAt(pod, {"status", "phase"}), ")",
        message.empty() ? "" : absl::StrCat(": ", message),
        FailedContainers(pod)));
  }
  if (Terminating(pod)) {
    return absl::AbortedError("the pod is being deleted (by someone else)");
  }
  const nlohmann::json& status = ObjectAt(pod, "status");
  for (const char* list : {"initContainerStatuses", "containerStatuses"}) {
    for (const nlohmann::json& c : ArrayAt(status, list)) {
      const std::string reason = StringAt(c, {"state", "waiting", "reason"});
      const std::string message = StringAt(c, {"state", "waiting", "message"});
      if (PermanentWait(reason, message)) {
        return absl::FailedPreconditionError(
            absl::StrCat("container ", StringAt(c, {"name"}),
                         " cannot start: ", reason, ": ", message));
      }
    }
  }
  for (const nlohmann::json& c : ArrayAt(status, "conditions")) {
    if (StringAt(c, {"type"}) == "Ready" && StringAt(c, {"status"}) == "True") {
      return true;
    }
  }
  return false;
}

}  // namespace cvm::resources
