// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The host paths an envbox workspace's outer pod mounts, as a function of
// the namespace's cluster settings (Coder v1's CVM matrix):
//
//   caching  auto_load_shiftfs  /usr/src  /lib/modules  /var/run  /var/lib
//   off      n/a                RO        RO            -         -
//   on       off                RO        RO            RO        RW
//   on       on                 RW        RW            RO        RW
//
// Caching uses the node's image cache, so the node runtime's state
// (/var/lib) and socket (/var/run) must be visible; auto-loading shiftfs
// builds and loads a kernel module, which needs /usr/src and /lib/modules
// writable. Part of resources/.

#ifndef CVM_PROVIDER_RESOURCES_HOST_PATHS_H_
#define CVM_PROVIDER_RESOURCES_HOST_PATHS_H_

#include <string>
#include <vector>

namespace cvm::resources {

struct HostPathMount {
  std::string path;  // same path on the host and in the outer container
  bool read_only = true;
  bool operator==(const HostPathMount&) const = default;
};

// The rows of the table above, in the table's column order.
// REQUIRES: !auto_load_shiftfs || caching (validated at plan time).
std::vector<HostPathMount> HostPathMounts(bool caching, bool auto_load_shiftfs);

}  // namespace cvm::resources

#endif  // CVM_PROVIDER_RESOURCES_HOST_PATHS_H_
