// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Pod statuses as a real kubelet (tests/cluster/node) reports them.

#include "provider/resources/pod_status.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace cvm::resources {
namespace {

using json = nlohmann::json;
using ::cvm::testing::IsOkAndHolds;
using ::testing::HasSubstr;

json Waiting(const char* list, const char* reason, const char* message) {
  return {
      {"status",
       {{"phase", "Pending"},
        {list,
         {{{"name", "dev"},
           {"state",
            {{"waiting", {{"reason", reason}, {"message", message}}}}}}}}}}};
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

TEST(PermanentWaitTest, Reasons) {
  EXPECT_TRUE(PermanentWait("ErrImageNeverPull", ""));
  EXPECT_TRUE(PermanentWait("CreateContainerConfigError",
                            "secret \"regcred\" not found"));
  EXPECT_FALSE(PermanentWait("CreateContainerConfigError",
                             "failed to sync configmap cache: timed out"));
  EXPECT_FALSE(PermanentWait("ImagePullBackOff", "Back-off pulling image"));
}

}  // namespace
}  // namespace cvm::resources
