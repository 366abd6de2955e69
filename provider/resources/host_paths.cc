// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/resources/host_paths.h"

namespace cvm::resources {

std::vector<HostPathMount> HostPathMounts(bool caching,
                                          bool auto_load_shiftfs) {
  const bool kernel_rw = caching && auto_load_shiftfs;
  std::vector<HostPathMount> mounts = {
      {"/usr/src", !kernel_rw},
      {"/lib/modules", !kernel_rw},
  };
  if (caching) {
    mounts.push_back({"/var/run", true});
    mounts.push_back({"/var/lib", false});
  }
  return mounts;
}

}  // namespace cvm::resources
