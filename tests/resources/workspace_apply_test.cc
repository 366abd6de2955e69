// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Create, Update and Delete of cvm_workspace (workspace_apply.cc): through
// framework::Server::ApplyResourceChange against a FakeApiServer, and
// ConfigAnnotation directly.

#include <string>
#include <vector>

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

class WorkspaceApplyTest : public WorkspaceTest {
 protected:
  // The uid of the pod on the server ("" when there is none).
  std::string PodUid() {
    const std::optional<nlohmann::json> pod = env_.api->Find(kPodPath);
    return pod ? (*pod)["metadata"].value("uid", "") : "";
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
