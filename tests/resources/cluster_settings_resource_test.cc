// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// cvm_cluster_settings through the framework's RPC paths against a
// FakeApiServer.

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "provider/framework/value_access.h"
#include "provider/resources/cluster_settings.h"
#include "provider/resources/host_paths.h"
#include "tests/resources/resource_test_env.h"

namespace cvm::resources {
namespace {

using ::testing::HasSubstr;
using values::Value;

constexpr char kType[] = "cvm_cluster_settings";
constexpr char kConfigMap[] =
    "/api/v1/namespaces/coder/configmaps/cvm-cluster-settings";
constexpr char kNamespace[] = "/api/v1/namespaces/coder";

const schema::Schema& Schema(ResourceTestEnv& env) {
  return *env.server.ResourceSchema(kType);
}

Value Config(ResourceTestEnv& env, std::map<std::string, Value> extra = {}) {
  std::map<std::string, Value> attrs = {
      {"namespace", Value::String("coder")},
      {"manage_namespace", Value::Bool(true)},
  };
  for (auto& [k, v] : extra) attrs[k] = std::move(v);
  return schema::Conform(Schema(env).block, Value::Object(std::move(attrs)));
}

class ClusterSettingsResourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(env_.configure_diagnostics.HasError())
        << Describe(env_.configure_diagnostics);
  }

  Value Null() { return Value::Null(Schema(env_).ImpliedType()); }

  // Plans and applies a change from `prior` to `config`; the new state.
  Value Apply(const Value& prior, const Value& config) {
    framework::Server::PlanResult plan =
        env_.server.PlanResourceChange(kType, prior, config, config, "");
    EXPECT_FALSE(plan.diagnostics.HasError()) << Describe(plan.diagnostics);
    framework::Server::ApplyResult applied = env_.server.ApplyResourceChange(
        kType, prior, plan.planned_state, config, plan.planned_private);
    EXPECT_FALSE(applied.diagnostics.HasError())
        << Describe(applied.diagnostics);
    private_state_ = applied.private_state;
    return applied.new_state;
  }

  ResourceTestEnv env_;
  std::string private_state_;
};

TEST_F(ClusterSettingsResourceTest, CreateWritesTheNamespaceAndTheConfigMap) {
  const Value state =
      Apply(Null(), Config(env_, {{"caching", Value::Bool(true)}}));
  EXPECT_EQ(framework::StringAttr(state, "id"), "coder");
  EXPECT_EQ(framework::StringAttr(state, "kubernetes_version"), "v1.29.4");
  EXPECT_EQ(framework::Attr(state, "host_path_mounts"),
            HostPathsValue(HostPathMounts(true, false)));
  ASSERT_TRUE(env_.api->Find(kNamespace).has_value());
  const std::optional<nlohmann::json> cm = env_.api->Find(kConfigMap);
  ASSERT_TRUE(cm.has_value());
  EXPECT_EQ((*cm)["data"]["caching"], "true");
  EXPECT_EQ((*cm)["data"]["auto_load_shiftfs"], "false");
}

TEST_F(ClusterSettingsResourceTest,
       ReadShowsAConfigMapEditedBehindTerraformsBack) {
  const Value state = Apply(Null(), Config(env_));
  nlohmann::json cm = *env_.api->Find(kConfigMap);
  cm["data"]["caching"] = "true";
  env_.api->Put(cm);
  const framework::Server::ReadResult read =
      env_.server.ReadResource(kType, state, private_state_);
  ASSERT_FALSE(read.diagnostics.HasError()) << Describe(read.diagnostics);
  EXPECT_EQ(framework::BoolAttr(read.new_state, "caching"), true);
}

TEST_F(ClusterSettingsResourceTest, DestroyRemovesWhatItCreated) {
  const Value state = Apply(Null(), Config(env_));
  framework::Server::ApplyResult destroyed = env_.server.ApplyResourceChange(
      kType, state, Null(), Null(), private_state_);
  ASSERT_FALSE(destroyed.diagnostics.HasError())
      << Describe(destroyed.diagnostics);
  EXPECT_FALSE(env_.api->Find(kConfigMap).has_value());
  EXPECT_FALSE(env_.api->Find(kNamespace).has_value());
}

TEST_F(ClusterSettingsResourceTest, DestroyKeepsANamespaceItDidNotCreate) {
  env_.api->Put(NamespaceObject("coder"));
  const Value state = Apply(Null(), Config(env_));
  framework::Server::ApplyResult destroyed = env_.server.ApplyResourceChange(
      kType, state, Null(), Null(), private_state_);
  ASSERT_FALSE(destroyed.diagnostics.HasError())
      << Describe(destroyed.diagnostics);
  EXPECT_FALSE(env_.api->Find(kConfigMap).has_value());
  EXPECT_TRUE(env_.api->Find(kNamespace).has_value());
}

TEST_F(ClusterSettingsResourceTest, AutoLoadShiftfsWithoutCachingIsAPlanError) {
  const Value config = Config(env_, {{"auto_load_shiftfs", Value::Bool(true)}});
  const framework::Diagnostics diags =
      env_.server.ValidateResourceConfig(kType, config);
  ASSERT_TRUE(diags.HasError());
  EXPECT_THAT(Describe(diags), HasSubstr("caching"));
  EXPECT_TRUE(env_.api->log().empty());  // no API call
}

}  // namespace
}  // namespace cvm::resources
