// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/resources/cluster_probe.h"

#include <cstdint>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "nlohmann/json.hpp"

namespace cvm::resources {
namespace {

using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

constexpr char kNoSysboxWarning[] =
    "No node is labelled sysbox-runtime=running: sysbox-mode workspaces cannot "
    "be scheduled until Sysbox is installed (sysbox-deploy-k8s).";

kube::ServerVersion Version() { return {1, 29, "v1.29.4", "linux/amd64"}; }

struct NodeOptions {
  std::string name = "n1";
  std::string sysbox_label;  // value of sysbox-runtime, "" for none
  std::vector<json> taints;
  std::string provider_id;
  std::string os_image = "Ubuntu 22.04.4 LTS";
};

json Node(const NodeOptions& o) {
  json node = {{"apiVersion", "v1"},
               {"kind", "Node"},
               {"metadata", {{"name", o.name}, {"labels", json::object()}}},
               {"spec", json::object()},
               {"status", {{"nodeInfo", {{"osImage", o.os_image}}}}}};
  node["metadata"]["labels"]["kubernetes.io/hostname"] = o.name;
  if (!o.sysbox_label.empty()) {
    node["metadata"]["labels"]["sysbox-runtime"] = o.sysbox_label;
  }
  if (!o.taints.empty()) node["spec"]["taints"] = o.taints;
  if (!o.provider_id.empty()) node["spec"]["providerID"] = o.provider_id;
  return node;
}

TEST(FactsFromTest, CopiesTheVersion) {
  const ClusterFacts facts =
      FactsFrom({1, 27, "v1.27.9-eks-8cb36c9", "linux/arm64"}, {});
  EXPECT_EQ(facts.kubernetes_version, "v1.27.9-eks-8cb36c9");
  EXPECT_EQ(facts.major, 1);
  EXPECT_EQ(facts.minor, 27);
}

json Taint(const std::string& key, const std::string& value,
           const std::string& effect) {
  json t = {{"key", key}, {"effect", effect}};
  if (!value.empty()) t["value"] = value;
  return t;
}

NodeOptions Labelled(const std::string& label, std::vector<json> taints = {},
                     const std::string& name = "n1") {
  NodeOptions o;
  o.name = name;
  o.sysbox_label = label;
  o.taints = std::move(taints);
  return o;
}

NodeOptions WithProviderId(const std::string& provider_id) {
  NodeOptions o = Labelled("running");
  o.provider_id = provider_id;
  return o;
}

NodeOptions WithOsImage(const std::string& name, const std::string& label,
                        const std::string& os_image) {
  NodeOptions o = Labelled(label, {}, name);
  o.os_image = os_image;
  return o;
}

TEST(FactsFromTest, CountsSysboxReadyNodesByLabelAndTaint) {
  struct Case {
    std::string name;
    std::vector<NodeOptions> nodes;
    int64_t want;
  };
  const json not_running = Taint("sysbox-runtime", "not-running", "NoSchedule");
  const std::vector<Case> cases = {
      {"no nodes", {}, 0},
      {"labelled running", {Labelled("running")}, 1},
      {"installing", {Labelled("installing")}, 0},
      {"removing", {Labelled("removing")}, 0},
      {"unlabelled", {Labelled("")}, 0},
      {"labelled but still tainted", {Labelled("running", {not_running})}, 0},
      {"tainted with NoExecute too",
       {Labelled("running",
                 {Taint("sysbox-runtime", "not-running", "NoExecute")})},
       0},
      {"other taints do not matter",
       {Labelled("running",
                 {Taint("gpu", "", "NoSchedule"),
                  Taint("sysbox-runtime", "running", "NoSchedule")})},
       1},
      {"installing and tainted", {Labelled("installing", {not_running})}, 0},
      {"mixed",
       {Labelled("running", {}, "a"), Labelled("running", {not_running}, "b"),
        Labelled("", {}, "c"), Labelled("running", {}, "d")},
       2},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<json> nodes;
    for (const NodeOptions& o : c.nodes) nodes.push_back(Node(o));
    const ClusterFacts facts = FactsFrom(Version(), nodes);
    EXPECT_EQ(facts.sysbox_ready_nodes, c.want);
    if (c.want == 0) {
      EXPECT_THAT(facts.warnings, ElementsAre(kNoSysboxWarning));
    } else {
      EXPECT_THAT(facts.warnings, IsEmpty());
    }
  }
}

TEST(FactsFromTest, PlatformFromProviderId) {
  struct Case {
    std::string name;
    std::vector<std::string> provider_ids;
    std::string want;
  };
  const std::vector<Case> cases = {
      {"no providerID is bare metal", {"", ""}, "bare-metal"},
      {"no nodes", {}, "bare-metal"},
      {"aws", {"aws:///us-east-1a/i-0123456789abcdef0"}, "aws"},
      {"gce", {"gce://my-project/us-central1-a/gke-pool-1-abcd"}, "gce"},
      {"azure",
       {"azure:///subscriptions/0000/resourceGroups/rg/providers/"
        "Microsoft.Compute/virtualMachineScaleSets/vmss/virtualMachines/0"},
       "azure"},
      {"kind is not a cloud",
       {"kind://docker/kind/kind-control-plane"},
       "bare-metal"},
      {"k3s is not a cloud", {"k3s://node-1"}, "bare-metal"},
      {"one cloud node makes the cluster a cloud",
       {"", "aws:///us-east-1a/i-1", "aws:///us-east-1b/i-2"},
       "aws"},
      {"several clouds, sorted",
       {"gce://p/z/n", "aws:///z/i", "gce://p/z/m"},
       "aws,gce"},
      {"no scheme", {"i-0123"}, "bare-metal"},
      {"empty scheme", {"://x"}, "bare-metal"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    std::vector<json> nodes;
    for (const std::string& id : c.provider_ids) {
      nodes.push_back(Node(WithProviderId(id)));
    }
    EXPECT_EQ(FactsFrom(Version(), nodes).platform, c.want);
  }
}

TEST(FactsFromTest, WarnsAboutSelinuxFamilyNodeImages) {
  struct Case {
    std::string os_image;
    bool selinux;
  };
  const std::vector<Case> cases = {
      {"Red Hat Enterprise Linux CoreOS 414.92.202402201450-0 (Plow)", true},
      {"Red Hat Enterprise Linux 9.3 (Plow)", true},
      {"RHEL 8", true},
      {"CentOS Stream 9", true},
      {"Fedora CoreOS 39.20240210.3.0", true},
      {"Rocky Linux 9.3 (Blue Onyx)", true},
      {"AlmaLinux 9.3 (Shamrock Pampas Cat)", true},
      {"Amazon Linux 2023.3.20240219", true},
      {"Amazon Linux 2", true},
      {"Oracle Linux Server 8.9", true},
      {"Bottlerocket OS 1.19.2 (aws-k8s-1.29)", true},
      {"Ubuntu 22.04.4 LTS", false},
      {"Debian GNU/Linux 12 (bookworm)", false},
      {"Container-Optimized OS from Google", false},
      {"Flatcar Container Linux by Kinvolk 3815.2.0 (Oklo)", false},
      {"Talos (v1.6.4)", false},
      {"", false},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.os_image);
    const ClusterFacts facts = FactsFrom(
        Version(), {Node(WithOsImage("worker-7", "running", c.os_image))});
    if (c.selinux) {
      EXPECT_THAT(
          facts.warnings,
          ElementsAre("Nodes worker-7 run an SELinux-family OS image; "
                      "Sysbox does not run with SELinux enabled, so CVMs "
                      "on them will fail unless SELinux is disabled."));
    } else {
      EXPECT_THAT(facts.warnings, IsEmpty());
    }
  }
}

TEST(FactsFromTest, SelinuxWarningListsEveryAffectedNodeAfterTheSysboxWarning) {
  const ClusterFacts facts = FactsFrom(
      Version(), {Node(WithOsImage("rhel-1", "", "Red Hat Enterprise Linux 9")),
                  Node(WithOsImage("ubuntu-1", "", "Ubuntu 22.04.4 LTS")),
                  Node(WithOsImage("al-1", "", "Amazon Linux 2023"))});
  ASSERT_EQ(facts.warnings.size(), 2u);
  EXPECT_EQ(facts.warnings[0], kNoSysboxWarning);
  EXPECT_THAT(facts.warnings[1],
              HasSubstr("Nodes rhel-1, al-1 run an SELinux-family"));
}

TEST(FactsFromTest, ToleratesMalformedNodes) {
  const std::vector<json> nodes = {
      json(nullptr),
      json::array(),
      json("node"),
      json::parse(R"({"metadata": "x", "spec": 3, "status": []})"),
      json::parse(R"({"metadata": {"labels": {"sysbox-runtime": 1}}})"),
      json::parse(R"({"metadata": {"labels": {"sysbox-runtime": "running"}},
                      "spec": {"taints": "not-a-list", "providerID": 7}})"),
      json::parse(R"({"metadata": {"labels": {"sysbox-runtime": "running"}},
                      "spec": {"taints": [null, 1, "x", {"key": 2}]},
                      "status": {"nodeInfo": {"osImage": 5}}})"),
  };
  const ClusterFacts facts = FactsFrom(Version(), nodes);
  EXPECT_EQ(facts.sysbox_ready_nodes, 2);
  EXPECT_EQ(facts.platform, "bare-metal");
  EXPECT_THAT(facts.warnings, IsEmpty());
}

}  // namespace
}  // namespace cvm::resources
