// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The affinity block of cvm_workspace (workspace_affinity.cc): the pod's
// spec.affinity in both modes, the hash, and the plan-time rules. Apply,
// plan after apply, import and the manifest are covered with the other pod
// options (workspace_pod_options_test.cc).

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

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using values::Value;

using Error = std::pair<std::string, std::string>;

// `j` as a configuration value, as HCL would write it: objects are
// objects (match_labels a map), arrays of objects are blocks, arrays of
// strings lists; the schema conforms the rest.
Value FromJson(const json& j, const std::string& key = "") {
  if (j.is_string()) return Value::String(j.get<std::string>());
  if (j.is_number()) return Value::Int(j.get<int64_t>());
  if (j.is_object() && key == "match_labels") {
    return framework::StringMap(j.get<std::map<std::string, std::string>>());
  }
  if (j.is_object()) {
    std::map<std::string, Value> attrs;
    for (const auto& [k, v] : j.items()) attrs.emplace(k, FromJson(v, k));
    return Value::Object(std::move(attrs));
  }
  if (!j.empty() && j[0].is_object()) {
    std::vector<Value> elems;
    for (const json& e : j) elems.push_back(FromJson(e));
    return Value::Tuple(std::move(elems));
  }
  return framework::StringList(j.get<std::vector<std::string>>());
}

Value Config(const json& affinity, std::map<std::string, Value> extra = {}) {
  extra["affinity"] = FromJson(affinity);
  return WorkspaceConfig(std::move(extra));
}

ClusterSettings Settings() {
  ClusterSettings s;
  s.namespace_name = "coder";
  return s;
}

RenderedWorkspace RenderConfig(const Value& config) {
  return Render(SpecFromValue(config), Settings(), std::nullopt, "{}");
}

std::vector<Error> Errors(const framework::Diagnostics& diags) {
  std::vector<Error> out;
  for (const framework::Diagnostic& d : diags.items()) {
    if (d.severity != framework::Diagnostic::Severity::kError) continue;
    out.emplace_back(d.summary, d.path ? d.path->ToString() : "");
  }
  return out;
}

std::vector<Error> Validate(const Value& config) {
  framework::Diagnostics diags;
  ValidateWorkspaceConfig(config, &diags);
  return Errors(diags);
}

constexpr char kReq[] = "required_during_scheduling_ignored_during_execution";
constexpr char kPref[] = "preferred_during_scheduling_ignored_during_execution";

// Every part of the block, as a template spreading a user's workspaces.
json FullAffinity() {
  const json term = {
      {"topology_key", "kubernetes.io/hostname"},
      {"namespaces", {"coder", "coder-2"}},
      {"label_selector",
       {{"match_labels", {{"com.coder.user.id", "u1"}}},
        {"match_expressions",
         {{{"key", "app"}, {"operator", "NotIn"}, {"values", {"db"}}}}}}}};
  return {
      {"node_affinity",
       {{kReq,
         {{"node_selector_term",
           {{{"match_expressions",
              {{{"key", "sysbox-runtime"}, {"operator", "Exists"}},
               {{"key", "cpus"}, {"operator", "Gt"}, {"values", {"4"}}}}}}}}}},
        {kPref,
         {{{"weight", 10},
           {"preference",
            {{"match_expressions",
              {{{"key", "zone"},
                {"operator", "In"},
                {"values", {"a", "b"}}}}}}}}}}}},
      {"pod_affinity",
       {{kPref,
         {{{"weight", 5},
           {"pod_affinity_term",
            {{"topology_key", "topology.kubernetes.io/zone"},
             {"label_selector",
              {{"match_expressions",
                {{{"key", "cache"}, {"operator", "Exists"}}}}}}}}}}}}},
      {"pod_anti_affinity", {{kReq, {term}}}},
  };
}

TEST(AffinityRenderTest, EveryPartInKubernetesNames) {
  const RenderedWorkspace r = RenderConfig(Config(FullAffinity()));
  EXPECT_EQ(r.pod["spec"]["affinity"], json::parse(R"({
    "nodeAffinity": {
      "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [
        {"matchExpressions": [
          {"key": "sysbox-runtime", "operator": "Exists"},
          {"key": "cpus", "operator": "Gt", "values": ["4"]}]}]},
      "preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 10, "preference": {"matchExpressions": [
          {"key": "zone", "operator": "In", "values": ["a", "b"]}]}}]},
    "podAffinity": {
      "preferredDuringSchedulingIgnoredDuringExecution": [
        {"weight": 5, "podAffinityTerm": {
          "topologyKey": "topology.kubernetes.io/zone",
          "labelSelector": {"matchExpressions": [
            {"key": "cache", "operator": "Exists"}]}}}]},
    "podAntiAffinity": {
      "requiredDuringSchedulingIgnoredDuringExecution": [
        {"topologyKey": "kubernetes.io/hostname",
         "namespaces": ["coder", "coder-2"],
         "labelSelector": {
           "matchLabels": {"com.coder.user.id": "u1"},
           "matchExpressions": [
             {"key": "app", "operator": "NotIn", "values": ["db"]}]}}]}
  })"));
}

TEST(AffinityRenderTest, SysboxKeepsNodeSelectorAndRuntimeClass) {
  const RenderedWorkspace r = RenderConfig(Config(
      FullAffinity(),
      {{"mode", Value::String("sysbox")},
       {"node_selector", framework::StringMap({{"pool", "workspaces"}})}}));
  const json& spec = r.pod["spec"];
  EXPECT_EQ(spec["runtimeClassName"], kDefaultRuntimeClass);
  EXPECT_EQ(spec["nodeSelector"], json({{"pool", "workspaces"}}));
  EXPECT_EQ(spec["affinity"],
            RenderConfig(Config(FullAffinity())).pod["spec"]["affinity"]);
}

TEST(AffinityRenderTest, EmptyBlocksLeaveThePodAsBefore) {
  const std::string base = RenderConfig(WorkspaceConfig()).pod_spec_hash;
  for (const json& empty :
       {json::object(), json({{"node_affinity", json::object()}}),
        json({{"pod_anti_affinity", json::object()}})}) {
    const RenderedWorkspace r = RenderConfig(Config(empty));
    EXPECT_FALSE(r.pod["spec"].contains("affinity")) << empty;
    EXPECT_EQ(r.pod_spec_hash, base) << empty;
  }
}

TEST(AffinityRenderTest, TheHashCoversEachPart) {
  const std::string full = RenderConfig(Config(FullAffinity())).pod_spec_hash;
  EXPECT_NE(full, RenderConfig(WorkspaceConfig()).pod_spec_hash);
  json weight = FullAffinity();
  weight["node_affinity"][kPref][0]["weight"] = 11;
  EXPECT_NE(RenderConfig(Config(weight)).pod_spec_hash, full);
  // The same term as affinity instead of anti-affinity.
  json swapped = FullAffinity();
  swapped["pod_affinity"] = swapped["pod_anti_affinity"];
  swapped.erase("pod_anti_affinity");
  json anti_only = FullAffinity();
  anti_only.erase("pod_affinity");
  EXPECT_NE(RenderConfig(Config(swapped)).pod_spec_hash,
            RenderConfig(Config(anti_only)).pod_spec_hash);
}

TEST(AffinityValidateTest, TheFullBlockIsValidInBothModes) {
  EXPECT_THAT(Validate(Config(FullAffinity())), IsEmpty());
  EXPECT_THAT(
      Validate(Config(FullAffinity(), {{"mode", Value::String("sysbox")}})),
      IsEmpty());
}

TEST(AffinityValidateTest, ValuesPerOperator) {
  const json exprs = {
      {{"key", "a"}, {"operator", "In"}},
      {{"key", "b"}, {"operator", "Exists"}, {"values", {"x"}}},
      {{"key", "c"}, {"operator", "Gt"}, {"values", {"4", "5"}}},
      {{"key", "d"}, {"operator", "Lt"}, {"values", {"four"}}},
      {{"key", "e"}, {"operator", "NotIn"}, {"values", {"x"}}},
      {{"key", "f"}, {"operator", "DoesNotExist"}}};
  const std::string at =
      "affinity.node_affinity.required_during_scheduling_ignored_during_"
      "execution.node_selector_term[0].match_expressions";
  framework::Diagnostics diags;
  ValidateWorkspaceConfig(
      Config(
          {{"node_affinity",
            {{kReq,
              {{"node_selector_term", {{{"match_expressions", exprs}}}}}}}}}),
      &diags);
  EXPECT_THAT(
      Errors(diags),
      ElementsAre(Error("Invalid Match Expression", at + "[0].values"),
                  Error("Invalid Match Expression", at + "[1].values"),
                  Error("Invalid Match Expression", at + "[2].values"),
                  Error("Invalid Match Expression", at + "[3].values")));
  EXPECT_THAT(diags.items()[0].detail, HasSubstr("at least one value"));
  EXPECT_THAT(diags.items()[2].detail, HasSubstr("one value, an integer"));
}

TEST(AffinityValidateTest, LabelSelectorValuesPerOperator) {
  json a = FullAffinity();
  a["pod_anti_affinity"][kReq][0]["label_selector"]["match_expressions"] = {
      {{"key", "app"}, {"operator", "Exists"}, {"values", {"x"}}}};
  EXPECT_THAT(Validate(Config(a)),
              ElementsAre(Error("Invalid Match Expression",
                                "affinity.pod_anti_affinity.required_during_"
                                "scheduling_ignored_during_execution[0].label_"
                                "selector.match_expressions[0].values")));
}

TEST(AffinityValidateTest, EmptyTermsAndMissingParts) {
  EXPECT_THAT(
      Validate(Config({{"node_affinity", {{kReq, json::object()}}}})),
      ElementsAre(Error("No Node Selector Term",
                        "affinity.node_affinity.required_during_scheduling_"
                        "ignored_during_execution")));
  EXPECT_THAT(
      Validate(Config({{"node_affinity",
                        {{kReq, {{"node_selector_term", {json::object()}}}},
                         {kPref, {{{"weight", 1}}}}}},
                       {"pod_affinity", {{kPref, {{{"weight", 1}}}}}}})),
      ElementsAre(
          Error("Empty Node Selector Term",
                "affinity.node_affinity.required_during_scheduling_ignored_"
                "during_execution.node_selector_term[0]"),
          Error("Missing Preference",
                "affinity.node_affinity.preferred_during_scheduling_ignored_"
                "during_execution[0]"),
          Error("Missing Pod Affinity Term",
                "affinity.pod_affinity.preferred_during_scheduling_ignored_"
                "during_execution[0]")));
}

class AffinityResourceTest : public WorkspaceTest {};

// What the attribute validators and the schema catch, through the server
// as Terraform calls it.
TEST_F(AffinityResourceTest, OperatorsWeightsKeysAndTopologyKey) {
  json a = FullAffinity();
  a["node_affinity"][kPref][0]["weight"] = 101;
  a["pod_affinity"][kPref][0]["weight"] = 0;
  a["pod_anti_affinity"][kReq][0]["topology_key"] = "";
  a["pod_anti_affinity"][kReq][0]["label_selector"]["match_expressions"][0]
   ["operator"] = "Gt";  // nodes only
  a["node_affinity"][kReq]["node_selector_term"][0]["match_expressions"][0]
   ["key"] = "not a key";
  const framework::Diagnostics diags =
      env_.server.ValidateResourceConfig(kWorkspaceType, Config(a));
  std::vector<std::string> paths;
  for (const Error& e : Errors(diags)) paths.push_back(e.second);
  const std::string na = "affinity.node_affinity.";
  const std::string paa = "affinity.pod_anti_affinity.";
  EXPECT_THAT(
      paths,
      ::testing::IsSupersetOf(std::vector<std::string>{
          na + kPref + "[0].weight",
          "affinity.pod_affinity." + std::string(kPref) + "[0].weight",
          paa + kReq + "[0].topology_key",
          paa + kReq + "[0].label_selector.match_expressions[0].operator",
          na + kReq + ".node_selector_term[0].match_expressions[0].key"}))
      << Describe(diags);
}

TEST_F(AffinityResourceTest, AChangeRecreatesThePodNamingAffinity) {
  const Value state = Create(Config(FullAffinity()));
  EXPECT_EQ((*env_.api->Find(kPodPath))["spec"]["affinity"],
            RenderConfig(Config(FullAffinity())).pod["spec"]["affinity"]);
  json a = FullAffinity();
  a["node_affinity"][kPref][0]["weight"] = 20;
  const framework::Server::PlanResult plan = PlanUpdate(state, Config(a));
  const framework::Diagnostic* d =
      FindDiagnostic(plan.diagnostics, "Workspace Pod Will Be Recreated");
  ASSERT_NE(d, nullptr) << Describe(plan.diagnostics);
  EXPECT_THAT(d->detail, HasSubstr("affinity"));
}

}  // namespace
}  // namespace cvm::resources
