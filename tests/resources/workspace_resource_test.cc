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
#include "tests/resources/resource_test_env.h"

namespace cvm::resources {
namespace {

using ::testing::Contains;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using values::Value;

constexpr char kType[] = "cvm_workspace";
constexpr char kToken[] = "unit-test-agent-token";
constexpr char kPod[] = "/api/v1/namespaces/coder/pods/dev";
constexpr char kClaim[] =
    "/api/v1/namespaces/coder/persistentvolumeclaims/dev-home";
constexpr char kSecret[] = "/api/v1/namespaces/coder/secrets/dev-agent";

Value Config(std::map<std::string, Value> extra = {}) {
  std::map<std::string, Value> attrs = {
      {"name", Value::String("dev")},
      {"namespace", Value::String("coder")},
      {"inner_image",
       Value::String("docker.io/codercom/enterprise-base:ubuntu")},
      {"agent_token", Value::String(kToken)},
      {"cpu", Value::Object({{"limit", Value::String("2")}})},
      {"memory", Value::Object({{"limit", Value::String("4Gi")}})},
  };
  for (auto& [k, v] : extra) attrs[k] = std::move(v);
  return schema::Conform(WorkspaceResourceSchema().block,
                         Value::Object(std::move(attrs)));
}

class WorkspaceResourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(env_.configure_diagnostics.HasError())
        << Describe(env_.configure_diagnostics);
    env_.api->Put(NamespaceObject("coder"));
  }

  // Plans a create (Terraform proposes the configuration itself).
  framework::Server::PlanResult Plan(const Value& config) {
    return env_.server.PlanResourceChange(
        kType, Value::Null(WorkspaceResourceSchema().ImpliedType()), config,
        config, "");
  }

  // Plans and applies a create; the new state (ADD_FAILURE on errors).
  Value Create(const Value& config) {
    framework::Server::PlanResult plan = Plan(config);
    EXPECT_FALSE(plan.diagnostics.HasError()) << Describe(plan.diagnostics);
    framework::Server::ApplyResult applied = env_.server.ApplyResourceChange(
        kType, Value::Null(WorkspaceResourceSchema().ImpliedType()),
        plan.planned_state, config, plan.planned_private);
    EXPECT_FALSE(applied.diagnostics.HasError())
        << Describe(applied.diagnostics);
    return applied.new_state;
  }

  ResourceTestEnv env_;
};

TEST_F(WorkspaceResourceTest,
       CreateWritesTheSecretClaimAndPodAndWaitsForReady) {
  const Value state = Create(Config());
  EXPECT_EQ(framework::StringAttr(state, "phase"), "Running");
  EXPECT_EQ(framework::StringAttr(state, "node_name"), "fake-node");
  EXPECT_EQ(framework::StringAttr(state, "id"), "coder/dev");
  // Write-only: the token is in the Secret, never in the state.
  EXPECT_TRUE(framework::Attr(state, "agent_token").IsNull());
  EXPECT_EQ(framework::StringAttr(state, "agent_token_sha256"),
            Sha256Hex(kToken));

  const std::optional<nlohmann::json> secret = env_.api->Find(kSecret);
  ASSERT_TRUE(secret.has_value());
  EXPECT_EQ((*secret)["data"]["token"], absl::Base64Escape(kToken));
  ASSERT_TRUE(env_.api->Find(kClaim).has_value());
  const std::optional<nlohmann::json> pod = env_.api->Find(kPod);
  ASSERT_TRUE(pod.has_value());
  EXPECT_THAT(pod->dump(), ::testing::Not(HasSubstr(kToken)));
  EXPECT_EQ((*pod)["metadata"]["annotations"][kSpecHashAnnotation],
            framework::StringAttr(state, "pod_spec_hash").value_or(""));
}

TEST_F(WorkspaceResourceTest, PlanReadsTheNamespacesSettings) {
  env_.api->Put(
      {{"apiVersion", "v1"},
       {"kind", "ConfigMap"},
       {"metadata", {{"name", "cvm-cluster-settings"}, {"namespace", "coder"}}},
       {"data", {{"caching", "true"}}}});
  const framework::Server::PlanResult plan = Plan(Config());
  ASSERT_FALSE(plan.diagnostics.HasError()) << Describe(plan.diagnostics);
  const Value& mounts = framework::Attr(plan.planned_state, "host_path_mounts");
  ASSERT_TRUE(mounts.IsWhollyKnown());
  EXPECT_EQ(mounts, HostPathsValue(HostPathMounts(true, false)));
}

TEST_F(WorkspaceResourceTest,
       ReadOfAPodDeletedBehindTerraformsBackPlansItsReturn) {
  const Value state = Create(Config());
  env_.api->Erase(kPod);
  const framework::Server::ReadResult read =
      env_.server.ReadResource(kType, state, "");
  ASSERT_FALSE(read.diagnostics.HasError()) << Describe(read.diagnostics);
  EXPECT_EQ(framework::BoolAttr(read.new_state, "running"), false);
  EXPECT_EQ(framework::StringAttr(read.new_state, "phase"), "Stopped");
}

TEST_F(WorkspaceResourceTest, DestroyDeletesEveryObjectOfTheWorkspace) {
  const Value state = Create(Config());
  const framework::Server::PlanResult plan = env_.server.PlanResourceChange(
      kType, state, Value::Null(WorkspaceResourceSchema().ImpliedType()),
      Value::Null(WorkspaceResourceSchema().ImpliedType()), "");
  ASSERT_FALSE(plan.diagnostics.HasError()) << Describe(plan.diagnostics);
  const framework::Server::ApplyResult destroyed =
      env_.server.ApplyResourceChange(
          kType, state, plan.planned_state,
          Value::Null(WorkspaceResourceSchema().ImpliedType()), "");
  ASSERT_FALSE(destroyed.diagnostics.HasError())
      << Describe(destroyed.diagnostics);
  EXPECT_TRUE(destroyed.new_state.IsNull());
  for (const char* path : {kPod, kClaim, kSecret}) {
    EXPECT_FALSE(env_.api->Find(path).has_value()) << path;
  }
  EXPECT_TRUE(env_.api->Find("/api/v1/namespaces/coder").has_value());
}

// The pod fails: apply says which container and why, and the state still
// records the objects (nothing is orphaned).
TEST_F(WorkspaceResourceTest, AFailedPodFailsApplyNamingTheContainer) {
  env_.api->set_pod_policy(testing::FakeApiServer::PodPolicy::kFailed);
  const Value config = Config();
  const framework::Server::PlanResult plan = Plan(config);
  ASSERT_FALSE(plan.diagnostics.HasError());
  const framework::Server::ApplyResult applied =
      env_.server.ApplyResourceChange(
          kType, Value::Null(WorkspaceResourceSchema().ImpliedType()),
          plan.planned_state, config, "");
  ASSERT_TRUE(applied.diagnostics.HasError());
  EXPECT_THAT(Describe(applied.diagnostics),
              HasSubstr("container dev exited 1 (Error): boom"));
  EXPECT_EQ(framework::StringAttr(applied.new_state, "id"), "coder/dev");
  EXPECT_TRUE(env_.api->Find(kClaim).has_value());
}

// A pod that never becomes Ready: apply gives up at timeouts.create, in
// virtual time, and names the limit.
TEST_F(WorkspaceResourceTest,
       APodThatNeverBecomesReadyTimesOutAtTimeoutsCreate) {
  env_.api->set_pod_policy(testing::FakeApiServer::PodPolicy::kPending);
  const Value config =
      Config({{"timeouts", Value::Object({{"create", Value::String("90s")}})}});
  const absl::Time start = env_.clock.Now();
  const framework::Server::PlanResult plan = Plan(config);
  ASSERT_FALSE(plan.diagnostics.HasError()) << Describe(plan.diagnostics);
  const framework::Server::ApplyResult applied =
      env_.server.ApplyResourceChange(
          kType, Value::Null(WorkspaceResourceSchema().ImpliedType()),
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
      "PATCH", kClaim,
      testing::Reply::Status(403, "Forbidden",
                             "persistentvolumeclaims is forbidden: quota"));
  const Value config = Config();
  const framework::Server::PlanResult plan = Plan(config);
  const framework::Server::ApplyResult applied =
      env_.server.ApplyResourceChange(
          kType, Value::Null(WorkspaceResourceSchema().ImpliedType()),
          plan.planned_state, config, "");
  ASSERT_TRUE(applied.diagnostics.HasError());
  EXPECT_THAT(Describe(applied.diagnostics), HasSubstr("forbidden: quota"));
  EXPECT_FALSE(env_.api->Find(kPod).has_value());
  EXPECT_FALSE(applied.new_state.IsNull());
}

}  // namespace
}  // namespace cvm::resources
