// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Create, Update and Delete of cvm_workspace (workspace_apply.cc): through
// framework::Server::ApplyResourceChange against a FakeApiServer, and
// ConfigAnnotation directly.

#include <algorithm>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "provider/framework/value_access.h"
#include "provider/resources/settings.h"
#include "provider/resources/workspace_internal.h"
#include "provider/resources/workspace_model.h"
#include "tests/resources/workspace_test_env.h"

namespace cvm::resources {
namespace {

using framework::Attr;
using framework::StringAttr;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using values::Type;
using values::Value;
using workspace_internal::ConfigAnnotation;

// What kubelet 1.20 with containerd reports for a missing image.
constexpr char kMissingImage[] = "ghcr.io/coder/envbox:0.0.0-missing";
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

// A Pending pod status whose container dev waits `reason` (`message`).
nlohmann::json WaitingStatus(const std::string& reason,
                             const std::string& message) {
  return {{"phase", "Pending"},
          {"conditions",
           {{{"type", "PodScheduled"}, {"status", "True"}},
            {{"type", "Ready"}, {"status", "False"}}}},
          {"containerStatuses",
           {{{"name", "dev"},
             {"image", kMissingImage},
             {"ready", false},
             {"state",
              {{"waiting", {{"reason", reason}, {"message", message}}}}}}}}};
}

class WorkspaceApplyTest : public WorkspaceTest {
 protected:
  // The uid of the pod on the server ("" when there is none).
  std::string PodUid() {
    const std::optional<nlohmann::json> pod = env_.api->Find(kPodPath);
    return pod ? (*pod)["metadata"].value("uid", "") : "";
  }

  // Stores an Event about pod dev (of `uid`, when given) at second
  // `second` of a minute.
  void PutEvent(const std::string& type, const std::string& reason,
                const std::string& message, int second,
                const std::string& uid = "") {
    nlohmann::json involved = {{"kind", "Pod"}, {"name", "dev"}};
    if (!uid.empty()) involved["uid"] = uid;
    env_.api->Put(
        {{"apiVersion", "v1"},
         {"kind", "Event"},
         {"metadata",
          {{"name", absl::StrCat("dev.", second)}, {"namespace", "coder"}}},
         {"involvedObject", involved},
         {"type", type},
         {"reason", reason},
         {"message", message},
         {"lastTimestamp", absl::StrFormat("2027-01-15T08:00:%02dZ", second)}});
  }

  // The events kubelet 1.20 posts for a pull that failed with `error`.
  void PutPullEvents(const std::string& error) {
    const std::string image = absl::StrCat("\"", kMissingImage, "\"");
    PutEvent("Normal", "Pulling", "Pulling image " + image, 10);
    PutEvent("Warning", "Failed",
             absl::StrCat("Failed to pull image ", image, ": ", error), 11);
    PutEvent("Warning", "Failed", "Error: ErrImagePull", 12);
    PutEvent("Normal", "BackOff", "Back-off pulling image " + image, 13);
    PutEvent("Warning", "Failed", "Error: ImagePullBackOff", 14);
  }

  // Creates workspace dev with the missing image; the apply's result, with
  // the time the apply took on the fake clock in `*took`.
  framework::Server::ApplyResult ApplyMissingImage(
      absl::Duration* took, const char* timeout = "10m") {
    env_.api->set_pod_policy(testing::FakeApiServer::PodPolicy::kPending);
    const Value config = WorkspaceConfig(
        {{"image", Value::String(kMissingImage)},
         {"timeouts", Value::Object({{"create", Value::String(timeout)}})}});
    const framework::Server::PlanResult plan = PlanCreate(config);
    EXPECT_FALSE(plan.diagnostics.HasError()) << Describe(plan.diagnostics);
    const absl::Time start = env_.clock.Now();
    framework::Server::ApplyResult applied =
        Apply(NullWorkspace(), plan.planned_state, config);
    *took = env_.clock.Now() - start - kSharedObjectCacheTtl;
    return applied;
  }
};

TEST_F(WorkspaceApplyTest, ACreateWritesTheSecretTheClaimAndThePodInOrder) {
  const Value config = WorkspaceConfig();
  const framework::Server::PlanResult plan = PlanCreate(config);
  ASSERT_FALSE(plan.diagnostics.HasError()) << Describe(plan.diagnostics);
  NewRequests();
  const framework::Server::ApplyResult applied =
      Apply(NullWorkspace(), plan.planned_state, config);
  ASSERT_FALSE(applied.diagnostics.HasError()) << Describe(applied.diagnostics);
  EXPECT_THAT(NewRequests(),
              ElementsAre(StartsWith(std::string("GET ") + kSettingsPath),
                          StartsWith(std::string("PATCH ") + kSecretPath),
                          StartsWith(std::string("PATCH ") + kClaimPath),
                          StartsWith(std::string("PATCH ") + kPodPath)));
}

TEST_F(WorkspaceApplyTest, SettingsChangedSinceThePlanFailWithoutAWrite) {
  const Value state = Create(WorkspaceConfig());
  const Value config =
      WorkspaceConfig({{"env", framework::StringMap({{"A", "1"}})}});
  const framework::Server::PlanResult plan = PlanUpdate(state, config);
  env_.api->Put(SettingsObject({{"caching", "true"}}));
  NewRequests();
  const framework::Server::ApplyResult applied =
      Apply(state, plan.planned_state, config);
  ASSERT_TRUE(applied.diagnostics.HasError());
  EXPECT_THAT(Describe(applied.diagnostics),
              HasSubstr("changed between plan and apply"));
  EXPECT_THAT(Describe(applied.diagnostics), HasSubstr("terraform plan"));
  for (const std::string& request : NewRequests()) {
    EXPECT_THAT(request, Not(HasSubstr("PATCH"))) << request;
    EXPECT_THAT(request, Not(HasSubstr("DELETE"))) << request;
  }
}

// A create that wrote nothing leaves no state; one that wrote something
// records the workspace (workspace_resource_test.cc).
TEST_F(WorkspaceApplyTest, ACreateThatWroteNothingLeavesNoState) {
  env_.api->PushReply("PATCH", kSecretPath,
                      testing::Reply::Status(403, "Forbidden", "no secrets"));
  const Value config = WorkspaceConfig();
  const framework::Server::PlanResult plan = PlanCreate(config);
  const framework::Server::ApplyResult applied =
      Apply(NullWorkspace(), plan.planned_state, config);
  ASSERT_TRUE(applied.diagnostics.HasError());
  EXPECT_THAT(Describe(applied.diagnostics), HasSubstr("no secrets"));
  EXPECT_TRUE(applied.new_state.IsNull());
}

TEST_F(WorkspaceApplyTest, AFailedWaitNamesTheLastThreeWarningEvents) {
  env_.api->set_pod_policy(testing::FakeApiServer::PodPolicy::kPending);
  const char* const kEvents[][3] = {{"Warning", "First", "01"},
                                    {"Warning", "Second", "02"},
                                    {"Normal", "Scheduled", "03"},
                                    {"Warning", "Third", "04"},
                                    {"Warning", "Fourth", "05"}};
  for (const auto& [type, reason, second] : kEvents) {
    env_.api->Put(
        {{"apiVersion", "v1"},
         {"kind", "Event"},
         {"metadata",
          {{"name", std::string("dev.") + reason}, {"namespace", "coder"}}},
         {"involvedObject", {{"kind", "Pod"}, {"name", "dev"}}},
         {"type", type},
         {"reason", reason},
         {"message", std::string(reason) + " thing"},
         {"lastTimestamp", std::string("2027-01-15T08:00:") + second + "Z"}});
  }
  const Value config = WorkspaceConfig(
      {{"timeouts", Value::Object({{"create", Value::String("2m")}})}});
  const framework::Server::PlanResult plan = PlanCreate(config);
  const framework::Server::ApplyResult applied =
      Apply(NullWorkspace(), plan.planned_state, config);
  const framework::Diagnostic* d =
      FindDiagnostic(applied.diagnostics, "Unable to Create Workspace");
  ASSERT_NE(d, nullptr) << Describe(applied.diagnostics);
  EXPECT_THAT(d->detail, HasSubstr("Pod coder/dev did not become Ready within "
                                   "timeouts.create (2m)"));
  EXPECT_THAT(d->detail,
              HasSubstr("\nLast warning events:\n  Warning Second: Second "
                        "thing\n  Warning Third: Third thing\n  Warning "
                        "Fourth: Fourth thing\nThe workspace's objects exist"));
  EXPECT_EQ(StringAttr(applied.new_state, "phase"), "Pending");
}

TEST_F(WorkspaceApplyTest, AMissingImageFailsAtOnceWithTheKubeletsMessage) {
  // Older, and of the scheduler: the error must not end with them.
  PutEvent("Warning", "FailedScheduling",
           "0/2 nodes are available: pod has unbound immediate "
           "PersistentVolumeClaims.",
           1);
  PutPullEvents(kNotFound);
  env_.api->QueueStatus(kPodPath, WaitingStatus("ContainerCreating", ""));
  env_.api->QueueStatus(kPodPath, WaitingStatus("ErrImagePull", kNotFound));
  absl::Duration took;
  const framework::Server::ApplyResult applied = ApplyMissingImage(&took);
  const framework::Diagnostic* d =
      FindDiagnostic(applied.diagnostics, "Unable to Create Workspace");
  ASSERT_NE(d, nullptr) << Describe(applied.diagnostics);
  EXPECT_LT(took, absl::Seconds(5));
  EXPECT_THAT(d->detail,
              StartsWith(absl::StrCat("Pod coder/dev did not become Ready: "
                                      "container dev cannot start: "
                                      "ErrImagePull: ",
                                      kNotFound)));
  EXPECT_THAT(d->detail,
              HasSubstr(absl::StrCat("\nLast warning events:\n  Warning "
                                     "Failed: Failed to pull image \"",
                                     kMissingImage, "\": ", kNotFound,
                                     "\n  Warning Failed: Error: "
                                     "ErrImagePull\n  Warning Failed: Error: "
                                     "ImagePullBackOff\n")));
  // The objects stay in the state, so the next apply replaces them.
  EXPECT_EQ(StringAttr(applied.new_state, "phase"), "Pending");
  EXPECT_TRUE(env_.api->Find(kPodPath).has_value());
}

// ImagePullBackOff's own message does not say why; the kubelet's
// "Failed to pull image" event does.
TEST_F(WorkspaceApplyTest, ABackOffIsDecidedByThePullErrorInTheEvents) {
  PutPullEvents(kNotFound);
  env_.api->QueueStatus(kPodPath, WaitingStatus("ImagePullBackOff", kBackOff));
  absl::Duration took;
  NewRequests();
  const framework::Server::ApplyResult applied = ApplyMissingImage(&took);
  const framework::Diagnostic* d =
      FindDiagnostic(applied.diagnostics, "Unable to Create Workspace");
  ASSERT_NE(d, nullptr) << Describe(applied.diagnostics);
  EXPECT_LT(took, absl::Seconds(5));
  EXPECT_THAT(d->detail,
              StartsWith(absl::StrCat(
                  "Pod coder/dev did not become Ready: container dev cannot "
                  "start: ImagePullBackOff: ",
                  kBackOff, "; the last pull failed: ", kNotFound)));
  EXPECT_EQ(StringAttr(applied.new_state, "phase"), "Pending");
  // Read once to decide, once more for the error.
  const std::vector<std::string> requests = NewRequests();
  EXPECT_EQ(std::count_if(
                requests.begin(), requests.end(),
                [](const std::string& r) {
                  return r.rfind("GET /api/v1/namespaces/coder/events", 0) == 0;
                }),
            2);
}

TEST_F(WorkspaceApplyTest, ATransientPullErrorWaitsAndTheTimeoutSaysWhy) {
  PutPullEvents(kTimeout);
  env_.api->QueueStatus(kPodPath, WaitingStatus("ErrImagePull", kTimeout));
  env_.api->QueueStatus(kPodPath, WaitingStatus("ImagePullBackOff", kBackOff));
  absl::Duration took;
  const framework::Server::ApplyResult applied = ApplyMissingImage(&took, "2m");
  const framework::Diagnostic* d =
      FindDiagnostic(applied.diagnostics, "Unable to Create Workspace");
  ASSERT_NE(d, nullptr) << Describe(applied.diagnostics);
  EXPECT_GE(took, absl::Minutes(2));
  EXPECT_THAT(d->detail, StartsWith("Pod coder/dev did not become Ready within "
                                    "timeouts.create (2m)"));
  EXPECT_THAT(
      d->detail,
      HasSubstr(absl::StrCat(
          "\nContainer statuses:\n  container dev "
          "(image \"",
          kMissingImage, "\"): waiting: ImagePullBackOff: ", kBackOff,
          "; the last pull failed: ", kTimeout, "\nLast warning events:")));
  EXPECT_EQ(StringAttr(applied.new_state, "phase"), "Pending");
}

// The pod's own status comes first; events of an earlier pod of the same
// name are not this pod's.
TEST_F(WorkspaceApplyTest, AFailedWaitLeadsWithTheContainerStatuses) {
  PutEvent("Warning", "FailedScheduling", "0/2 nodes are available", 1);
  PutEvent("Warning", "Failed", "Error: an earlier pod's", 2, "uid-earlier");
  env_.api->QueueStatus(
      kPodPath, WaitingStatus("CrashLoopBackOff",
                              "back-off 10s restarting failed container=dev"));
  absl::Duration took;
  const framework::Server::ApplyResult applied = ApplyMissingImage(&took, "1m");
  const framework::Diagnostic* d =
      FindDiagnostic(applied.diagnostics, "Unable to Create Workspace");
  ASSERT_NE(d, nullptr) << Describe(applied.diagnostics);
  const size_t statuses = d->detail.find(
      "\nContainer statuses:\n  container dev (image \"ghcr.io/coder/envbox:"
      "0.0.0-missing\"): waiting: CrashLoopBackOff: back-off 10s restarting "
      "failed container=dev\n");
  const size_t events = d->detail.find(
      "\nLast warning events:\n  Warning FailedScheduling: 0/2 nodes are "
      "available\nThe workspace's objects exist");
  EXPECT_NE(statuses, std::string::npos) << d->detail;
  EXPECT_NE(events, std::string::npos) << d->detail;
  EXPECT_LT(statuses, events);
  EXPECT_THAT(d->detail, Not(HasSubstr("an earlier pod's")));
}

TEST_F(WorkspaceApplyTest, StoppingDeletesOnlyThePodAndStartingMakesANewOne) {
  Value state = Create(WorkspaceConfig());
  state = Update(state, WorkspaceConfig({{"running", Value::Bool(false)}}));
  EXPECT_FALSE(env_.api->Find(kPodPath).has_value());
  EXPECT_TRUE(env_.api->Find(kClaimPath).has_value());
  EXPECT_TRUE(env_.api->Find(kSecretPath).has_value());
  EXPECT_EQ(StringAttr(state, "phase"), "Stopped");
  EXPECT_EQ(StringAttr(state, "node_name"), "");

  state = Update(state, WorkspaceConfig());
  EXPECT_TRUE(env_.api->Find(kPodPath).has_value());
  EXPECT_EQ(StringAttr(state, "phase"), "Running");
}

TEST_F(WorkspaceApplyTest,
       OnlyAChangeKubernetesCannotMakeInPlaceReplacesThePod) {
  Value state = Create(WorkspaceConfig());
  const std::string first = PodUid();
  state = Update(
      state, WorkspaceConfig({{"labels", framework::StringMap({{"a", "b"}})}}));
  EXPECT_EQ(PodUid(), first);

  state = Update(
      state, WorkspaceConfig({{"labels", framework::StringMap({{"a", "b"}})},
                              {"env", framework::StringMap({{"A", "1"}})}}));
  EXPECT_NE(PodUid(), first);
  const std::optional<nlohmann::json> pod = env_.api->Find(kPodPath);
  ASSERT_TRUE(pod.has_value());
  EXPECT_EQ((*pod)["metadata"]["annotations"][kSpecHashAnnotation],
            StringAttr(state, "pod_spec_hash").value_or(""));
}

TEST_F(WorkspaceApplyTest, RemovingTheTokenDeletesTheSecret) {
  Value state = Create(WorkspaceConfig());
  state = Update(
      state, WorkspaceConfig({{"agent_token", Value::Null(Type::String())}}));
  EXPECT_FALSE(env_.api->Find(kSecretPath).has_value());
  EXPECT_TRUE(Attr(state, "secret_name").IsNull());
}

// A create that meets a pod whose fixed fields differ (422 on the apply)
// replaces it: an interrupted apply's pod is adopted, not kept stale.
TEST_F(WorkspaceApplyTest, ACreateReplacesAPodItCannotUpdate) {
  Create(WorkspaceConfig());
  const std::string leftover = PodUid();
  env_.api->PushReply("PATCH", kPodPath,
                      testing::Reply::Status(422, "Invalid", "immutable"));
  NewRequests();
  const Value state = Create(WorkspaceConfig());
  EXPECT_EQ(StringAttr(state, "phase"), "Running");
  EXPECT_THAT(NewRequests(),
              Contains(StartsWith(std::string("DELETE ") + kPodPath)));
  EXPECT_NE(PodUid(), leftover);
}

TEST_F(WorkspaceApplyTest, ADestroyKeepsAndRelabelsAKeptHome) {
  const Value state = Create(WorkspaceConfig(
      {{"home", Value::Object({{"keep_on_destroy", Value::Bool(true)}})}}));
  const framework::Server::ApplyResult destroyed = Destroy(state);
  ASSERT_FALSE(destroyed.diagnostics.HasError())
      << Describe(destroyed.diagnostics);
  EXPECT_FALSE(env_.api->Find(kPodPath).has_value());
  EXPECT_FALSE(env_.api->Find(kSecretPath).has_value());
  const std::optional<nlohmann::json> claim = env_.api->Find(kClaimPath);
  ASSERT_TRUE(claim.has_value());
  EXPECT_EQ((*claim)["metadata"]["labels"][kComponentLabel],
            kRetainedHomeComponent);
}

TEST_F(WorkspaceApplyTest, AKeptHomeDeletedByHandIsNotRecreated) {
  const Value state = Create(WorkspaceConfig(
      {{"home", Value::Object({{"keep_on_destroy", Value::Bool(true)}})}}));
  env_.api->Erase(kClaimPath);
  NewRequests();
  const framework::Server::ApplyResult destroyed = Destroy(state);
  ASSERT_FALSE(destroyed.diagnostics.HasError())
      << Describe(destroyed.diagnostics);
  EXPECT_FALSE(env_.api->Find(kClaimPath).has_value());
  EXPECT_THAT(NewRequests(),
              Not(Contains(StartsWith(std::string("PATCH ") + kClaimPath))));
}

TEST_F(WorkspaceApplyTest, ADeleteErrorIsReported) {
  const Value state = Create(WorkspaceConfig());
  env_.api->PushReply("DELETE", kSecretPath,
                      testing::Reply::Status(403, "Forbidden", "keep it"));
  const framework::Server::ApplyResult destroyed = Destroy(state);
  const framework::Diagnostic* d =
      FindDiagnostic(destroyed.diagnostics, "Unable to Delete Workspace");
  ASSERT_NE(d, nullptr) << Describe(destroyed.diagnostics);
  EXPECT_THAT(d->detail, HasSubstr("keep it"));
}

TEST(ConfigAnnotationTest, RecordsTheArgumentsNotTheComputedValues) {
  const Value planned =
      WorkspaceConfig()
          .WithAttr("id", Value::String("coder/dev"))
          .WithAttr("pod_spec_hash", Value::String("abc"))
          .WithAttr("inner_hostname", Value::Unknown(Type::String()))
          .WithAttr("tun", Value::Bool(true));
  const nlohmann::json recorded =
      nlohmann::json::parse(ConfigAnnotation(planned));
  EXPECT_EQ(recorded["name"], "dev");
  EXPECT_EQ(recorded["inner_image"],
            "docker.io/codercom/enterprise-base:ubuntu");
  EXPECT_EQ(recorded["tun"], true);
  EXPECT_TRUE(recorded["id"].is_null());
  EXPECT_TRUE(recorded["pod_spec_hash"].is_null());
  EXPECT_TRUE(recorded["inner_hostname"].is_null());
}

// Annotations that would not fit on the claim a second time are left out.
TEST(ConfigAnnotationTest, LeavesOutLargeAnnotations) {
  const Value small = WorkspaceConfig(
      {{"annotations", framework::StringMap({{"a", std::string(100, 'x')}})}});
  EXPECT_EQ(nlohmann::json::parse(ConfigAnnotation(small))["annotations"]["a"],
            std::string(100, 'x'));
  const Value large = WorkspaceConfig(
      {{"annotations",
        framework::StringMap({{"a", std::string(70 * 1024, 'x')}})}});
  const nlohmann::json recorded =
      nlohmann::json::parse(ConfigAnnotation(large));
  EXPECT_TRUE(recorded["annotations"].is_null());
  EXPECT_EQ(recorded["name"], "dev");
}

}  // namespace
}  // namespace cvm::resources
