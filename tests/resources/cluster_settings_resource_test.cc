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
#include "tests/testing/printers.h"

namespace cvm::resources {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using values::Value;

constexpr char kType[] = "cvm_cluster_settings";
constexpr char kConfigMap[] =
    "/api/v1/namespaces/coder/configmaps/cvm-cluster-settings";
constexpr char kNamespace[] = "/api/v1/namespaces/coder";
constexpr char kRuntimeClasses[] = "/apis/node.k8s.io/v1/runtimeclasses/";

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

Value RuntimeClassBlock(const std::string& name, const std::string& handler,
                        bool manage) {
  return Value::Object({{"name", Value::String(name)},
                        {"handler", Value::String(handler)},
                        {"manage", Value::Bool(manage)}});
}

// A claim of namespace coder labelled as a workspace's component.
nlohmann::json Claim(const std::string& name, const std::string& component) {
  return {{"apiVersion", "v1"},
          {"kind", "PersistentVolumeClaim"},
          {"metadata",
           {{"name", name},
            {"namespace", "coder"},
            {"labels",
             {{"cvm.coder.com/component", component},
              {"cvm.coder.com/workspace", name}}}}}};
}

// The Status body of a 403 from the API server.
testing::Reply Forbidden() {
  return testing::Reply::Json(403, {{"kind", "Status"},
                                    {"code", 403},
                                    {"reason", "Forbidden"},
                                    {"message", "denied"}});
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
    framework::Server::PlanResult plan = env_.server.PlanResourceChange(
        kType, prior, config, config, private_state_);
    EXPECT_FALSE(plan.diagnostics.HasError()) << Describe(plan.diagnostics);
    framework::Server::ApplyResult applied = env_.server.ApplyResourceChange(
        kType, prior, plan.planned_state, config, plan.planned_private);
    EXPECT_FALSE(applied.diagnostics.HasError())
        << Describe(applied.diagnostics);
    private_state_ = applied.private_state;
    return applied.new_state;
  }

  // Destroys `state`; the diagnostics.
  framework::Diagnostics Destroy(const Value& state) {
    return env_.server
        .ApplyResourceChange(kType, state, Null(), Null(), private_state_)
        .diagnostics;
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

// A node; `sysbox` labels it sysbox-runtime=running.
nlohmann::json NodeObject(const std::string& name, bool sysbox) {
  nlohmann::json node = {{"apiVersion", "v1"},
                         {"kind", "Node"},
                         {"metadata", {{"name", name}}}};
  if (sysbox) node["metadata"]["labels"]["sysbox-runtime"] = "running";
  return node;
}

// Terraform plans again during apply (with the same configuration and
// prior state) and fails with "Provider produced inconsistent final plan"
// when a value the first plan knew differs: facts of the live cluster are
// never planned, so a node changing between plan and apply is no error.
TEST_F(ClusterSettingsResourceTest, ASavedPlanSurvivesNodesChanging) {
  env_.api->Put(NodeObject("a", true));
  env_.api->Put(NodeObject("b", true));
  const Value config = Config(env_);
  const framework::Server::PlanResult plan =
      env_.server.PlanResourceChange(kType, Null(), config, config, "");
  ASSERT_FALSE(plan.diagnostics.HasError()) << Describe(plan.diagnostics);
  EXPECT_TRUE(framework::Attr(plan.planned_state, "sysbox_ready_nodes")
                  .IsUnknown());
  env_.api->Put(NodeObject("b", false));  // b drained between plan and apply
  const framework::Server::PlanResult again =
      env_.server.PlanResourceChange(kType, Null(), config, config, "");
  EXPECT_EQ(again.planned_state, plan.planned_state);
  const framework::Server::ApplyResult created = env_.server.ApplyResourceChange(
      kType, Null(), again.planned_state, config, again.planned_private);
  ASSERT_FALSE(created.diagnostics.HasError())
      << Describe(created.diagnostics);
  EXPECT_EQ(framework::Attr(created.new_state, "sysbox_ready_nodes"),
            Value::Int(1));

  // An update plans the facts as they are in state and returns them; the
  // next refresh brings the new ones.
  env_.api->Put(NodeObject("b", true));
  env_.api->Put(NodeObject("c", true));
  const Value update = Config(env_, {{"tun", Value::Bool(false)}});
  const framework::Server::PlanResult update_plan =
      env_.server.PlanResourceChange(kType, created.new_state, update, update,
                                     created.private_state);
  ASSERT_FALSE(update_plan.diagnostics.HasError())
      << Describe(update_plan.diagnostics);
  EXPECT_EQ(framework::Attr(update_plan.planned_state, "sysbox_ready_nodes"),
            Value::Int(1));
  const framework::Server::ApplyResult updated =
      env_.server.ApplyResourceChange(kType, created.new_state,
                                      update_plan.planned_state, update,
                                      update_plan.planned_private);
  ASSERT_FALSE(updated.diagnostics.HasError())
      << Describe(updated.diagnostics);
  EXPECT_EQ(framework::Attr(updated.new_state, "sysbox_ready_nodes"),
            Value::Int(1));
  const framework::Server::ReadResult read = env_.server.ReadResource(
      kType, updated.new_state, updated.private_state);
  ASSERT_FALSE(read.diagnostics.HasError()) << Describe(read.diagnostics);
  EXPECT_EQ(framework::Attr(read.new_state, "sysbox_ready_nodes"),
            Value::Int(3));
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

TEST_F(ClusterSettingsResourceTest,
       PlanOfAChangeWorkspacesSeeMakesTheIdUnknown) {
  const Value state = Apply(Null(), Config(env_));
  const Value same = Config(env_);
  EXPECT_TRUE(env_.server.PlanResourceChange(kType, state, same, same, "")
                  .planned_state.Entries()
                  .at("id")
                  .IsKnown());
  const Value cached = Config(env_, {{"caching", Value::Bool(true)}});
  const framework::Server::PlanResult plan =
      env_.server.PlanResourceChange(kType, state, cached, cached, "");
  ASSERT_FALSE(plan.diagnostics.HasError()) << Describe(plan.diagnostics);
  EXPECT_TRUE(framework::Attr(plan.planned_state, "id").IsUnknown());
  EXPECT_EQ(framework::Attr(plan.planned_state, "host_path_mounts"),
            HostPathsValue(HostPathMounts(true, false)));
}

TEST_F(ClusterSettingsResourceTest,
       ApplyWithoutTheNamespaceIsAnErrorAndLeavesNoState) {
  const Value config = Config(env_, {{"manage_namespace", Value::Bool(false)}});
  const framework::Server::ApplyResult applied =
      env_.server.ApplyResourceChange(kType, Null(), config, config, "");
  ASSERT_TRUE(applied.diagnostics.HasError());
  EXPECT_EQ(applied.diagnostics.items()[0].summary, "Namespace Not Found");
  EXPECT_EQ(applied.diagnostics.items()[0].path,
            values::Path::FromAttr("namespace"));
  EXPECT_TRUE(applied.new_state.IsNull());
}

TEST_F(ClusterSettingsResourceTest,
       ApplyThatFailsAfterAWriteKeepsTheObjectsInState) {
  const Value config = Config(env_);
  const framework::Server::PlanResult plan =
      env_.server.PlanResourceChange(kType, Null(), config, config, "");
  env_.api->PushReply("PATCH", kConfigMap, Forbidden());
  const framework::Server::ApplyResult applied =
      env_.server.ApplyResourceChange(kType, Null(), plan.planned_state, config,
                                      plan.planned_private);
  ASSERT_TRUE(applied.diagnostics.HasError());
  EXPECT_EQ(applied.diagnostics.items()[0].summary,
            "Unable to Apply Cluster Settings");
  EXPECT_EQ(framework::StringAttr(applied.new_state, "id"), "coder");
  EXPECT_THAT(applied.private_state, HasSubstr("\"created_namespace\":true"));
}

TEST_F(ClusterSettingsResourceTest,
       ApplyRefusesToReplaceARuntimeClassItDidNotCreate) {
  const Value config =
      Config(env_, {{"runtime_class",
                     RuntimeClassBlock("sysbox-runc", "sysbox-runc", true)}});
  const framework::Server::PlanResult plan =
      env_.server.PlanResourceChange(kType, Null(), config, config, "");
  ASSERT_FALSE(plan.diagnostics.HasError()) << Describe(plan.diagnostics);
  // Someone else's RuntimeClass appears between plan and apply.
  env_.api->Put({{"apiVersion", "node.k8s.io/v1"},
                 {"kind", "RuntimeClass"},
                 {"metadata", {{"name", "sysbox-runc"}}},
                 {"handler", "runc"}});
  const framework::Server::ApplyResult applied =
      env_.server.ApplyResourceChange(kType, Null(), plan.planned_state, config,
                                      plan.planned_private);
  ASSERT_TRUE(applied.diagnostics.HasError());
  EXPECT_EQ(applied.diagnostics.items()[0].summary,
            "RuntimeClass Handler Mismatch");
  EXPECT_EQ(applied.diagnostics.items()[0].path,
            values::Path::FromAttr("runtime_class").Attr("handler"));
  EXPECT_EQ((*env_.api->Find(std::string(kRuntimeClasses) +
                             "sysbox-runc"))["handler"],
            "runc");
  EXPECT_FALSE(env_.api->Find(kConfigMap).has_value());
  // The namespace was written: the state keeps it.
  EXPECT_EQ(framework::StringAttr(applied.new_state, "id"), "coder");
}

TEST_F(ClusterSettingsResourceTest,
       UpdateToAnotherRuntimeClassNameDeletesTheOneItCreated) {
  const Value state = Apply(
      Null(),
      Config(env_, {{"runtime_class",
                     RuntimeClassBlock("sysbox-runc", "sysbox-runc", true)}}));
  ASSERT_TRUE(env_.api->Find(std::string(kRuntimeClasses) + "sysbox-runc"));
  Apply(state,
        Config(env_, {{"runtime_class",
                       RuntimeClassBlock("sysbox-two", "sysbox-runc", true)}}));
  EXPECT_FALSE(env_.api->Find(std::string(kRuntimeClasses) + "sysbox-runc"));
  EXPECT_TRUE(env_.api->Find(std::string(kRuntimeClasses) + "sysbox-two"));
}

TEST_F(ClusterSettingsResourceTest,
       UpdateThatStopsManagingTheNamespaceGivesItsLabelsBack) {
  env_.api->Put(NamespaceObject("coder"));
  const Value state = Apply(Null(), Config(env_));
  ASSERT_TRUE((*env_.api->Find(kNamespace))["metadata"]["labels"].contains(
      kPodSecurityEnforce));
  Apply(state, Config(env_, {{"manage_namespace", Value::Bool(false)}}));
  const nlohmann::json labels = (*env_.api->Find(kNamespace))["metadata"].value(
      "labels", nlohmann::json::object());
  EXPECT_FALSE(labels.contains(kPodSecurityEnforce));
  EXPECT_TRUE(env_.api->Find(kNamespace).has_value());
}

TEST_F(ClusterSettingsResourceTest, ReadOfAGoneNamespaceRemovesTheResource) {
  const Value state = Apply(Null(), Config(env_));
  env_.api->Erase(kNamespace);
  const framework::Server::ReadResult read =
      env_.server.ReadResource(kType, state, private_state_);
  ASSERT_FALSE(read.diagnostics.HasError()) << Describe(read.diagnostics);
  EXPECT_TRUE(read.new_state.IsNull());
}

TEST_F(ClusterSettingsResourceTest, ReadOfADeletedConfigMapShowsSettingsUnset) {
  const Value state =
      Apply(Null(), Config(env_, {{"caching", Value::Bool(true)}}));
  env_.api->Erase(kConfigMap);
  const framework::Server::ReadResult read =
      env_.server.ReadResource(kType, state, private_state_);
  ASSERT_FALSE(read.diagnostics.HasError()) << Describe(read.diagnostics);
  EXPECT_TRUE(framework::Attr(read.new_state, "caching").IsNull());
  EXPECT_EQ(framework::StringAttr(read.new_state, "id"), "coder");
}

TEST_F(ClusterSettingsResourceTest, ReadErrorsNameWhatFailed) {
  const Value state = Apply(Null(), Config(env_));
  env_.api->PushReply("GET", kConfigMap, Forbidden());
  const framework::Server::ReadResult read =
      env_.server.ReadResource(kType, state, private_state_);
  ASSERT_TRUE(read.diagnostics.HasError());
  EXPECT_EQ(read.diagnostics.items()[0].summary,
            "Unable to Read Cluster Settings");
  EXPECT_THAT(read.diagnostics.items()[0].detail, HasSubstr("configmaps"));
}

TEST_F(ClusterSettingsResourceTest, DestroyIsRefusedWhileWorkspacesUseIt) {
  const Value state = Apply(Null(), Config(env_));
  env_.api->Put(Claim("dev", "workspace"));
  const framework::Diagnostics diags = Destroy(state);
  ASSERT_TRUE(diags.HasError());
  EXPECT_EQ(diags.items()[0].summary, "Cluster Settings Still in Use");
  EXPECT_THAT(diags.items()[0].detail, HasSubstr(": dev."));
  EXPECT_TRUE(env_.api->Find(kConfigMap).has_value());
}

TEST_F(ClusterSettingsResourceTest,
       DestroyKeepsACreatedNamespaceThatHoldsRetainedHomes) {
  const Value state = Apply(Null(), Config(env_));
  env_.api->Put(Claim("old-home", "retained-home"));
  const framework::Diagnostics diags = Destroy(state);
  ASSERT_FALSE(diags.HasError()) << Describe(diags);
  ASSERT_EQ(diags.size(), 1u);
  EXPECT_EQ(diags.items()[0].summary, "Namespace Kept");
  EXPECT_THAT(diags.items()[0].detail, HasSubstr("(old-home)"));
  EXPECT_FALSE(env_.api->Find(kConfigMap).has_value());
  EXPECT_TRUE(env_.api->Find(kNamespace).has_value());
}

TEST_F(ClusterSettingsResourceTest, ImportNeedsANamespaceWithSettings) {
  framework::Server::ImportResult imported =
      env_.server.ImportResourceState(kType, "Not_A_Label");
  ASSERT_TRUE(imported.diagnostics.HasError());
  EXPECT_EQ(imported.diagnostics.items()[0].summary, "Invalid Import ID");
  imported = env_.server.ImportResourceState(kType, "coder");
  ASSERT_TRUE(imported.diagnostics.HasError());
  EXPECT_EQ(imported.diagnostics.items()[0].summary,
            "Cannot Import Cluster Settings");
  Apply(Null(), Config(env_));
  imported = env_.server.ImportResourceState(kType, "coder");
  ASSERT_FALSE(imported.diagnostics.HasError())
      << Describe(imported.diagnostics);
  EXPECT_EQ(framework::StringAttr(imported.state, "namespace"), "coder");
  EXPECT_THAT(imported.private_state, HasSubstr("\"created_namespace\":false"));
}

TEST_F(ClusterSettingsResourceTest, DataSourceReadsTheSettingsAndNeedsThem) {
  const schema::Schema& data = *env_.server.DataSourceSchema(kType);
  const Value config = schema::Conform(
      data.block, Value::Object({{"namespace", Value::String("coder")}}));
  framework::Server::DataResult read =
      env_.server.ReadDataSource(kType, config);
  ASSERT_TRUE(read.diagnostics.HasError());
  EXPECT_EQ(read.diagnostics.items()[0].summary, "No Cluster Settings");
  Apply(Null(), Config(env_, {{"tun", Value::Bool(true)}}));
  read = env_.server.ReadDataSource(kType, config);
  ASSERT_FALSE(read.diagnostics.HasError()) << Describe(read.diagnostics);
  EXPECT_EQ(framework::BoolAttr(read.state, "tun"), true);
  EXPECT_EQ(framework::StringAttr(read.state, "kubernetes_version"), "v1.29.4");
  EXPECT_EQ(framework::StringAttr(framework::Attr(read.state, "runtime_class"),
                                  "handler"),
            "sysbox-runc");
}

}  // namespace
}  // namespace cvm::resources
