// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The env_value_from blocks of cvm_workspace (workspace_env_from.cc): the
// container's env in both modes, CODER_INNER_ENVS in envbox mode, the name
// rules shared with env, and apply, plan, import through framework::Server.

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "provider/framework/value_access.h"
#include "provider/resources/workspace_model.h"
#include "provider/resources/workspace_validate.h"
#include "tests/resources/workspace_test_env.h"

namespace cvm::resources {
namespace {

using framework::StringList;
using framework::StringMap;
using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using values::Value;

using Error = std::pair<std::string, std::string>;

Value Str(const std::string& s) { return Value::String(s); }

// A key reference block.
Value Ref(const std::string& name, const std::string& key,
          std::optional<bool> optional = std::nullopt) {
  std::map<std::string, Value> attrs = {{"name", Str(name)}, {"key", Str(key)}};
  if (optional) attrs["optional"] = Value::Bool(*optional);
  return Value::Object(std::move(attrs));
}

Value FromSecret(const std::string& var, Value ref) {
  return Value::Object({{"name", Str(var)}, {"secret_key_ref", ref}});
}
Value FromConfigMap(const std::string& var, Value ref) {
  return Value::Object({{"name", Str(var)}, {"config_map_key_ref", ref}});
}

// GH_TOKEN from Secret gh (optional), REGISTRY from ConfigMap corp.
Value TwoVariables() {
  return Value::Tuple({FromSecret("GH_TOKEN", Ref("gh", "token", true)),
                       FromConfigMap("REGISTRY", Ref("corp", "registry"))});
}

Value Config(Value from, std::map<std::string, Value> extra = {}) {
  extra["env_value_from"] = std::move(from);
  return WorkspaceConfig(std::move(extra));
}

RenderedWorkspace RenderConfig(const Value& config) {
  ClusterSettings settings;
  settings.namespace_name = "coder";
  return Render(SpecFromValue(config), settings, std::nullopt, "{}");
}

// The env entry `name` of container "dev"; null when absent.
json EnvEntry(const json& pod, const std::string& name) {
  for (const json& e : pod["spec"]["containers"][0]["env"]) {
    if (e["name"] == name) return e;
  }
  return nullptr;
}

std::vector<Error> Validate(const Value& config) {
  framework::Diagnostics diags;
  ValidateWorkspaceConfig(config, &diags);
  std::vector<Error> out;
  for (const framework::Diagnostic& d : diags.items()) {
    if (d.severity != framework::Diagnostic::Severity::kError) continue;
    out.emplace_back(d.summary, d.path ? d.path->ToString() : "");
  }
  return out;
}

const json kSecretEntry = json::parse(R"({"name": "GH_TOKEN", "valueFrom":
    {"secretKeyRef": {"name": "gh", "key": "token", "optional": true}}})");
const json kConfigMapEntry = json::parse(R"({"name": "REGISTRY", "valueFrom":
    {"configMapKeyRef": {"name": "corp", "key": "registry"}}})");

TEST(EnvFromRenderTest, EnvboxSetsThemOnEnvboxAndPassesThemIn) {
  const RenderedWorkspace r = RenderConfig(
      Config(TwoVariables(), {{"env", StringMap({{"EDITOR", "vim"}})},
                              {"env_passthrough", StringList({"KUBE_*"})}}));
  EXPECT_EQ(EnvEntry(r.pod, "GH_TOKEN"), kSecretEntry);
  EXPECT_EQ(EnvEntry(r.pod, "REGISTRY"), kConfigMapEntry);
  EXPECT_EQ(EnvEntry(r.pod, "CODER_INNER_ENVS")["value"],
            "EDITOR,GH_TOKEN,REGISTRY,KUBE_*");
}

TEST(EnvFromRenderTest, SysboxSetsThemOnTheWorkspaceAndKeepsThemForTheAgent) {
  const RenderedWorkspace r = RenderConfig(Config(
      TwoVariables(),
      {{"mode", Str("sysbox")}, {"bootstrap_script", Str("exec agent")}}));
  EXPECT_EQ(EnvEntry(r.pod, "GH_TOKEN"), kSecretEntry);
  EXPECT_EQ(EnvEntry(r.pod, "REGISTRY"), kConfigMapEntry);
  EXPECT_TRUE(EnvEntry(r.pod, "CODER_INNER_ENVS").is_null());
  const std::string hook = r.pod["spec"]["containers"][0]["lifecycle"]
                                ["postStart"]["exec"]["command"][2];
  EXPECT_THAT(hook, HasSubstr("GH_TOKEN,REGISTRY,CVM_BOOTSTRAP"));
}

TEST(EnvFromRenderTest, TheHashCoversThemAndUnsetChangesNothing) {
  const std::string base = RenderConfig(WorkspaceConfig()).pod_spec_hash;
  EXPECT_EQ(RenderConfig(Config(Value::Tuple({}))).pod_spec_hash, base);
  const std::string two = RenderConfig(Config(TwoVariables())).pod_spec_hash;
  EXPECT_NE(two, base);
  EXPECT_NE(RenderConfig(Config(Value::Tuple({FromSecret(
                             "GH_TOKEN", Ref("gh", "other", true))})))
                .pod_spec_hash,
            two);
}

TEST(EnvFromValidateTest, ValidInBothModes) {
  EXPECT_THAT(Validate(Config(TwoVariables())), IsEmpty());
  EXPECT_THAT(Validate(Config(TwoVariables(), {{"mode", Str("sysbox")}})),
              IsEmpty());
}

TEST(EnvFromValidateTest, ExactlyOneReference) {
  const Value both = Value::Object({{"name", Str("A")},
                                    {"secret_key_ref", Ref("s", "k")},
                                    {"config_map_key_ref", Ref("c", "k")}});
  const Value neither = Value::Object({{"name", Str("B")}});
  EXPECT_THAT(
      Validate(Config(Value::Tuple({both, neither}))),
      ElementsAre(Error("Invalid Environment Reference", "env_value_from[0]"),
                  Error("Invalid Environment Reference", "env_value_from[1]")));
}

TEST(EnvFromValidateTest, EachNameOnce) {
  const Value from = Value::Tuple(
      {FromSecret("EDITOR", Ref("s", "k")), FromSecret("KUBE_X", Ref("s", "k")),
       FromSecret("A", Ref("s", "k")), FromConfigMap("A", Ref("c", "k"))});
  framework::Diagnostics all;
  ValidateWorkspaceConfig(
      Config(from, {{"env", StringMap({{"EDITOR", "vim"}})},
                    {"env_passthrough", StringList({"KUBE_X"})}}),
      &all);
  std::vector<framework::Diagnostic> errors;
  for (const framework::Diagnostic& d : all.items()) {
    if (d.severity == framework::Diagnostic::Severity::kError) {
      errors.push_back(d);
    }
  }
  ASSERT_EQ(errors.size(), 3u) << Describe(all);
  EXPECT_EQ(errors[0].path->ToString(), "env_value_from[0].name");
  EXPECT_THAT(errors[0].detail, HasSubstr("already set by env;"));
  EXPECT_THAT(errors[1].detail, HasSubstr("by env_passthrough"));
  EXPECT_EQ(errors[2].path->ToString(), "env_value_from[3].name");
}

TEST(EnvFromValidateTest, ReservedNamesAndNamesThatChangeEnvbox) {
  const Value from =
      Value::Tuple({FromSecret("CODER_AGENT_TOKEN", Ref("s", "k")),
                    FromSecret("LD_PRELOAD", Ref("s", "k")),
                    FromSecret("CODER_MOUNTS", Ref("s", "k"))});
  EXPECT_THAT(
      Validate(Config(from)),
      ::testing::UnorderedElementsAre(
          Error("Reserved Environment Variable", "env_value_from[0].name"),
          Error("Reserved Environment Variable", "env_value_from[2].name"),
          Error("Environment Variable Would Change envbox",
                "env_value_from[1].name")));
  // In sysbox mode the variable reaches the workspace only.
  EXPECT_THAT(
      Validate(Config(Value::Tuple({FromSecret("LD_PRELOAD", Ref("s", "k"))}),
                      {{"mode", Str("sysbox")}})),
      IsEmpty());
}

class EnvFromResourceTest : public WorkspaceTest {};

TEST_F(EnvFromResourceTest, AttributeValidatorsNameTheAttribute) {
  const framework::Diagnostics diags = env_.server.ValidateResourceConfig(
      kWorkspaceType,
      Config(Value::Tuple({FromSecret("1BAD", Ref("Bad_Name", "a/b"))})));
  std::vector<std::string> paths;
  for (const framework::Diagnostic& d : diags.items()) {
    if (d.path) paths.push_back(d.path->ToString());
  }
  EXPECT_THAT(paths, ::testing::IsSupersetOf(std::vector<std::string>{
                         "env_value_from[0].name",
                         "env_value_from[0].secret_key_ref.name",
                         "env_value_from[0].secret_key_ref.key"}))
      << Describe(diags);
}

TEST_F(EnvFromResourceTest, ApplyPlanEmptyAndImport) {
  const Value config = Config(TwoVariables());
  const Value state = Create(config);
  const json pod = *env_.api->Find(kPodPath);
  EXPECT_EQ(EnvEntry(pod, "GH_TOKEN"), kSecretEntry);
  EXPECT_EQ(EnvEntry(pod, "REGISTRY"), kConfigMapEntry);

  ExpectStableAndImportable(state, config);
}

}  // namespace
}  // namespace cvm::resources
