// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// CheckAgainstCluster: the plan-time checks of cvm_cluster_settings that
// need cluster facts. The end-to-end tests (tests/e2e/cluster_settings_test.py)
// run them against the real 1.20 API server; the rules that server cannot
// produce (Kubernetes older than 1.18) are covered here.

#include "provider/resources/cluster_settings.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

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

}  // namespace
}  // namespace cvm::resources
