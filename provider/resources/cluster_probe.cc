// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/resources/cluster_probe.h"

#include <set>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "provider/resources/json_access.h"

namespace cvm::resources {
namespace {

bool IsSelinuxFamily(const std::string& os_image) {
  const std::string lower = absl::AsciiStrToLower(os_image);
  for (const char* family :
       {"red hat", "rhel", "centos", "fedora", "rocky", "alma", "amazon linux",
        "oracle linux", "bottlerocket"}) {
    if (absl::StrContains(lower, family)) return true;
  }
  return false;
}

}  // namespace

ClusterFacts FactsFrom(const kube::ServerVersion& version,
                       const std::vector<nlohmann::json>& nodes) {
  ClusterFacts facts;
  facts.kubernetes_version = version.git_version;
  facts.major = version.major;
  facts.minor = version.minor;
  std::set<std::string> clouds;
  std::vector<std::string> selinux_nodes;
  for (const nlohmann::json& node : nodes) {
    const std::string name = StringAt(node, {"metadata", "name"});
    bool labelled =
        StringAt(node, {"metadata", "labels", "sysbox-runtime"}) == "running";
    bool tainted = false;
    if (node.contains("spec") && node["spec"].is_object() &&
        node["spec"].contains("taints") && node["spec"]["taints"].is_array()) {
      for (const nlohmann::json& taint : node["spec"]["taints"]) {
        if (StringAt(taint, {"key"}) == "sysbox-runtime" &&
            StringAt(taint, {"value"}) == "not-running") {
          tainted = true;
        }
      }
    }
    if (labelled && !tainted) ++facts.sysbox_ready_nodes;
    const std::string provider_id = StringAt(node, {"spec", "providerID"});
    const size_t scheme = provider_id.find("://");
    if (scheme != std::string::npos && scheme > 0) {
      const std::string cloud = provider_id.substr(0, scheme);
      // kind and other local clusters use "kind://" and the like; they are
      // not clouds with GPU restrictions.
      if (cloud != "kind" && cloud != "k3s" && cloud != "metal")
        clouds.insert(cloud);
    }
    if (IsSelinuxFamily(StringAt(node, {"status", "nodeInfo", "osImage"}))) {
      selinux_nodes.push_back(name);
    }
  }
  if (!clouds.empty()) facts.platform = absl::StrJoin(clouds, ",");
  if (facts.sysbox_ready_nodes == 0) {
    facts.warnings.push_back(
        "No node is labelled sysbox-runtime=running: sysbox-mode workspaces "
        "cannot be scheduled until Sysbox is installed (sysbox-deploy-k8s).");
  }
  if (!selinux_nodes.empty()) {
    facts.warnings.push_back(absl::StrCat(
        "Nodes ", absl::StrJoin(selinux_nodes, ", "),
        " run an SELinux-family OS image; Sysbox does not run with SELinux "
        "enabled, so CVMs on them will fail unless SELinux is disabled."));
  }
  return facts;
}

absl::StatusOr<ClusterFacts> ProbeCluster(kube::Client& client,
                                          const kube::RequestOptions& opts) {
  absl::StatusOr<kube::ServerVersion> version = client.GetServerVersion(opts);
  if (!version.ok()) return version.status();
  absl::StatusOr<kube::ListResult> nodes =
      client.List("v1", "Node", "", {}, opts);
  if (!nodes.ok()) return nodes.status();
  return FactsFrom(*version, nodes->items);
}

}  // namespace cvm::resources
