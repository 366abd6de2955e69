// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// cvm_workspace_manifest (workspace_manifest.cc) through
// framework::Server::ReadDataSource: the objects cvm_workspace would apply,
// rendered with no API call.

#include <map>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "provider/framework/value_access.h"
#include "provider/resources/host_paths.h"
#include "provider/resources/workspace_model.h"
#include "provider/resources/workspace_schema.h"
#include "provider/values/path.h"
#include "tests/resources/resource_test_env.h"

namespace cvm::resources {
namespace {

using framework::Attr;
using framework::BoolAttr;
using framework::StringAttr;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using values::Value;

constexpr char kType[] = "cvm_workspace_manifest";

Value ManifestConfig(std::map<std::string, Value> extra = {}) {
  std::map<std::string, Value> attrs = {
      {"name", Value::String("dev")},
      {"namespace", Value::String("coder")},
      {"inner_image",
       Value::String("docker.io/codercom/enterprise-base:ubuntu")},
  };
  for (auto& [k, v] : extra) attrs[k] = std::move(v);
  return schema::Conform(WorkspaceManifestSchema().block,
                         Value::Object(std::move(attrs)));
}

class WorkspaceManifestTest : public ::testing::Test {
 protected:
  framework::Server::DataResult Read(const Value& config) {
    return env_.server.ReadDataSource(kType, config);
  }
  ResourceTestEnv env_;
};

TEST_F(WorkspaceManifestTest, RendersThePodAndTheClaimWithoutAnApiCall) {
  const size_t requests = env_.api->log().size();
  const framework::Server::DataResult result = Read(ManifestConfig());
  ASSERT_THAT(result.diagnostics.items(), IsEmpty())
      << Describe(result.diagnostics);
  EXPECT_EQ(env_.api->log().size(), requests);
  const std::optional<std::vector<std::string>> objects =
      framework::StringListAttr(result.state, "objects");
  ASSERT_TRUE(objects.has_value());
  ASSERT_EQ(objects->size(), 2u);
  const nlohmann::json pod = nlohmann::json::parse((*objects)[0]);
  const nlohmann::json claim = nlohmann::json::parse((*objects)[1]);
  EXPECT_EQ(pod["kind"], "Pod");
  EXPECT_EQ(claim["kind"], "PersistentVolumeClaim");
  // The hash annotation the resource would put on the pod.
  EXPECT_TRUE(pod["metadata"]["annotations"].contains(kSpecHashAnnotation));
  // The token is referenced from the Secret, which is not rendered.
  EXPECT_THAT(pod.dump(), HasSubstr("dev-agent"));

  const nlohmann::json array =
      nlohmann::json::parse(StringAttr(result.state, "json").value_or(""));
  EXPECT_EQ(array, nlohmann::json::array({pod, claim}));
  const std::string yaml = StringAttr(result.state, "yaml").value_or("");
  EXPECT_EQ(yaml.rfind("---\n", 0), 0u);
  EXPECT_THAT(yaml, HasSubstr("\n---\n"));
  EXPECT_THAT(StringAttr(result.state, "pod_yaml").value_or(""),
              HasSubstr("kind: \"Pod\""));
  // Defaults, as the resource plans them.
  EXPECT_EQ(StringAttr(result.state, "inner_hostname"), "dev");
  EXPECT_EQ(BoolAttr(result.state, "tun"), false);
  EXPECT_EQ(BoolAttr(result.state, "fuse"), false);
  EXPECT_EQ(Attr(result.state, "host_path_mounts"),
            HostPathsValue(HostPathMounts(false, false)));
}

TEST_F(WorkspaceManifestTest, RendersAgainstTheGivenSettings) {
  const framework::Server::DataResult result = Read(ManifestConfig(
      {{"agent_token_secret", Value::Bool(false)},
       {"cluster_settings", Value::Object({{"caching", Value::Bool(true)},
                                           {"tun", Value::Bool(true)}})}}));
  ASSERT_FALSE(result.diagnostics.HasError()) << Describe(result.diagnostics);
  EXPECT_EQ(BoolAttr(result.state, "tun"), true);
  EXPECT_EQ(Attr(result.state, "host_path_mounts"),
            HostPathsValue(HostPathMounts(true, false)));
  EXPECT_THAT(StringAttr(result.state, "pod_yaml").value_or(""),
              Not(HasSubstr("dev-agent")));
}

TEST_F(WorkspaceManifestTest, AutoLoadingShiftfsNeedsCaching) {
  const framework::Server::DataResult result = Read(ManifestConfig(
      {{"cluster_settings",
        Value::Object({{"auto_load_shiftfs", Value::Bool(true)}})}}));
  ASSERT_EQ(result.diagnostics.items().size(), 1u)
      << Describe(result.diagnostics);
  const framework::Diagnostic& d = result.diagnostics.items()[0];
  EXPECT_EQ(d.summary, "auto_load_shiftfs Requires Caching");
  EXPECT_EQ(
      d.path,
      values::Path::FromAttr("cluster_settings").Attr("auto_load_shiftfs"));
}

// The data source shares the resource's configuration rules.
TEST_F(WorkspaceManifestTest, ValidatesLikeTheResource) {
  const framework::Diagnostics diags = env_.server.ValidateDataResourceConfig(
      kType, ManifestConfig({{"mode", Value::String("sysbox")},
                             {"tun", Value::Bool(true)}}));
  EXPECT_THAT(Describe(diags), HasSubstr("Not Supported in sysbox Mode"));
}

}  // namespace
}  // namespace cvm::resources
