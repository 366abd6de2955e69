// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// CheckAgainstCluster: the plan-time checks of cvm_cluster_settings that
// need cluster facts. The end-to-end tests (tests/e2e/cluster_settings_test.py)
// run them against the real 1.20 API server; the rules that server cannot
// produce (Kubernetes older than 1.18) are covered here. Also the pure
// pieces the resource's files share (cluster_settings_internal.h): the
// Terraform values, the manifests, the private-state codec and the listings.

#include "provider/resources/cluster_settings.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"
#include "provider/framework/value_access.h"
#include "provider/resources/cluster_settings_internal.h"
#include "provider/resources/host_paths.h"
#include "tests/testing/fake_api_server.h"
#include "tests/testing/fake_clock.h"

namespace cvm::resources {
namespace {

using framework::Diagnostic;
using framework::Diagnostics;
using ::testing::HasSubstr;
using values::Path;

ClusterFacts Facts(int major, int minor, std::string git_version) {
  ClusterFacts f;
  f.major = major;
  f.minor = minor;
  f.kubernetes_version = std::move(git_version);
  f.sysbox_ready_nodes = 2;
  return f;
}

ClusterFacts Current() { return Facts(1, 29, "v1.29.4"); }

absl::StatusOr<nlohmann::json> NoRuntimeClass() {
  return absl::NotFoundError("runtimeclasses \"sysbox-runc\" not found");
}

absl::StatusOr<nlohmann::json> RuntimeClass(const std::string& handler) {
  return nlohmann::json{{"apiVersion", "node.k8s.io/v1"},
                        {"kind", "RuntimeClass"},
                        {"metadata", {{"name", "sysbox-runc"}}},
                        {"handler", handler}};
}

Diagnostics Check(const ClusterSettings& s, const ClusterFacts& facts,
                  const absl::StatusOr<nlohmann::json>& rc = NoRuntimeClass(),
                  bool sysbox_wanted = false, bool owns = false) {
  Diagnostics d;
  CheckAgainstCluster(s, facts, rc, sysbox_wanted, owns, &d);
  return d;
}

TEST(CheckAgainstClusterTest, DefaultsOnACurrentClusterPass) {
  Diagnostics d = Check(ClusterSettings{}, Current());
  EXPECT_TRUE(d.empty()) << d.ToString();
}

TEST(CheckAgainstClusterTest, KubernetesOlderThan118IsAnError) {
  for (const auto& [major, minor, version] :
       std::vector<std::tuple<int, int, std::string>>{
           {1, 17, "v1.17.17"}, {1, 16, "v1.16.15-gke.1"}, {1, 9, "v1.9.0"}}) {
    SCOPED_TRACE(version);
    Diagnostics d = Check(ClusterSettings{}, Facts(major, minor, version));
    ASSERT_EQ(d.size(), 1u) << d.ToString();
    const Diagnostic& diag = d.items()[0];
    EXPECT_EQ(diag.severity, Diagnostic::Severity::kError);
    EXPECT_EQ(diag.summary, "Kubernetes Version Not Supported");
    EXPECT_THAT(diag.detail, HasSubstr(version));
    EXPECT_THAT(diag.detail, HasSubstr("1.18 or newer"));
  }
}

TEST(CheckAgainstClusterTest, Kubernetes118AndNewerPass) {
  for (const auto& [minor, version] : std::vector<std::pair<int, std::string>>{
           {18, "v1.18.0"}, {20, "v1.20.2"}, {27, "v1.27.9-eks-8cb36c9"}}) {
    SCOPED_TRACE(version);
    EXPECT_TRUE(Check(ClusterSettings{}, Facts(1, minor, version)).empty());
  }
  EXPECT_TRUE(Check(ClusterSettings{}, Facts(2, 0, "v2.0.0")).empty());
}

TEST(CheckAgainstClusterTest, NvidiaOnACloudIsAnErrorOnGpuVendor) {
  ClusterSettings s;
  s.gpu_vendor = "nvidia";
  ClusterFacts aws = Current();
  aws.platform = "aws";
  Diagnostics d = Check(s, aws);
  ASSERT_EQ(d.size(), 1u) << d.ToString();
  EXPECT_EQ(d.items()[0].severity, Diagnostic::Severity::kError);
  EXPECT_EQ(d.items()[0].path, Path::FromAttr("gpu_vendor"));
  EXPECT_THAT(d.items()[0].detail, HasSubstr("\"aws\""));
  // Bare metal is fine.
  EXPECT_TRUE(Check(s, Current()).empty());
}

TEST(CheckAgainstClusterTest, FactWarningsBecomeWarnings) {
  ClusterFacts f = Current();
  f.warnings = {"Nodes n1 run an SELinux-family OS image; ..."};
  Diagnostics d = Check(ClusterSettings{}, f);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d.items()[0].severity, Diagnostic::Severity::kWarning);
  EXPECT_EQ(d.items()[0].detail, f.warnings[0]);
}

TEST(CheckAgainstClusterTest, ExistingRuntimeClassWithAnotherHandler) {
  ClusterSettings s;
  // Only checked (manage = false): an error on runtime_class.handler.
  Diagnostics d = Check(s, Current(), RuntimeClass("runc"));
  ASSERT_EQ(d.size(), 1u) << d.ToString();
  EXPECT_EQ(d.items()[0].severity, Diagnostic::Severity::kError);
  EXPECT_EQ(d.items()[0].path, Path::FromAttr("runtime_class").Attr("handler"));
  EXPECT_THAT(d.items()[0].detail,
              HasSubstr("exists with handler \"runc\", not \"sysbox-runc\""));
  // Managed but someone else's: the handler is immutable, also an error.
  s.manage_runtime_class = true;
  d = Check(s, Current(), RuntimeClass("runc"));
  ASSERT_EQ(d.size(), 1u) << d.ToString();
  EXPECT_THAT(d.items()[0].detail, HasSubstr("cannot be changed"));
  // Managed and ours: apply replaces it, no diagnostic.
  EXPECT_TRUE(Check(s, Current(), RuntimeClass("runc"), false, true).empty());
  // The same handler is fine either way.
  s.manage_runtime_class = false;
  EXPECT_TRUE(Check(s, Current(), RuntimeClass("sysbox-runc")).empty());
}

TEST(CheckAgainstClusterTest, MissingRuntimeClassWarnsOnlyWhenConfigured) {
  ClusterSettings s;
  EXPECT_TRUE(
      Check(s, Current(), NoRuntimeClass(), /*sysbox_wanted=*/false).empty());
  Diagnostics d = Check(s, Current(), NoRuntimeClass(), /*sysbox_wanted=*/true);
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d.items()[0].severity, Diagnostic::Severity::kWarning);
  EXPECT_EQ(d.items()[0].path, Path::FromAttr("runtime_class"));
  // A managed one is created by apply: nothing to say.
  s.manage_runtime_class = true;
  EXPECT_TRUE(Check(s, Current(), NoRuntimeClass(), true).empty());
}

namespace internal = cluster_settings_internal;
using framework::Attr;
using framework::BoolAttr;
using framework::StringAttr;
using ::testing::ElementsAre;
using values::Type;
using values::Value;

// A resource object (config, plan or state) with `attrs`, the rest null.
Value Object(std::map<std::string, Value> attrs) {
  return schema::Conform(internal::ResourceSchema().block,
                         Value::Object(std::move(attrs)));
}

TEST(OwnershipTest, RoundTripsAndOwnsNothingWhenUnreadable) {
  internal::Ownership o;
  o.created_runtime_class = true;
  const internal::Ownership back = internal::Ownership::Parse(o.Serialize());
  EXPECT_FALSE(back.created_namespace);
  EXPECT_TRUE(back.created_runtime_class);
  for (const char* text : {"", "not json", "[true]", "{\"x\": 1}"}) {
    SCOPED_TRACE(text);
    const internal::Ownership none = internal::Ownership::Parse(text);
    EXPECT_FALSE(none.created_namespace);
    EXPECT_FALSE(none.created_runtime_class);
  }
}

TEST(PodSecurityFromLabelsTest, ReadsTheFirstLabelThatDiffers) {
  const nlohmann::json all = {{kPodSecurityEnforce, "baseline"},
                              {kPodSecurityWarn, "baseline"},
                              {kPodSecurityAudit, "baseline"}};
  EXPECT_EQ(internal::PodSecurityFromLabels(all, "baseline"),
            Value::String("baseline"));
  nlohmann::json warn = all;
  warn[kPodSecurityWarn] = "restricted";
  EXPECT_EQ(internal::PodSecurityFromLabels(warn, "baseline"),
            Value::String("restricted"));
  nlohmann::json missing = all;
  missing.erase(kPodSecurityAudit);
  EXPECT_EQ(internal::PodSecurityFromLabels(missing, "baseline"),
            Value::Null(Type::String()));
}

TEST(ManifestTest, NamespaceCarriesTheLevelInAllThreeLabels) {
  ClusterSettings s;
  s.namespace_name = "coder";
  s.pod_security = "baseline";
  const nlohmann::json ns = internal::NamespaceManifest(s);
  EXPECT_EQ(ns["metadata"]["name"], "coder");
  EXPECT_EQ(ns["metadata"]["labels"][kPodSecurityEnforce], "baseline");
  EXPECT_EQ(ns["metadata"]["labels"][kPodSecurityWarn], "baseline");
  EXPECT_EQ(ns["metadata"]["labels"][kPodSecurityAudit], "baseline");
  EXPECT_FALSE(internal::BareNamespace("coder")["metadata"].contains("labels"));
}

TEST(ManifestTest, RuntimeClassSchedulesOnlyWithASelector) {
  ClusterSettings s;
  nlohmann::json rc = internal::RuntimeClassManifest(s);
  EXPECT_EQ(rc["handler"], kDefaultRuntimeClass);
  EXPECT_EQ(rc["scheduling"]["nodeSelector"]["sysbox-runtime"], "running");
  EXPECT_EQ(rc["metadata"]["labels"][kManagedByLabel], kManagedByValue);
  s.runtime_class_node_selector.clear();
  rc = internal::RuntimeClassManifest(s);
  EXPECT_FALSE(rc.contains("scheduling"));
}

TEST(ValuesTest, SettingsRoundTripThroughWithSettings) {
  ClusterSettings s;
  s.namespace_name = "coder";
  s.caching = true;
  s.gpu_vendor = "nvidia";
  s.runtime_class_name = "sysbox-two";
  const Value v = internal::WithSettings(s, Object({}), false);
  EXPECT_EQ(StringAttr(v, "id"), "coder");
  EXPECT_EQ(Attr(v, "host_path_mounts"), HostPathsValue(s.HostPaths()));
  EXPECT_EQ(SettingsFromValue(v), s);
}

TEST(ValuesTest, DefaultRuntimeClassIsWrittenOnlyWhenKept) {
  ClusterSettings s;
  s.namespace_name = "coder";
  EXPECT_TRUE(
      Attr(internal::WithSettings(s, Object({}), false), "runtime_class")
          .IsNull());
  EXPECT_EQ(StringAttr(Attr(internal::WithSettings(s, Object({}), true),
                            "runtime_class"),
                       "handler"),
            kDefaultRuntimeClass);
}

TEST(ValuesTest, FillUnknownFactsKeepsKnownOnes) {
  ClusterFacts facts;
  facts.kubernetes_version = "v1.29.4";
  facts.platform = "aws";
  const Value object =
      Object({{"kubernetes_version", Value::Unknown(Type::String())},
              {"platform", Value::String(std::string(kBareMetal))},
              {"sysbox_ready_nodes", Value::Unknown(Type::Number())},
              {"warnings", Value::Unknown(Type::List(Type::String()))}});
  const Value filled = internal::FillUnknownFacts(facts, object);
  EXPECT_EQ(StringAttr(filled, "kubernetes_version"), "v1.29.4");
  EXPECT_EQ(StringAttr(filled, "platform"), kBareMetal);
  EXPECT_EQ(framework::IntAttr(filled, "sysbox_ready_nodes"), 0);
  EXPECT_EQ(StringAttr(internal::FactsValue(facts, object), "platform"), "aws");
}

TEST(ValuesTest, WithStoredSettingsNullsTheSettingsOfAMissingConfigMap) {
  const Value state = Object({{"namespace", Value::String("coder")},
                              {"caching", Value::Bool(true)},
                              {"tun", Value::Bool(true)},
                              {"pod_security", Value::String("baseline")}});
  const Value gone =
      internal::WithStoredSettings(absl::NotFoundError(""), "coder", state);
  EXPECT_TRUE(Attr(gone, "caching").IsNull());
  EXPECT_TRUE(Attr(gone, "tun").IsNull());
  EXPECT_EQ(StringAttr(gone, "pod_security"), "baseline");  // not stored
  ClusterSettings stored;
  stored.fuse = true;
  const Value read = internal::WithStoredSettings(stored, "coder", state);
  EXPECT_EQ(StringAttr(read, "id"), "coder");
  EXPECT_EQ(BoolAttr(read, "caching"), false);
  EXPECT_EQ(BoolAttr(read, "fuse"), true);
  EXPECT_EQ(BoolAttr(read, "force_destroy"), false);
  EXPECT_TRUE(Attr(read, "runtime_class").IsNull());
}

TEST(ValuesTest, WorkspacesSeeChangesOfPodShapingSettingsOnly) {
  const Value prior = Object(
      {{"caching", Value::Bool(false)}, {"force_destroy", Value::Bool(false)}});
  EXPECT_FALSE(internal::WorkspacesSeeChange(prior, prior));
  EXPECT_FALSE(internal::WorkspacesSeeChange(
      prior, prior.WithAttr("force_destroy", Value::Bool(true))));
  EXPECT_TRUE(internal::WorkspacesSeeChange(
      prior, prior.WithAttr("caching", Value::Bool(true))));
  EXPECT_TRUE(internal::WorkspacesSeeChange(
      prior, prior.WithAttr("caching", Value::Unknown(Type::Bool()))));
}

class ListingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    kube::RestConfig config;
    config.host = "https://fake:6443";
    kube::ClientHooks hooks;
    hooks.clock = &clock_;
    hooks.random = [] { return 0.0; };
    auto client = kube::Client::Create(config, api_->NewTransport(), hooks);
    ASSERT_TRUE(client.ok()) << client.status();
    client_ = std::move(*client);
  }

  void Put(const std::string& kind, const std::string& name,
           nlohmann::json labels) {
    api_->Put({{"apiVersion", "v1"},
               {"kind", kind},
               {"metadata",
                {{"name", name}, {"namespace", "coder"}, {"labels", labels}}}});
  }

  testing::FakeClock clock_;
  std::shared_ptr<testing::FakeApiServer> api_ =
      std::make_shared<testing::FakeApiServer>(&clock_);
  std::unique_ptr<kube::Client> client_;
};

TEST_F(ListingsTest, WorkspacesByLabelElseByName) {
  Put("Pod", "dev-pod",
      {{kComponentLabel, "workspace"}, {kWorkspaceLabel, "dev"}});
  Put("PersistentVolumeClaim", "dev-home",
      {{kComponentLabel, "workspace"}, {kWorkspaceLabel, "dev"}});
  Put("PersistentVolumeClaim", "unnamed", {{kComponentLabel, "workspace"}});
  Put("PersistentVolumeClaim", "kept", {{kComponentLabel, "retained-home"}});
  Put("Pod", "other", {{"app", "x"}});
  absl::StatusOr<std::vector<std::string>> workspaces =
      internal::WorkspacesIn(*client_, "coder", {});
  ASSERT_TRUE(workspaces.ok()) << workspaces.status();
  EXPECT_THAT(*workspaces, ElementsAre("dev", "unnamed"));
  absl::StatusOr<std::vector<std::string>> kept =
      internal::RetainedHomesIn(*client_, "coder", {});
  ASSERT_TRUE(kept.ok()) << kept.status();
  EXPECT_THAT(*kept, ElementsAre("kept"));
}

TEST_F(ListingsTest, ListErrorsAreReturned) {
  api_->PushReply("GET", "/api/v1/namespaces/coder/pods",
                  testing::Reply::Json(403, {{"kind", "Status"},
                                             {"code", 403},
                                             {"reason", "Forbidden"},
                                             {"message", "no"}}));
  EXPECT_EQ(internal::WorkspacesIn(*client_, "coder", {}).status().code(),
            absl::StatusCode::kPermissionDenied);
}

}  // namespace
}  // namespace cvm::resources
