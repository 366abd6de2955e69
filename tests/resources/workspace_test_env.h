// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// What the cvm_workspace tests share: a valid configuration, the paths of
// the workspace's objects on the FakeApiServer, and a fixture that runs
// plan and apply through framework::Server as Terraform does.
//
//   class WorkspacePlanTest : public WorkspaceTest {};
//   TEST_F(WorkspacePlanTest, ...) {
//     const Value state = Create(WorkspaceConfig());
//     auto plan = PlanUpdate(state, WorkspaceConfig({{"env", ...}}));
//   }

#ifndef CVM_TESTS_RESOURCES_WORKSPACE_TEST_ENV_H_
#define CVM_TESTS_RESOURCES_WORKSPACE_TEST_ENV_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "provider/framework/server.h"
#include "provider/framework/value_access.h"
#include "provider/resources/settings.h"
#include "provider/resources/workspace_schema.h"
#include "provider/schema/schema.h"
#include "provider/values/type.h"
#include "provider/values/value.h"
#include "tests/resources/resource_test_env.h"

namespace cvm::resources {

inline constexpr char kWorkspaceType[] = "cvm_workspace";
inline constexpr char kWorkspaceToken[] = "unit-test-agent-token";
inline constexpr char kPodPath[] = "/api/v1/namespaces/coder/pods/dev";
inline constexpr char kClaimPath[] =
    "/api/v1/namespaces/coder/persistentvolumeclaims/dev-home";
inline constexpr char kSecretPath[] =
    "/api/v1/namespaces/coder/secrets/dev-agent";
inline constexpr char kSettingsPath[] =
    "/api/v1/namespaces/coder/configmaps/cvm-cluster-settings";

// Workspace "dev" in namespace "coder" with a token and cpu/memory limits;
// `extra` replaces or adds attributes.
inline values::Value WorkspaceConfig(
    std::map<std::string, values::Value> extra = {}) {
  std::map<std::string, values::Value> attrs = {
      {"name", values::Value::String("dev")},
      {"namespace", values::Value::String("coder")},
      {"inner_image",
       values::Value::String("docker.io/codercom/enterprise-base:ubuntu")},
      {"agent_token", values::Value::String(kWorkspaceToken)},
      {"cpu", values::Value::Object({{"limit", values::Value::String("2")}})},
      {"memory",
       values::Value::Object({{"limit", values::Value::String("4Gi")}})},
  };
  for (auto& [k, v] : extra) attrs[k] = std::move(v);
  return schema::Conform(WorkspaceResourceSchema().block,
                         values::Value::Object(std::move(attrs)));
}

// The element of JSON list `list` whose "name" is `name`; null when none.
inline nlohmann::json NamedEntry(const nlohmann::json& list,
                                 const std::string& name) {
  for (const nlohmann::json& e : list) {
    if (e.value("name", "") == name) return e;
  }
  return nullptr;
}

inline values::Value NullWorkspace() {
  return values::Value::Null(WorkspaceResourceSchema().ImpliedType());
}

// The namespace's settings ConfigMap with `data`.
inline nlohmann::json SettingsObject(
    const std::map<std::string, std::string>& data) {
  return {
      {"apiVersion", "v1"},
      {"kind", "ConfigMap"},
      {"metadata", {{"name", kSettingsConfigMapName}, {"namespace", "coder"}}},
      {"data", data}};
}

// The first diagnostic with `summary`, or nullptr.
inline const framework::Diagnostic* FindDiagnostic(
    const framework::Diagnostics& diags, const std::string& summary) {
  for (const framework::Diagnostic& d : diags.items()) {
    if (d.summary == summary) return &d;
  }
  return nullptr;
}

class WorkspaceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(env_.configure_diagnostics.HasError())
        << Describe(env_.configure_diagnostics);
    env_.api->Put(NamespaceObject("coder"));
  }

  // Terraform's proposed new state: the configuration, with the prior
  // value of each computed attribute the configuration leaves null.
  static values::Value Proposed(const values::Value& prior,
                                const values::Value& config) {
    if (prior.IsNull()) return config;
    values::Value proposed = config;
    for (const schema::Attribute& a :
         WorkspaceResourceSchema().block.attributes) {
      if (a.computed && framework::Attr(config, a.name).IsNull()) {
        proposed = proposed.WithAttr(a.name, framework::Attr(prior, a.name));
      }
    }
    return proposed;
  }

  // Each RPC first lets the shared read cache expire, as between the
  // commands of a real run. The resource's private state goes from each
  // apply and read to the next plan and apply, as Terraform keeps it.
  framework::Server::PlanResult PlanCreate(const values::Value& config) {
    return PlanUpdate(NullWorkspace(), config);
  }
  framework::Server::PlanResult PlanUpdate(const values::Value& prior,
                                           const values::Value& config) {
    env_.clock.Advance(kSharedObjectCacheTtl);
    return env_.server.PlanResourceChange(
        kWorkspaceType, prior, Proposed(prior, config), config,
        prior.IsNull() ? "" : private_state_);
  }
  framework::Server::ApplyResult Apply(const values::Value& prior,
                                       const values::Value& planned,
                                       const values::Value& config) {
    env_.clock.Advance(kSharedObjectCacheTtl);
    framework::Server::ApplyResult applied = env_.server.ApplyResourceChange(
        kWorkspaceType, prior, planned, config,
        prior.IsNull() ? "" : private_state_);
    private_state_ = applied.private_state;
    return applied;
  }
  framework::Server::ReadResult Read(const values::Value& state) {
    env_.clock.Advance(kSharedObjectCacheTtl);
    framework::Server::ReadResult read =
        env_.server.ReadResource(kWorkspaceType, state, private_state_);
    private_state_ = read.private_state;
    return read;
  }

  // Plans and applies; the new state (ADD_FAILURE on errors).
  values::Value Update(const values::Value& prior,
                       const values::Value& config) {
    framework::Server::PlanResult plan = PlanUpdate(prior, config);
    EXPECT_FALSE(plan.diagnostics.HasError()) << Describe(plan.diagnostics);
    framework::Server::ApplyResult applied =
        Apply(prior, plan.planned_state, config);
    EXPECT_FALSE(applied.diagnostics.HasError())
        << Describe(applied.diagnostics);
    return applied.new_state;
  }
  values::Value Create(const values::Value& config) {
    return Update(NullWorkspace(), config);
  }
  // Plans and applies the destroy of `state`.
  framework::Server::ApplyResult Destroy(const values::Value& state) {
    env_.clock.Advance(kSharedObjectCacheTtl);
    framework::Server::PlanResult plan = env_.server.PlanResourceChange(
        kWorkspaceType, state, NullWorkspace(), NullWorkspace(), "");
    EXPECT_FALSE(plan.diagnostics.HasError()) << Describe(plan.diagnostics);
    return Apply(state, plan.planned_state, NullWorkspace());
  }

  // `state` (as applied from `config`) holds: a refresh reads it back, a
  // plan of `config` then changes nothing and warns of nothing, and an
  // import of "coder/dev" reads back the same state.
  void ExpectStableAndImportable(const values::Value& state,
                                 const values::Value& config) {
    framework::Server::ReadResult read = Read(state);
    ASSERT_FALSE(read.diagnostics.HasError()) << Describe(read.diagnostics);
    EXPECT_TRUE(read.new_state.EqualIgnoringRefinements(state));
    const framework::Server::PlanResult plan =
        PlanUpdate(read.new_state, config);
    EXPECT_TRUE(plan.diagnostics.items().empty())
        << Describe(plan.diagnostics);
    EXPECT_TRUE(plan.planned_state.EqualIgnoringRefinements(read.new_state));

    const framework::Server::ImportResult imported =
        env_.server.ImportResourceState(kWorkspaceType, "coder/dev");
    read = Read(imported.state);
    ASSERT_FALSE(read.diagnostics.HasError()) << Describe(read.diagnostics);
    EXPECT_TRUE(read.new_state.EqualIgnoringRefinements(state))
        << read.new_state.DebugString() << "\n"
        << state.DebugString();
  }

  // The requests made since the last call ("METHOD path?query").
  std::vector<std::string> NewRequests() {
    std::vector<std::string> log = env_.api->log();
    std::vector<std::string> out(log.begin() + seen_requests_, log.end());
    seen_requests_ = log.size();
    return out;
  }

  ResourceTestEnv env_;
  size_t seen_requests_ = 0;
  std::string private_state_;
};

}  // namespace cvm::resources

#endif  // CVM_TESTS_RESOURCES_WORKSPACE_TEST_ENV_H_
