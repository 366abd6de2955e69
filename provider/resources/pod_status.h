// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// What a workspace pod's status says: whether it is Ready, can still become
// Ready, or has failed for good, and in words a user can act on. Part of
// resources/. Pure functions are thread-safe; a PodReadiness is not, nor
// is a wait that uses one.

#ifndef CVM_PROVIDER_RESOURCES_POD_STATUS_H_
#define CVM_PROVIDER_RESOURCES_POD_STATUS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "nlohmann/json.hpp"
#include "provider/kube/client.h"

namespace cvm::resources {

// True when the pod's phase is Failed or Succeeded.
bool PodTerminated(const nlohmann::json& pod);

// True for a container waiting `reason` (`message`) that no amount of
// waiting fixes: an invalid image name, a pull policy of Never, a pull
// that failed for a permanent reason (ErrImagePull and
// PermanentPullError(message)), or a configuration error such as a missing
// Secret key. A kubelet that has not synced its Secret or ConfigMap cache
// yet also says CreateContainerConfigError ("failed to sync secret cache:
// timed out waiting for the condition"), and retries: that is not
// permanent.
bool PermanentWait(const std::string& reason, const std::string& message);

// True when `message`, the error of a failed image pull (an ErrImagePull
// container status, or the text after 'Failed to pull image "x": ' in the
// kubelet's event), says that the image or tag does not exist or that
// access to it is denied (`not found`, `manifest unknown`, `unauthorized`,
// `denied`, `403 Forbidden`, case-insensitive). A message that also names
// a transient cause (a timeout, 429 Too Many Requests, a refused or reset
// connection, an unavailable registry) is not permanent: the kubelet
// retries, and the retry may succeed.
bool PermanentPullError(absl::string_view message);

// Whether the pod is Ready. Errors: FailedPrecondition when it terminated
// (with each container that exited unsuccessfully: name, exit code, reason
// and message) or a container waits for a permanent reason (named, with
// the kubelet's reason and message); Aborted when it is being deleted.
absl::StatusOr<bool> PodReady(const nlohmann::json& pod);

// Follows one pod through a wait for Ready, across the versions a watch
// delivers, and remembers what one version does not say. A kubelet reports
// a failed pull as ErrImagePull with the registry's error, then as
// ImagePullBackOff whose message is only 'Back-off pulling image "x"'; the
// error itself is also in its Warning event 'Failed to pull image "x":
// ...'. So the last pull error of each container is kept, and taken from
// the pod's events when no status showed it.
//
//   PodReadiness readiness;
//   predicate = [&](const json& pod) {
//     absl::StatusOr<bool> ready = readiness.Check(pod);
//     return ready.ok() ? *ready || readiness.NeedsEvents() : ready;
//   };
//   ... when the wait returns with readiness.NeedsEvents():
//   readiness.NoteEvents(client->Events(pod_ref).value_or({})); wait again.
class PodReadiness {
 public:
  // As PodReady(pod), and FailedPrecondition when a container backs off a
  // pull whose last error (seen in an earlier version or in the events) is
  // permanent. Remembers `pod` and the pull errors it shows.
  absl::StatusOr<bool> Check(const nlohmann::json& pod);

  // True when the last pod checked has a container in ImagePullBackOff
  // whose pull error is unknown and whose events were not read yet for it:
  // the caller should read the pod's events, pass them to NoteEvents and
  // check again. Asks at most once per container and image.
  bool NeedsEvents() const;

  // Takes the pull errors from `events` (the last pod's, oldest first):
  // the kubelet's 'Failed to pull image "x": <error>' for a container's
  // image. Events of another pod of the same name (another uid) are
  // ignored. Clears NeedsEvents.
  void NoteEvents(const std::vector<kube::Event>& events);

  // The last pull error seen for container `name`, or "".
  std::string LastPullError(const std::string& name) const;

  // What the last pod checked (or `pod`, when given and an object) says
  // about why it is not Ready: one line per init container not completed
  // and per container not ready, with its state, reason and message and
  // the last pull error seen; the reason it is not scheduled; "" when
  // there is nothing to say. Lines start with two spaces and end in "\n".
  std::string Describe(const nlohmann::json* pod = nullptr) const;

  // The last pod checked (null before the first Check).
  const nlohmann::json& last_pod() const { return last_pod_; }

 private:
  // The last pull error of container `name` when it was for `image` (any
  // image when "").
  std::string PullErrorFor(const std::string& name,
                           const std::string& image) const;
  // One line of Describe: container status `c` of `list`.
  std::string DescribeContainer(absl::string_view list,
                                const nlohmann::json& c) const;

  nlohmann::json last_pod_;
  // Container name -> its image and the last pull error seen for it.
  struct PullError {
    std::string image;
    std::string message;
  };
  std::map<std::string, PullError> pull_errors_;
  // Container name -> the image whose events were read for it.
  std::map<std::string, std::string> events_read_;
};

// Waits until the pod `ref` is Ready, from `pod` (the pod as last seen,
// e.g. the answer to its apply: no read is made when it has a
// resourceVersion), checking each version with `readiness`. A container
// backing off a pull for an unknown cause ends a watch for one read of the
// pod's events (PodReadiness::NeedsEvents), whose failure is not an error.
// Returns the Ready pod: its metadata, status and spec.nodeName only when it
// comes from a watch event (kube::WatchedFields::kStatus). Errors:
// kube::Client::WaitFor's (DeadlineExceeded at `deadline`, Cancelled, ...) and
// PodReadiness::Check's.
absl::StatusOr<nlohmann::json> WaitForPodReady(kube::Client& client,
                                               const kube::ObjectRef& ref,
                                               const nlohmann::json& pod,
                                               absl::Time deadline,
                                               const kube::CancelToken* cancel,
                                               PodReadiness* readiness);

// What the error of a wait for a pod that ended with `status` says after
// its first line: unless `status` is the pod's own failure
// (FailedPrecondition, which names the container already),
// "\nContainer statuses:\n" and `readiness`'s description of `pod` (the
// pod now, or null for the last one checked); then "\nLast warning
// events:" and the last three Warning events of `events` (oldest first),
// one per line, leaving out those of an earlier pod of the same name.
std::string WaitFailureDetails(const absl::Status& status,
                               const PodReadiness& readiness,
                               const nlohmann::json& pod,
                               const std::vector<kube::Event>& events);

}  // namespace cvm::resources

#endif  // CVM_PROVIDER_RESOURCES_POD_STATUS_H_
