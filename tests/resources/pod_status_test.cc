// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Pod statuses as a real kubelet (tests/cluster/node) reports them.

#include "provider/resources/pod_status.h"

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace cvm::resources {
namespace {

using json = nlohmann::json;
using ::cvm::testing::IsOkAndHolds;
using ::testing::HasSubstr;
using ::testing::Not;

// What containerd 1.6 (the real node's) says for an image that does not
// exist, as the kubelet reports it.
constexpr char kImage[] = "ghcr.io/coder/envbox:0.0.0-missing";
constexpr char kNotFound[] =
    "rpc error: code = NotFound desc = failed to pull and unpack image "
    "\"ghcr.io/coder/envbox:0.0.0-missing\": failed to resolve reference "
    "\"ghcr.io/coder/envbox:0.0.0-missing\": "
    "ghcr.io/coder/envbox:0.0.0-missing: not found";
constexpr char kTimeout[] =
    "rpc error: code = Unknown desc = failed to pull and unpack image "
    "\"ghcr.io/coder/envbox:0.0.0-missing\": failed to resolve reference "
    "\"ghcr.io/coder/envbox:0.0.0-missing\": failed to do request: Head "
    "\"https://ghcr.io/v2/coder/envbox/manifests/0.0.0-missing\": dial tcp "
    "140.82.112.33:443: i/o timeout";
constexpr char kBackOff[] =
    "Back-off pulling image \"ghcr.io/coder/envbox:0.0.0-missing\"";

json Waiting(const char* list, const char* reason, const char* message) {
  return {
      {"status",
       {{"phase", "Pending"},
        {list,
         {{{"name", "dev"},
           {"state",
            {{"waiting", {{"reason", reason}, {"message", message}}}}}}}}}}};
}

// A pod whose container `dev` (image kImage) waits `reason` (`message`).
json PullingPod(const char* reason, const std::string& message,
                const char* list = "containerStatuses") {
  json pod = Waiting(list, reason, message.c_str());
  pod["metadata"] = {{"uid", "pod-uid-1"}};
  pod["status"][list][0]["image"] = kImage;
  return pod;
}

// A kubelet event about pod-uid-1's container dev.
kube::Event KubeletEvent(const char* type, const char* reason,
                         const std::string& message,
                         const char* uid = "pod-uid-1") {
  kube::Event e;
  e.type = type;
  e.reason = reason;
  e.message = message;
  e.source = "kubelet";
  e.object = {{"involvedObject",
               {{"kind", "Pod"},
                {"name", "dev"},
                {"uid", uid},
                {"fieldPath", "spec.containers{dev}"}}},
              {"reason", reason},
              {"message", message}};
  return e;
}

// The events of a failed pull, as kubelet 1.20 posts them
// (pkg/kubelet/images/image_manager.go, kuberuntime_container.go).
std::vector<kube::Event> PullEvents(const std::string& error,
                                    const char* uid = "pod-uid-1") {
  const std::string image = std::string("\"") + kImage + "\"";
  return {
      KubeletEvent("Normal", "Pulling", "Pulling image " + image, uid),
      KubeletEvent("Warning", "Failed",
                   "Failed to pull image " + image + ": " + error, uid),
      KubeletEvent("Warning", "Failed", "Error: ErrImagePull", uid),
      KubeletEvent("Normal", "BackOff", "Back-off pulling image " + image, uid),
      KubeletEvent("Warning", "Failed", "Error: ImagePullBackOff", uid)};
}

TEST(PodReadyTest, ReadyByTheReadyCondition) {
  EXPECT_THAT(PodReady(json::parse(R"({"status": {"phase": "Running",
      "conditions": [{"type": "Ready", "status": "True"}]}})")),
              IsOkAndHolds(true));
  EXPECT_THAT(PodReady(json::parse(R"({"status": {"phase": "Running",
      "conditions": [{"type": "Ready", "status": "False"}]}})")),
              IsOkAndHolds(false));
  EXPECT_THAT(PodReady(json::object()), IsOkAndHolds(false));
}

TEST(PodReadyTest, PermanentWaitsFailAtOnceInAnyContainer) {
  for (const char* list : {"containerStatuses", "initContainerStatuses"}) {
    SCOPED_TRACE(list);
    const absl::StatusOr<bool> r =
        PodReady(Waiting(list, "CreateContainerConfigError",
                         "couldn't find key token in Secret ns/dev-agent"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(r.status().message(),
                HasSubstr("container dev cannot start: "
                          "CreateContainerConfigError: couldn't find key"));
  }
  EXPECT_FALSE(PodReady(Waiting("containerStatuses", "InvalidImageName",
                                "invalid reference format"))
                   .ok());
}

// Seen on the real node: the kubelet's Secret cache lags a new pod, and
// the kubelet retries; the pod starts a moment later.
TEST(PodReadyTest, AKubeletCacheNotSyncedYetIsWaitedFor) {
  EXPECT_THAT(
      PodReady(Waiting("containerStatuses", "CreateContainerConfigError",
                       "failed to sync secret cache: timed out waiting "
                       "for the condition")),
      IsOkAndHolds(false));
  EXPECT_THAT(PodReady(Waiting("containerStatuses", "ContainerCreating", "")),
              IsOkAndHolds(false));
  EXPECT_THAT(PodReady(Waiting("containerStatuses", "ErrImagePull", "x")),
              IsOkAndHolds(false));
}

TEST(PodReadyTest, ATerminatedPodNamesTheContainersThatFailed) {
  const absl::StatusOr<bool> r = PodReady(json::parse(R"({"status": {
      "phase": "Failed",
      "initContainerStatuses": [{"name": "home-owner", "state": {"terminated":
          {"exitCode": 1, "reason": "Error",
           "message": "chown: invalid spec: 'alice:'"}}}],
      "containerStatuses": [{"name": "dev", "state": {"terminated":
          {"exitCode": 0, "reason": "Completed"}}}]}})"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(),
            "the pod terminated (phase Failed); init container home-owner "
            "exited 1 (Error): chown: invalid spec: 'alice:'");
}

TEST(PodReadyTest, ADeletedPodIsAborted) {
  const absl::StatusOr<bool> r = PodReady(json::parse(
      R"({"metadata": {"deletionTimestamp": "2026-01-01T00:00:00Z"}})"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAborted);
}

TEST(PodReadyTest, APullErrorSayingTheImageIsMissingFailsAtOnce) {
  for (const char* list : {"containerStatuses", "initContainerStatuses"}) {
    SCOPED_TRACE(list);
    const absl::StatusOr<bool> r =
        PodReady(PullingPod("ErrImagePull", kNotFound, list));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
    EXPECT_THAT(r.status().message(),
                HasSubstr(std::string("container dev cannot start: "
                                      "ErrImagePull: ") +
                          kNotFound));
  }
  EXPECT_THAT(PodReady(PullingPod("ErrImagePull", kTimeout)),
              IsOkAndHolds(false));
  EXPECT_THAT(PodReady(PullingPod("RegistryUnavailable",
                                  "image pull failed for x because the "
                                  "registry is unavailable.")),
              IsOkAndHolds(false));
}

// Messages of containerd, CRI-O and Docker (dockershim) for an image that
// is missing or refused, and for causes a retry may fix.
TEST(PermanentPullErrorTest, MissingOrDeniedButNotTransient) {
  const std::vector<std::string> permanent = {
      kNotFound,
      "rpc error: code = Unknown desc = failed to pull and unpack image "
      "\"docker.io/acme/private:1\": failed to resolve reference "
      "\"docker.io/acme/private:1\": pull access denied, repository does "
      "not exist or may require authorization: server message: "
      "insufficient_scope: authorization failed",
      "rpc error: code = Unknown desc = failed to pull and unpack image "
      "\"x\": failed to resolve reference \"x\": failed to authorize: "
      "failed to fetch anonymous token: unexpected status: 401 Unauthorized",
      "rpc error: code = Unknown desc = failed to pull and unpack image "
      "\"gcr.io/p/x:1\": failed to resolve reference \"gcr.io/p/x:1\": "
      "unexpected status from HEAD request to "
      "https://gcr.io/v2/p/x/manifests/1: 403 Forbidden",
      "rpc error: code = Unknown desc = reading manifest 1 in quay.io/org/x: "
      "manifest unknown: manifest unknown",
      "rpc error: code = Unknown desc = Error response from daemon: pull "
      "access denied for foo, repository does not exist or may require "
      "'docker login': denied: requested access to the resource is denied",
      "RPC ERROR: CODE = NOTFOUND DESC = X: NOT FOUND",
  };
  for (const std::string& m : permanent) {
    EXPECT_TRUE(PermanentPullError(m)) << m;
  }
  const std::vector<std::string> transient = {
      kTimeout,
      "",
      "rpc error: code = Unknown desc = failed to pull and unpack image "
      "\"docker.io/library/x:1\": failed to copy: httpReadSeeker: failed "
      "open: unexpected status code https://registry-1.docker.io/v2/library/"
      "x/manifests/sha256:0: 429 Too Many Requests - Server message: "
      "toomanyrequests: You have reached your pull rate limit.",
      "rpc error: code = Unknown desc = failed to pull and unpack image "
      "\"x\": failed to resolve reference \"x\": failed to do request: "
      "Head \"https://127.0.0.1:9/v2/x/manifests/1\": dial tcp 127.0.0.1:9: "
      "connect: connection refused",
      "rpc error: code = Unknown desc = read tcp 10.0.0.2:51234->1.2.3.4:443: "
      "read: connection reset by peer",
      "rpc error: code = Unknown desc = failed to fetch anonymous token: Get "
      "\"https://auth.docker.io/token\": net/http: TLS handshake timeout",
      "rpc error: code = DeadlineExceeded desc = context deadline exceeded",
      "image pull failed for x because the registry is unavailable.",
      "rpc error: code = Unknown desc = unexpected status: 503 Service "
      "Unavailable",
      // A transient cause wins over a word of a permanent one.
      "rpc error: code = Unknown desc = failed to fetch oauth token: "
      "unexpected status: 401 Unauthorized: i/o timeout",
  };
  for (const std::string& m : transient) {
    EXPECT_FALSE(PermanentPullError(m)) << m;
  }
}

TEST(PodReadinessTest, ATransientPullErrorIsRememberedThroughTheBackOff) {
  PodReadiness readiness;
  EXPECT_THAT(readiness.Check(PullingPod("ErrImagePull", kTimeout)),
              IsOkAndHolds(false));
  EXPECT_THAT(readiness.Check(PullingPod("ImagePullBackOff", kBackOff)),
              IsOkAndHolds(false));
  // The status said why: no need for the events.
  EXPECT_FALSE(readiness.NeedsEvents());
  EXPECT_EQ(readiness.LastPullError("dev"), kTimeout);
  const std::string seen = readiness.Describe();
  EXPECT_THAT(seen,
              HasSubstr(std::string("  container dev (image \"") + kImage +
                        "\"): waiting: ImagePullBackOff: " + kBackOff +
                        "; the last pull failed: " + kTimeout + "\n"));
}

TEST(PodReadinessTest, APermanentPullErrorFailsTheBackOffThatFollows) {
  PodReadiness readiness;
  // The ErrImagePull version itself fails the wait: a watch that resumes
  // after it (or a check of an older version) sees only the back-off.
  EXPECT_FALSE(readiness.Check(PullingPod("ErrImagePull", kNotFound)).ok());
  const absl::StatusOr<bool> r =
      readiness.Check(PullingPod("ImagePullBackOff", kBackOff));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(r.status().message(),
              HasSubstr(std::string("container dev cannot start: "
                                    "ImagePullBackOff: ") +
                        kBackOff + "; the last pull failed: " + kNotFound));
}

TEST(PodReadinessTest, ABackOffOfUnknownCauseIsDecidedByTheEvents) {
  PodReadiness readiness;
  EXPECT_THAT(readiness.Check(PullingPod("ImagePullBackOff", kBackOff)),
              IsOkAndHolds(false));
  ASSERT_TRUE(readiness.NeedsEvents());
  readiness.NoteEvents(PullEvents(kNotFound));
  EXPECT_FALSE(readiness.NeedsEvents());
  EXPECT_EQ(readiness.LastPullError("dev"), kNotFound);
  const absl::StatusOr<bool> r =
      readiness.Check(PullingPod("ImagePullBackOff", kBackOff));
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr(kNotFound));
}

TEST(PodReadinessTest, EventsAreReadOnceAndOnlyThePodsOwnCount) {
  PodReadiness readiness;
  ASSERT_THAT(readiness.Check(PullingPod("ImagePullBackOff", kBackOff)),
              IsOkAndHolds(false));
  ASSERT_TRUE(readiness.NeedsEvents());
  // An earlier pod of the same name failed for good; this one is unknown.
  readiness.NoteEvents(PullEvents(kNotFound, "an-earlier-pod"));
  EXPECT_EQ(readiness.LastPullError("dev"), "");
  EXPECT_THAT(readiness.Check(PullingPod("ImagePullBackOff", kBackOff)),
              IsOkAndHolds(false));
  EXPECT_FALSE(readiness.NeedsEvents());

  PodReadiness transient;
  ASSERT_THAT(transient.Check(PullingPod("ImagePullBackOff", kBackOff)),
              IsOkAndHolds(false));
  transient.NoteEvents(PullEvents(kTimeout));
  EXPECT_THAT(transient.Check(PullingPod("ImagePullBackOff", kBackOff)),
              IsOkAndHolds(false));
  EXPECT_FALSE(transient.NeedsEvents());
  EXPECT_THAT(transient.Describe(), HasSubstr("i/o timeout"));
}

TEST(PodReadinessTest, DescribesWhatKeepsThePodFromBeingReady) {
  PodReadiness readiness;
  EXPECT_EQ(readiness.Describe(), "");
  const json unscheduled = json::parse(R"({"status": {"phase": "Pending",
      "conditions": [{"type": "PodScheduled", "status": "False",
        "reason": "Unschedulable",
        "message": "0/2 nodes are available: 2 Insufficient cpu."}]}})");
  EXPECT_THAT(readiness.Check(unscheduled), IsOkAndHolds(false));
  EXPECT_EQ(readiness.Describe(),
            "  not scheduled: Unschedulable: 0/2 nodes are available: 2 "
            "Insufficient cpu.\n");
  const json starting = json::parse(R"({"status": {"phase": "Running",
      "initContainerStatuses": [{"name": "home-owner", "image": "i",
        "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}],
      "containerStatuses": [
        {"name": "dev", "image": "i", "ready": false,
         "state": {"running": {}}},
        {"name": "side", "image": "i", "ready": true,
         "state": {"running": {}}}]}})");
  EXPECT_EQ(readiness.Describe(&starting),
            "  container dev (image \"i\"): running, not ready\n");
  EXPECT_THAT(readiness.Describe(&starting), Not(HasSubstr("home-owner")));
}

TEST(PermanentWaitTest, Reasons) {
  EXPECT_TRUE(PermanentWait("ErrImageNeverPull", ""));
  EXPECT_TRUE(PermanentWait("ErrImagePull", kNotFound));
  EXPECT_FALSE(PermanentWait("ErrImagePull", kTimeout));
  EXPECT_TRUE(PermanentWait("CreateContainerConfigError",
                            "secret \"regcred\" not found"));
  EXPECT_FALSE(PermanentWait("CreateContainerConfigError",
                             "failed to sync configmap cache: timed out"));
  EXPECT_FALSE(PermanentWait("ImagePullBackOff", "Back-off pulling image"));
}

}  // namespace
}  // namespace cvm::resources
