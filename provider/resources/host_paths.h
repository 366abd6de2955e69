// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0
//
// The host paths an envbox workspace's outer pod mounts, as a function of
// the namespace's cluster settings (Coder v1's CVM matrix), and where the
// outer container sees them:
//
//   caching  auto_load_shiftfs  /usr/src  /lib/modules  /var/run  /var/lib
//   off      n/a                RO        RO            -         -
//   on       off                RO        RO            RO        RW
//   on       on                 RW        RW            RO        RW
//
//   node path     in the outer container
//   /usr/src      /usr/src             (Sysbox reads the kernel headers there)
//   /lib/modules  /lib/modules         (and the kernel modules, shiftfs)
//   /var/run      /mnt/host/var/run    (the node runtime's sockets)
//   /var/lib      /mnt/host/var/lib    (the node runtime's image cache)
//
// Caching uses the node's image cache, so the node runtime's state
// (/var/lib) and socket (/var/run) must be visible; auto-loading shiftfs
// builds and loads a kernel module, which needs /usr/src and /lib/modules
// writable. The node's /var/run and /var/lib go under /mnt/host (Sysbox's
// installer uses the same prefix) because at their own paths they would
// shadow the container's /run (envbox's dockerd and Sysbox sockets, the
// kubelet's service-account token) and /var/lib (envbox's /var/lib/docker,
// /var/lib/sysbox). Part of resources/.

#ifndef CVM_PROVIDER_RESOURCES_HOST_PATHS_H_
#define CVM_PROVIDER_RESOURCES_HOST_PATHS_H_

#include <string>
#include <vector>

#include "provider/schema/schema.h"
#include "provider/values/value.h"

namespace cvm::resources {

struct HostPathMount {
  std::string path;        // on the node
  std::string mount_path;  // in the outer container
  bool read_only = true;
  bool operator==(const HostPathMount&) const = default;
};

// The rows of the table above, in the table's column order.
// REQUIRES: !auto_load_shiftfs || caching (validated at plan time).
std::vector<HostPathMount> HostPathMounts(bool caching, bool auto_load_shiftfs);

// The host_path_mounts attribute of both resources and both data sources:
// a list of objects {path, mount_path, read_only}, all computed.
values::Type HostPathObjectType();
std::vector<schema::Attribute> HostPathAttributes();
values::Value HostPathsValue(const std::vector<HostPathMount>& mounts);

}  // namespace cvm::resources

#endif  // CVM_PROVIDER_RESOURCES_HOST_PATHS_H_
