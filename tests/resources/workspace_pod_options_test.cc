// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The pod options of cvm_workspace (workspace_pod_options.cc and
// workspace_pod_options_validate.cc): the rendered pod and claim, the
// plan-time rules, and plan, apply, read and import through
// framework::Server against a FakeApiServer.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "provider/framework/value_access.h"
#include "provider/resources/workspace_internal.h"
#include "provider/resources/workspace_model.h"
#include "provider/resources/workspace_schema.h"
#include "provider/resources/workspace_validate.h"
#include "provider/values/path.h"
#include "tests/resources/workspace_test_env.h"

namespace cvm::resources {
namespace {

using framework::Attr;
using framework::StringAttr;
using framework::StringList;
using framework::StringMap;
using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using values::Path;
using values::Type;
using values::Value;

Value Str(const std::string& s) { return Value::String(s); }

// The type of block or nested attribute `name` of the resource schema.
Type DnsConfigType() {
  return WorkspaceResourceSchema().block.FindBlock("dns_config")->ImpliedType();
}
Type ElementType(const char* attribute) {
  return WorkspaceResourceSchema()
      .block.FindAttribute(attribute)
      ->ValueType()
      .element();
}

Value DnsConfig(std::vector<std::string> nameservers) {
  const Type option = DnsConfigType().attributes().at("options").element();
  return Value::Object(
      {{"nameservers", StringList(nameservers)},
       {"searches", StringList({"corp.example.com"})},
       {"options",
        Value::List(
            option,
            {Value::Object({{"name", Str("ndots")}, {"value", Str("2")}}),
             Value::Object({{"name", Str("edns0")},
                            {"value", Value::Null(Type::String())}})})}});
}

Value HostAliases(const std::string& ip, std::vector<std::string> names) {
  return Value::List(
      ElementType("host_aliases"),
      {Value::Object({{"ip", Str(ip)}, {"hostnames", StringList(names)}})});
}

// An affinity with a node rule, a preferred node rule and a pod
// anti-affinity (tests/resources/workspace_affinity_test.cc has the rest).
Value Affinity() {
  const Value expression = Value::Object({{"key", Str("kubernetes.io/os")},
                                          {"operator", Str("In")},
                                          {"values", StringList({"linux"})}});
  const Value term =
      Value::Object({{"match_expressions", Value::Tuple({expression})}});
  const Value pod_term = Value::Object(
      {{"topology_key", Str("kubernetes.io/hostname")},
       {"label_selector",
        Value::Object({{"match_labels", StringMap({{"owner", "alice"}})}})}});
  const Value weighted = Value::Object(
      {{"weight", Value::Int(100)}, {"pod_affinity_term", pod_term}});
  return Value::Object(
      {{"node_affinity",
        Value::Object(
            {{"required_during_scheduling_ignored_during_execution",
              Value::Object({{"node_selector_term", Value::Tuple({term})}})}})},
       {"pod_anti_affinity",
        Value::Object({{"preferred_during_scheduling_ignored_during_execution",
                        Value::Tuple({weighted})}})}});
}

// Every pod option, for envbox mode (runtime_class_name) unless `sysbox`.
std::map<std::string, Value> AllOptions(bool sysbox = false) {
  std::map<std::string, Value> o = {
      {"service_account_name", Str("workspace-sa")},
      {"automount_service_account_token", Value::Bool(false)},
      {"image_pull_secrets", StringList({"mirror", "other"})},
      {"priority_class_name", Str("workspaces")},
      {"termination_grace_period", Str("2m")},
      {"dns_policy", Str("None")},
      {"dns_config", DnsConfig({"10.0.0.10"})},
      {"host_aliases", HostAliases("10.1.2.3", {"git.corp", "registry.corp"})},
      {"affinity", Affinity()},
      {"labels", StringMap({{"team", "a"}, {"tier", "dev"}})},
      {"home",
       Value::Object(
           {{"size", Str("50Gi")},
            {"labels", StringMap({{"owner", "alice"}, {"tier", "home"}})},
            {"annotations", StringMap({{"coder.com/owner", "alice"}})}})},
  };
  if (sysbox) {
    o["mode"] = Str("sysbox");
    o["image_pull_secret"] = Str("mirror");
  } else {
    o["runtime_class_name"] = Str("nvidia");
  }
  return o;
}

ClusterSettings Settings() {
  ClusterSettings s;
  s.namespace_name = "coder";
  return s;
}

RenderedWorkspace RenderConfig(const Value& config) {
  return Render(SpecFromValue(config), Settings(), std::nullopt, "{}");
}

// The diagnostics of ValidateWorkspaceConfig on `config`.
framework::Diagnostics Validate(const Value& config) {
  framework::Diagnostics diags;
  ValidateWorkspaceConfig(config, &diags);
  return diags;
}

// The (summary, path) of each error of `diags`.
std::vector<std::pair<std::string, std::string>> Errors(
    const framework::Diagnostics& diags) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const framework::Diagnostic& d : diags.items()) {
    if (d.severity != framework::Diagnostic::Severity::kError) continue;
    out.emplace_back(d.summary, d.path ? d.path->ToString() : "");
  }
  return out;
}

TEST(PodOptionsRenderTest, EnvboxPodCarriesEveryOption) {
  const RenderedWorkspace r = RenderConfig(WorkspaceConfig(AllOptions()));
  const json& spec = r.pod["spec"];
  EXPECT_EQ(spec["serviceAccountName"], "workspace-sa");
  EXPECT_EQ(spec["automountServiceAccountToken"], false);
  EXPECT_EQ(spec["imagePullSecrets"],
            json::parse(R"([{"name":"mirror"},{"name":"other"}])"));
  EXPECT_EQ(spec["priorityClassName"], "workspaces");
  EXPECT_EQ(spec["runtimeClassName"], "nvidia");
  EXPECT_EQ(spec["terminationGracePeriodSeconds"], 120);
  EXPECT_EQ(spec["dnsPolicy"], "None");
  EXPECT_EQ(spec["dnsConfig"], json::parse(R"({
      "nameservers": ["10.0.0.10"], "searches": ["corp.example.com"],
      "options": [{"name": "ndots", "value": "2"}, {"name": "edns0"}]})"));
  EXPECT_EQ(spec["hostAliases"], json::parse(R"(
      [{"ip": "10.1.2.3", "hostnames": ["git.corp", "registry.corp"]}])"));
  EXPECT_EQ(spec["affinity"]["podAntiAffinity"]
                ["preferredDuringSchedulingIgnoredDuringExecution"][0]
                ["podAffinityTerm"]["topologyKey"],
            "kubernetes.io/hostname");
  // The envbox inner pull keeps using image_pull_secret only.
  for (const json& e : spec["containers"][0]["env"]) {
    EXPECT_NE(e["name"], "CODER_IMAGE_PULL_SECRET");
  }
}

TEST(PodOptionsRenderTest, ClaimGetsHomeLabelsAndAnnotationsOursWin) {
  std::map<std::string, Value> o = AllOptions();
  o["home"] = Value::Object(
      {{"labels", StringMap({{"owner", "alice"},
                             {"tier", "home"},
                             {"cvm.coder.com/workspace", "other"}})},
       {"annotations", StringMap({{"coder.com/owner", "alice"}})}});
  const RenderedWorkspace r = RenderConfig(WorkspaceConfig(o));
  const json& meta = r.claim["metadata"];
  EXPECT_EQ(meta["labels"]["owner"], "alice");
  EXPECT_EQ(meta["labels"]["tier"], "home");  // over `labels`
  EXPECT_EQ(meta["labels"]["team"], "a");
  EXPECT_EQ(meta["labels"]["cvm.coder.com/workspace"], "dev");
  EXPECT_EQ(meta["annotations"]["coder.com/owner"], "alice");
  EXPECT_EQ(meta["annotations"][kConfigAnnotation], "{}");
  // The pod and the Secret keep the workspace's labels only.
  EXPECT_EQ(r.pod["metadata"]["labels"]["tier"], "dev");
  EXPECT_FALSE(r.pod["metadata"]["labels"].contains("owner"));
  EXPECT_FALSE(r.pod["metadata"]["annotations"].contains("coder.com/owner"));
}

TEST(PodOptionsRenderTest, SysboxMergesPullSecretsAndKeepsItsRuntimeClass) {
  const RenderedWorkspace r = RenderConfig(WorkspaceConfig(AllOptions(true)));
  const json& spec = r.pod["spec"];
  EXPECT_EQ(spec["imagePullSecrets"],
            json::parse(R"([{"name":"mirror"},{"name":"other"}])"));
  EXPECT_EQ(spec["runtimeClassName"], kDefaultRuntimeClass);
  EXPECT_EQ(spec["serviceAccountName"], "workspace-sa");
  EXPECT_EQ(spec["dnsPolicy"], "None");
}

TEST(PodOptionsRenderTest, UnsetOptionsLeaveThePodAsBefore) {
  const RenderedWorkspace r = RenderConfig(WorkspaceConfig());
  for (const char* field :
       {"serviceAccountName", "automountServiceAccountToken",
        "imagePullSecrets", "priorityClassName", "runtimeClassName",
        "terminationGracePeriodSeconds", "dnsPolicy", "dnsConfig",
        "hostAliases", "affinity"}) {
    EXPECT_FALSE(r.pod["spec"].contains(field)) << field;
  }
  EXPECT_EQ(r.claim["metadata"]["annotations"].size(), 1u);
}

TEST(PodOptionsRenderTest, DnsPolicyReplacesTheHostNetworkDefault) {
  RenderedWorkspace r =
      RenderConfig(WorkspaceConfig({{"host_network", Value::Bool(true)}}));
  EXPECT_EQ(r.pod["spec"]["dnsPolicy"], "ClusterFirstWithHostNet");
  r = RenderConfig(WorkspaceConfig(
      {{"host_network", Value::Bool(true)}, {"dns_policy", Str("Default")}}));
  EXPECT_EQ(r.pod["spec"]["dnsPolicy"], "Default");
}

TEST(PodOptionsRenderTest, EveryPodOptionChangesTheHash) {
  const std::string base = RenderConfig(WorkspaceConfig()).pod_spec_hash;
  for (const auto& [name, value] : AllOptions()) {
    if (name == "labels" || name == "home") continue;
    EXPECT_NE(RenderConfig(WorkspaceConfig({{name, value}})).pod_spec_hash,
              base)
        << name;
  }
  // The home claim's metadata is not the pod's.
  EXPECT_EQ(RenderConfig(WorkspaceConfig({{"home", AllOptions()["home"]}}))
                .pod_spec_hash,
            base);
}

TEST(PodOptionsValidateTest, AllOptionsAreValid) {
  EXPECT_THAT(Errors(Validate(WorkspaceConfig(AllOptions()))), IsEmpty());
  EXPECT_THAT(Errors(Validate(WorkspaceConfig(AllOptions(true)))), IsEmpty());
}

TEST(PodOptionsValidateTest, RuntimeClassIsForEnvboxMode) {
  std::map<std::string, Value> o = AllOptions(true);
  o["runtime_class_name"] = Str("nvidia");
  const framework::Diagnostics diags = Validate(WorkspaceConfig(o));
  EXPECT_THAT(Errors(diags),
              ElementsAre(std::pair<std::string, std::string>(
                  "Not Supported in sysbox Mode", "runtime_class_name")));
  EXPECT_THAT(diags.items()[0].detail, HasSubstr("runtime_class"));
}

TEST(PodOptionsValidateTest, GracePeriodIsWholeSeconds) {
  for (const char* bad : {"1.5s", "500ms"}) {
    EXPECT_THAT(
        Errors(Validate(
            WorkspaceConfig({{"termination_grace_period", Str(bad)}}))),
        ElementsAre(std::pair<std::string, std::string>(
            "Invalid Termination Grace Period", "termination_grace_period")))
        << bad;
  }
  EXPECT_THAT(Errors(Validate(
                  WorkspaceConfig({{"termination_grace_period", Str("0s")}}))),
              IsEmpty());
}

TEST(PodOptionsValidateTest, DnsRules) {
  EXPECT_THAT(Errors(Validate(WorkspaceConfig({{"dns_policy", Str("None")}}))),
              ElementsAre(std::pair<std::string, std::string>(
                  "DNS Policy None Needs Name Servers", "dns_policy")));
  const auto errors = Errors(Validate(WorkspaceConfig(
      {{"dns_config",
        DnsConfig({"10.0.0.1", "10.0.0.2", "10.0.0.3", "dns.corp"})}})));
  EXPECT_THAT(
      errors,
      ElementsAre(std::pair<std::string, std::string>("Too Many Name Servers",
                                                      "dns_config.nameservers"),
                  std::pair<std::string, std::string>(
                      "Invalid Name Server", "dns_config.nameservers[3]")));
}

TEST(PodOptionsValidateTest, HostAliasesAndPullSecrets) {
  EXPECT_THAT(
      Errors(Validate(WorkspaceConfig(
          {{"host_aliases", HostAliases("git.corp", {})},
           {"image_pull_secrets", StringList({"a", "b", "a"})}}))),
      ElementsAre(
          std::pair<std::string, std::string>("Duplicate Image Pull Secret",
                                              "image_pull_secrets[2]"),
          std::pair<std::string, std::string>("Invalid Host Alias Address",
                                              "host_aliases[0].ip"),
          std::pair<std::string, std::string>("Host Alias Without Host Names",
                                              "host_aliases[0].hostnames")));
}

TEST(PodOptionsValidateTest, TheConfigAnnotationIsReserved) {
  const auto errors = Errors(Validate(WorkspaceConfig(
      {{"home", Value::Object({{"annotations",
                                StringMap({{kConfigAnnotation, "x"}})}})}})));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].first, "Reserved Annotation");
}

class PodOptionsResourceTest : public WorkspaceTest {};

TEST_F(PodOptionsResourceTest, AttributeValidatorsNameTheAttribute) {
  const framework::Diagnostics diags = env_.server.ValidateResourceConfig(
      kWorkspaceType,
      WorkspaceConfig({{"dns_policy", Str("Cluster")},
                       {"termination_grace_period", Str("-10s")},
                       {"service_account_name", Str("Not_A_Name")},
                       {"image_pull_secrets", StringList({"ok", "Bad!"})}}));
  std::vector<std::string> paths;
  for (const auto& [summary, path] : Errors(diags)) paths.push_back(path);
  EXPECT_THAT(paths, ::testing::UnorderedElementsAre(
                         "dns_policy", "termination_grace_period",
                         "service_account_name", "image_pull_secrets"));
}

TEST_F(PodOptionsResourceTest, ApplyPlanEmptyDriftAndImport) {
  const Value config = WorkspaceConfig(AllOptions());
  const Value state = Create(config);
  const json pod = *env_.api->Find(kPodPath);
  EXPECT_EQ(pod["spec"]["serviceAccountName"], "workspace-sa");
  EXPECT_EQ(pod["spec"]["runtimeClassName"], "nvidia");
  EXPECT_EQ(pod["spec"]["affinity"],
            RenderConfig(config).pod["spec"]["affinity"]);
  const json claim = *env_.api->Find(kClaimPath);
  EXPECT_EQ(claim["metadata"]["labels"]["owner"], "alice");
  EXPECT_EQ(claim["metadata"]["annotations"]["coder.com/owner"], "alice");

  // Refresh and plan: nothing to do; import restores every option.
  ExpectStableAndImportable(state, config);

  // A claim label edited by hand shows as drift of home.labels.
  json edited = claim;
  edited["metadata"]["labels"]["owner"] = "bob";
  env_.api->Put(edited);
  framework::Server::ReadResult read = Read(state);
  EXPECT_EQ(
      framework::StringMapAttr(Attr(read.new_state, "home"), "labels"),
      (std::map<std::string, std::string>{{"owner", "bob"}, {"tier", "home"}}));
}

TEST_F(PodOptionsResourceTest, HomeMetadataChangesInPlacePodOptionsRecreate) {
  const Value state = Create(WorkspaceConfig(AllOptions()));
  std::map<std::string, Value> o = AllOptions();
  o["home"] = Value::Object(
      {{"size", Str("50Gi")},
       {"labels", StringMap({{"owner", "carol"}})},
       {"annotations", StringMap({{"coder.com/owner", "carol"}})}});
  framework::Server::PlanResult plan = PlanUpdate(state, WorkspaceConfig(o));
  EXPECT_EQ(FindDiagnostic(plan.diagnostics, "Workspace Pod Will Be Recreated"),
            nullptr)
      << Describe(plan.diagnostics);
  EXPECT_EQ(StringAttr(plan.planned_state, "pod_spec_hash"),
            StringAttr(state, "pod_spec_hash"));
  const Value updated = Update(state, WorkspaceConfig(o));
  const json claim = *env_.api->Find(kClaimPath);
  EXPECT_EQ(claim["metadata"]["labels"]["owner"], "carol");
  // home.labels no longer sets tier: `labels` does again.
  EXPECT_EQ(claim["metadata"]["labels"]["tier"], "dev");
  EXPECT_EQ(claim["metadata"]["annotations"]["coder.com/owner"], "carol");

  o["service_account_name"] = Str("other-sa");
  plan = PlanUpdate(updated, WorkspaceConfig(o));
  const framework::Diagnostic* d =
      FindDiagnostic(plan.diagnostics, "Workspace Pod Will Be Recreated");
  ASSERT_NE(d, nullptr) << Describe(plan.diagnostics);
  EXPECT_THAT(d->detail, HasSubstr("service_account_name"));
}

TEST_F(PodOptionsResourceTest, TheManifestRendersTheSamePod) {
  std::map<std::string, Value> o = AllOptions();
  const Value state = Create(WorkspaceConfig(o));
  std::map<std::string, Value> attrs;
  const Value resource_config = WorkspaceConfig(o);
  for (const schema::Attribute& a :
       WorkspaceManifestSchema().block.attributes) {
    if (!a.computed || a.optional) {
      const Value& v = Attr(resource_config, a.name);
      if (WorkspaceResourceSchema().block.FindAttribute(a.name) &&
          a.name != "agent_token") {
        attrs[a.name] = v;
      }
    }
  }
  for (const schema::NestedBlock& b :
       WorkspaceManifestSchema().block.block_types) {
    if (WorkspaceResourceSchema().block.FindBlock(b.type_name) &&
        b.type_name != "timeouts") {
      attrs[b.type_name] = Attr(resource_config, b.type_name);
    }
  }
  const framework::Server::DataResult result = env_.server.ReadDataSource(
      "cvm_workspace_manifest",
      schema::Conform(WorkspaceManifestSchema().block,
                      Value::Object(std::move(attrs))));
  ASSERT_FALSE(result.diagnostics.HasError()) << Describe(result.diagnostics);
  const auto objects = framework::StringListAttr(result.state, "objects");
  ASSERT_TRUE(objects.has_value());
  const json manifest_pod = json::parse((*objects)[0]);
  const json live_pod = *env_.api->Find(kPodPath);
  for (const char* field :
       {"serviceAccountName", "automountServiceAccountToken",
        "imagePullSecrets", "priorityClassName", "runtimeClassName",
        "terminationGracePeriodSeconds", "dnsPolicy", "dnsConfig",
        "hostAliases", "affinity"}) {
    EXPECT_EQ(manifest_pod["spec"][field], live_pod["spec"][field]) << field;
  }
  const json manifest_claim = json::parse((*objects)[1]);
  EXPECT_EQ(manifest_claim["metadata"]["labels"]["owner"], "alice");
  EXPECT_EQ(manifest_claim["metadata"]["annotations"]["coder.com/owner"],
            "alice");
}

}  // namespace
}  // namespace cvm::resources
