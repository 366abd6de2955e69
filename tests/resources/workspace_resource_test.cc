// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// cvm_workspace through the framework's RPC paths (plan, apply, read,
// destroy) against a FakeApiServer: what the end-to-end suite checks
// against a control plane, in milliseconds, error paths included.

#include <string>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "provider/framework/value_access.h"
#include "provider/resources/workspace_model.h"
#include "provider/resources/workspace_schema.h"
#include "tests/resources/workspace_test_env.h"

namespace cvm::resources {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using values::Value;

using WorkspaceResourceTest = WorkspaceTest;

TEST_F(WorkspaceResourceTest,
       CreateWritesTheSecretClaimAndPodAndWaitsForReady) {
  const Value state = Create(WorkspaceConfig());
  EXPECT_EQ(framework::StringAttr(state, "phase"), "Running");
  EXPECT_EQ(framework::StringAttr(state, "node_name"), "fake-node");
  EXPECT_EQ(framework::StringAttr(state, "id"), "coder/dev");
  // Write-only: the token is in the Secret, never in the state.
  EXPECT_TRUE(framework::Attr(state, "agent_token").IsNull());
  EXPECT_EQ(framework::StringAttr(state, "agent_token_sha256"),
            Sha256Hex(kWorkspaceToken));

  const std::optional<nlohmann::json> secret = env_.api->Find(kSecretPath);
  ASSERT_TRUE(secret.has_value());
  EXPECT_EQ((*secret)["data"]["token"], absl::Base64Escape(kWorkspaceToken));
  ASSERT_TRUE(env_.api->Find(kClaimPath).has_value());
  const std::optional<nlohmann::json> pod = env_.api->Find(kPodPath);
  ASSERT_TRUE(pod.has_value());
  EXPECT_THAT(pod->dump(), ::testing::Not(HasSubstr(kWorkspaceToken)));
  EXPECT_EQ((*pod)["metadata"]["annotations"][kSpecHashAnnotation],
            framework::StringAttr(state, "pod_spec_hash").value_or(""));
}

TEST_F(WorkspaceResourceTest, ApplyRendersFromTheNamespacesSettings) {
  env_.api->Put(
      {{"apiVersion", "v1"},
       {"kind", "ConfigMap"},
       {"metadata", {{"name", "cvm-cluster-settings"}, {"namespace", "coder"}}},
       {"data", {{"caching", "true"}}}});
  const Value state = Create(WorkspaceConfig());
  EXPECT_EQ(framework::Attr(state, "host_path_mounts"),
            HostPathsValue(HostPathMounts(true, false)));
}

TEST_F(WorkspaceResourceTest,
       ReadOfAPodDeletedBehindTerraformsBackPlansItsReturn) {
  const Value state = Create(WorkspaceConfig());
  env_.api->Erase(kPodPath);
  const framework::Server::ReadResult read =
      env_.server.ReadResource(kWorkspaceType, state, "");
  ASSERT_FALSE(read.diagnostics.HasError()) << Describe(read.diagnostics);
  EXPECT_EQ(framework::BoolAttr(read.new_state, "running"), false);
  EXPECT_EQ(framework::StringAttr(read.new_state, "phase"), "Stopped");
}

TEST_F(WorkspaceResourceTest, DestroyDeletesEveryObjectOfTheWorkspace) {
  const Value state = Create(WorkspaceConfig());
  const framework::Server::PlanResult plan = env_.server.PlanResourceChange(
      kWorkspaceType, state,
      Value::Null(WorkspaceResourceSchema().ImpliedType()),
      Value::Null(WorkspaceResourceSchema().ImpliedType()), "");
  ASSERT_FALSE(plan.diagnostics.HasError()) << Describe(plan.diagnostics);
  const framework::Server::ApplyResult destroyed =
      env_.server.ApplyResourceChange(
          kWorkspaceType, state, plan.planned_state,
          Value::Null(WorkspaceResourceSchema().ImpliedType()), "");
  ASSERT_FALSE(destroyed.diagnostics.HasError())
      << Describe(destroyed.diagnostics);
  EXPECT_TRUE(destroyed.new_state.IsNull());
  for (const char* path : {kPodPath, kClaimPath, kSecretPath}) {
    EXPECT_FALSE(env_.api->Find(path).has_value()) << path;
  }
  EXPECT_TRUE(env_.api->Find("/api/v1/namespaces/coder").has_value());
}

// The pod fails: apply says which container and why, and the state still
// records the objects (nothing is orphaned).
TEST_F(WorkspaceResourceTest, AFailedPodFailsApplyNamingTheContainer) {
  env_.api->set_pod_policy(testing::FakeApiServer::PodPolicy::kFailed);
  const Value config = WorkspaceConfig();
  const framework::Server::PlanResult plan = PlanCreate(config);
  ASSERT_FALSE(plan.diagnostics.HasError());
  const framework::Server::ApplyResult applied =
      env_.server.ApplyResourceChange(
          kWorkspaceType, Value::Null(WorkspaceResourceSchema().ImpliedType()),
          plan.planned_state, config, "");
  ASSERT_TRUE(applied.diagnostics.HasError());
  EXPECT_THAT(Describe(applied.diagnostics),
              HasSubstr("container dev exited 1 (Error): boom"));
  EXPECT_EQ(framework::StringAttr(applied.new_state, "id"), "coder/dev");
  EXPECT_TRUE(env_.api->Find(kClaimPath).has_value());
}

// A pod that never becomes Ready: apply gives up at timeouts.create, in
// virtual time, and names the limit.
TEST_F(WorkspaceResourceTest,
       APodThatNeverBecomesReadyTimesOutAtTimeoutsCreate) {
  env_.api->set_pod_policy(testing::FakeApiServer::PodPolicy::kPending);
  const Value config = WorkspaceConfig(
      {{"timeouts", Value::Object({{"create", Value::String("90s")}})}});
  const absl::Time start = env_.clock.Now();
  const framework::Server::PlanResult plan = PlanCreate(config);
  ASSERT_FALSE(plan.diagnostics.HasError()) << Describe(plan.diagnostics);
  const framework::Server::ApplyResult applied =
      env_.server.ApplyResourceChange(
          kWorkspaceType, Value::Null(WorkspaceResourceSchema().ImpliedType()),
          plan.planned_state, config, "");
  ASSERT_TRUE(applied.diagnostics.HasError());
  EXPECT_THAT(Describe(applied.diagnostics),
              HasSubstr("did not become Ready within timeouts.create (90s)"));
  EXPECT_GE(env_.clock.Now() - start, absl::Seconds(90));
}

// An API error on a write is the apply's error, with the object named; the
// objects written before it stay recorded.
TEST_F(WorkspaceResourceTest,
       AFailedWriteIsReportedAndTheStateKeepsTheWorkspace) {
  env_.api->PushReply(
      "PATCH", kClaimPath,
      testing::Reply::Status(403, "Forbidden",
                             "persistentvolumeclaims is forbidden: quota"));
  const Value config = WorkspaceConfig();
  const framework::Server::PlanResult plan = PlanCreate(config);
  const framework::Server::ApplyResult applied =
      env_.server.ApplyResourceChange(
          kWorkspaceType, Value::Null(WorkspaceResourceSchema().ImpliedType()),
          plan.planned_state, config, "");
  ASSERT_TRUE(applied.diagnostics.HasError());
  EXPECT_THAT(Describe(applied.diagnostics), HasSubstr("forbidden: quota"));
  EXPECT_FALSE(env_.api->Find(kPodPath).has_value());
  EXPECT_FALSE(applied.new_state.IsNull());
}

}  // namespace
}  // namespace cvm::resources
