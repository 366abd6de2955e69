// Copyright 2026 The terraform-provider-cvm Authors. SPDX-License-Identifier: MPL-2.0

#include "provider/resources/host_paths.h"

namespace cvm::resources {

using schema::Attribute;
using values::Type;
using values::Value;

std::vector<HostPathMount> HostPathMounts(bool caching,
                                          bool auto_load_shiftfs) {
  const bool kernel_rw = caching && auto_load_shiftfs;
  std::vector<HostPathMount> mounts = {
      {"/usr/src", "/usr/src", !kernel_rw},
      {"/lib/modules", "/lib/modules", !kernel_rw},
  };
  if (caching) {
    mounts.push_back({"/var/run", "/mnt/host/var/run", true});
    mounts.push_back({"/var/lib", "/mnt/host/var/lib", false});
  }
  return mounts;
}

Type HostPathObjectType() {
  return Type::Object({{"path", Type::String()},
                       {"mount_path", Type::String()},
                       {"read_only", Type::Bool()}});
}

std::vector<Attribute> HostPathAttributes() {
  return {
      Attribute("path", Type::String())
          .Computed()
          .Describe("Path on the node."),
      Attribute("mount_path", Type::String())
          .Computed()
          .DescribeMarkdown(
              "Where the outer container sees it: the same path for "
              "`/usr/src`, `/lib/modules` and the GPU library directory "
              "(at `/var/coder/usr/lib`), and `/mnt/host/var/run`, "
              "`/mnt/host/var/lib` for the node's `/var/run` and `/var/lib`, "
              "so they shadow nothing of the container's own."),
      Attribute("read_only", Type::Bool())
          .Computed()
          .Describe("Whether the mount is read-only."),
  };
}

Value HostPathsValue(const std::vector<HostPathMount>& mounts) {
  std::vector<Value> items;
  for (const HostPathMount& m : mounts) {
    items.push_back(Value::Object({{"path", Value::String(m.path)},
                                   {"mount_path", Value::String(m.mount_path)},
                                   {"read_only", Value::Bool(m.read_only)}}));
  }
  return Value::List(HostPathObjectType(), std::move(items));
}

}  // namespace cvm::resources
