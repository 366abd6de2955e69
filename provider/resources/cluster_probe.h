// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// What the provider learns about a cluster before it runs CVMs there: the
// Kubernetes version, how many nodes run Sysbox, whether the cluster is bare
// metal or a cloud (from node providerIDs), and warnings such as
// SELinux-family node images. Part of resources/.

#ifndef CVM_PROVIDER_RESOURCES_CLUSTER_PROBE_H_
#define CVM_PROVIDER_RESOURCES_CLUSTER_PROBE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "nlohmann/json.hpp"
#include "provider/kube/client.h"

namespace cvm::resources {

inline constexpr char kBareMetal[] = "bare-metal";

struct ClusterFacts {
  std::string kubernetes_version;  // "v1.20.2"
  int major = 0;
  int minor = 0;
  int64_t sysbox_ready_nodes = 0;
  std::string platform = kBareMetal;  // or "aws", "gce", "azure", ...
  std::vector<std::string> warnings;
};

// Derives facts from a /version answer and a node list (pure; tested
// without a cluster). A node is Sysbox-ready when labelled
// sysbox-runtime=running and not tainted sysbox-runtime=not-running.
ClusterFacts FactsFrom(const kube::ServerVersion& version,
                       const std::vector<nlohmann::json>& nodes);

// Reads /version and lists nodes (two requests). Errors are the client's.
absl::StatusOr<ClusterFacts> ProbeCluster(kube::Client& client,
                                          const kube::RequestOptions& opts);

// The minimum Kubernetes version CVMs support.
inline constexpr int kMinKubernetesMinor = 18;

}  // namespace cvm::resources

#endif  // CVM_PROVIDER_RESOURCES_CLUSTER_PROBE_H_
