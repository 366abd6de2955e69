// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// pod_overrides of cvm_workspace (workspace_overrides.cc): the merge into
// the rendered pod (adds only), the rules that keep the provider's
// invariants, and plan (warning, dry run), apply and import through
// framework::Server.

#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "provider/resources/workspace_internal.h"
#include "provider/framework/value_access.h"
#include "provider/resources/workspace_model.h"
#include "provider/resources/workspace_schema.h"
#include "tests/resources/workspace_test_env.h"

namespace cvm::resources {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using values::Value;
using workspace_internal::ApplyPodOverrides;

Value Str(const std::string& s) { return Value::String(s); }

const json kSidecar = json::parse(R"({"spec": {
  "initContainers": [{"name": "setup", "image": "busybox:1.36",
                      "command": ["sh", "-c", "echo ready"]}],
  "containers": [
    {"name": "dev", "ports": [{"containerPort": 8080}]},
    {"name": "proxy", "image": "envoyproxy/envoy:v1.31.0"}],
  "tolerations": [{"key": "workspaces", "operator": "Exists"}]},
  "metadata": {"labels": {"team": "infra"}}})");

Value Config(const json& overrides, std::map<std::string, Value> extra = {}) {
  extra["pod_overrides"] = Str(overrides.dump());
  return WorkspaceConfig(std::move(extra));
}

RenderedWorkspace RenderConfig(const Value& config) {
  ClusterSettings settings;
  settings.namespace_name = "coder";
  settings.runtime_class_name = "sysbox-runc";
  return Render(SpecFromValue(config), settings, std::nullopt, "{}");
}

TEST(PodOverridesMergeTest, AddsContainersFieldsAndListElements) {
  const RenderedWorkspace plain = RenderConfig(WorkspaceConfig());
  const RenderedWorkspace r = RenderConfig(Config(kSidecar));
  ASSERT_TRUE(r.overrides_status.ok()) << r.overrides_status;
  const json& spec = r.pod["spec"];
  EXPECT_EQ(NamedEntry(spec["initContainers"], "setup")["image"], "busybox:1.36");
  EXPECT_EQ(NamedEntry(spec["containers"], "proxy")["image"],
            "envoyproxy/envoy:v1.31.0");
  const json dev = NamedEntry(spec["containers"], "dev");
  EXPECT_EQ(dev["ports"], json::parse(R"([{"containerPort": 8080}])"));
  // What the provider rendered is all still there.
  json without_ports = dev;
  without_ports.erase("ports");
  EXPECT_EQ(without_ports, NamedEntry(plain.pod["spec"]["containers"], "dev"));
  EXPECT_EQ(spec["tolerations"].size(), 1u);
  EXPECT_EQ(r.pod["metadata"]["labels"]["team"], "infra");
  EXPECT_EQ(r.pod["metadata"]["labels"]["cvm.coder.com/workspace"], "dev");
  EXPECT_THAT(r.overrides_added,
              ElementsAre("metadata.labels.team",
                          "spec.containers[name=dev].ports",
                          "spec.containers[name=proxy]",
                          "spec.initContainers", "spec.tolerations"));
  EXPECT_NE(r.pod_spec_hash, plain.pod_spec_hash);
}

TEST(PodOverridesMergeTest, AppendsToRenderedListsAndAcceptsEqualValues) {
  json pod = json::parse(R"({"spec": {"containers": [{"name": "dev",
      "image": "a", "volumeMounts": [{"name": "home", "mountPath": "/h"}]}],
      "tolerations": [{"key": "a"}]}})");
  const json over = json::parse(R"({"spec": {"containers": [{"name": "dev",
      "image": "a", "volumeMounts": [{"name": "x", "mountPath": "/x"}]}],
      "tolerations": [{"key": "b"}]}})");
  absl::StatusOr<std::vector<std::string>> added =
      ApplyPodOverrides(over, false, &pod);
  ASSERT_TRUE(added.ok()) << added.status();
  EXPECT_THAT(*added,
              ElementsAre("spec.containers[name=dev].volumeMounts[mountPath=/x]",
                          "spec.tolerations[+]"));
  EXPECT_EQ(pod["spec"]["containers"][0]["volumeMounts"].size(), 2u);
  EXPECT_EQ(pod["spec"]["tolerations"].size(), 2u);
}

// The error of merging `over` into the pod of `config` ("" when none).
std::string MergeError(const json& over, std::map<std::string, Value> extra = {}) {
  return std::string(
      RenderConfig(Config(over, std::move(extra))).overrides_status.message());
}

TEST(PodOverridesMergeTest, NeverChangesWhatTheProviderRenders) {
  EXPECT_THAT(MergeError(json::parse(R"({"spec": {"containers": [
                  {"name": "dev", "securityContext": {"privileged": false}}]}})")),
              HasSubstr("would change "
                        "spec.containers[name=dev].securityContext.privileged "
                        "from true to false"));
  EXPECT_THAT(MergeError(json::parse(R"({"spec": {"restartPolicy": "Always"}})")),
              HasSubstr("would change spec.restartPolicy"));
  EXPECT_THAT(
      MergeError(json::parse(
          R"({"metadata": {"labels": {"app.kubernetes.io/managed-by": "me"}}})")),
      HasSubstr("would change metadata.labels.app.kubernetes.io/managed-by"));
  EXPECT_THAT(MergeError(json::parse(R"({"spec": {"containers": [
                  {"name": "dev", "command": ["/bin/sh"]}]}})")),
              HasSubstr("would change spec.containers[name=dev].command"));
  EXPECT_THAT(MergeError(json::parse(R"({"spec": {"volumes": null}})")),
              HasSubstr("spec.volumes is null"));
}

TEST(PodOverridesMergeTest, KeepsTheInvariants) {
  EXPECT_THAT(MergeError(json::parse(R"({"spec": {"volumes": [{"name": "h",
                  "hostPath": {"path": "/var/lib/docker"}}]}})")),
              HasSubstr("cannot add hostPath volumes"));
  EXPECT_THAT(MergeError(json::parse(R"({"spec": {"containers": [
                  {"name": "dev", "env": [{"name": "A", "value": "b"}]}]}})")),
              HasSubstr("environment of container dev"));
  EXPECT_THAT(MergeError(json::parse(R"({"spec": {"containers": [
                  {"name": "side", "image": "x", "env": [
                    {"name": "CODER_AGENT_TOKEN", "value": "t"}]}]}})")),
              HasSubstr("cannot give CODER_AGENT_TOKEN a value"));
  EXPECT_THAT(MergeError(json::parse(
                  R"({"metadata": {"annotations": {"cvm.coder.com/x": "1"}}})")),
              HasSubstr("the cvm.coder.com/ prefix is the provider's own"));
  EXPECT_THAT(MergeError(json::parse(R"({"kind": "Deployment"})")),
              HasSubstr("metadata and spec only"));
  const std::map<std::string, Value> sysbox = {{"mode", Str("sysbox")}};
  EXPECT_THAT(MergeError(json::parse(R"({"spec": {"hostNetwork": true}})"),
                         sysbox),
              HasSubstr("cannot set spec.hostNetwork in sysbox mode"));
  EXPECT_THAT(MergeError(json::parse(R"({"spec": {"initContainers": [
                  {"name": "x", "image": "x",
                   "securityContext": {"privileged": true}}]}})"),
                         sysbox),
              HasSubstr("cannot make container x privileged in sysbox mode"));
  // envbox's pod is privileged already: a privileged sidecar is allowed.
  EXPECT_EQ(MergeError(json::parse(R"({"spec": {"containers": [
                {"name": "x", "image": "x",
                 "securityContext": {"privileged": true}}]}})")),
            "");
}

class PodOverridesResourceTest : public WorkspaceTest {
 protected:
  // The detail of "Pod Overrides Rejected" when the dry run of a sidecar
  // with a misspelt field (imagePulPolicy) gets `reply`; "" without one.
  std::string RejectionOfMisspeltField(testing::Reply reply) {
    env_.api->PushReply("PATCH",
                        "/api/v1/namespaces/coder/pods/dev-cvm-dry-run",
                        std::move(reply));
    const framework::Server::PlanResult plan =
        PlanCreate(Config(json::parse(R"({"spec": {"containers": [
            {"name": "proxy", "image": "x", "imagePulPolicy": "Always"}]}})")));
    const framework::Diagnostic* error =
        FindDiagnostic(plan.diagnostics, "Pod Overrides Rejected");
    return error == nullptr ? "" : error->detail;
  }
};

TEST_F(PodOverridesResourceTest, ValidateNamesTheAttribute) {
  for (const std::string& text :
       {std::string("not json"), std::string(R"({"status": {}})")}) {
    Value config = WorkspaceConfig({{"pod_overrides", Str(text)}});
    const framework::Diagnostics diags =
        env_.server.ValidateResourceConfig(kWorkspaceType, config);
    ASSERT_TRUE(diags.HasError()) << text;
    EXPECT_EQ(diags.items()[0].path->ToString(), "pod_overrides")
        << Describe(diags);
  }
}

TEST_F(PodOverridesResourceTest, PlanWarnsWithWhatItAddsAndChecksByDryRun) {
  const framework::Server::PlanResult plan = PlanCreate(Config(kSidecar));
  ASSERT_FALSE(plan.diagnostics.HasError()) << Describe(plan.diagnostics);
  const framework::Diagnostic* warning =
      FindDiagnostic(plan.diagnostics, "Pod Overrides Add to the Pod");
  ASSERT_NE(warning, nullptr) << Describe(plan.diagnostics);
  EXPECT_THAT(warning->detail, HasSubstr("spec.containers[name=proxy]"));
  // The dry run went to another name and stored nothing.
  EXPECT_THAT(env_.api->log(),
              ::testing::Contains(HasSubstr(
                  "PATCH /api/v1/namespaces/coder/pods/dev-cvm-dry-run?")));
  EXPECT_FALSE(
      env_.api->Find("/api/v1/namespaces/coder/pods/dev-cvm-dry-run"));
}

TEST_F(PodOverridesResourceTest, APodTheServerRejectsFailsThePlan) {
  testing::Reply rejected;
  rejected.status = 422;
  rejected.body = json({{"kind", "Status"},
                        {"apiVersion", "v1"},
                        {"status", "Failure"},
                        {"reason", "Invalid"},
                        {"code", 422},
                        {"message",
                         "Pod \"dev-cvm-dry-run\" is invalid: "
                         "spec.containers[1].image: Required value"}})
                      .dump();
  env_.api->PushReply("PATCH", "/api/v1/namespaces/coder/pods/dev-cvm-dry-run",
                      rejected);
  const framework::Server::PlanResult plan = PlanCreate(Config(json::parse(
      R"({"spec": {"containers": [{"name": "proxy"}]}})")));
  const framework::Diagnostic* error =
      FindDiagnostic(plan.diagnostics, "Pod Overrides Rejected");
  ASSERT_NE(error, nullptr) << Describe(plan.diagnostics);
  EXPECT_EQ(error->path->ToString(), "pod_overrides");
  EXPECT_THAT(error->detail, HasSubstr("spec.containers[1].image: Required"));
}

TEST_F(PodOverridesResourceTest, AFieldTheServerDropsFailsThePlan) {
  testing::Reply dropped;
  dropped.body = json::parse(R"({"apiVersion": "v1", "kind": "Pod",
      "metadata": {"name": "dev-cvm-dry-run", "namespace": "coder"},
      "spec": {"containers": [{"name": "dev"},
                              {"name": "proxy", "image": "x"}]}})")
                     .dump();
  EXPECT_THAT(RejectionOfMisspeltField(dropped),
              HasSubstr("dropped spec.containers[name=proxy].imagePulPolicy"));
}

// Kubernetes 1.20's answer to a server-side apply with an unknown field.
TEST_F(PodOverridesResourceTest, AFieldNotInTheSchemaFailsThePlan) {
  EXPECT_THAT(RejectionOfMisspeltField(testing::Reply::Status(
                  500, "",
                  "failed to create typed patch object: "
                  ".spec.containers[name=\"proxy\"].imagePulPolicy: "
                  "field not declared in schema")),
              HasSubstr("imagePulPolicy: field not declared"));
}

TEST(PodOverridesDroppedTest, KeysOnlyMatchedByMergeKey) {
  const json over = json::parse(R"({"metadata": {"labels": {"a": "1"}},
      "spec": {"containers": [{"name": "x", "resources": {"limits":
        {"cpu": "1000m"}}, "typo": 1}], "tolerations": [{"key": "k"}]}})");
  const json returned = json::parse(R"({"metadata": {"labels": {"a": "1"}},
      "spec": {"containers": [{"name": "y"}, {"name": "x", "resources":
        {"limits": {"cpu": "1"}}}], "tolerations": []}})");
  EXPECT_THAT(workspace_internal::DroppedOverrideFields(over, returned),
              ElementsAre("spec.containers[name=x].typo"));
}

TEST_F(PodOverridesResourceTest, AConflictFailsThePlanNamingTheField) {
  const framework::Server::PlanResult plan = PlanCreate(
      Config(json::parse(R"({"spec": {"restartPolicy": "Always"}})")));
  const framework::Diagnostic* error =
      FindDiagnostic(plan.diagnostics, "Invalid Pod Overrides");
  ASSERT_NE(error, nullptr) << Describe(plan.diagnostics);
  EXPECT_THAT(error->detail, HasSubstr("spec.restartPolicy"));
}

TEST_F(PodOverridesResourceTest, ApplyPlanEmptyAndImport) {
  const Value config = Config(kSidecar);
  const Value state = Create(config);
  const json pod = *env_.api->Find(kPodPath);
  EXPECT_FALSE(NamedEntry(pod["spec"]["containers"], "proxy").is_null());
  EXPECT_EQ(pod["metadata"]["labels"]["team"], "infra");

  ExpectStableAndImportable(state, config);
}

// The manifest data source renders pod_overrides and volumes as the
// resource applies them: the same containers, init containers, volumes
// and labels.
TEST_F(PodOverridesResourceTest, TheManifestRendersWhatApplyApplies) {
  const json volume_override = json::parse(
      R"({"spec": {"containers": [{"name": "proxy", "image": "envoy:1"}]}})");
  const Value volumes = Value::Tuple({Value::Object(
      {{"name", Str("ca")},
       {"target", Str("/etc/ca")},
       {"secret", Value::Object({{"name", Str("corp-ca")}})}})});
  Create(Config(volume_override, {{"volume", volumes}}));
  const json applied = *env_.api->Find(kPodPath);

  std::map<std::string, Value> attrs = {
      {"name", Str("dev")},
      {"namespace", Str("coder")},
      {"inner_image", Str("docker.io/codercom/enterprise-base:ubuntu")},
      {"cpu", Value::Object({{"limit", Str("2")}})},
      {"memory", Value::Object({{"limit", Str("4Gi")}})},
      {"pod_overrides", Str(volume_override.dump())},
      {"volume", volumes}};
  const framework::Server::DataResult manifest = env_.server.ReadDataSource(
      "cvm_workspace_manifest",
      schema::Conform(WorkspaceManifestSchema().block,
                      Value::Object(std::move(attrs))));
  ASSERT_FALSE(manifest.diagnostics.HasError())
      << Describe(manifest.diagnostics);
  const std::optional<std::vector<std::string>> objects =
      framework::StringListAttr(manifest.state, "objects");
  ASSERT_TRUE(objects && !objects->empty());
  const json rendered = json::parse((*objects)[0]);
  for (const char* field : {"containers", "initContainers", "volumes"}) {
    EXPECT_EQ(rendered["spec"].value(field, json()),
              applied["spec"].value(field, json()))
        << field;
  }
  EXPECT_EQ(rendered["metadata"]["labels"], applied["metadata"]["labels"]);
  EXPECT_FALSE(NamedEntry(rendered["spec"]["containers"], "proxy").is_null());
}

}  // namespace
}  // namespace cvm::resources
