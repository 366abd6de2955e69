// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// Read and ImportState of cvm_workspace (workspace_read.cc): through
// framework::Server against a FakeApiServer, and its helpers directly.

#include <string>

#include "absl/strings/escaping.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "provider/framework/value_access.h"
#include "provider/resources/workspace_internal.h"
#include "provider/resources/workspace_model.h"
#include "tests/resources/workspace_test_env.h"

namespace cvm::resources {
namespace {

using framework::Attr;
using framework::BoolAttr;
using framework::StringAttr;
using ::testing::HasSubstr;
using values::Type;
using values::Value;
using workspace_internal::ContainerImage;
using workspace_internal::MapDrift;

class WorkspaceReadTest : public WorkspaceTest {
 protected:
  // Imports "coder/dev" as `terraform import` does: ImportResourceState,
  // then ReadResource of its state.
  framework::Server::ReadResult Import(const std::string& id = "coder/dev") {
    const framework::Server::ImportResult imported =
        env_.server.ImportResourceState(kWorkspaceType, id);
    EXPECT_FALSE(imported.diagnostics.HasError())
        << Describe(imported.diagnostics);
    return Read(imported.state);
  }

  // Edits the stored object at `path`.
  template <typename Edit>
  void EditObject(const std::string& path, Edit edit) {
    std::optional<nlohmann::json> object = env_.api->Find(path);
    ASSERT_TRUE(object.has_value()) << path;
    edit(*object);
    env_.api->Put(*object);
  }
};

TEST_F(WorkspaceReadTest, AnUnchangedWorkspaceReadsAsItsState) {
  const Value state = Create(WorkspaceConfig());
  const framework::Server::ReadResult read = Read(state);
  ASSERT_FALSE(read.diagnostics.HasError()) << Describe(read.diagnostics);
  EXPECT_TRUE(read.new_state.EqualIgnoringRefinements(state))
      << read.new_state.DebugString() << "\n"
      << state.DebugString();
}

TEST_F(WorkspaceReadTest, AWorkspaceWhosePodAndClaimAreGoneIsGone) {
  const Value state = Create(WorkspaceConfig());
  env_.api->Erase(kPodPath);
  env_.api->Erase(kClaimPath);
  const framework::Server::ReadResult read = Read(state);
  ASSERT_FALSE(read.diagnostics.HasError()) << Describe(read.diagnostics);
  EXPECT_TRUE(read.new_state.IsNull());
}

TEST_F(WorkspaceReadTest, ChangesBehindTerraformsBackShowAsDrift) {
  const Value state = Create(WorkspaceConfig(
      {{"labels", framework::StringMap({{"team", "a"}, {"gone", "x"}})},
       {"home", Value::Object({{"size", Value::String("50Gi")}})}}));
  EditObject(kPodPath, [](nlohmann::json& pod) {
    pod["metadata"]["labels"]["team"] = "b";
    pod["metadata"]["labels"].erase("gone");
    pod["spec"]["containers"][0]["image"] = "ghcr.io/coder/envbox:0.6.8";
  });
  EditObject(kSecretPath, [](nlohmann::json& secret) {
    secret["data"]["token"] = absl::Base64Escape("other");
  });
  EditObject(kClaimPath, [](nlohmann::json& claim) {
    claim["spec"]["resources"]["requests"]["storage"] = "60Gi";
  });
  const framework::Server::ReadResult read = Read(state);
  ASSERT_FALSE(read.diagnostics.HasError()) << Describe(read.diagnostics);
  EXPECT_EQ(framework::StringMapAttr(read.new_state, "labels"),
            (std::map<std::string, std::string>{{"team", "b"}}));
  EXPECT_EQ(StringAttr(read.new_state, "image"), "ghcr.io/coder/envbox:0.6.8");
  EXPECT_EQ(StringAttr(read.new_state, "agent_token_sha256"),
            Sha256Hex("other"));
  EXPECT_EQ(StringAttr(Attr(read.new_state, "home"), "size"), "60Gi");
}

TEST_F(WorkspaceReadTest, ASecretDeletedByHandLeavesNoTokenHash) {
  const Value state = Create(WorkspaceConfig());
  env_.api->Erase(kSecretPath);
  const framework::Server::ReadResult read = Read(state);
  ASSERT_FALSE(read.diagnostics.HasError()) << Describe(read.diagnostics);
  EXPECT_TRUE(Attr(read.new_state, "agent_token_sha256").IsNull());
  EXPECT_TRUE(Attr(read.new_state, "secret_name").IsNull());
}

TEST_F(WorkspaceReadTest, AnApiErrorIsReported) {
  const Value state = Create(WorkspaceConfig());
  env_.api->PushReply("GET", kSecretPath,
                      testing::Reply::Status(403, "Forbidden", "no secrets"));
  const framework::Server::ReadResult read = Read(state);
  const framework::Diagnostic* d =
      FindDiagnostic(read.diagnostics, "Unable to Read Workspace");
  ASSERT_NE(d, nullptr) << Describe(read.diagnostics);
  EXPECT_THAT(d->detail, HasSubstr("no secrets"));
}

TEST_F(WorkspaceReadTest, AnImportRestoresTheArgumentsFromTheClaim) {
  const Value state = Create(WorkspaceConfig(
      {{"env", framework::StringMap({{"A", "1"}})},
       {"home", Value::Object({{"size", Value::String("60Gi")}})}}));
  const framework::Server::ReadResult read = Import();
  ASSERT_FALSE(read.diagnostics.HasError()) << Describe(read.diagnostics);
  EXPECT_TRUE(read.new_state.EqualIgnoringRefinements(state))
      << read.new_state.DebugString() << "\n"
      << state.DebugString();
}

// A stopped workspace has no pod to read the hash from: the import
// computes the one a new pod would get, so the next plan is stable.
TEST_F(WorkspaceReadTest, AnImportOfAStoppedWorkspaceComputesThePodHash) {
  const Value running = Create(WorkspaceConfig());
  Update(running, WorkspaceConfig({{"running", Value::Bool(false)}}));
  const framework::Server::ReadResult read = Import();
  ASSERT_FALSE(read.diagnostics.HasError()) << Describe(read.diagnostics);
  EXPECT_EQ(BoolAttr(read.new_state, "running"), false);
  EXPECT_EQ(StringAttr(read.new_state, "phase"), "Stopped");
  EXPECT_EQ(StringAttr(read.new_state, "pod_spec_hash"),
            StringAttr(running, "pod_spec_hash"));
  EXPECT_EQ(Attr(read.new_state, "host_path_mounts"),
            Attr(running, "host_path_mounts"));
}

TEST_F(WorkspaceReadTest, OnlyWorkspacesOfThisProviderCanBeImported) {
  Create(WorkspaceConfig());
  EditObject(kClaimPath, [](nlohmann::json& claim) {
    claim["metadata"]["annotations"].erase(kConfigAnnotation);
  });
  const framework::Server::ImportResult imported =
      env_.server.ImportResourceState(kWorkspaceType, "coder/dev");
  const framework::Server::ReadResult read = Read(imported.state);
  const framework::Diagnostic* d =
      FindDiagnostic(read.diagnostics, "Unable to Import Workspace");
  ASSERT_NE(d, nullptr) << Describe(read.diagnostics);
  EXPECT_THAT(d->detail,
              HasSubstr("PersistentVolumeClaim dev-home in namespace coder "
                        "has no readable cvm.coder.com/workspace-config"));
}

TEST_F(WorkspaceReadTest, AnImportIdIsNamespaceSlashName) {
  for (const char* id : {"coder", "coder/dev/x", "Coder/dev", "coder/"}) {
    const framework::Server::ImportResult imported =
        env_.server.ImportResourceState(kWorkspaceType, id);
    const framework::Diagnostic* d =
        FindDiagnostic(imported.diagnostics, "Invalid Import ID");
    ASSERT_NE(d, nullptr) << id;
    EXPECT_THAT(d->detail, HasSubstr(std::string("got \"") + id + "\"."));
  }
  const framework::Server::ImportResult imported =
      env_.server.ImportResourceState(kWorkspaceType, "coder/dev");
  ASSERT_FALSE(imported.diagnostics.HasError())
      << Describe(imported.diagnostics);
  EXPECT_EQ(StringAttr(imported.state, "namespace"), "coder");
  EXPECT_EQ(StringAttr(imported.state, "name"), "dev");
}

TEST(MapDriftTest, ValuesKeysAsTheLiveObjectHasThem) {
  const Value state = Value::Object(
      {{"labels",
        framework::StringMap({{"a", "1"}, {"b", "2"}, {"ours", "mine"}})}});
  // Nothing differs: the attribute itself.
  EXPECT_EQ(MapDrift(state, "labels", {{"a", "1"}, {"b", "2"}, {"extra", "x"}},
                     {"ours"}),
            Attr(state, "labels"));
  // Changed and removed keys; the provider's own keys keep their value.
  EXPECT_EQ(
      MapDrift(state, "labels", {{"a", "9"}, {"ours", "theirs"}}, {"ours"}),
      framework::StringMap({{"a", "9"}, {"ours", "mine"}}));
  // A non-string value counts as removed.
  EXPECT_EQ(MapDrift(state, "labels", {{"a", "1"}, {"b", 2}, {"ours", "m"}},
                     {"ours"}),
            framework::StringMap({{"a", "1"}, {"ours", "mine"}}));
}

TEST(MapDriftTest, ANullOrEmptyMapStaysAsIs) {
  const Value null_map =
      Value::Object({{"labels", Value::Null(Type::Map(Type::String()))}});
  EXPECT_EQ(MapDrift(null_map, "labels", {{"a", "1"}}, {}),
            Attr(null_map, "labels"));
  const Value empty = Value::Object({{"labels", framework::StringMap({})}});
  EXPECT_EQ(MapDrift(empty, "labels", {{"a", "1"}}, {}), Attr(empty, "labels"));
}

TEST(ContainerImageTest, IsTheImageOfContainerDev) {
  EXPECT_EQ(ContainerImage({{"spec",
                             {{"containers",
                               {{{"name", "sidecar"}, {"image", "s:1"}},
                                {{"name", "dev"}, {"image", "d:1"}}}}}}}),
            "d:1");
  EXPECT_EQ(
      ContainerImage({{"spec", {{"containers", nlohmann::json::array()}}}}),
      "");
  EXPECT_EQ(ContainerImage(nlohmann::json::object()), "");
}

}  // namespace
}  // namespace cvm::resources
